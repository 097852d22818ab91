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
