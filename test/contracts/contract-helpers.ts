import { isDomainError, type ErrorKind } from '../../src/domain/errors.js';

// Shared by the contract suites: each runs against the in-memory cluster and against the real API server.

export const signal = (): AbortSignal => AbortSignal.timeout(30_000);

export async function expectKind(promise: Promise<unknown>, kind: ErrorKind): Promise<void> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a ${kind} DomainError, got ${JSON.stringify(outcome.value)}`);
  if (!isDomainError(outcome.error, kind))
    throw new Error(`expected a ${kind} DomainError, got ${String(outcome.error)}`);
}

/** Polls until `check` passes: controllers and kubelets of a real cluster act shortly after a write. */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
