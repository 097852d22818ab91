import { countByVerbAndResource, total } from '../support/audit-log.js';
import type { BenchContext } from '../support/bench-context.js';
import { createPods, createRequest, established, inParallel, podName, requestName } from '../support/intercepts.js';
import { operatorIdle, scrape, sumOf } from '../support/operator-metrics.js';
import { residentMemory } from '../support/process-stats.js';

export interface ScaleResult {
  readonly activeIntercepts: number;
  readonly establishAllMs: number;
  readonly residentMiB: number;
  /** The most resident memory the operator had, through the burst and establishing all of these. */
  readonly peakResidentMiB: number;
  /** From the operator's own /metrics: the V8 heap in use (what the caches and the rest hold), reserved, and native memory held from JavaScript. */
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  readonly externalMiB: number;
  /** From starting a fresh operator to /readyz and every request reconciled once. */
  readonly takeUpMs: number;
  readonly takeUpApiRequests: number;
  readonly takeUpByVerbAndResource: Record<string, number>;
}

/**
 * `count` active intercepts (pods created here, in addition to `existing`
 * already intercepted ones): the operator's memory with all of them, and what
 * a freshly started operator needs to take them all up again.
 */
export async function measureScale(context: BenchContext, count: number): Promise<ScaleResult> {
  const pods = Array.from({ length: count }, (_, index) => podName('scale', index));
  const names = new Set(pods.map(requestName));
  for (let start = 0; start < pods.length; start += 100) {
    await createPods(context, pods.slice(start, start + 100));
    context.progress(`scale: ${Math.min(start + 100, pods.length)}/${count} target pods running`);
  }
  const created = performance.now();
  await inParallel(pods, 32, (pod) => createRequest(context, pod));
  const mine = (object: { metadata: { name: string } }) => names.has(object.metadata.name);
  const settled = await context.requests.whenAll(mine, established, count, 600_000);
  context.progress(`scale: ${count} intercepts established`);
  await operatorIdle(context.operator(), 300_000);
  const resident = await residentMemory(context.operator().pid);
  const metrics = await scrape(context.operator());
  const mib = (name: string) => Math.round((metrics.get(name) ?? Number.NaN) / 2 ** 20);

  await context.audit.mark();
  const restarting = performance.now();
  const fresh = await context.restartOperator();
  await fresh.ready({ timeoutMs: 300_000 });
  await waitUntil(
    async () => sumOf(await scrape(fresh), 'gefyra_operator_reconciles_total{controller="intercept"') >= count,
    300_000,
  );
  const takeUpMs = performance.now() - restarting;
  await operatorIdle(fresh, 300_000);
  const counts = countByVerbAndResource(await context.audit.read(), context.operatorUser);
  return {
    activeIntercepts: count,
    establishAllMs: Math.round(settled - created),
    residentMiB: resident.now,
    peakResidentMiB: resident.peak,
    heapUsedMiB: mib('nodejs_heap_used_bytes'),
    heapTotalMiB: mib('nodejs_heap_total_bytes'),
    externalMiB: mib('nodejs_external_memory_bytes'),
    takeUpMs: Math.round(takeUpMs),
    takeUpApiRequests: total(counts),
    takeUpByVerbAndResource: counts,
  };
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
