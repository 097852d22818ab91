import { InMemoryCluster } from '../../../../src/adapters/in-memory/index.js';
import { describeClusterApiContract } from '../../../contracts/cluster-api.contract.js';

describeClusterApiContract('InMemoryCluster', async () => {
  const api = new InMemoryCluster({ namespaces: ['contract'] });
  return {
    api,
    namespace: 'contract',
    // No kubelet: addPod stores the pod with the status a kubelet reports for it running.
    createRunningPod: async (manifest) =>
      api.addPod({ metadata: manifest.metadata, spec: manifest['spec'] as Record<string, unknown> }),
    onExec: (handler) => {
      api.onExec(handler);
    },
    teardown: async () => {},
  };
});
