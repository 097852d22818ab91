import { DomainError } from '../../../src/domain/errors.js';
import type { StoreController } from '../../../src/adapters/in-memory/in-memory-cluster.js';
import { kindKey, keyOfListed } from '../../../src/adapters/in-memory/kind-registry.js';
import { invalid } from '../../../src/adapters/in-memory/invalid.js';
import type { ObjectStore, StoreEvent } from '../../../src/adapters/in-memory/object-store.js';
import {
  metadataOf,
  refOfStored,
  type JsonObject,
  type StoredObject,
} from '../../../src/adapters/in-memory/stored-object.js';
import type { KindRuleContext } from '../../../src/adapters/in-memory/write-rules.js';

/** Built-in kinds that must live in a namespace (a write without one is invalid). */
const NAMESPACED = new Set(
  [
    'v1/Pod',
    'v1/ConfigMap',
    'v1/Secret',
    'v1/Service',
    'v1/ServiceAccount',
    'v1/Endpoints',
    'v1/Event',
    'v1/PersistentVolumeClaim',
    'apps/v1/Deployment',
    'apps/v1/ReplicaSet',
    'apps/v1/StatefulSet',
    'apps/v1/DaemonSet',
    'batch/v1/Job',
    'rbac.authorization.k8s.io/v1/Role',
    'rbac.authorization.k8s.io/v1/RoleBinding',
    'coordination.k8s.io/v1/Lease',
    'events.k8s.io/v1/Event',
  ].map(keyOfListed),
);

const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace' } as const;
/**
 * Holds a deleted namespace until its contents are gone. A real API server
 * keeps it in `spec.finalizers`; the in-memory store knows only
 * `metadata.finalizers`, so the simulation keeps it there.
 */
const FINALIZER = 'kubernetes';

const isNamespace = (object: JsonObject): boolean =>
  kindKey(String(object['apiVersion']), String(object['kind'])) === '/Namespace';

/**
 * The namespace rules of the API server on a create: a built-in namespaced
 * kind needs a namespace, a terminating namespace takes no new objects, and a
 * new namespace gets the finalizer the namespace controller removes.
 */
export function namespaceAdmission(
  store: ObjectStore,
  next: JsonObject,
  live: StoredObject | undefined,
  context: KindRuleContext,
): void {
  if (live) return;
  if (isNamespace(next)) {
    const metadata = metadataOf(next);
    const finalizers = Array.isArray(metadata['finalizers']) ? (metadata['finalizers'] as string[]) : [];
    next['metadata'] = { ...metadata, finalizers: [...new Set([...finalizers, FINALIZER])] };
    return;
  }
  const { namespace } = context;
  if (namespace === undefined) {
    if (NAMESPACED.has(kindKey(String(next['apiVersion']), String(next['kind']))))
      throw invalid(context.what, 'metadata.namespace', 'Required value');
    return;
  }
  if (store.get({ ...NAMESPACE, name: namespace })?.metadata.deletionTimestamp !== undefined) {
    throw new DomainError(
      'Forbidden',
      `${context.what} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
    );
  }
}

/**
 * The namespace controller: a namespace marked for deletion turns
 * Terminating, its contents are deleted, and once the last of them is gone
 * (their own finalizers removed) the namespace goes too.
 */
export class NamespaceController implements StoreController {
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  handle(event: StoreEvent): void {
    const { metadata } = event.object;
    if (isNamespace(event.object)) {
      if (event.type !== 'DELETED' && metadata.deletionTimestamp !== undefined) this.#terminate(metadata.name);
    } else if (event.type === 'DELETED' && metadata.namespace !== undefined) {
      this.#finishIfEmpty(metadata.namespace);
    }
  }

  #terminate(name: string): void {
    const namespace = this.#store.get({ ...NAMESPACE, name });
    if (!namespace || namespace.metadata.deletionTimestamp === undefined) return;
    if ((namespace['status'] as JsonObject | undefined)?.['phase'] !== 'Terminating')
      this.#store.update({ ...NAMESPACE, name }, { status: { phase: 'Terminating' } }, 'status');
    for (const object of this.#store.contentsOf(name)) this.#store.remove(refOfStored(object));
    this.#finishIfEmpty(name);
  }

  #finishIfEmpty(name: string): void {
    const namespace = this.#store.get({ ...NAMESPACE, name });
    if (namespace?.metadata.deletionTimestamp === undefined || this.#store.contentsOf(name).length > 0) return;
    const finalizers = (namespace.metadata.finalizers ?? []).filter((finalizer) => finalizer !== FINALIZER);
    this.#store.update(
      { ...NAMESPACE, name },
      { ...namespace, metadata: { ...namespace.metadata, finalizers } },
      'main',
    );
  }
}
