import type { BenchContext } from '../support/bench-context.js';
import { createRequest, deleteRequest, established, podName, requestName } from '../support/intercepts.js';
import { operatorIdle } from '../support/operator-metrics.js';
import { measureIdle, type IdleResult } from './idle.js';
import { measureLatency, type LatencyResult } from './latency.js';

export interface ClientRbacResult {
  readonly latency: LatencyResult;
  /** With one active intercept: what the reads and rechecks that stand in for watches cost. */
  readonly idle: IdleResult;
}

/**
 * The operator installed as `gefyra up` installs it, under the client's
 * ClusterRole (no watches on core and apps kinds, a ConfigMap leader lock,
 * the status in an annotation): sequential intercepts and the idle cost.
 */
export async function measureUnderClientRbac(context: BenchContext, sizes: { sequential: number; idleSeconds: number }): Promise<ClientRbacResult> {
  const latency = await measureLatency(context, sizes.sequential);
  const pod = podName('latency', 0);
  const name = requestName(pod);
  await createRequest(context, pod);
  await context.requests.when(name, established);
  const idle = await measureIdle(context, 1, sizes.idleSeconds);
  await deleteRequest(context, pod);
  await context.requests.when(name, (object) => object === undefined);
  await operatorIdle(context.operator());
  return { latency, idle };
}
