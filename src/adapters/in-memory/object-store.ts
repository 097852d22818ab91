import { randomUUID } from 'node:crypto';
import { conflict, DomainError, notFound } from '../../domain/errors.js';
import { describeRef, type ObjectRef } from '../../ports/cluster-api.port.js';
import { kindKey, type KindRegistry } from './kind-registry.js';
import { invalid } from './invalid.js';
import {
  copyJson,
  matchesLabels,
  metadataOf,
  refOfStored,
  timestamp,
  type JsonObject,
  type StoredObject,
} from './stored-object.js';
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
 * preconditions, finalizers and namespace lifecycle, collects garbage by
 * ownerReferences, and queues a watch event for every change. Synchronous:
 * the cluster drains the queued events to its controllers after each call.
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
      .filter((object) => matchesLabels(object, labels))
      .sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
      .map((object) => copyJson(object));
  }

  /** Every queued change since the last call, oldest first. */
  takeEvents(): StoreEvent[] {
    return this.#pending.splice(0, this.#pending.length);
  }

  create(manifest: JsonObject): StoredObject {
    const ref = this.#refOf(manifest);
    this.#checkNamespaceAcceptsNew(ref);
    const context = this.#context(ref);
    const existing = this.#live(ref);
    if (existing) {
      // The registry allocates what the new object names (a Service's node
      // port, cluster IP) before the store sees the name: naming what the
      // existing one holds is a 422, as on a real API server.
      prepareCreate(manifest, { ...context, sameKind: () => [...context.sameKind(), existing] });
      throw new DomainError('AlreadyExists', `${describeRef(ref)} already exists`);
    }
    const created = prepareCreate(manifest, context);
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
    if (kindKey(live.apiVersion, live.kind) === '/Namespace') return this.#removeNamespace(live);
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

  #refOf(manifest: JsonObject): ObjectRef {
    const metadata = metadataOf(manifest);
    const ref = {
      apiVersion: String(manifest['apiVersion'] ?? ''),
      kind: String(manifest['kind'] ?? ''),
      name: String(metadata['name'] ?? ''),
      ...(typeof metadata['namespace'] === 'string' ? { namespace: metadata['namespace'] } : {}),
    };
    if (ref.apiVersion === '' || ref.kind === '') throw invalid(describeRef(ref), 'apiVersion/kind', 'Required value');
    return ref;
  }

  #context(ref: ObjectRef): WriteContext {
    return {
      what: describeRef(ref),
      namespace: this.#kinds.namespaceFor(ref),
      hasStatusSubresource: this.#kinds.hasStatusSubresource(ref.apiVersion, ref.kind),
      kindRules: this.#kindRules,
      sameKind: () => {
        const self = this.#kinds.objectKey(ref);
        const wanted = kindKey(ref.apiVersion, ref.kind);
        return [...this.#objects.entries()]
          .filter(([key, object]) => key !== self && kindKey(object.apiVersion, object.kind) === wanted)
          .map(([, object]) => object);
      },
    };
  }

  #checkNamespaceAcceptsNew(ref: ObjectRef): void {
    const namespace = this.#kinds.namespaceFor(ref);
    if (namespace === undefined) {
      if (this.#kinds.mustBeNamespaced(ref.apiVersion, ref.kind))
        throw invalid(describeRef(ref), 'metadata.namespace', 'Required value');
      return;
    }
    const owner = this.#live({ ...NAMESPACE, name: namespace });
    if (!owner) throw notFound(`namespaces "${namespace}"`);
    if (owner.metadata.deletionTimestamp !== undefined) {
      throw new DomainError(
        'Forbidden',
        `${describeRef(ref)} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
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
    if (live.metadata.namespace !== undefined) this.#finishNamespaceIfEmpty(live.metadata.namespace);
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

  #removeNamespace(namespace: StoredObject): void {
    if (namespace.metadata.deletionTimestamp === undefined) {
      const next = copyJson(namespace);
      next.metadata.deletionTimestamp = timestamp(this.#now());
      next['status'] = { phase: 'Terminating' };
      this.#write(next, 'MODIFIED');
    }
    for (const object of [...this.#objects.values()]) {
      if (object.metadata.namespace === namespace.metadata.name) this.remove(refOfStored(object));
    }
    this.#finishNamespaceIfEmpty(namespace.metadata.name);
  }

  #finishNamespaceIfEmpty(name: string): void {
    const namespace = this.#live({ ...NAMESPACE, name });
    if (!namespace || namespace.metadata.deletionTimestamp === undefined) return;
    if ([...this.#objects.values()].some((object) => object.metadata.namespace === name)) return;
    if ((namespace.metadata.finalizers ?? []).length > 0) return;
    this.#finalize(namespace);
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
