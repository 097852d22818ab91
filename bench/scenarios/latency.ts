import { STATUS_ANNOTATION } from '../../src/adapters/kubernetes/cluster-stores/cluster-intercept-request-store.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { countByVerbAndResource, total } from '../support/audit-log.js';
import type { BenchContext } from '../support/bench-context.js';
import {
  createPods,
  createRequest,
  deleteRequest,
  established,
  podName,
  requestName,
  runsOriginal,
} from '../support/intercepts.js';
import { operatorIdle } from '../support/operator-metrics.js';
import { perItem, summarize, type Summary } from '../support/stats.js';

export interface LatencyResult {
  readonly establishMs: Summary;
  readonly removeMs: Summary;
  /** API requests of the operator per intercept, by `verb resource`, and their totals. */
  readonly establishRequests: { readonly total: number; readonly byVerbAndResource: Record<string, number> };
  readonly removeRequests: { readonly total: number; readonly byVerbAndResource: Record<string, number> };
}

/**
 * Sequential one-port intercepts on one pod: from creating the request to
 * `established: true`, and from deleting it to the pod running its original
 * image again; the operator's API requests for each, from the audit log.
 */
export async function measureLatency(context: BenchContext, count: number): Promise<LatencyResult> {
  const pod = podName('latency', 0);
  await createPods(context, [pod]);
  const establishMs: number[] = [];
  const removeMs: number[] = [];
  const establishCounts: Record<string, number>[] = [];
  const removeCounts: Record<string, number>[] = [];
  for (let index = 0; index < count; index++) {
    const name = requestName(pod);
    await operatorIdle(context.operator());
    await context.audit.mark();
    const created = performance.now();
    await createRequest(context, pod);
    establishMs.push((await context.requests.when(name, established)) - created);
    await context.requests.when(name, (object) => phaseOf(object) === 'Established');
    await operatorIdle(context.operator());
    establishCounts.push(countByVerbAndResource(await context.audit.read(), context.operatorUser));

    const deleted = performance.now();
    await deleteRequest(context, pod);
    removeMs.push((await context.pods.when(pod, runsOriginal)) - deleted);
    await context.requests.when(name, (object) => object === undefined);
    await operatorIdle(context.operator());
    removeCounts.push(countByVerbAndResource(await context.audit.read(), context.operatorUser));
    if ((index + 1) % 10 === 0) context.progress(`latency: ${index + 1}/${count} intercepts`);
  }
  return {
    establishMs: summarize(establishMs),
    removeMs: summarize(removeMs),
    establishRequests: averaged(establishCounts),
    removeRequests: averaged(removeCounts),
  };
}

/** The phase from the status, or (under the Gefyra client's role, which may not write the status) from the annotation that keeps it. */
function phaseOf(object: Manifest | undefined): string | undefined {
  const kept = object?.metadata.annotations?.[STATUS_ANNOTATION];
  return ((kept === undefined ? object?.['status'] : JSON.parse(kept)) as { phase?: string } | undefined)?.phase;
}

function averaged(samples: readonly Record<string, number>[]): {
  total: number;
  byVerbAndResource: Record<string, number>;
} {
  const sum: Record<string, number> = {};
  for (const sample of samples) for (const [key, value] of Object.entries(sample)) sum[key] = (sum[key] ?? 0) + value;
  const byVerbAndResource = perItem(sum, samples.length);
  return { total: Math.round((total(sum) / samples.length) * 100) / 100, byVerbAndResource };
}
