import type { Condition, InterceptPhase, InterceptStatus } from '../intercept-request/intercept-status.js';
import { type InterceptProgress, progressToStatus } from './intercept-progress.js';

/**
 * Builds the status the operator writes, from the outcome of a reconcile.
 * Conditions keep their lastTransitionTime while their status is unchanged, so
 * an unchanged outcome produces an identical status and no write.
 */
export interface InterceptReport {
  readonly phase: InterceptPhase;
  readonly reason: string;
  readonly message: string;
  readonly warnings: readonly string[];
  readonly originalImage: string | undefined;
  /** For a failure: the spec fingerprint it stands for (see spec-fingerprint.ts). */
  readonly failedSpec?: string | undefined;
}

export function buildStatus(
  previous: InterceptStatus,
  report: InterceptReport,
  progress: InterceptProgress,
  generation: number,
  now: Date,
): InterceptStatus {
  const ready = report.phase === 'Established';
  const failed = report.phase === 'Failed';
  // Never an empty message: API servers of the 1.20 era reject "" for a CRD's
  // string field ("must be of type string: null"), and the whole status with it.
  const conditions = [
    condition(previous, 'Ready', ready, ready ? 'Established' : report.reason, report.message, generation, now),
    condition(
      previous,
      'Failed',
      failed,
      failed ? report.reason : 'NoFailure',
      failed ? report.message : 'the intercept has not failed',
      generation,
      now,
    ),
  ];
  return {
    observedGeneration: generation,
    phase: report.phase,
    reason: report.reason,
    message: report.message,
    ...progressToStatus(progress),
    ...(report.originalImage === undefined ? {} : { originalImage: report.originalImage }),
    ...(report.warnings.length === 0 ? {} : { warnings: [...report.warnings] }),
    ...(failed && report.failedSpec !== undefined ? { failedSpec: report.failedSpec } : {}),
    conditions,
  };
}

function condition(
  previous: InterceptStatus,
  type: string,
  isTrue: boolean,
  reason: string,
  message: string,
  generation: number,
  now: Date,
): Condition {
  const status = isTrue ? 'True' : 'False';
  const before = previous.conditions?.find((candidate) => candidate.type === type);
  return {
    type,
    status,
    reason,
    message,
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now.toISOString(),
    observedGeneration: generation,
  };
}

export function sameStatus(a: InterceptStatus, b: InterceptStatus): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, entry]) => entry !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, entry]) => [key, normalize(entry)]),
    );
  }
  return value;
}
