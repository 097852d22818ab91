import type { Clock, Timer } from '../../ports/clock.port.js';

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
 * - `addAfter` schedules a key, keeping the earliest of several schedules;
 * - a key that ran is run again at once (changed while it ran, or asking
 *   for no delay) once per turn of the event loop; a second time waits for
 *   the next turn: a reconcile that reads only caches would otherwise run
 *   again and again in promise callbacks, and no I/O, timer or signal would
 *   ever get its turn.
 *
 * Keys are typed; `identify` says which keys are the same piece of work.
 * Delays run on the injected Clock, so tests advance time instead of
 * waiting for it.
 */
export interface WorkQueueOptions {
  readonly concurrency: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** 0..1: how much of each backoff delay is randomised, so retries of many keys spread out. */
  readonly jitter?: number;
  readonly random?: () => number;
  readonly clock: Clock;
}

export type Processor<Key> = (key: Key, signal: AbortSignal) => Promise<{ readonly requeueAfterMs?: number } | void>;

export class WorkQueue<Key = string> {
  readonly #processor: Processor<Key>;
  readonly #identify: (key: Key) => string;
  readonly #concurrency: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #jitter: number;
  readonly #random: () => number;
  readonly #clock: Clock;
  readonly #onError: (key: Key, error: unknown, attempt: number) => void;

  /** The key of each identity waiting, running or scheduled. */
  readonly #keys = new Map<string, Key>();

  readonly #ready: string[] = [];
  readonly #queued = new Set<string>();
  readonly #running = new Set<string>();
  readonly #dirty = new Set<string>();
  /** Keys run again at once in this turn of the event loop. */
  readonly #rerunThisTurn = new Set<string>();
  /** Keys that ran and run again at the next turn of the event loop. */
  readonly #nextTurn = new Set<string>();
  readonly #scheduled = new Map<string, { at: number; timer: Timer }>();
  readonly #failures = new Map<string, number>();
  readonly #idleWaiters: (() => void)[] = [];
  readonly #abort = new AbortController();
  #stopped = false;

  constructor(
    processor: Processor<Key>,
    options: WorkQueueOptions & { readonly identify?: (key: Key) => string },
    onError: (key: Key, error: unknown, attempt: number) => void = () => undefined,
  ) {
    this.#processor = processor;
    this.#identify = options.identify ?? ((key) => String(key));
    this.#concurrency = options.concurrency;
    this.#baseDelayMs = options.baseDelayMs ?? 200;
    this.#maxDelayMs = options.maxDelayMs ?? 60_000;
    this.#jitter = options.jitter ?? 0.2;
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock;
    this.#onError = onError;
  }

  /** Keys waiting or running: what `queue depth` means on the metrics page. */
  get depth(): number {
    return this.#queued.size + this.#running.size + this.#scheduled.size + this.#nextTurn.size;
  }

  get running(): number {
    return this.#running.size;
  }

  add(key: Key): void {
    if (this.#stopped) return;
    this.#addId(this.#remember(key));
  }

  /** Processes the key after `delayMs`, unless it is scheduled sooner already. */
  addAfter(key: Key, delayMs: number): void {
    if (this.#stopped) return;
    this.#addIdAfter(this.#remember(key), delayMs);
  }

  /** Resolves when nothing is queued, running or about to run again (scheduled retries do not count). */
  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops taking work: pending keys are dropped (they will be found again by
   * whoever runs next, from the cluster), in-flight ones are asked to abort
   * and awaited.
   */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const { timer } of this.#scheduled.values()) timer.cancel();
    this.#scheduled.clear();
    this.#ready.length = 0;
    this.#queued.clear();
    this.#dirty.clear();
    this.#nextTurn.clear();
    this.#abort.abort(new Error('work queue shut down'));
    await this.onIdle();
  }

  #remember(key: Key): string {
    const id = this.#identify(key);
    this.#keys.set(id, key);
    return id;
  }

  /** Forgets the key of an identity that is nowhere in the queue any more. */
  #forgetIfGone(id: string): void {
    if (!this.#queued.has(id) && !this.#running.has(id) && !this.#scheduled.has(id) && !this.#nextTurn.has(id))
      this.#keys.delete(id);
  }

  #addId(id: string): void {
    if (this.#stopped) return;
    if (this.#isBackingOff(id) || this.#nextTurn.has(id)) return;
    this.#cancelSchedule(id);
    if (this.#running.has(id)) {
      this.#dirty.add(id);
      return;
    }
    if (this.#queued.has(id)) return;
    this.#queued.add(id);
    this.#ready.push(id);
    this.#pump();
  }

  /** After a run of the key: again, at once the first time in this turn of the event loop, else in the next. */
  #rerun(id: string): void {
    if (!this.#rerunThisTurn.has(id)) {
      if (this.#rerunThisTurn.size === 0) setImmediate(() => this.#rerunThisTurn.clear());
      this.#rerunThisTurn.add(id);
      return this.#addId(id);
    }
    if (this.#stopped || this.#nextTurn.has(id)) return;
    this.#nextTurn.add(id);
    setImmediate(() => {
      if (!this.#nextTurn.delete(id)) return;
      this.#addId(id);
      this.#forgetIfGone(id);
      this.#pump();
    });
  }

  #addIdAfter(id: string, delayMs: number): void {
    if (this.#stopped) return;
    if (delayMs <= 0) return this.#addId(id);
    const at = this.#clock.now().getTime() + delayMs;
    const existing = this.#scheduled.get(id);
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.#clock.setTimer(delayMs, () => {
      this.#scheduled.delete(id);
      this.#addId(id);
    });
    this.#scheduled.set(id, { at, timer });
  }

  #isBackingOff(id: string): boolean {
    return this.#failures.has(id) && this.#scheduled.has(id);
  }

  #cancelSchedule(id: string): void {
    const scheduled = this.#scheduled.get(id);
    if (!scheduled) return;
    scheduled.timer.cancel();
    this.#scheduled.delete(id);
  }

  #pump(): void {
    while (this.#running.size < this.#concurrency && this.#ready.length > 0) {
      const id = this.#ready.shift() as string;
      this.#queued.delete(id);
      this.#running.add(id);
      void this.#process(id);
    }
    if (this.#isIdle()) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  #isIdle(): boolean {
    return this.#queued.size === 0 && this.#running.size === 0 && this.#nextTurn.size === 0;
  }

  async #process(id: string): Promise<void> {
    const key = this.#keys.get(id) as Key;
    let retryAfterMs: number | undefined;
    let backoffMs: number | undefined;
    try {
      const result = await this.#processor(key, this.#abort.signal);
      this.#failures.delete(id);
      retryAfterMs = result?.requeueAfterMs;
    } catch (error) {
      const attempt = (this.#failures.get(id) ?? 0) + 1;
      this.#failures.set(id, attempt);
      this.#onError(key, error, attempt);
      backoffMs = isPermanent(error) ? undefined : this.backoffMs(attempt);
    } finally {
      this.#running.delete(id);
    }
    const dirty = this.#dirty.delete(id);
    // A change seen while the key failed (often the failing pass's own status write) waits for the backoff too.
    if (backoffMs !== undefined) this.#addIdAfter(id, backoffMs);
    else if (dirty || (retryAfterMs !== undefined && retryAfterMs <= 0)) this.#rerun(id);
    else if (retryAfterMs !== undefined) this.#addIdAfter(id, retryAfterMs);
    this.#forgetIfGone(id);
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
