export { KubernetesClusterApi, type KubernetesClusterApiOptions } from './kubernetes-cluster-api.js';
export { KubernetesWatchSource, type KubernetesWatchSourceOptions } from './kubernetes-watch-source.js';
export { checkApiReachable, loadKubeConfig, type LoadKubeConfigOptions } from './kube-config.js';
export {
  backoffDelay,
  ListWatchLoop,
  type BackoffOptions,
  type ListResult,
  type Lister,
  type ListWatchLoopOptions,
  type Watcher,
} from './list-watch-loop.js';
export { WatchExpiredError, type RawWatchEvent } from './watch-stream.js';
