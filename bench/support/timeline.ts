import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesWatchSource } from '../../src/adapters/kubernetes/client/kubernetes-watch-source.js';
import type { WatchEvent, WatchSpec, WatchSubscription } from '../../src/adapters/runtime/watch-source.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';

/**
 * Watches the objects of one kind in one namespace (by name) and resolves waits the moment an event satisfies them, with
 * the time of that event: latencies measured here include one watch delivery,
 * no polling interval.
 */
export class Timeline {
  readonly #objects = new Map<string, Manifest>();
  readonly #waiters = new Set<{
    name: string | undefined;
    test: (object: Manifest | undefined) => boolean;
    resolve: (at: number) => void;
  }>();
  readonly #subscription: WatchSubscription;

  constructor(kubeConfig: KubeConfig, spec: WatchSpec) {
    this.#subscription = new KubernetesWatchSource(kubeConfig).watch(spec, (event) => this.#handle(event));
  }

  get synced(): Promise<void> {
    return this.#subscription.synced;
  }

  get(name: string): Manifest | undefined {
    return this.#objects.get(name);
  }

  all(): Manifest[] {
    return [...this.#objects.values()];
  }

  /** Resolves with `performance.now()` of the first event (or the current state) after which `test` holds for the object. */
  when(name: string, test: (object: Manifest | undefined) => boolean, timeoutMs = 120_000): Promise<number> {
    const current = this.get(name);
    if (test(current)) return Promise.resolve(performance.now());
    return this.#wait(name, test, timeoutMs, `${name} to reach the awaited state`);
  }

  /** Resolves when `test` holds for every object the predicate selects, counting at least `count` of them. */
  whenAll(
    select: (object: Manifest) => boolean,
    test: (object: Manifest) => boolean,
    count: number,
    timeoutMs = 600_000,
  ): Promise<number> {
    const check = () => {
      const selected = this.all().filter(select);
      return selected.length >= count && selected.every(test);
    };
    if (check()) return Promise.resolve(performance.now());
    return this.#wait(undefined, () => check(), timeoutMs, `${count} objects to reach the awaited state`);
  }

  async stop(): Promise<void> {
    await this.#subscription.stop();
  }

  #wait(
    name: string | undefined,
    test: (object: Manifest | undefined) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      const waiter = {
        name,
        test,
        resolve: (at: number) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(at);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  #handle(event: WatchEvent): void {
    const at = performance.now();
    const { name } = event.object.metadata;
    if (event.type === 'DELETED') this.#objects.delete(name);
    else this.#objects.set(name, event.object);
    for (const waiter of [...this.#waiters]) {
      if (waiter.name !== undefined && waiter.name !== name) continue;
      if (waiter.test(event.type === 'DELETED' ? undefined : event.object)) waiter.resolve(at);
    }
  }
}
