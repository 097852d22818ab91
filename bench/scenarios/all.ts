import type { BenchContext } from '../support/bench-context.js';
import {
  createRequest,
  deletePods,
  deleteRequest,
  established,
  inParallel,
  podName,
  requestName,
} from '../support/intercepts.js';
import { operatorIdle } from '../support/operator-metrics.js';
import { measureBurst, type BurstResult } from './burst.js';
import { measureIdle, type IdleResult } from './idle.js';
import { measureLatency, type LatencyResult } from './latency.js';
import { measureScale, type ScaleResult } from './scale.js';

export interface Sizes {
  readonly sequential: number;
  readonly burst: number;
  readonly idleIntercepts: number;
  readonly idleSeconds: number;
  readonly scale: number;
}

/** The sizes the issue asks for. */
export const FULL: Sizes = { sequential: 50, burst: 200, idleIntercepts: 100, idleSeconds: 60, scale: 1000 };
/** Enough of each to exercise every scenario (the test suite's smoke run). */
export const QUICK: Sizes = { sequential: 3, burst: 6, idleIntercepts: 4, idleSeconds: 3, scale: 8 };

export interface ScenarioResults {
  readonly latency: LatencyResult;
  readonly burst: BurstResult;
  readonly idle: IdleResult;
  readonly scale: ScaleResult;
  /** The idle cost again with every scale intercept active: it should not grow with their number. */
  readonly idleAtScale: IdleResult;
}

export async function runScenarios(context: BenchContext, sizes: Sizes): Promise<ScenarioResults> {
  context.progress(`latency: ${sizes.sequential} sequential intercepts`);
  const latency = await measureLatency(context, sizes.sequential);
  context.progress(`latency: ${JSON.stringify(latency)}`);
  context.progress(`burst: ${sizes.burst} intercepts at once`);
  const burst = await measureBurst(context, sizes.burst);
  context.progress(`burst: ${JSON.stringify(burst)}`);

  context.progress(`idle: ${sizes.idleIntercepts} active intercepts for ${sizes.idleSeconds} s`);
  const idlePods = Array.from({ length: sizes.idleIntercepts }, (_, index) => podName('burst', index));
  await inParallel(idlePods, 16, (pod) => createRequest(context, pod));
  const idleNames = new Set(idlePods.map(requestName));
  await context.requests.whenAll((object) => idleNames.has(object.metadata.name), established, idlePods.length);
  const idle = await measureIdle(context, idlePods.length, sizes.idleSeconds);
  context.progress(`idle: ${JSON.stringify(idle)}`);
  await inParallel(idlePods, 16, (pod) => deleteRequest(context, pod));
  await context.requests.whenAll(
    (object) => idleNames.has(object.metadata.name),
    () => false,
    0,
  );
  await deletePods(
    context,
    Array.from({ length: sizes.burst }, (_, index) => podName('burst', index)),
  );
  await operatorIdle(context.operator());

  context.progress(`scale: ${sizes.scale} active intercepts`);
  const scale = await measureScale(context, sizes.scale);
  const idleAtScale = await measureIdle(context, sizes.scale, sizes.idleSeconds);
  return { latency, burst, idle, scale, idleAtScale };
}
