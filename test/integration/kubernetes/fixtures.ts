import { KubeConfig } from '@kubernetes/client-node';
import { DomainError } from '../../../src/domain/errors.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';
import type { WatchEvent } from '../../../src/adapters/runtime/watch-source.js';

/** A signal that never aborts, for calls whose cancellation is not under test. */
export const never: AbortSignal = new AbortController().signal;

export function configMap(
  namespace: string,
  name: string,
  data: Record<string, string>,
  labels: Record<string, string> = {},
): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

/** The same credentials pointed at another server URL (a proxy, a closed port). */
export function withServer(kubeConfig: KubeConfig, server: string): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kubeConfig.clusters.map((cluster) => ({ ...cluster, server })),
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: kubeConfig.currentContext,
  });
  return copy;
}

/** Records watch events and errors; tests wait on predicates instead of sleeping. */
export class EventLog {
  readonly events: WatchEvent[] = [];
  readonly errors: unknown[] = [];
  readonly #waiters = new Set<() => void>();

  readonly onEvent = (event: WatchEvent): void => {
    this.events.push(event);
    this.#wake();
  };

  readonly onError = (error: unknown): void => {
    this.errors.push(error);
    this.#wake();
  };

  /** `TYPE name` per event, in order, optionally only for some names. */
  summary(names?: readonly string[]): string[] {
    return this.events
      .filter((event) => names === undefined || names.includes(event.object.metadata.name))
      .map((event) => `${event.type} ${event.object.metadata.name}`);
  }

  async until(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `timed out waiting for ${what}; events: ${this.summary().join(', ')}; errors: ${this.errors.map(String).join('; ')}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  async untilEvent(type: WatchEvent['type'], name: string, timeoutMs?: number): Promise<void> {
    await this.until(
      `${type} ${name}`,
      () => this.events.some((event) => event.type === type && event.object.metadata.name === name),
      timeoutMs,
    );
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** The DomainError a call fails with; anything else (success, another error) fails the test. */
export async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof DomainError)) throw error;
  return error;
}
