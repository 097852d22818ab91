import { DomainError } from '../../../src/domain/errors.js';

/** Operations that change objects: what `conflictOnNextWrite` applies to. */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  'apply',
  'create',
  'replace',
  'patch',
  'remove',
  'patchPod',
]);

interface Fault {
  readonly applies: (operation: string, args: readonly unknown[]) => boolean;
  readonly error: () => DomainError;
}

/**
 * Planned failures and call counts for tests: the next matching call throws
 * the given error (once), before it changes anything. Counting every call per
 * operation lets a test check that a path does not hammer the API.
 */
export class FaultInjection {
  readonly #faults: Fault[] = [];
  readonly #counts = new Map<string, number>();

  failNext(operation: string, error: DomainError, match?: (args: readonly unknown[]) => boolean): void {
    this.#faults.push({ applies: (name, args) => name === operation && (match?.(args) ?? true), error: () => error });
  }

  conflictOnNextWrite(match?: (operation: string, args: readonly unknown[]) => boolean): void {
    this.#faults.push({
      applies: (name, args) => WRITE_OPERATIONS.has(name) && (match?.(name, args) ?? true),
      error: () =>
        new DomainError(
          'Conflict',
          'the object has been modified; please apply your changes to the latest version and try again (injected)',
        ),
    });
  }

  /** Counts the call and throws the first planned failure it matches. */
  enter(operation: string, args: readonly unknown[]): void {
    this.#counts.set(operation, (this.#counts.get(operation) ?? 0) + 1);
    const index = this.#faults.findIndex((fault) => fault.applies(operation, args));
    if (index < 0) return;
    const [fault] = this.#faults.splice(index, 1);
    if (fault) throw fault.error();
  }

  callCount(operation: string): number {
    return this.#counts.get(operation) ?? 0;
  }

  resetCounts(): void {
    this.#counts.clear();
  }

  /** Planned failures not triggered yet: a test can assert its fault was actually hit. */
  get pending(): number {
    return this.#faults.length;
  }
}
