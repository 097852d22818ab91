export { SimulatedCluster } from './simulated-cluster.js';
export { imageIdOf } from './container-model.js';
export { StowawaySimulator } from './simulators/stowaway-simulator.js';
export { CarrierSimulator } from './simulators/carrier-simulator.js';
