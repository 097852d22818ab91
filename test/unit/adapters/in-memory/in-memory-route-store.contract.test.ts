import { InMemoryCluster, InMemoryRouteStore } from '../../../../src/adapters/in-memory/index.js';
import { silentLogger } from '../../../../src/adapters/system/pino-logger.js';
import { StowawayRouteStore } from '../../../../src/plugins/stowaway/stowaway-route-store.js';
import { stowawaySettingsOf } from '../../../../src/plugins/stowaway/stowaway-settings.js';
import { describeRouteStoreContract } from '../../../contracts/route-store.contract.js';
import { pluginContext } from '../../../support/plugin-context.js';

describeRouteStoreContract('InMemoryRouteStore', async () => ({
  store: new InMemoryRouteStore(),
  teardown: async () => {},
}));

// The real adapter on the in-memory ClusterApi; on the real API server: test/integration/kubernetes/route-store-contract.test.ts.
describeRouteStoreContract('StowawayRouteStore on InMemoryCluster', async () => ({
  store: new StowawayRouteStore(
    new InMemoryCluster({ namespaces: ['gefyra'] }),
    stowawaySettingsOf(pluginContext()),
    silentLogger,
  ),
  teardown: async () => {},
}));
