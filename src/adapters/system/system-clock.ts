import type { Clock } from '../../ports/clock.port.js';

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer: (delayMs, callback) => {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};
