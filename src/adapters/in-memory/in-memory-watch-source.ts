import type { WatchEvent, WatchSource, WatchSpec, WatchSubscription } from '../runtime/watch-source.js';
import type { Manifest } from '../../ports/cluster-api.port.js';
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
      if (matches(spec, event.object)) deliver(event);
    });
    const initial = this.#cluster.objects(spec).filter((object) => matches(spec, object));
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

function matches(spec: WatchSpec, object: Manifest): boolean {
  if (object.apiVersion !== spec.apiVersion || object.kind !== spec.kind) return false;
  if (spec.namespace !== undefined && object.metadata.namespace !== spec.namespace) return false;
  const labels = object.metadata.labels ?? {};
  return Object.entries(spec.labels ?? {}).every(([key, value]) => labels[key] === value);
}
