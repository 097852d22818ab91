import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';

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
