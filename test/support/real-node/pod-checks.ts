import { PassThrough } from 'node:stream';
import { CoreV1Api, Exec, type KubeConfig, type V1Pod } from '@kubernetes/client-node';

/** What the real-node tests read from pods on the node: the kubelet's reasons, its probe counters, exec. */

export interface ContainerRef {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** The operator's pods as deploy/ labels them, in `namespace`. */
export async function operatorPods(kubeConfig: KubeConfig, namespace: string): Promise<V1Pod[]> {
  const pods = await kubeConfig
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/name=gefyra-operator' });
  return pods.items;
}

/** Fails at once on a pod the kubelet cannot start, with the kubelet's reason. */
export function throwIfStuck(pods: readonly V1Pod[]): void {
  for (const pod of pods) {
    const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
    if (
      waiting?.reason !== undefined &&
      /ErrImageNeverPull|CreateContainerError|CrashLoopBackOff/.test(waiting.reason)
    ) {
      throw new Error(`pod ${pod.metadata?.name}: ${waiting.reason}: ${waiting.message ?? ''}`);
    }
  }
}

export async function nodeProxyGet(kubeConfig: KubeConfig, nodeName: string, path: string): Promise<string> {
  return await kubeConfig.makeApiClient(CoreV1Api).connectGetNodeProxyWithPath({ name: nodeName, path });
}

/** prober_probe_total for one pod, probe type and result (Prometheus text format). */
export function probeCount(metrics: string, pod: string, probeType: string, result: string): number {
  return metrics
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('prober_probe_total{') &&
        line.includes(`pod="${pod}"`) &&
        line.includes(`probe_type="${probeType}"`) &&
        line.includes(`result="${result}"`),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** Runs `command` in a container through the API server (the kubelet's exec); its stdout, or an error with its stderr. */
export async function execIn(kubeConfig: KubeConfig, target: ContainerRef, command: string[]): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    void new Exec(kubeConfig)
      .exec(target.namespace, target.pod, target.container, command, stdout, stderr, null, false, (status) =>
        status.status === 'Success' ? resolve() : reject(new Error(`exec failed: ${JSON.stringify(status)} ${err}`)),
      )
      .catch(reject);
  });
  return out;
}
