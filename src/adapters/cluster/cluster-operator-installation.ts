import { DomainError, isDomainError } from '../../domain/errors.js';
import type { Manifest, ObjectApi, ObjectRef } from '../../ports/cluster-api.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { OperatorInstallation } from '../../ports/operator-installation.port.js';
import { INTERCEPT_REQUEST_CRD_NAME, interceptRequestCrd } from '../../crd/intercept-request-crd.js';
import { MANAGED_BY_LABELS } from '../../gefyra-release.js';

export interface InstallationNames {
  readonly namespace: string;
  /** Name of the operator's ClusterRole and ClusterRoleBinding (deploy/ uses `gefyra-operator`). */
  readonly clusterRole: string;
}

const CRD_REF = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: INTERCEPT_REQUEST_CRD_NAME };

/**
 * The operator's own footprint. Removal deletes the CRD first (all requests
 * are gone by then), then the namespace (its Deployment, ServiceAccount and
 * Roles with it), then the cluster-wide RBAC. Deleting the namespace revokes
 * the operator's own credentials soon after, so failures on the last two are
 * reported with the command that finishes the job rather than thrown.
 */
export class ClusterOperatorInstallation implements OperatorInstallation {
  readonly #objects: ObjectApi;
  readonly #names: InstallationNames;
  readonly #logger: Logger;

  constructor(objects: ObjectApi, names: InstallationNames, logger: Logger) {
    this.#objects = objects;
    this.#names = names;
    this.#logger = logger;
  }

  async ensureRegistered(signal: AbortSignal): Promise<void> {
    // In a pod the namespace exists; an operator run from a workstation may have to create it.
    const namespace = { apiVersion: 'v1', kind: 'Namespace', name: this.#names.namespace };
    await this.#createUnlessPresent(namespace, { ...namespace, metadata: { name: this.#names.namespace, labels: { ...MANAGED_BY_LABELS } } }, signal);
    try {
      await this.#createUnlessPresent(CRD_REF, interceptRequestCrd(), signal);
    } catch (error) {
      if (isDomainError(error, 'Forbidden')) {
        throw new DomainError(
          'Forbidden',
          `the InterceptRequest CRD (${INTERCEPT_REQUEST_CRD_NAME}) is not installed and the operator may not create it: ` +
            'install it with `kubectl apply -f deploy/crd.yaml` (or `gefyra-operator manifests | kubectl apply -f -`)',
          { cause: error, details: { reason: 'CrdMissing' } },
        );
      }
      throw error;
    }
  }

  /** Creates the object unless it exists; losing the race to another creator is fine. */
  async #createUnlessPresent(ref: ObjectRef, manifest: Manifest, signal: AbortSignal): Promise<void> {
    if (await this.#objects.find(ref, signal)) return;
    try {
      await this.#objects.create(manifest, signal);
    } catch (error) {
      if (!isDomainError(error, 'AlreadyExists')) throw error;
    }
  }

  async uninstall(signal: AbortSignal): Promise<void> {
    const { namespace } = this.#names;
    await this.#objects.remove(CRD_REF, signal);
    await this.#objects.remove({ apiVersion: 'v1', kind: 'Namespace', name: namespace }, signal);
    await this.#removeClusterRbac(signal);
  }

  /**
   * The ClusterRole carries the operator's right to delete itself and its
   * binding, so whichever goes first leaves the second out of reach. The
   * role goes first: a binding to a role that no longer exists, for a
   * ServiceAccount that went with the namespace, grants nothing. Removing it
   * needs someone else's credentials (the `reset` command run by a person
   * has them). The operator may not patch its binding to make it a dependent
   * of the role: that right would let a stolen token add subjects to it.
   */
  async #removeClusterRbac(signal: AbortSignal): Promise<void> {
    const { clusterRole } = this.#names;
    const ref = (kind: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, name: clusterRole });
    for (const kind of ['ClusterRole', 'ClusterRoleBinding']) {
      try {
        await this.#objects.remove(ref(kind), signal);
      } catch (error) {
        this.#logger.warn(
          { kind, name: clusterRole, error: error instanceof Error ? error.message : String(error) },
          `could not remove the operator's ${kind} (it grants nothing without the other); finish with: kubectl delete clusterrole,clusterrolebinding ${clusterRole}`,
        );
      }
    }
  }
}
