import type { CarrierSimulator } from '../simulated-cluster/simulators/carrier-simulator.js';
import type { StowawaySimulator } from '../simulated-cluster/simulators/stowaway-simulator.js';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
import { simulateGefyraComponents } from './gefyra-components.js';
import { SimulatedNode, type SimulatedNodeOptions } from './node/simulated-node.js';

export interface LocalClusterOptions {
  readonly controlPlane?: ControlPlaneOptions;
  readonly node?: Omit<SimulatedNodeOptions, 'kubeConfig'>;
}

/** A control plane with one simulated node that answers like Gefyra's Stowaway and Carrier containers. */
export interface LocalCluster {
  readonly controlPlane: ControlPlane;
  readonly node: SimulatedNode;
  readonly stowaway: StowawaySimulator;
  readonly carrier: CarrierSimulator;
  stop(): Promise<void>;
}

/**
 * Everything needed to run the operator against a cluster on this machine
 * without containers: used by the CLI, and by anything that embeds it (a
 * development `start` without a kubeconfig).
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const controlPlane = await startControlPlane(options.controlPlane);
  const node = new SimulatedNode({ ...options.node, kubeConfig: controlPlane.kubeletKubeConfig() });
  const { stowaway, carrier } = simulateGefyraComponents(node);
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
