import type { Manifest } from '../../ports/cluster-api.port.js';
import type { WatchEvent, WatchSource, WatchSpec, WatchSubscription } from '../runtime/watch-source.js';

/** What one informer holds: the objects its watch has seen, by namespace/name. */
export interface InformerStore {
  readonly spec: WatchSpec;
  readonly synced: boolean;
  /** Settles once the initial list is in (never, while the watch cannot start). */
  readonly whenSynced: Promise<void>;
  get(namespace: string | undefined, name: string): Manifest | undefined;
  values(): IterableIterator<Manifest>;
}

const specKey = (spec: WatchSpec): string =>
  [
    spec.apiVersion,
    spec.kind,
    spec.namespace ?? '*',
    Object.entries(spec.labels ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${value}`)
      .join(','),
  ].join('|');

const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

class Informer implements InformerStore {
  readonly spec: WatchSpec;
  readonly #objects = new Map<string, Manifest>();
  readonly #handlers = new Set<(event: WatchEvent) => void>();
  readonly #subscription: WatchSubscription;
  #synced = false;

  constructor(source: WatchSource, spec: WatchSpec, onError: ((error: unknown) => void) | undefined) {
    this.spec = spec;
    this.#subscription = source.watch(spec, (event) => this.#handle(event), onError);
    void this.#subscription.synced.then(() => {
      this.#synced = true;
    });
  }

  get synced(): boolean {
    return this.#synced;
  }

  get whenSynced(): Promise<void> {
    return this.#subscription.synced;
  }

  get(namespace: string | undefined, name: string): Manifest | undefined {
    return this.#objects.get(objectKey(namespace, name));
  }

  values(): IterableIterator<Manifest> {
    return this.#objects.values();
  }

  subscribe(handler: (event: WatchEvent) => void): () => void {
    // A late subscriber first sees what is there, as its own watch would list it.
    for (const object of this.#objects.values()) handler({ type: 'ADDED', object });
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async stop(): Promise<void> {
    this.#handlers.clear();
    await this.#subscription.stop();
  }

  #handle(event: WatchEvent): void {
    // Frozen once here, so readers can share the object instead of copying it on every read.
    deepFreeze(event.object);
    const key = objectKey(event.object.metadata.namespace, event.object.metadata.name);
    if (event.type === 'DELETED') this.#objects.delete(key);
    else this.#objects.set(key, event.object);
    for (const handler of [...this.#handlers]) handler(event);
  }
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/**
 * One watch per kind/namespace/labels for the whole process, shared by the
 * controllers that react to changes and by the cache that serves reads (the
 * shared-informer pattern of client-go). It is itself a WatchSource, so the
 * runtime subscribes through it and never opens a second connection for
 * something already watched.
 */
export class SharedInformers implements WatchSource {
  readonly #source: WatchSource;
  /** Where watch failures go; without it, the source reports them its own way (the Kubernetes one logs them). */
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #informers = new Map<string, Informer>();

  constructor(source: WatchSource, onError?: (error: unknown) => void) {
    this.#source = source;
    this.#onError = onError;
  }

  /** The store for a spec, starting its watch on first use. */
  store(spec: WatchSpec): InformerStore {
    return this.#informer(spec);
  }

  /** Every store started so far, by whoever started it. */
  stores(): InformerStore[] {
    return [...this.#informers.values()];
  }

  watch(spec: WatchSpec, onEvent: (event: WatchEvent) => void): WatchSubscription {
    const informer = this.#informer(spec);
    const unsubscribe = informer.subscribe(onEvent);
    return { synced: informer.whenSynced, stop: async () => void unsubscribe() };
  }

  async stop(): Promise<void> {
    const informers = [...this.#informers.values()];
    this.#informers.clear();
    await Promise.all(informers.map((informer) => informer.stop()));
  }

  #informer(spec: WatchSpec): Informer {
    const key = specKey(spec);
    let informer = this.#informers.get(key);
    if (!informer) {
      informer = new Informer(this.#source, spec, this.#onError);
      this.#informers.set(key, informer);
    }
    return informer;
  }
}
