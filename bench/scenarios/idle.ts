import { countByVerbAndResource, total } from '../support/audit-log.js';
import type { BenchContext } from '../support/bench-context.js';
import { cpuSeconds } from '../support/process-stats.js';
import { operatorIdle } from '../support/operator-metrics.js';

export interface IdleResult {
  readonly activeIntercepts: number;
  readonly seconds: number;
  readonly apiRequestsPerMinute: number;
  readonly byVerbAndResource: Record<string, number>;
  readonly cpuSecondsPerMinute: number;
}

/** The operator with `active` established intercepts and nothing changing: what it costs per minute. */
export async function measureIdle(context: BenchContext, active: number, seconds: number): Promise<IdleResult> {
  const operator = context.operator();
  await operatorIdle(operator);
  await context.audit.mark();
  const cpuBefore = await cpuSeconds(operator.pid);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpuAfter = await cpuSeconds(operator.pid);
  const counts = countByVerbAndResource(await context.audit.read(), context.operatorUser);
  const perMinute = 60 / seconds;
  return {
    activeIntercepts: active,
    seconds,
    apiRequestsPerMinute: Math.round(total(counts) * perMinute * 10) / 10,
    byVerbAndResource: Object.fromEntries(
      Object.entries(counts).map(([key, value]) => [key, Math.round(value * perMinute * 10) / 10]),
    ),
    cpuSecondsPerMinute: Math.round((cpuAfter - cpuBefore) * perMinute * 100) / 100,
  };
}
