import { ApiException, CoreV1Api, type KubeConfig, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import type { SimulatedNode } from '../../support/control-plane/index.js';
import { containerStatus as containerStatusOf, isReady } from '../../support/pod-conditions.js';
import { targetContainerFields } from '../../support/target-container.js';

/** The container a developer intercepts (test/support/target-container.ts). */
export function webContainer(overrides: Partial<V1Container> = {}): V1Container {
  return { ...targetContainerFields(), ...overrides };
}

export interface TargetPodOptions {
  readonly namespace: string;
  readonly name: string;
  /** Default: one {@link webContainer}. */
  readonly containers?: readonly V1Container[];
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Creates a pod (as a workload's controller would) and waits until the
 * simulated node runs it and it is Ready. In a namespace just created, the
 * `default` ServiceAccount may have no token yet: the API server then asks
 * to retry after a second, and so does this, as a controller would.
 */
export async function createTargetPod(
  kubeConfig: KubeConfig,
  node: SimulatedNode,
  options: TargetPodOptions,
): Promise<V1Pod> {
  const body: V1Pod = {
    metadata: { name: options.name, labels: { app: 'web', ...options.labels } },
    spec: { containers: [...(options.containers ?? [webContainer()])], terminationGracePeriodSeconds: 1 },
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await kubeConfig.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: options.namespace, body });
      break;
    } catch (error) {
      const tokenPending =
        error instanceof ApiException && error.code === 500 && String(error.body).includes('No API token found');
      if (!tokenPending || attempt >= 20) throw error;
      await delay(1000);
    }
  }
  return await node.whenPod(
    `${options.namespace}/${options.name}`,
    (pod) => pod.status?.phase === 'Running' && isReady(pod),
  );
}

export async function readPod(kubeConfig: KubeConfig, namespace: string, name: string): Promise<V1Pod> {
  return await kubeConfig.makeApiClient(CoreV1Api).readNamespacedPod({ namespace, name });
}

export { containerStatusOf, isReady };

export function containerSpecOf(pod: V1Pod, container: string): V1Container | undefined {
  return pod.spec?.containers.find((candidate) => candidate.name === container);
}

/** The running container reports this image (spec and status), as after a kubelet restart with it. */
export function runsImage(pod: V1Pod, container: string, image: string | RegExp): boolean {
  const status = containerStatusOf(pod, container);
  const matches = (value: string | undefined) =>
    value !== undefined && (typeof image === 'string' ? value === image : image.test(value));
  return (
    matches(containerSpecOf(pod, container)?.image) && matches(status?.image) && status?.state?.running !== undefined
  );
}
