import type { ObjectRef } from '../../ports/cluster-api.port.js';

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';

/** A kind across versions of its group, as the API server identifies a resource. */
export const kindKey = (apiVersion: string, kind: string): string => `${groupOf(apiVersion)}/${kind}`;

const CLUSTER_SCOPED = [
  'v1/Namespace',
  'v1/Node',
  'v1/PersistentVolume',
  'rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'apiextensions.k8s.io/v1/CustomResourceDefinition',
  'storage.k8s.io/v1/StorageClass',
  'scheduling.k8s.io/v1/PriorityClass',
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration',
  'apiregistration.k8s.io/v1/APIService',
];

/** Kinds whose `status` is written only through the status subresource. */
const STATUS_SUBRESOURCE = [
  'v1/Pod',
  'v1/Service',
  'v1/Namespace',
  'v1/Node',
  'v1/PersistentVolume',
  'v1/PersistentVolumeClaim',
  'apps/v1/Deployment',
  'apps/v1/ReplicaSet',
  'apps/v1/StatefulSet',
  'apps/v1/DaemonSet',
  'batch/v1/Job',
  'batch/v1/CronJob',
  'apiextensions.k8s.io/v1/CustomResourceDefinition',
];

export const keyOfListed = (entry: string): string => {
  const kind = entry.slice(entry.lastIndexOf('/') + 1);
  return kindKey(entry.slice(0, entry.lastIndexOf('/')), kind);
};

/**
 * What the fake knows about kinds: which are cluster-scoped, which have a
 * status subresource. Custom resources are unknown
 * until registered; an unknown kind is namespaced exactly when a namespace is given.
 */
export class KindRegistry {
  readonly #clusterScoped = new Set(CLUSTER_SCOPED.map(keyOfListed));
  readonly #statusSubresource = new Set(STATUS_SUBRESOURCE.map(keyOfListed));

  registerStatusSubresource(apiVersion: string, kind: string): void {
    this.#statusSubresource.add(kindKey(apiVersion, kind));
  }

  hasStatusSubresource(apiVersion: string, kind: string): boolean {
    return this.#statusSubresource.has(kindKey(apiVersion, kind));
  }

  /** The namespace an object of this kind really lives in (cluster-scoped kinds ignore one). */
  namespaceFor(ref: Pick<ObjectRef, 'apiVersion' | 'kind' | 'namespace'>): string | undefined {
    if (this.#clusterScoped.has(kindKey(ref.apiVersion, ref.kind))) return undefined;
    return ref.namespace === '' ? undefined : ref.namespace;
  }

  /** Identity of an object in the store: group, kind, namespace, name. */
  objectKey(ref: ObjectRef): string {
    return `${kindKey(ref.apiVersion, ref.kind)}|${this.namespaceFor(ref) ?? ''}|${ref.name}`;
  }
}
