/**
 * A work queue keyed by object, in the manner of controller-runtime's:
 *
 * - a key added many times before it runs is processed once (deduplication);
 * - a key is never processed twice at the same time; a key added while it
 *   runs is processed again afterwards, so no change is lost;
 * - at most `concurrency` keys are processed at once;
 * - failures are retried with exponential backoff and jitter, per key; a
 *   key that is backing off waits out its delay whatever adds it meanwhile
 *   (the failing reconcile's own writes come back as watch events, and must
 *   not turn the backoff into a tight loop);
 * - `addAfter` schedules a key, keeping the earliest of several schedules.
 *
 * Timers are the only clock it uses, injected so tests can drive them.
 */
export interface WorkQueueOptions {
  readonly concurrency: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** 0..1: how much of each backoff delay is randomised, so retries of many keys spread out. */
  readonly jitter?: number;
  readonly random?: () => number;
  readonly timers?: Timers;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type Processor = (key: string, signal: AbortSignal) => Promise<{ readonly requeueAfterMs?: number } | void>;

const systemTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class WorkQueue {
  readonly #processor: Processor;
  readonly #concurrency: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #jitter: number;
  readonly #random: () => number;
  readonly #timers: Timers;
  readonly #onError: (key: string, error: unknown, attempt: number) => void;

  readonly #ready: string[] = [];
  readonly #queued = new Set<string>();
  readonly #running = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #scheduled = new Map<string, { at: number; handle: unknown }>();
  readonly #failures = new Map<string, number>();
  readonly #idleWaiters: (() => void)[] = [];
  readonly #abort = new AbortController();
  #stopped = false;

  constructor(processor: Processor, options: WorkQueueOptions, onError: (key: string, error: unknown, attempt: number) => void = () => undefined) {
    this.#processor = processor;
    this.#concurrency = options.concurrency;
    this.#baseDelayMs = options.baseDelayMs ?? 200;
    this.#maxDelayMs = options.maxDelayMs ?? 60_000;
    this.#jitter = options.jitter ?? 0.2;
    this.#random = options.random ?? Math.random;
    this.#timers = options.timers ?? systemTimers;
    this.#onError = onError;
  }

  /** Keys waiting or running: what `queue depth` means on the metrics page. */
  get depth(): number {
    return this.#queued.size + this.#running.size + this.#scheduled.size;
  }

  get running(): number {
    return this.#running.size;
  }

  add(key: string): void {
    if (this.#stopped) return;
    if (this.#isBackingOff(key)) return;
    this.#cancelSchedule(key);
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#ready.push(key);
    this.#pump();
  }

  /** Processes the key after `delayMs`, unless it is scheduled sooner already. */
  addAfter(key: string, delayMs: number): void {
    if (this.#stopped) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const existing = this.#scheduled.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.#timers.clearTimeout(existing.handle);
    const handle = this.#timers.setTimeout(() => {
      this.#scheduled.delete(key);
      this.add(key);
    }, delayMs);
    this.#scheduled.set(key, { at, handle });
  }

  /** Resolves when nothing is queued or running (scheduled retries do not count). */
  onIdle(): Promise<void> {
    if (this.#queued.size === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops taking work: pending keys are dropped (they will be found again by
   * whoever runs next, from the cluster), in-flight ones are asked to abort
   * and awaited.
   */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const { handle } of this.#scheduled.values()) this.#timers.clearTimeout(handle);
    this.#scheduled.clear();
    this.#ready.length = 0;
    this.#queued.clear();
    this.#dirty.clear();
    this.#abort.abort(new Error('work queue shut down'));
    await this.onIdle();
  }

  #isBackingOff(key: string): boolean {
    return this.#failures.has(key) && this.#scheduled.has(key);
  }

  #cancelSchedule(key: string): void {
    const scheduled = this.#scheduled.get(key);
    if (!scheduled) return;
    this.#timers.clearTimeout(scheduled.handle);
    this.#scheduled.delete(key);
  }

  #pump(): void {
    while (this.#running.size < this.#concurrency && this.#ready.length > 0) {
      const key = this.#ready.shift() as string;
      this.#queued.delete(key);
      this.#running.add(key);
      void this.#process(key);
    }
    if (this.#queued.size === 0 && this.#running.size === 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  async #process(key: string): Promise<void> {
    let retryAfterMs: number | undefined;
    let backoffMs: number | undefined;
    try {
      const result = await this.#processor(key, this.#abort.signal);
      this.#failures.delete(key);
      retryAfterMs = result?.requeueAfterMs;
    } catch (error) {
      const attempt = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, attempt);
      this.#onError(key, error, attempt);
      backoffMs = isPermanent(error) ? undefined : this.backoffMs(attempt);
    } finally {
      this.#running.delete(key);
    }
    const dirty = this.#dirty.delete(key);
    // A change seen while the key failed (often the failing pass's own status write) waits for the backoff too.
    if (backoffMs !== undefined) this.addAfter(key, backoffMs);
    else if (dirty) this.add(key);
    else if (retryAfterMs !== undefined) this.addAfter(key, retryAfterMs);
    this.#pump();
  }

  /** Exponential in the attempt, capped, with jitter so that many failing keys do not retry in step. */
  backoffMs(attempt: number): number {
    const exponential = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    const spread = exponential * this.#jitter;
    return Math.round(exponential - spread + this.#random() * spread * 2);
  }
}

/** Errors that say retrying cannot help carry `retryable: false` (see DomainError). */
function isPermanent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false;
}
