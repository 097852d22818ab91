import { CoreV1Api } from '@kubernetes/client-node';
import { createInterceptRequest, deleteInterceptRequest } from '../../test/e2e/support/intercept-requests.js';
import { createTargetPod, webContainer } from '../../test/e2e/support/target-pods.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import type { BenchContext } from './bench-context.js';

/** The container of the benchmarks' targets: one served port, its HTTP probes on that port (Carrier routes it). */
export const benchContainer = () =>
  webContainer({
    livenessProbe: { httpGet: { path: '/health', port: 8080 } },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
  });

/** What creating pods and requests needs of a bench context. */
export type TargetContext = Pick<BenchContext, 'admin' | 'node' | 'targetNamespace' | 'operatorNamespace'>;

export const podName = (prefix: string, index: number) => `${prefix}-${index}`;
export const requestName = (pod: string) => `web-to-bench.pod.${pod}`;

export const established = (object: Manifest | undefined) => object?.['established'] === true;

export const phaseOf = (object: { [field: string]: unknown }) =>
  (object['status'] as { phase?: string } | undefined)?.phase;

/** True when the pod's `web` container runs its original image again. */
export function runsOriginal(object: Manifest | undefined): boolean {
  const statuses =
    (
      object?.['status'] as
        { containerStatuses?: { name: string; image: string; state?: { running?: unknown } }[] } | undefined
    )?.containerStatuses ?? [];
  const web = statuses.find((status) => status.name === 'web');
  return web?.image === 'shop/web:1.0' && web.state?.running !== undefined;
}

/** Runs `work` over `items` with at most `width` at a time. */
export async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

export async function createPods(context: TargetContext, names: readonly string[]): Promise<void> {
  await inParallel(names, 16, async (name) => {
    await createTargetPod(context.admin, context.node, {
      namespace: context.targetNamespace,
      name,
      containers: [benchContainer()],
    });
  });
}

export async function deletePods(context: TargetContext, names: readonly string[]): Promise<void> {
  const core = context.admin.makeApiClient(CoreV1Api);
  await inParallel(
    names,
    16,
    async (name) =>
      void (await core.deleteNamespacedPod({ namespace: context.targetNamespace, name, gracePeriodSeconds: 0 })),
  );
}

export async function createRequest(context: TargetContext, pod: string): Promise<void> {
  await createInterceptRequest(
    context.admin,
    { namespace: context.targetNamespace, pod, container: 'web' },
    { portMappings: ['8080:8000'] },
    { name: requestName(pod), namespace: context.operatorNamespace },
  );
}

export async function deleteRequest(context: TargetContext, pod: string): Promise<void> {
  await deleteInterceptRequest(context.admin, requestName(pod), { namespace: context.operatorNamespace, wait: false });
}
