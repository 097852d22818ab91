import type { ContainerRef, Pod, PodRef } from '../../domain/cluster/pod.js';
import { isDomainError, throwIfAborted } from '../../domain/errors.js';
import type {
  ClusterApi,
  ExecResult,
  Manifest,
  ObjectRef,
  PodPatch,
  ReadOptions,
} from '../../ports/cluster-api.port.js';
import { toDomainPod } from '../kubernetes/shapes/pod-mapping.js';
import { hasLabels, selects, type WatchSpec } from '../runtime/watch-source.js';
import type { InformerStore, SharedInformers } from './shared-informers.js';

const POD = { apiVersion: 'v1', kind: 'Pod' } as const;

export interface CachedClusterApiOptions {
  /**
   * How long a read that a complete cache will answer waits for that cache's
   * initial list before it asks the API instead (a watch that cannot start,
   * say for want of permission, must not block reads).
   */
  readonly syncWaitMs?: number;
}

/**
 * Reads served from shared informers, writes and exec passed through: the
 * reconcile loop re-reads the world on every pass, and from the watch caches
 * that costs the API server nothing.
 *
 * `complete` specs are watched from the start and answer for everything in
 * their scope: a miss there means "absent". Other informers of pods that
 * happen to run (the runtime's watch of pods carrying Carrier) serve hits
 * only: a miss there means "not carrying those labels" and the read goes to
 * the API. Other kinds are never read from a watch nobody declared complete
 * (the runtime watches the leader Lease, which must be read fresh). A read
 * that a complete cache still listing cannot answer waits for that list
 * (briefly): a restarted operator reconciles its first requests while the
 * initial lists arrive, and each miss would otherwise be one more GET. Reads
 * go to the API for kinds nobody watches, when the caller asks for a
 * fresh read, and for the first read of an object after a write to it lost
 * a race (409): the cache may not have the winner's version yet, and a
 * retry from it would lose again. Objects returned from a cache are shared
 * and frozen: readers must not change them.
 */
export class CachedClusterApi implements ClusterApi {
  readonly #api: ClusterApi;
  readonly #informers: SharedInformers;
  /** The stores of the complete specs, started here so that they list from the start. */
  readonly #complete: readonly InformerStore[];
  readonly #syncWaitMs: number;
  /** When each store's wait for its initial list runs out: one wait per store, not one per read. */
  readonly #syncDeadlines = new WeakMap<InformerStore, number>();
  /** Objects a write lost a race on (by #keyOf): their next read goes to the API. */
  readonly #lostRaces = new Set<string>();

  constructor(
    api: ClusterApi,
    informers: SharedInformers,
    complete: readonly WatchSpec[],
    options: CachedClusterApiOptions = {},
  ) {
    this.#api = api;
    this.#informers = informers;
    this.#complete = complete.map((spec) => informers.store(spec));
    this.#syncWaitMs = options.syncWaitMs ?? DEFAULT_SYNC_WAIT_MS;
  }

  async find(ref: ObjectRef, signal: AbortSignal, options?: ReadOptions): Promise<Manifest | undefined> {
    if (!options?.fresh && !this.#lostRaces.delete(keyOf(ref, ref.namespace, ref.name))) {
      const hit = await this.#lookupOnceSynced(ref, ref.namespace, ref.name, signal);
      if (hit !== 'miss') return hit;
    }
    return this.#api.find(ref, signal, options);
  }

  async list(
    kind: { apiVersion: string; kind: string },
    namespace: string | undefined,
    labels: Readonly<Record<string, string>> | undefined,
    signal: AbortSignal,
  ): Promise<Manifest[]> {
    const cached = await this.#cachedList(
      { ...kind, ...(namespace === undefined ? {} : { namespace }), ...(labels ? { labels } : {}) },
      signal,
    );
    return cached ?? this.#api.list(kind, namespace, labels, signal);
  }

  async findPod(ref: PodRef, signal: AbortSignal): Promise<Pod | undefined> {
    if (!this.#lostRaces.delete(keyOf(POD, ref.namespace, ref.name))) {
      const hit = await this.#lookupOnceSynced(POD, ref.namespace, ref.name, signal);
      if (hit !== 'miss') return hit && toDomainPod(hit);
    }
    return this.#api.findPod(ref, signal);
  }

  async listPods(namespace: string, labels: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Pod[]> {
    const cached = await this.#cachedList({ ...POD, namespace, labels }, signal);
    return cached?.map((object) => toDomainPod(object)) ?? this.#api.listPods(namespace, labels, signal);
  }

  apply(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    return this.#noting(manifest, manifest.metadata, this.#api.apply(manifest, signal));
  }

  create(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    return this.#noting(manifest, manifest.metadata, this.#api.create(manifest, signal));
  }

  replace(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    return this.#noting(manifest, manifest.metadata, this.#api.replace(manifest, signal));
  }

  patch(
    ref: ObjectRef,
    mergePatch: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
    options?: { readonly subresource?: 'status' },
  ): Promise<Manifest> {
    return this.#noting(ref, ref, this.#api.patch(ref, mergePatch, signal, options));
  }

  remove(ref: ObjectRef, signal: AbortSignal, options?: { readonly uid?: string }): Promise<void> {
    return this.#api.remove(ref, signal, options);
  }

  patchPod(ref: PodRef, patch: PodPatch, signal: AbortSignal): Promise<Pod> {
    return this.#noting(POD, ref, this.#api.patchPod(ref, patch, signal));
  }

  exec(target: ContainerRef, command: readonly string[], signal: AbortSignal): Promise<ExecResult> {
    return this.#api.exec(target, command, signal);
  }

  /** A write, passed through; when it loses a race, the object's next read skips the cache. */
  async #noting<T>(
    kind: Kind,
    object: { readonly namespace?: string; readonly name?: string },
    write: Promise<T>,
  ): Promise<T> {
    try {
      return await write;
    } catch (error) {
      if (isDomainError(error, 'Conflict')) {
        // Only a hint for the next read: bounded, since an object may never be read again.
        if (this.#lostRaces.size >= MAX_LOST_RACES) this.#lostRaces.clear();
        this.#lostRaces.add(keyOf(kind, object.namespace, object.name ?? ''));
      }
      throw error;
    }
  }

  /** Like #lookup, but a miss that a complete store still listing could answer waits for that list. */
  async #lookupOnceSynced(
    kind: Kind,
    namespace: string | undefined,
    name: string,
    signal: AbortSignal,
  ): Promise<Manifest | undefined | 'miss'> {
    const hit = this.#lookup(kind, namespace, name);
    if (hit !== 'miss') return hit;
    const listing = this.#stores(kind, namespace).find(
      (store) => this.#complete.includes(store) && !store.spec.labels && !store.synced,
    );
    if (!listing) return hit;
    await this.#untilSynced(listing, signal);
    return this.#lookup(kind, namespace, name);
  }

  /** The cached object, `undefined` when a complete cache knows it is absent, 'miss' when no cache can tell. */
  #lookup(kind: Kind, namespace: string | undefined, name: string): Manifest | undefined | 'miss' {
    let answer: Manifest | undefined | 'miss' = 'miss';
    for (const store of this.#stores(kind, namespace)) {
      const complete = this.#complete.includes(store);
      if (!complete && !(kind.apiVersion === POD.apiVersion && kind.kind === POD.kind)) continue;
      // A hit is good even while the initial list arrives; a miss means "absent" only once it is complete.
      const object = store.get(namespace, name);
      if (object) return object;
      if (complete && store.synced && !store.spec.labels) answer = undefined;
    }
    return answer;
  }

  /** Every running store of this kind whose scope includes the namespace. */
  #stores(kind: Kind, namespace: string | undefined): InformerStore[] {
    return this.#informers
      .stores()
      .filter(
        ({ spec }) =>
          spec.apiVersion === kind.apiVersion &&
          spec.kind === kind.kind &&
          (spec.namespace === undefined || spec.namespace === namespace),
      );
  }

  /**
   * A list query answered from the complete store that covers it (same kind,
   * its scope containing the query's, no stricter labels) once that store has
   * synced; undefined when there is none or its initial list did not come in time.
   */
  async #cachedList(query: WatchSpec, signal: AbortSignal): Promise<Manifest[] | undefined> {
    const store = this.#complete.find(
      ({ spec }) =>
        spec.apiVersion === query.apiVersion &&
        spec.kind === query.kind &&
        (spec.namespace === undefined || spec.namespace === query.namespace) &&
        hasLabels(spec.labels, query.labels),
    );
    if (!store) return undefined;
    await this.#untilSynced(store, signal);
    return store.synced ? [...store.values()].filter((object) => selects(query, object)) : undefined;
  }

  /**
   * Waits for the store's initial list, up to syncWaitMs after the first read
   * that waited for it; the caller's abort ends the wait with an error.
   */
  async #untilSynced(store: InformerStore, signal: AbortSignal): Promise<void> {
    if (store.synced) return;
    throwIfAborted(signal);
    const deadline = this.#syncDeadlines.get(store) ?? Date.now() + this.#syncWaitMs;
    this.#syncDeadlines.set(store, deadline);
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        store.whenSynced,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, remainingMs);
          onAbort = resolve;
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
    throwIfAborted(signal);
  }
}

type Kind = { readonly apiVersion: string; readonly kind: string };

const keyOf = (kind: Kind, namespace: string | undefined, name: string): string =>
  `${kind.apiVersion}/${kind.kind}/${namespace ?? ''}/${name}`;

const DEFAULT_SYNC_WAIT_MS = 10_000;
const MAX_LOST_RACES = 1_024;
