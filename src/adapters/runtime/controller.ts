import type { WatchEvent, WatchSpec } from './watch-source.js';

/** A watch of a controller: the objects it selects, and the keys an event of one of them wakes. */
export interface ControllerWatch extends WatchSpec {
  keysOf(event: WatchEvent): readonly string[];
}

/**
 * A controller the runtime runs beside its own work: keys from its watches
 * go through the shared work queue (deduplicated, one reconcile per key at a
 * time, retried with backoff on errors) to its `reconcile`.
 */
export interface Controller {
  readonly name: string;
  readonly watches: readonly ControllerWatch[];
  reconcile(key: string, signal: AbortSignal): Promise<{ readonly requeueAfterMs?: number } | void>;
}
