import { setTimeout as delay } from 'node:timers/promises';

/**
 * Waiting in tests, in one place. Tests never assert on time: a timeout here
 * only turns a hang into a failure that says what was awaited.
 */

/** A promise and its resolver, for a test that holds work open and lets it go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  const { promise, resolve } = Promise.withResolvers<T>();
  return { promise, resolve };
}

/**
 * Reads until `done` holds for what was read (by default: `read` returned
 * something and did not throw), for what a real cluster's controllers and
 * kubelets do shortly after a write. Fails naming `what` and the last value.
 */
export async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean = (value) => value !== undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await read().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if ('value' in outcome && done(outcome.value)) return outcome.value;
    if (Date.now() > deadline) {
      const last = 'value' in outcome ? JSON.stringify(outcome.value) : String(outcome.error);
      throw new Error(`timed out waiting for ${what}; last read: ${last?.slice(0, 500)}`);
    }
    await delay(50);
  }
}

/** A signal for one call or one test step, made when the step starts (never at import). */
export const timeoutSignal = (milliseconds = 30_000): AbortSignal => AbortSignal.timeout(milliseconds);
