import { randomUUID } from 'node:crypto';
import { conflict, DomainError, notFound } from '../../domain/errors.js';
import { describeRef, type ObjectRef } from '../../ports/cluster-api.port.js';
import { hasLabels } from '../runtime/watch-source.js';
import { kindKey, type KindRegistry } from './kind-registry.js';
import { invalid } from './invalid.js';
import { copyJson, refOfJson, refOfStored, timestamp, type JsonObject, type StoredObject } from './stored-object.js';
import {
  prepareCreate,
  prepareUpdate,
  sameObject,
  type KindRules,
  type UpdateMode,
  type WriteContext,
} from './write-rules.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly type: WatchEventType;
  /** A snapshot: later writes do not change it. */
  readonly object: StoredObject;
}

export interface Preconditions {
  readonly resourceVersion?: string;
  readonly uid?: string;
}

const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' } as const;

/**
 * The fake's etcd plus the API server's generic registry: stores any kind as
 * plain JSON under group/kind/namespace/name, stamps identity (uid, a global
 * resourceVersion counter, creationTimestamp, generation), enforces
 * preconditions and finalizers, refuses objects in a missing namespace,
 * collects garbage by ownerReferences, and queues a watch event for every
 * change. Synchronous: the cluster drains the queued events to its
 * controllers after each call. A deleted namespace goes at once (the
 * namespace controller is the simulated cluster's).
 */
export class ObjectStore {
  readonly #objects = new Map<string, StoredObject>();
  readonly #kinds: KindRegistry;
  readonly #now: () => Date;
  readonly #kindRules: KindRules;
  readonly #pending: StoreEvent[] = [];
  #revision = 0;

  constructor(kinds: KindRegistry, now: () => Date, kindRules: KindRules) {
    this.#kinds = kinds;
    this.#now = now;
    this.#kindRules = kindRules;
  }

  get(ref: ObjectRef): StoredObject | undefined {
    const found = this.#objects.get(this.#kinds.objectKey(ref));
    return found && copyJson(found);
  }

  /** Sorted by namespace and name, as the API server lists from etcd. */
  list(
    kind: { readonly apiVersion: string; readonly kind: string },
    namespace: string | undefined,
    labels?: Readonly<Record<string, string>>,
  ): StoredObject[] {
    const wanted = kindKey(kind.apiVersion, kind.kind);
    return [...this.#objects.values()]
      .filter((object) => kindKey(object.apiVersion, object.kind) === wanted)
      .filter((object) => namespace === undefined || object.metadata.namespace === namespace)
      .filter((object) => hasLabels(labels, object.metadata.labels))
      .sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
      .map((object) => copyJson(object));
  }

  /** Every object in a namespace, of any kind. */
  contentsOf(namespace: string): StoredObject[] {
    return [...this.#objects.values()].filter((object) => object.metadata.namespace === namespace).map(copyJson);
  }

  /** Every queued change since the last call, oldest first. */
  takeEvents(): StoreEvent[] {
    return this.#pending.splice(0, this.#pending.length);
  }

  create(manifest: JsonObject): StoredObject {
    const ref = refOfJson(manifest);
    if (ref.apiVersion === '' || ref.kind === '') throw invalid(describeRef(ref), 'apiVersion/kind', 'Required value');
    this.#checkNamespaceAcceptsNew(ref);
    // The kind rules run before the store sees the name, as the API server's
    // registry allocates (a Service's node port) first: naming what an existing one holds is a 422.
    const created = prepareCreate(manifest, this.#context(ref));
    if (this.#live(ref)) throw new DomainError('AlreadyExists', `${describeRef(ref)} already exists`);
    created.metadata.uid = randomUUID();
    created.metadata.creationTimestamp = timestamp(this.#now());
    this.#write(created, 'ADDED');
    return copyJson(created);
  }

  /** Writes `desired` over the live object (see prepareUpdate); a write that changes nothing is not stored. */
  update(ref: ObjectRef, desired: JsonObject, mode: UpdateMode, preconditions: Preconditions = {}): StoredObject {
    const live = this.#live(ref);
    if (!live) throw notFound(describeRef(ref));
    checkPreconditions(live, preconditions, ref);
    const next = prepareUpdate(live, desired, mode, this.#context(ref));
    if (sameObject(live, next)) return copyJson(live);
    this.#write(next, 'MODIFIED');
    const written = copyJson(next);
    if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0)
      this.#finalize(next);
    return written;
  }

  /** Deletes, or marks for deletion while finalizers remain. Absent objects are fine. */
  remove(ref: ObjectRef, preconditions: Preconditions = {}): void {
    const live = this.#live(ref);
    if (!live) return;
    if (preconditions.uid !== undefined && preconditions.uid !== live.metadata.uid) {
      throw conflict(describeRef(ref), {
        details: { reason: `UID in precondition: ${preconditions.uid}, UID in object meta: ${live.metadata.uid}` },
      });
    }
    if ((live.metadata.finalizers ?? []).length === 0) return this.#finalize(live);
    this.#markDeleting(live);
  }

  /** Creates the namespace unless it exists (a test convenience, not an API call). */
  ensureNamespace(name: string): void {
    if (this.#objects.has(this.#kinds.objectKey({ ...NAMESPACE, name }))) return;
    this.create({ ...NAMESPACE, metadata: { name } });
  }

  #live(ref: ObjectRef): StoredObject | undefined {
    return this.#objects.get(this.#kinds.objectKey(ref));
  }

  #context(ref: ObjectRef): WriteContext {
    return {
      what: describeRef(ref),
      namespace: this.#kinds.namespaceFor(ref),
      hasStatusSubresource: this.#kinds.hasStatusSubresource(ref.apiVersion, ref.kind),
      kindRules: this.#kindRules,
    };
  }

  #checkNamespaceAcceptsNew(ref: ObjectRef): void {
    const namespace = this.#kinds.namespaceFor(ref);
    if (namespace !== undefined && !this.#live({ ...NAMESPACE, name: namespace }))
      throw notFound(`namespaces "${namespace}"`);
  }

  #write(object: StoredObject, type: WatchEventType): void {
    object.metadata.resourceVersion = String(++this.#revision);
    this.#objects.set(this.#kinds.objectKey(refOfStored(object)), object);
    this.#pending.push({ type, object: copyJson(object) });
  }

  #markDeleting(live: StoredObject): void {
    if (live.metadata.deletionTimestamp !== undefined) return;
    const next = copyJson(live);
    next.metadata.deletionTimestamp = timestamp(this.#now());
    next.metadata['deletionGracePeriodSeconds'] = 0;
    this.#write(next, 'MODIFIED');
  }

  #finalize(object: StoredObject): void {
    const key = this.#kinds.objectKey(refOfStored(object));
    const live = this.#objects.get(key);
    if (!live) return;
    this.#objects.delete(key);
    const last = copyJson(live);
    last.metadata.resourceVersion = String(++this.#revision);
    this.#pending.push({ type: 'DELETED', object: last });
    this.#collectDependents(live.metadata.uid);
  }

  /** Background cascading deletion, as the garbage collector does it. */
  #collectDependents(ownerUid: string): void {
    for (const dependent of [...this.#objects.values()]) {
      const owners = dependent.metadata.ownerReferences ?? [];
      if (!owners.some((owner) => owner['uid'] === ownerUid)) continue;
      const remaining = owners.filter((owner) => owner['uid'] !== ownerUid);
      if (remaining.length > 0) {
        const desired = copyJson(dependent);
        desired.metadata.ownerReferences = remaining;
        this.update(refOfStored(dependent), desired, 'main');
      } else {
        this.remove(refOfStored(dependent));
      }
    }
  }
}

function checkPreconditions(live: StoredObject, preconditions: Preconditions, ref: ObjectRef): void {
  if (preconditions.uid !== undefined && preconditions.uid !== '' && preconditions.uid !== live.metadata.uid) {
    throw conflict(describeRef(ref), { details: { reason: 'uid precondition failed' } });
  }
  if (
    preconditions.resourceVersion !== undefined &&
    preconditions.resourceVersion !== '' &&
    preconditions.resourceVersion !== live.metadata.resourceVersion
  ) {
    throw conflict(describeRef(ref), { details: { resourceVersion: preconditions.resourceVersion } });
  }
}

const sortKey = (object: StoredObject): string => `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
