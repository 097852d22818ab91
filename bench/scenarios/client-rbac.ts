import type { BenchContext } from '../support/bench-context.js';
import {
  createPods,
  createRequest,
  deletePods,
  deleteRequest,
  established,
  inParallel,
  podName,
  requestName,
} from '../support/intercepts.js';
import { operatorIdle } from '../support/operator-metrics.js';
import { measureIdle, type IdleResult } from './idle.js';
import { measureLatency, type LatencyResult } from './latency.js';

export interface ClientRbacResult {
  readonly latency: LatencyResult;
  /**
   * A steady-state minute with 0, 1 and many active intercepts: what the
   * reads and rechecks that stand in for watches cost.
   */
  readonly idle: { readonly none: IdleResult; readonly one: IdleResult; readonly many: IdleResult };
}

/**
 * The operator installed as `gefyra up` installs it, under the client's
 * ClusterRole (no watches on core and apps kinds, a ConfigMap leader lock,
 * the status in an annotation): sequential intercepts and the idle cost.
 */
export async function measureUnderClientRbac(
  context: BenchContext,
  sizes: { sequential: number; idleSeconds: number; idleIntercepts: number },
): Promise<ClientRbacResult> {
  const latency = await measureLatency(context, sizes.sequential);
  const none = await measureIdle(context, 0, sizes.idleSeconds);
  const one = await idleWith(context, [podName('latency', 0)], sizes.idleSeconds);
  const pods = Array.from({ length: sizes.idleIntercepts }, (_, index) => podName('client-idle', index));
  await createPods(context, pods);
  const many = await idleWith(context, pods, sizes.idleSeconds);
  await deletePods(context, pods);
  return { latency, idle: { none, one, many } };
}

/** The idle cost with an established intercept on each pod; the intercepts are removed afterwards. */
async function idleWith(context: BenchContext, pods: readonly string[], seconds: number): Promise<IdleResult> {
  const names = new Set(pods.map(requestName));
  await inParallel(pods, 16, (pod) => createRequest(context, pod));
  await context.requests.whenAll((object) => names.has(object.metadata.name), established, pods.length);
  const idle = await measureIdle(context, pods.length, seconds);
  await inParallel(pods, 16, (pod) => deleteRequest(context, pod));
  await context.requests.whenAll(
    (object) => names.has(object.metadata.name),
    () => false,
    0,
  );
  await operatorIdle(context.operator());
  return idle;
}
