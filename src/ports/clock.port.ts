/**
 * Clock: the only source of "now" and of timers, for the domain and the
 * runtime alike, so tests control time (a manual clock fires its timers
 * when it is advanced, the system clock on the wall clock).
 */
export interface Clock {
  now(): Date;
  /** Calls `callback` once, `delayMs` from now by this clock. A pending timer never keeps the process alive. */
  setTimer(delayMs: number, callback: () => void): Timer;
}

export interface Timer {
  /** Prevents the callback if it has not run yet; harmless afterwards. */
  cancel(): void;
}
