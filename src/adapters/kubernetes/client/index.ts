export { KubernetesClusterApi } from './kubernetes-cluster-api.js';
export { KubernetesWatchSource } from './kubernetes-watch-source.js';
export { checkApiReachable, loadKubeConfig } from './kube-config.js';
export { backoffDelay, ListWatchLoop, type ListResult, type Watcher } from './list-watch-loop.js';
export { WatchExpiredError, type RawWatchEvent } from './watch-stream.js';
