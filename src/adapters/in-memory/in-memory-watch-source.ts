import {
  selects,
  type WatchEvent,
  type WatchSource,
  type WatchSpec,
  type WatchSubscription,
} from '../runtime/watch-source.js';
import type { InMemoryCluster } from './in-memory-cluster.js';

/**
 * Watches on the in-memory cluster: the existing objects first (as ADDED),
 * then every change, delivered asynchronously as a real watch would be.
 */
export class InMemoryWatchSource implements WatchSource {
  readonly #cluster: InMemoryCluster;

  constructor(cluster: InMemoryCluster) {
    this.#cluster = cluster;
  }

  watch(spec: WatchSpec, onEvent: (event: WatchEvent) => void): WatchSubscription {
    let stopped = false;
    const deliver = (event: WatchEvent) => queueMicrotask(() => !stopped && onEvent(event));
    const unsubscribe = this.#cluster.subscribe((event) => {
      if (selects(spec, event.object)) deliver(event);
    });
    const initial = this.#cluster.objects(spec).filter((object) => selects(spec, object));
    for (const object of initial) deliver({ type: 'ADDED', object });
    return {
      synced: new Promise((resolve) => queueMicrotask(() => queueMicrotask(resolve))),
      stop: async () => {
        stopped = true;
        unsubscribe();
      },
    };
  }
}
