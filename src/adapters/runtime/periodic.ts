/**
 * Runs a task every interval, never overlapping itself. Used for the lease
 * renewal, the resync and the heartbeat: things that are periodic by nature,
 * not a substitute for watching.
 */
export class Periodic {
  readonly #intervalMs: number;
  readonly #task: () => Promise<void>;
  #handle: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(intervalMs: number, task: () => Promise<void>, runNow = false) {
    this.#intervalMs = intervalMs;
    this.#task = task;
    if (runNow) this.triggerNow();
    else this.#schedule(intervalMs);
  }

  /** Runs the task as soon as it is not running, then keeps the rhythm from there. */
  triggerNow(): void {
    if (this.#stopped) return;
    if (this.#running) return;
    if (this.#handle) clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#running = this.#task()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined;
        this.#schedule(this.#intervalMs);
      });
  }

  stop(): void {
    this.#stopped = true;
    if (this.#handle) clearTimeout(this.#handle);
    this.#handle = undefined;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#handle = setTimeout(() => this.triggerNow(), delayMs);
    this.#handle.unref();
  }
}
