// Run as a child process by watch-source.test.ts: watches, sees an event,
// stops, and then must exit on its own. A socket or timer left behind by
// the watch would keep this process alive, and the test would time out.
import {
  KubernetesClusterApi,
  KubernetesWatchSource,
  loadKubeConfig,
} from '../../../src/adapters/kubernetes/client/index.js';

const [kubeconfigPath = '', namespace = ''] = process.argv.slice(2);
const kubeConfig = loadKubeConfig(kubeconfigPath);
const signal = new AbortController().signal;
const source = new KubernetesWatchSource(kubeConfig);
let seen: () => void = () => undefined;
const added = new Promise<void>((resolve) => (seen = resolve));
const subscription = source.watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace }, (event) => {
  if (event.type === 'ADDED' && event.object.metadata.name === 'exit-check') seen();
});
await subscription.synced;
await new KubernetesClusterApi(kubeConfig).apply(
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'exit-check', namespace }, data: {} },
  signal,
);
await added;
await subscription.stop();
const timers = process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
process.stdout.write(`stopped; timers left: ${timers}\n`);
