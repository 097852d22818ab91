import { DomainError, isDomainError } from '../../domain/errors.js';
import { refOf, type Manifest, type ObjectApi, type ObjectRef } from '../../ports/cluster-api.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { OperatorInstallation } from '../../ports/operator-installation.port.js';
import { INTERCEPT_REQUEST_CRD_NAME, interceptRequestCrd } from '../../crd/intercept-request-crd.js';
import { MANAGED_BY_LABELS } from '../../gefyra-release.js';
import { OPERATOR_DEPLOYMENT } from '../../domain/boot/operator-events.js';

export interface InstallationNames {
  readonly namespace: string;
  /** Name of the operator's ClusterRole and ClusterRoleBinding (deploy/ uses `gefyra-operator`). */
  readonly clusterRole: string;
  /**
   * Whether the credentials may read the CRD. Without (the Gefyra client's
   * role grants create and patch, not get) it is registered blindly: create,
   * and on AlreadyExists patch it to this operator's definition.
   */
  readonly crdReadable?: boolean;
}

/** On a CRD that the operator registered itself (not one applied from deploy/): it is the operator's to remove. */
export const REGISTERED_BY_OPERATOR_ANNOTATION = 'gefyra.dev/registered-by';

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
  /** Whether the operator's own Deployment existed when it registered: only then can its absence mean removal. */
  #deployed = false;

  constructor(objects: ObjectApi, names: InstallationNames, logger: Logger) {
    this.#objects = objects;
    this.#names = names;
    this.#logger = logger;
  }

  async ensureRegistered(signal: AbortSignal): Promise<void> {
    if (!this.#deployed) this.#deployed = (await this.#objects.find(this.#deploymentRef, signal)) !== undefined;
    // In a pod the namespace exists; an operator run from a workstation may have to create it.
    const namespace = { apiVersion: 'v1', kind: 'Namespace', name: this.#names.namespace };
    await this.#createUnlessPresent(namespace, { ...namespace, metadata: { name: this.#names.namespace, labels: { ...MANAGED_BY_LABELS } } }, signal);
    const crd = interceptRequestCrd();
    const registered = { ...crd, metadata: { ...crd.metadata, annotations: { [REGISTERED_BY_OPERATOR_ANNOTATION]: 'gefyra-operator' } } };
    try {
      if (this.#names.crdReadable === false) await this.#createOrPatch(registered, signal);
      else await this.#createUnlessPresent(CRD_REF, registered, signal);
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

  /** Registers without reading: create, or patch what is there (the spec only: labels and annotations stay whose they are). */
  async #createOrPatch(manifest: Manifest, signal: AbortSignal): Promise<void> {
    try {
      await this.#objects.create(manifest, signal);
    } catch (error) {
      if (!isDomainError(error, 'AlreadyExists')) throw error;
      await this.#objects.patch(refOf(manifest), { spec: manifest['spec'] }, signal);
    }
  }

  get #deploymentRef(): ObjectRef {
    return { apiVersion: 'apps/v1', kind: 'Deployment', namespace: this.#names.namespace, name: OPERATOR_DEPLOYMENT };
  }

  async beingRemoved(signal: AbortSignal): Promise<boolean> {
    if (!this.#deployed) return false;
    const deployment = await this.#objects.find(this.#deploymentRef, signal, { fresh: true });
    return deployment === undefined || deployment.metadata.deletionTimestamp !== undefined;
  }

  async unregister(signal: AbortSignal): Promise<void> {
    // Without `get`, the CRD is found by listing (the Gefyra client's role lists CRDs but may not get one).
    const crd =
      this.#names.crdReadable === false
        ? (await this.#objects.list({ apiVersion: CRD_REF.apiVersion, kind: CRD_REF.kind }, undefined, undefined, signal)).find(
            (object) => object.metadata.name === CRD_REF.name,
          )
        : await this.#objects.find(CRD_REF, signal);
    if (crd?.metadata.annotations?.[REGISTERED_BY_OPERATOR_ANNOTATION] === undefined) return;
    await this.#objects.remove(CRD_REF, signal);
    this.#logger.info({ crd: CRD_REF.name }, 'removed the CRD this operator registered');
  }

  async uninstall(signal: AbortSignal): Promise<void> {
    const { namespace } = this.#names;
    await this.#objects.remove(CRD_REF, signal);
    await this.#objects.remove({ apiVersion: 'v1', kind: 'Namespace', name: namespace }, signal);
    await this.#removeClusterRbac(signal);
  }

  /**
   * The ClusterRole and its binding each carry the operator's right to delete
   * the other, so whichever goes first leaves the second out of reach. The
   * binding is made a dependent of the role instead: deleting the role lets
   * the garbage collector remove the binding.
   */
  async #removeClusterRbac(signal: AbortSignal): Promise<void> {
    const { clusterRole } = this.#names;
    const ref = (kind: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, name: clusterRole });
    try {
      const role = await this.#objects.find(ref('ClusterRole'), signal);
      if (role?.metadata.uid !== undefined) {
        const owner = { ...ref('ClusterRole'), uid: role.metadata.uid };
        await this.#objects.patch(ref('ClusterRoleBinding'), { metadata: { ownerReferences: [owner] } }, signal).catch((error: unknown) => {
          if (!isDomainError(error, 'NotFound')) throw error;
        });
      }
      await this.#objects.remove(ref('ClusterRole'), signal);
    } catch (error) {
      this.#logger.warn(
        { name: clusterRole, error: error instanceof Error ? error.message : String(error) },
        `could not remove the operator's ClusterRole; finish with: kubectl delete clusterrole,clusterrolebinding ${clusterRole}`,
      );
    }
    // Where no garbage collector runs, or credentials allow it, directly; refused once the role is gone, which is fine.
    await this.#objects.remove(ref('ClusterRoleBinding'), signal).catch(() => undefined);
  }
}
