import type { ContainerRef, Pod, PodRef } from '../../domain/cluster/pod.js';
import type { ClusterApi, ExecResult, Manifest, ObjectRef, PodPatch, ReadOptions } from '../../ports/cluster-api.port.js';
import { toDomainPod } from '../kubernetes-shapes/pod-mapping.js';
import type { WatchSpec } from '../runtime/watch-source.js';
import { specKey, type InformerStore, type SharedInformers } from './shared-informers.js';


const POD = { apiVersion: 'v1', kind: 'Pod' } as const;

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
 * (the runtime watches the leader Lease, which must be read fresh). Reads
 * also go to the API while a cache is not synced, for kinds nobody watches,
 * and when the caller asks for a fresh read (after a Conflict). Objects
 * returned from a cache are shared and frozen: readers must not change them.
 */
export class CachedClusterApi implements ClusterApi {
  readonly #api: ClusterApi;
  readonly #informers: SharedInformers;
  readonly #complete: readonly WatchSpec[];

  constructor(api: ClusterApi, informers: SharedInformers, complete: readonly WatchSpec[]) {
    this.#api = api;
    this.#informers = informers;
    this.#complete = complete;
    for (const spec of complete) informers.store(spec);
  }

  async find(ref: ObjectRef, signal: AbortSignal, options?: ReadOptions): Promise<Manifest | undefined> {
    if (!options?.fresh) {
      const hit = this.#lookup(ref, ref.namespace, ref.name);
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
    const cached = this.#completeStore({ ...kind, ...(namespace === undefined ? {} : { namespace }), ...(labels ? { labels } : {}) });
    if (!cached) return this.#api.list(kind, namespace, labels, signal);
    return [...cached.values()]
      .filter((object) => namespace === undefined || object.metadata.namespace === namespace)
      .filter((object) => Object.entries(labels ?? {}).every(([key, value]) => object.metadata.labels?.[key] === value));
  }

  async findPod(ref: PodRef, signal: AbortSignal): Promise<Pod | undefined> {
    const hit = this.#lookup(POD, ref.namespace, ref.name);
    if (hit !== 'miss') return hit && toDomainPod(hit);
    return this.#api.findPod(ref, signal);
  }

  async listPods(namespace: string, labels: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Pod[]> {
    const cached = this.#completeStore({ ...POD, namespace, labels });
    if (!cached) return this.#api.listPods(namespace, labels, signal);
    return [...cached.values()]
      .filter((object) => object.metadata.namespace === namespace)
      .filter((object) => Object.entries(labels).every(([key, value]) => object.metadata.labels?.[key] === value))
      .map((object) => toDomainPod(object));
  }

  apply(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    return this.#api.apply(manifest, signal);
  }

  create(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    return this.#api.create(manifest, signal);
  }

  replace(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    return this.#api.replace(manifest, signal);
  }

  patch(ref: ObjectRef, mergePatch: Readonly<Record<string, unknown>>, signal: AbortSignal, options?: { readonly subresource?: 'status' }): Promise<Manifest> {
    return this.#api.patch(ref, mergePatch, signal, options);
  }

  remove(ref: ObjectRef, signal: AbortSignal, options?: { readonly uid?: string }): Promise<void> {
    return this.#api.remove(ref, signal, options);
  }

  patchPod(ref: PodRef, patch: PodPatch, signal: AbortSignal): Promise<Pod> {
    return this.#api.patchPod(ref, patch, signal);
  }

  exec(target: ContainerRef, command: readonly string[], signal: AbortSignal): Promise<ExecResult> {
    return this.#api.exec(target, command, signal);
  }

  /** The cached object, `undefined` when a complete cache knows it is absent, 'miss' when no cache can tell. */
  #lookup(kind: { apiVersion: string; kind: string }, namespace: string | undefined, name: string): Manifest | undefined | 'miss' {
    let answer: Manifest | undefined | 'miss' = 'miss';
    for (const store of this.#informers.stores()) {
      const { spec } = store;
      if (spec.apiVersion !== kind.apiVersion || spec.kind !== kind.kind) continue;
      if (spec.namespace !== undefined && spec.namespace !== namespace) continue;
      const complete = this.#complete.some((candidate) => specKey(candidate) === specKey(spec));
      if (!complete && !(spec.apiVersion === POD.apiVersion && spec.kind === POD.kind)) continue;
      // A hit is good even while the initial list arrives; a miss means "absent" only once it is complete.
      const object = store.get(namespace, name);
      if (object) return object;
      if (complete && store.synced && !spec.labels) answer = undefined;
    }
    return answer;
  }

  /** A synced complete store answering a list query: same kind, its scope containing the query's, no stricter labels. */
  #completeStore(query: WatchSpec): InformerStore | undefined {
    const spec = this.#complete.find(
      (candidate) =>
        candidate.apiVersion === query.apiVersion &&
        candidate.kind === query.kind &&
        (candidate.namespace === undefined || candidate.namespace === query.namespace) &&
        Object.entries(candidate.labels ?? {}).every(([key, value]) => query.labels?.[key] === value),
    );
    if (!spec) return undefined;
    const store = this.#informers.store(spec);
    return store.synced ? store : undefined;
  }
}
