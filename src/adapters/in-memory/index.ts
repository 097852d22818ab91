export {
  InMemoryCluster,
  type InMemoryClusterOptions,
  type PodManifestInput,
  type WatchEvent,
} from './in-memory-cluster.js';
export { commandNotFound, failed, succeeded, type ExecCall, type ExecHandler } from './exec-handler.js';
export type { ExecRecord } from './exec-registry.js';
export type { WatchEventType } from './object-store.js';
export type { ImageMatcher, PodMatcher, Undo } from './kubelet-faults.js';
export { imageIdOf } from './container-model.js';
export { InMemoryRouteStore } from './in-memory-route-store.js';
export {
  StowawaySimulator,
  type ConfigMapReader,
  type GenerateRun,
  type StowawaySimulatorOptions,
} from './simulators/stowaway-simulator.js';
export { CarrierSimulator, type CarrierSimulatorOptions, type CarrierState } from './simulators/carrier-simulator.js';
export { DEFAULT_PEER_CONFIG, renderPeerConfig, type WireGuardPeerConfig } from './simulators/wireguard-peer-config.js';
