export {
  InMemoryCluster,
  type InMemoryClusterOptions,
  type PodManifestInput,
  type WatchEvent,
} from './in-memory-cluster.js';
export { commandNotFound, failed, succeeded, type ExecCall, type ExecHandler } from './exec-handler.js';
export type { WatchEventType } from './object-store.js';
export { InMemoryRouteStore } from './in-memory-route-store.js';
export { InMemoryWatchSource } from './in-memory-watch-source.js';
