export { SimulatedCluster, type SimulatedClusterOptions } from './simulated-cluster.js';
export type { ExecRecord, LostOutcome } from './exec-registry.js';
export type { ImageMatcher, PodMatcher, Undo } from './kubelet-faults.js';
export { imageIdOf } from './container-model.js';
export {
  StowawaySimulator,
  type ConfigMapReader,
  type StowawaySimulatorOptions,
} from './simulators/stowaway-simulator.js';
export { CarrierSimulator, type CarrierSimulatorOptions, type CarrierState } from './simulators/carrier-simulator.js';
export { Stowaway2Simulator } from './simulators/stowaway2-simulator.js';
export {
  createSimulatedOperator,
  type SimulatedOperator,
  type SimulatedOperatorOptions,
} from './simulated-operator.js';
