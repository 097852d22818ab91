import type { Clock, Timer } from '../../ports/clock.port.js';

/**
 * Runs a task every interval of the injected clock, never overlapping
 * itself. Used for the lease renewal, resyncs, the heartbeat and the looks
 * that stand in for an unwatchable kind: things that are periodic by
 * nature, not a substitute for watching.
 */
export class Periodic {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #task: () => Promise<void>;
  #timer: Timer | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(clock: Clock, intervalMs: number, task: () => Promise<void>, runNow = false) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#task = task;
    if (runNow) this.triggerNow();
    else this.#schedule();
  }

  /** Runs the task as soon as it is not running, then keeps the rhythm from there. */
  triggerNow(): void {
    if (this.#stopped) return;
    if (this.#running) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#running = this.#task()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined;
        this.#schedule();
      });
  }

  /** No more runs; resolves once a run in flight has finished (callers that must not overlap it await this). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimer(this.#intervalMs, () => this.triggerNow());
  }
}
