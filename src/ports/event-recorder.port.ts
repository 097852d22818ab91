import type { ObjectRef } from './cluster-api.port.js';

/**
 * EventRecorder: tells people what happened and why, as Kubernetes Events in
 * production. Recording is best effort: a lost Event must never fail the work
 * it describes, so implementations swallow and log their own failures.
 */
export interface OperatorEvent {
  readonly regarding: ObjectRef;
  readonly type: 'Normal' | 'Warning';
  /** UpperCamelCase, stable: tools filter on it. */
  readonly reason: string;
  /** What the operator was doing, e.g. `Intercept`, `Boot`, `Reset`. */
  readonly action: string;
  readonly note: string;
}

export interface EventRecorder {
  record(event: OperatorEvent, signal: AbortSignal): Promise<void>;
}
