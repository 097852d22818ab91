export { DEFAULT_FIELD_MANAGER, KubernetesClusterApi, type KubernetesClusterApiOptions } from './kubernetes-cluster-api.js';
export { KubernetesWatchSource, type KubernetesWatchSourceOptions } from './kubernetes-watch-source.js';
export { checkApiReachable, loadKubeConfig, SERVICE_ACCOUNT_DIR, type LoadKubeConfigOptions } from './kube-config.js';
export { backoffDelay, ListWatchLoop, type BackoffOptions, type ListResult, type Lister, type ListWatchLoopOptions, type Watcher } from './list-watch-loop.js';
export { WatchExpiredError, type RawWatchEvent } from './watch-stream.js';
export { DEFAULT_EXEC_TIMEOUT_MS } from './kubernetes-exec.js';
