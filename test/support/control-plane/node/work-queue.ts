/**
 * Processes keys one at a time, each key at most once per pass however often
 * it was added (like a controller's work queue), and tells waiters when it has
 * nothing left to do. Keys can also be added for later (a back-off ending).
 */
export class WorkQueue {
  readonly #process: (key: string) => Promise<void>;
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  #idleWaiters: (() => void)[] = [];
  #running = false;
  #stopped = false;

  constructor(process: (key: string) => Promise<void>) {
    this.#process = process;
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#dirty.add(key);
    if (!this.#running) void this.#drain();
  }

  /** Adds `key` at `at` (ms since the epoch); an earlier pending wake-up for the key wins. */
  addAt(key: string, at: number): void {
    if (this.#stopped) return;
    const pending = this.#timers.get(key);
    if (pending !== undefined && pending.at <= at) return;
    if (pending !== undefined) clearTimeout(pending.timer);
    const timer = setTimeout(
      () => {
        this.#timers.delete(key);
        this.add(key);
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref();
    this.#timers.set(key, { at, timer });
  }

  /** Resolves once every added key was processed (future wake-ups do not count). */
  whenIdle(): Promise<void> {
    if (!this.#running && this.#dirty.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stop(): void {
    this.#stopped = true;
    this.#dirty.clear();
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#dirty.size > 0 && !this.#stopped) {
      const key = this.#dirty.values().next().value as string;
      this.#dirty.delete(key);
      await this.#process(key);
    }
    this.#running = false;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
