import { isDomainError } from '../../../domain/errors.js';
import type { ClientAccount, ClientAccounts } from '../ports/client-accounts.port.js';
import type { Manifest, ObjectApi } from '../../../ports/cluster-api.port.js';
import { MANAGED_BY_LABELS } from '../../../gefyra-release.js';
import { GEFYRA_CLIENT_PLURAL } from '../domain/client/gefyra-client.js';
import { REGISTERED_BY_OPERATOR_ANNOTATION } from '../../../adapters/kubernetes/cluster-stores/cluster-operator-installation.js';

const CLIENTS_CRD = `${GEFYRA_CLIENT_PLURAL}.gefyra.dev`;

/** The ClusterRole every client's account is bound to, by Gefyra 2's name. */
export const CLIENT_CLUSTER_ROLE = 'gefyra-client';

/** Gefyra 2's names: ServiceAccount `gefyra-client-<client>`, binding `gefyra-rolebinding-<sa>`, token Secret `<sa>-token`. */
export const clientAccountNames = (client: string) => {
  const serviceAccount = `gefyra-client-${client}`;
  return { serviceAccount, binding: `gefyra-rolebinding-${serviceAccount}`, secret: `${serviceAccount}-token` };
};

/** The client whose ServiceAccount this is, by Gefyra 2's naming; undefined for any other ServiceAccount. */
export function clientOfServiceAccount(serviceAccountName: string): string | undefined {
  return /^gefyra-client-(.+)$/.exec(serviceAccountName)?.[1];
}

/** The client whose token Secret this is, by Gefyra 2's naming; undefined for any other Secret. */
export function clientOfTokenSecret(secretName: string): string | undefined {
  return /^gefyra-client-(.+)-token$/.exec(secretName)?.[1];
}

/**
 * What a developer's client may do with its own token: work with Gefyra's
 * objects and look at what it bridges. Unlike the original, no rule names one
 * client (its delete rule was pinned to the first client, contract §6).
 */
const CLIENT_RULES = [
  {
    apiGroups: ['gefyra.dev'],
    resources: ['gefyraclients', 'gefyrabridges', 'gefyrabridgemounts'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'],
  },
  {
    apiGroups: [''],
    resources: ['pods', 'services', 'namespaces', 'events', 'configmaps'],
    verbs: ['get', 'list', 'watch'],
  },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch'] },
];

/** Per-client ServiceAccounts in the operator's namespace, each bound to `gefyra-client` and with a token Secret. */
export class ClusterClientAccounts implements ClientAccounts {
  readonly #objects: ObjectApi;
  readonly #namespace: string;

  constructor(objects: ObjectApi, namespace: string) {
    this.#objects = objects;
    this.#namespace = namespace;
  }

  async ensure(client: string, signal: AbortSignal): Promise<ClientAccount> {
    const names = clientAccountNames(client);
    const namespace = this.#namespace;
    // A label value holds at most 63 characters; a client's name may be longer.
    const labels =
      client.length <= 63 ? { ...MANAGED_BY_LABELS, 'gefyra.dev/client': client } : { ...MANAGED_BY_LABELS };
    // Looked up first: an install that ships the role (deploy/gefyra2) grants `get` on it, not `create` (which would need every rule it grants).
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' } as const;
    const owners = await this.#clientsCrdAsOwner(signal);
    if (!(await this.#objects.find({ ...role, name: CLIENT_CLUSTER_ROLE }, signal))) {
      // Marked as the operator's own, so that removing the installation removes it (one an install ships stays the install's).
      const annotations = { [REGISTERED_BY_OPERATOR_ANNOTATION]: 'gefyra-operator' };
      await this.#createIfMissing(
        {
          ...role,
          metadata: { name: CLIENT_CLUSTER_ROLE, labels: { ...MANAGED_BY_LABELS }, annotations, ...owners },
          rules: CLIENT_RULES,
        },
        signal,
      );
    }
    await this.#createIfMissing(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: names.serviceAccount, namespace, labels } },
      signal,
    );
    await this.#createIfMissing(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: names.binding, labels, ...owners },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CLIENT_CLUSTER_ROLE },
        subjects: [{ kind: 'ServiceAccount', name: names.serviceAccount, namespace }],
      },
      signal,
    );
    await this.#createIfMissing(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/service-account-token',
        metadata: {
          name: names.secret,
          namespace,
          labels,
          annotations: { 'kubernetes.io/service-account.name': names.serviceAccount },
        },
      },
      signal,
    );
    const secret = await this.#objects.find(
      { apiVersion: 'v1', kind: 'Secret', namespace, name: names.secret },
      signal,
      { fresh: true },
    );
    const data = (secret?.['data'] ?? {}) as Record<string, string>;
    return typeof data['token'] === 'string' && data['token'] !== ''
      ? { serviceAccountName: names.serviceAccount, data: { ...data } }
      : { serviceAccountName: names.serviceAccount };
  }

  async remove(client: string, signal: AbortSignal): Promise<void> {
    const names = clientAccountNames(client);
    const namespace = this.#namespace;
    await this.#objects.remove(
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: names.binding },
      signal,
    );
    await this.#objects.remove({ apiVersion: 'v1', kind: 'Secret', namespace, name: names.secret }, signal);
    await this.#objects.remove(
      { apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: names.serviceAccount },
      signal,
    );
  }

  /**
   * The cluster-scoped objects made for clients (their bindings, the
   * `gefyra-client` role) are dependents of the `gefyraclients` CRD, so that
   * the garbage collector removes them with it: the 2.5 client's uninstall
   * strips the clients' finalizers and deletes the namespace, then the CRDs,
   * before the operator can clean up (the namespace takes the namespaced
   * rest). Without the CRD's uid (it may not be read), no owner.
   */
  async #clientsCrdAsOwner(signal: AbortSignal): Promise<{ ownerReferences?: Record<string, string>[] }> {
    const ref = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: CLIENTS_CRD };
    let crd: Manifest | undefined;
    try {
      crd = await this.#objects.find(ref, signal);
    } catch (error) {
      // The 2.5 client's role lists CRDs but may not get one.
      if (!isDomainError(error, 'Forbidden')) throw error;
      crd = (await this.#objects.list(ref, undefined, undefined, signal).catch(() => [])).find(
        (object) => object.metadata.name === CLIENTS_CRD,
      );
    }
    const uid = crd?.metadata.uid;
    return uid === undefined
      ? {}
      : { ownerReferences: [{ apiVersion: ref.apiVersion, kind: ref.kind, name: CLIENTS_CRD, uid }] };
  }

  async #createIfMissing(manifest: Manifest, signal: AbortSignal): Promise<void> {
    try {
      await this.#objects.create(manifest, signal);
    } catch (error) {
      if (!isDomainError(error, 'AlreadyExists')) throw error;
    }
  }
}
