import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import { silentLogger } from '../../../src/adapters/system/pino-logger.js';
import { StowawayRouteStore } from '../../../src/plugins/stowaway/stowaway-route-store.js';
import { STOWAWAY } from '../../../src/plugins/stowaway/stowaway-names.js';
import { stowawaySettingsOf } from '../../../src/plugins/stowaway/stowaway-settings.js';
import { describeRouteStoreContract } from '../../contracts/route-store.contract.js';
import { pluginContext } from '../../support/plugin-context.js';
import { useControlPlane, useTestNamespace } from '../../support/control-plane/vitest.js';
import { never } from './fixtures.js';

// The shared RouteStore contract, on the real API server: the route ConfigMap
// in this file's namespace, removed after each test so that each starts empty.
const cluster = useControlPlane();
const namespace = useTestNamespace('routes');

describeRouteStoreContract('StowawayRouteStore on kube-apiserver', async () => {
  const api = new KubernetesClusterApi(cluster.adminKubeConfig());
  const settings = stowawaySettingsOf(pluginContext({}, namespace.name));
  return {
    store: new StowawayRouteStore(api, settings, silentLogger),
    teardown: async () => {
      await api.remove(
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace.name, name: STOWAWAY.routesConfigMap },
        never,
      );
    },
  };
});
