import { toDomainPod } from '../../../src/adapters/kubernetes/shapes/index.js';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import type { Undo } from '../../support/control-plane/index.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../../support/control-plane/vitest.js';
import { describeClusterApiContract } from '../../contracts/cluster-api.contract.js';
import {
  describeClusterControllers,
  type ClusterControllersFixture,
} from '../../contracts/cluster-controllers.contract.js';
import { never } from './fixtures.js';
import { isReady } from '../../support/pod-conditions.js';

// The shared ClusterApi and cluster-controllers contracts, on the real API
// server with the simulated kubelet. One namespace for the file (the suite's object names do not
// collide); exec handlers are removed after each test.
const node = useSimulatedNode();
const cluster = useControlPlane();
const namespace = useTestNamespace('contract');

const setup = async (): Promise<ClusterControllersFixture> => {
  const api = new KubernetesClusterApi(cluster.adminKubeConfig());
  const undos: Undo[] = [];
  return {
    api,
    namespace: namespace.name,
    async createRunningPod(manifest) {
      await api.create(manifest, never);
      await node.whenPod(`${namespace.name}/${manifest.metadata.name}`, isReady);
      const pod = await api.findPod({ namespace: namespace.name, name: manifest.metadata.name }, never);
      if (pod === undefined) throw new Error(`pod ${manifest.metadata.name} vanished after it became ready`);
      return pod;
    },
    onExec(handler) {
      undos.push(
        node.onExec(
          async (request) =>
            await handler({
              namespace: request.namespace,
              pod: request.pod,
              container: request.container,
              command: request.command,
              podObject: toDomainPod(request.podObject ?? {}),
            }),
        ),
      );
    },
    failImagePull(imagePrefix) {
      undos.push(node.failImagePull(imagePrefix));
    },
    teardown() {
      for (const undo of undos.splice(0)) undo();
      return Promise.resolve();
    },
  };
};

describeClusterApiContract('KubernetesClusterApi on kube-apiserver', setup);
describeClusterControllers('KubernetesClusterApi on kube-apiserver', setup);
