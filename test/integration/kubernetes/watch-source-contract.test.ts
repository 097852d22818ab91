import { KubernetesClusterApi, KubernetesWatchSource } from '../../../src/adapters/kubernetes/client/index.js';
import { describeWatchSourceContract } from '../../contracts/watch-source.contract.js';
import { useControlPlane, useNamespaceOfEachTest } from '../../support/control-plane/vitest.js';

// The shared WatchSource contract, on the real API server; two fresh namespaces for each test.
const cluster = useControlPlane();
const namespace = useNamespaceOfEachTest('watch-contract');
const other = useNamespaceOfEachTest('watch-contract-other');

describeWatchSourceContract('KubernetesWatchSource on kube-apiserver', async () => ({
  source: new KubernetesWatchSource(cluster.adminKubeConfig()),
  api: new KubernetesClusterApi(cluster.adminKubeConfig()),
  namespace: namespace.name,
  otherNamespace: other.name,
  teardown: async () => {},
}));
