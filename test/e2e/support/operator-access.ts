import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import { INTERCEPT_REQUEST_CRD_NAME } from '../../../src/crd/intercept-request-crd.js';
import { DEFAULT_OPERATOR_IMAGE, installManifests } from '../../../src/install/install-manifests.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';
import type { ControlPlaneAccess } from '../../support/control-plane/index.js';
import { removeClusterObjects } from './cluster-cleanup.js';
import { waitForGone, waitForObject } from './cluster-waits.js';

const never = new AbortController().signal;

export const OPERATOR_NAMESPACE = 'gefyra';
export const OPERATOR_NAME = 'gefyra-operator';
const CRD_REF = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  name: INTERCEPT_REQUEST_CRD_NAME,
};

export interface RbacRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

export interface OperatorAccessOptions {
  /** The operator namespace. Default `gefyra`. */
  readonly namespace?: string;
  /** Name of the ServiceAccount, ClusterRole, Role and bindings. Default `gefyra-operator`. */
  readonly name?: string;
  /** Changes the rules of the ClusterRole or Role before they are applied (to take one away). */
  readonly editRules?: (kind: 'ClusterRole' | 'Role', rules: readonly RbacRule[]) => readonly RbacRule[];
}

export interface OperatorAccess {
  readonly namespace: string;
  /** Of the ServiceAccount, ClusterRole, Role and bindings; give it to the operator as GEFYRA_OPERATOR_CLUSTER_ROLE. */
  readonly name: string;
  /** A kubeconfig that authenticates as the ServiceAccount: exactly what the RBAC grants. */
  readonly kubeconfigPath: string;
  /** `system:serviceaccount:<namespace>:<name>`, as the audit log names it. */
  readonly username: string;
}

/**
 * Installs what deploy/ installs except the operator's Deployment (the tests
 * run the operator as a process instead): the namespace, the CRD (waiting
 * until it is served), the ServiceAccount with its ClusterRole, Role and
 * bindings. Applied with the admin's credentials, as `kubectl apply -k
 * deploy/` would be; the operator then runs with the ServiceAccount's own.
 * A namespace still terminating from an earlier reset is awaited first.
 */
export async function installOperatorAccess(
  controlPlane: ControlPlaneAccess,
  options: OperatorAccessOptions = {},
): Promise<OperatorAccess> {
  const namespace = options.namespace ?? OPERATOR_NAMESPACE;
  const name = options.name ?? OPERATOR_NAME;
  const admin = controlPlane.adminKubeConfig();
  const api = new KubernetesClusterApi(admin, 'gefyra-e2e-admin');
  await waitForObject(
    admin,
    { apiVersion: 'v1', kind: 'Namespace', name: namespace },
    (object) => object?.metadata.deletionTimestamp === undefined,
    {
      what: `namespace ${namespace} to finish terminating`,
      timeoutMs: 120_000,
    },
  );
  const manifests = installManifests({ namespace, image: DEFAULT_OPERATOR_IMAGE, name }).filter(
    (manifest) => manifest.kind !== 'Deployment',
  );
  for (const manifest of manifests) await api.apply(withEditedRules(manifest, options.editRules), never);
  await waitForObject(admin, CRD_REF, (crd) => isEstablished(crd), {
    what: `CRD ${INTERCEPT_REQUEST_CRD_NAME} to be established`,
  });
  const credentials = await controlPlane.serviceAccountKubeConfig(namespace, name);
  return { namespace, name, kubeconfigPath: credentials.kubeconfigPath, username: credentials.username };
}

/**
 * Removes everything an operator installation and its operator left: the
 * requests (finalizers dropped: their operator may be dead), the CRD, the
 * namespace (waiting until the namespace controller emptied it, which needs
 * the simulated node to delete Stowaway's pod) and the cluster-wide RBAC.
 * The next test file starts from an empty cluster.
 */
export async function removeOperatorInstallation(
  controlPlane: ControlPlaneAccess,
  options: { namespace?: string; names?: readonly string[] } = {},
): Promise<void> {
  const namespace = options.namespace ?? OPERATOR_NAMESPACE;
  const admin = controlPlane.adminKubeConfig();
  const api = new KubernetesClusterApi(admin, 'gefyra-e2e-admin');
  await removeClusterObjects(admin, api, [CRD_REF]);
  await api.remove({ apiVersion: 'v1', kind: 'Namespace', name: namespace }, never);
  await waitForGone(admin, { apiVersion: 'v1', kind: 'Namespace', name: namespace }, 120_000);
  for (const name of options.names ?? [OPERATOR_NAME]) {
    for (const kind of ['ClusterRoleBinding', 'ClusterRole'])
      await api.remove({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, name }, never);
  }
}

export function isEstablished(crd: Manifest | undefined): boolean {
  const conditions =
    (crd?.['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((condition) => condition.type === 'Established' && condition.status === 'True');
}

function withEditedRules(manifest: Manifest, edit: OperatorAccessOptions['editRules']): Manifest {
  if (edit === undefined || (manifest.kind !== 'ClusterRole' && manifest.kind !== 'Role')) return manifest;
  return { ...manifest, rules: edit(manifest.kind, manifest['rules'] as RbacRule[]) };
}
