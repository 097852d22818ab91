import type { Clock } from '../../ports/clock.port.js';

/** A clock that moves only when told: tests of timeouts without waiting. */
export class ManualClock implements Clock {
  #now: Date;

  constructor(start: Date = new Date('2026-01-01T00:00:00Z')) {
    this.#now = new Date(start);
  }

  now(): Date {
    return new Date(this.#now);
  }

  advance(milliseconds: number): void {
    this.#now = new Date(this.#now.getTime() + milliseconds);
  }

  set(date: Date): void {
    this.#now = new Date(date);
  }
}
