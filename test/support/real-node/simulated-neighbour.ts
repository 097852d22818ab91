import type { Server } from 'node:net';
import { rm } from 'node:fs/promises';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { SimulatedNode } from '../control-plane/node/simulated-node.js';
import { CarrierSimulator } from '../simulated-cluster/simulators/carrier-simulator.js';
import { forwardingServer } from './forwarder.js';
import { NEIGHBOUR_KUBELET_PORT, NEIGHBOUR_NODE_IP } from './node-config.js';
import type { RealNode } from './real-node.js';

/** Pods that tolerate it may be bound to the neighbour; the scheduler keeps everything else (Stowaway) on the real node. */
export const NEIGHBOUR_TAINT = { key: 'gefyra.dev/simulated-node', effect: 'NoSchedule' } as const;

export interface SimulatedNeighbour {
  readonly node: SimulatedNode;
  stop(): Promise<void>;
}

/**
 * A simulated node registered with the real node's API server, for pods a
 * real node cannot hold (a kubelet runs about 110): its kubelet runs in this
 * process and answers exec as Carrier does (CarrierSimulator, the contract of
 * the real scripts). The API server reaches it as it reaches any kubelet: at
 * the Node's InternalIP and kubelet port (NEIGHBOUR_NODE_IP:NEIGHBOUR_KUBELET_PORT
 * inside the node's network namespace), from where a forwarder passes the
 * connection through a unix socket to the kubelet's port here. Tainted, so
 * that only pods bound to it by name run there.
 */
export async function startSimulatedNeighbour(
  realNode: RealNode,
  kubeConfig: KubeConfig,
  options: { readonly name: string; readonly pods: number },
): Promise<SimulatedNeighbour> {
  const node = new SimulatedNode({
    kubeConfig,
    name: options.name,
    // Apart from the real node's 10.244.0.0/24, so that no pod IP is given twice.
    podCidr: '10.245.0.0/16',
    capacity: { cpu: '64', memory: '256Gi', pods: String(options.pods) },
    reachableAt: { address: NEIGHBOUR_NODE_IP, port: NEIGHBOUR_KUBELET_PORT },
  });
  const carrier = new CarrierSimulator({
    containerIdOf: (target) => node.containerIdOf(target),
    restartContainer: (target) => node.restartContainer(target),
  });
  node.onExec(carrier.handle);
  await node.start();
  let bridge: Server | undefined;
  try {
    await kubeConfig
      .makeApiClient(CoreV1Api)
      .patchNode(
        { name: node.name, body: { spec: { taints: [NEIGHBOUR_TAINT] } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    const listener = forwardingServer({ host: '127.0.0.1', port: node.kubeletPort });
    await rm(realNode.neighbourKubeletSocket, { force: true });
    await new Promise<void>((resolve) => listener.listen(realNode.neighbourKubeletSocket, resolve));
    bridge = listener;
  } catch (error) {
    await node.stop({ deregister: true });
    throw error;
  }
  return {
    node,
    stop: async () => {
      await node.stop({ deregister: true });
      await new Promise((resolve) => bridge?.close(resolve));
    },
  };
}
