import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
import { SimulatedCarrier } from './handlers/simulated-carrier.js';
import { SimulatedStowaway } from './handlers/simulated-stowaway.js';
import { SimulatedNode, type SimulatedNodeOptions } from './node/simulated-node.js';

export interface LocalClusterOptions {
  readonly controlPlane?: ControlPlaneOptions;
  readonly node?: Omit<SimulatedNodeOptions, 'kubeConfig'>;
}

/** A control plane with one simulated node that answers like Gefyra's Stowaway and Carrier containers. */
export interface LocalCluster {
  readonly controlPlane: ControlPlane;
  readonly node: SimulatedNode;
  readonly stowaway: SimulatedStowaway;
  readonly carrier: SimulatedCarrier;
  stop(): Promise<void>;
}

/**
 * Everything needed to run the operator against a cluster on this machine
 * without containers: used by the CLI, and by anything that embeds it (a
 * development `start` without a kubeconfig).
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const controlPlane = await startControlPlane(options.controlPlane);
  const stowaway = new SimulatedStowaway();
  const carrier = new SimulatedCarrier();
  const node = new SimulatedNode({
    ...options.node,
    kubeConfig: controlPlane.kubeletKubeConfig(),
    handlers: [...(options.node?.handlers ?? []), stowaway.handle, carrier.handle],
  });
  try {
    await node.start();
  } catch (error) {
    await controlPlane.stop();
    throw error;
  }
  return {
    controlPlane,
    node,
    stowaway,
    carrier,
    stop: async () => {
      await node.stop({ deregister: true }).catch(() => undefined);
      await controlPlane.stop();
    },
  };
}
