import { CarrierSimulator, type CarrierSimulatorOptions } from '../simulated-cluster/simulators/carrier-simulator.js';
import { Carrier2Simulator } from '../simulated-cluster/simulators/carrier2-simulator.js';
import {
  StowawaySimulator,
  type StowawaySimulatorOptions,
} from '../simulated-cluster/simulators/stowaway-simulator.js';
import type { SimulatedNode } from './node/simulated-node.js';
import type { Undo } from '../simulated-cluster/kubelet-faults.js';

export interface GefyraComponentOptions {
  readonly stowaway?: Omit<StowawaySimulatorOptions, 'readConfigMap'>;
  readonly carrier?: Omit<CarrierSimulatorOptions, 'containerIdOf' | 'restartContainer'>;
}

export interface GefyraComponents {
  readonly stowaway: StowawaySimulator;
  readonly carrier: CarrierSimulator;
  readonly carrier2: Carrier2Simulator;
  /** They all stop answering. */
  readonly remove: Undo;
}

/**
 * Makes a simulated node answer like Gefyra's Stowaway, Carrier and carrier2 images,
 * with the very simulators the in-memory cluster uses (so the operator's unit
 * and integration tests hold it to one contract): Stowaway reads its route
 * ConfigMap through the API server, as the kubelet fills the volume, and
 * Carrier forgets the configuration of a container the node restarted.
 */
export function simulateGefyraComponents(node: SimulatedNode, options: GefyraComponentOptions = {}): GefyraComponents {
  const stowaway = new StowawaySimulator({
    ...options.stowaway,
    readConfigMap: (namespace, name) => node.readConfigMap(namespace, name),
  });
  const carrier = new CarrierSimulator({
    ...options.carrier,
    containerIdOf: (target) => node.containerIdOf(target),
    restartContainer: (target) => node.restartContainer(target),
  });
  const carrier2 = new Carrier2Simulator();
  // carrier2 before Carrier: it answers every command in its containers, whose image names Carrier's too.
  const removals = [node.onExec(stowaway.handle), node.onExec(carrier2.handle), node.onExec(carrier.handle)];
  return {
    stowaway,
    carrier,
    carrier2,
    remove: () => {
      for (const remove of removals) remove();
    },
  };
}
