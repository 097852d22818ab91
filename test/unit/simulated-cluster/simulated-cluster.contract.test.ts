import { toDomainPod } from '../../../src/adapters/kubernetes/shapes/pod-mapping.js';
import { describeClusterApiContract } from '../../contracts/cluster-api.contract.js';
import {
  describeClusterControllers,
  type ClusterControllersFixture,
} from '../../contracts/cluster-controllers.contract.js';
import { SimulatedCluster } from '../../support/simulated-cluster/index.js';

// The simulated cluster most unit tests run on: the port contract (it is a
// ClusterApi) and what its kubelet and controllers emulate.
const setup = async (): Promise<ClusterControllersFixture> => {
  const api = new SimulatedCluster({ namespaces: ['contract'] });
  return {
    api,
    namespace: 'contract',
    // The kubelet runs a pod as soon as it is created; the fresh read shows it running.
    createRunningPod: async (manifest) => {
      const created = toDomainPod(await api.create(manifest, AbortSignal.timeout(1000)));
      const running = api.peekPod(created);
      if (!running?.ready) throw new Error(`pod ${created.name} did not become ready`);
      return running;
    },
    onExec: (handler) => {
      api.onExec(handler);
    },
    failImagePull: (imagePrefix) => {
      api.failImagePull(imagePrefix);
    },
    teardown: async () => {},
  };
};

describeClusterApiContract('SimulatedCluster', setup);
describeClusterControllers('SimulatedCluster', setup);
