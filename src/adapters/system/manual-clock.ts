import type { Clock, Timer } from '../../ports/clock.port.js';

interface PendingTimer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
}

/**
 * A clock that moves only when told: tests of timeouts, backoffs and
 * periodic work without waiting. Advancing it runs every timer that falls
 * due on the way, in time order, each with "now" set to its due time (a
 * timer set by a callback runs too when it falls within the advance).
 */
export class ManualClock implements Clock {
  #now: number;
  #order = 0;
  readonly #timers = new Set<PendingTimer>();

  constructor(start: Date = new Date('2026-01-01T00:00:00Z')) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const timer: PendingTimer = { at: this.#now + Math.max(0, delayMs), order: this.#order++, callback };
    this.#timers.add(timer);
    return { cancel: () => this.#timers.delete(timer) };
  }

  /** Timers not yet run. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  advance(milliseconds: number): void {
    const until = this.#now + milliseconds;
    for (let next = this.#nextDue(until); next; next = this.#nextDue(until)) {
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    this.#now = until;
  }

  /**
   * Advances from timer to timer, letting promises settle before each (a
   * timer's task is often async and sets its next timer only when done), so
   * every timer runs at its exact due time.
   */
  async advanceAsync(milliseconds: number): Promise<void> {
    const until = this.#now + milliseconds;
    for (;;) {
      await settle();
      const next = this.#nextDue(until);
      if (!next) break;
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    this.#now = until;
    await settle();
  }

  /** Jumps to a date without running timers on the way (a clock set by hand). */
  set(date: Date): void {
    this.#now = date.getTime();
  }

  #nextDue(until: number): PendingTimer | undefined {
    let next: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.at > until) continue;
      if (!next || timer.at < next.at || (timer.at === next.at && timer.order < next.order)) next = timer;
    }
    return next;
  }
}

/** One turn of the event loop: every promise that can settle now has. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
