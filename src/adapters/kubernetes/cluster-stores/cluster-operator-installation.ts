import { DomainError, isDomainError } from '../../../domain/errors.js';
import { refOf, type Manifest, type ObjectApi, type ObjectRef } from '../../../ports/cluster-api.port.js';
import type { Logger } from '../../../ports/logger.port.js';
import type { OperatorInstallation } from '../../../ports/operator-installation.port.js';
import { INTERCEPT_REQUEST_CRD_NAME, interceptRequestCrd } from '../../../crd/intercept-request-crd.js';
import { MANAGED_BY_LABELS } from '../../../gefyra-release.js';
import { OPERATOR_DEPLOYMENT } from '../../../domain/boot/operator-events.js';

export interface InstallationNames {
  readonly namespace: string;
  /**
   * Name of the operator's ServiceAccount, and of its ClusterRole and binding
   * where they cannot be found by subject (deploy/ uses `gefyra-operator` for all).
   */
  readonly clusterRole: string;
  /**
   * Whether the credentials may read the CRD. Without (the Gefyra client's
   * role grants create and patch, not get) it is registered blindly: create,
   * and on AlreadyExists patch it to this operator's definition.
   */
  readonly crdReadable?: boolean;
  /** Whether this operator serves InterceptRequests and so registers their CRD (default); one that serves none leaves no such CRD behind. */
  readonly interceptRequests?: boolean;
}

/** On a CRD that the operator registered itself (not one applied from deploy/): it is the operator's to remove. */
export const REGISTERED_BY_OPERATOR_ANNOTATION = 'gefyra.dev/registered-by';

const RBAC = 'rbac.authorization.k8s.io/v1';
/** Kubernetes' own ClusterRoles, never removed even if a binding grants one to the operator. */
const BUILT_IN_ROLES = new Set(['cluster-admin', 'admin', 'edit', 'view']);

const CRD_REF = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  name: INTERCEPT_REQUEST_CRD_NAME,
};

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
    await this.#createUnlessPresent(
      namespace,
      { ...namespace, metadata: { name: this.#names.namespace, labels: { ...MANAGED_BY_LABELS } } },
      signal,
    );
    if (this.#names.interceptRequests === false) return;
    const crd = interceptRequestCrd();
    const registered = {
      ...crd,
      metadata: { ...crd.metadata, annotations: { [REGISTERED_BY_OPERATOR_ANNOTATION]: 'gefyra-operator' } },
    };
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
        ? (
            await this.#objects.list(
              { apiVersion: CRD_REF.apiVersion, kind: CRD_REF.kind },
              undefined,
              undefined,
              signal,
            )
          ).find((object) => object.metadata.name === CRD_REF.name)
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
   * The ClusterRoles and bindings that grant the operator's ServiceAccount,
   * found by the bindings' subjects (deploy/ names them `gefyra-operator`, the
   * Gefyra client `gefyra-operator-role` and `-rolebinding`). Listing bindings
   * needs a right the operator's own roles do not give (the reset command run
   * with an admin's kubeconfig has it): without it, the configured name.
   */
  async #grantsOfOperator(signal: AbortSignal): Promise<{ role: string; binding: string }[]> {
    const { namespace, clusterRole } = this.#names;
    let bindings: Manifest[];
    try {
      bindings = await this.#objects.list(
        { apiVersion: RBAC, kind: 'ClusterRoleBinding' },
        undefined,
        undefined,
        signal,
      );
    } catch (error) {
      if (isDomainError(error, 'Forbidden')) return [{ role: clusterRole, binding: clusterRole }];
      throw error;
    }
    const grants = (binding: Manifest) =>
      ((binding['subjects'] ?? []) as { kind?: string; name?: string; namespace?: string }[]).some(
        (subject) =>
          subject.kind === 'ServiceAccount' && subject.name === clusterRole && subject.namespace === namespace,
      );
    const roleOf = (binding: Manifest) => (binding['roleRef'] as { kind?: string; name?: string } | undefined) ?? {};
    const mine = bindings.filter((binding) => grants(binding) && roleOf(binding).kind === 'ClusterRole');
    // A role that something else is bound to too, or one of Kubernetes' own, is not the operator's to remove.
    const sharedRoles = new Set(
      bindings.filter((binding) => !mine.includes(binding)).map((binding) => roleOf(binding).name),
    );
    return mine
      .map((binding) => ({ role: roleOf(binding).name ?? '', binding: binding.metadata.name }))
      .filter(
        ({ role }) => role !== '' && !sharedRoles.has(role) && !role.startsWith('system:') && !BUILT_IN_ROLES.has(role),
      );
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
    for (const { role, binding } of await this.#grantsOfOperator(signal)) {
      for (const [kind, name] of [
        ['ClusterRole', role],
        ['ClusterRoleBinding', binding],
      ] as const) {
        try {
          await this.#objects.remove({ apiVersion: RBAC, kind, name }, signal);
        } catch (error) {
          this.#logger.warn(
            { kind, name, error: error instanceof Error ? error.message : String(error) },
            `could not remove the operator's ${kind} (it grants nothing without the other); finish with: ${finishCommand(role, binding)}`,
          );
        }
      }
    }
  }
}

/** What a person runs to remove a role and binding the operator could not. */
const finishCommand = (role: string, binding: string): string =>
  role === binding
    ? `kubectl delete clusterrole,clusterrolebinding ${role}`
    : `kubectl delete clusterrole ${role} && kubectl delete clusterrolebinding ${binding}`;
