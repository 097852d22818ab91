import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import { GEFYRA_RELEASE } from '../../../src/gefyra-release.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';
import type { ControlPlaneAccess } from '../../support/control-plane/index.js';
import { waitForGone, waitForObject } from './cluster-waits.js';
import { CLIENT_CLUSTER_ROLE_RULES } from '../../support/client-cluster-role.js';
import { CLIENT_PEER_SUBNET_ENV } from '../../support/client-network.js';

export { CLIENT_CLUSTER_ROLE_RULES };

const never = new AbortController().signal;

/** The names `gefyra up` (0.13) gives what it creates (docs/gefyra-components.md, "How the 0.13 client installs"). */
export const CLIENT_NAMES = {
  serviceAccount: 'gefyra-operator',
  clusterRole: 'gefyra-operator-role',
  clusterRoleBinding: 'gefyra-operator-rolebinding',
  deployment: 'gefyra-operator',
} as const;

/** The five variables the client sets on the operator's container, and nothing else. */
export const CLIENT_OPERATOR_ENV = {
  ...CLIENT_PEER_SUBNET_ENV,
  GEFYRA_STOWAWAY_IMAGE: 'quay.io/gefyra/stowaway',
  GEFYRA_STOWAWAY_TAG: '0.13.6',
  GEFYRA_CARRIER_IMAGE: 'quay.io/gefyra/carrier',
  GEFYRA_CARRIER_TAG: '0.13.6',
} as const;

export interface ClientInstallation {
  readonly namespace: string;
  /** Authenticates as the client's ServiceAccount: exactly what its ClusterRole grants. */
  readonly kubeconfigPath: string;
  readonly username: string;
}

const ref = (apiVersion: string, kind: string, name: string, namespace?: string) => ({
  apiVersion,
  kind,
  name,
  ...(namespace ? { namespace } : {}),
});

/** The operator image `gefyra up` deploys: the operator's repository under the client's own release. */
export const CLIENT_OPERATOR_IMAGE = `quay.io/gefyra/operator:${GEFYRA_RELEASE}`;

/**
 * What `gefyra up` creates, in its order, with the admin's credentials: namespace, ServiceAccount,
 * ClusterRole, binding, Deployment (0 replicas: no container runs here).
 */
export async function installAsClient(
  controlPlane: ControlPlaneAccess,
  namespace: string,
  image: string,
  /** The ClusterRole's rules: the client's unless a test takes one away. */
  rules: readonly unknown[] = CLIENT_CLUSTER_ROLE_RULES,
): Promise<ClientInstallation> {
  await createClientObjects(controlPlane.adminKubeConfig(), namespace, image, { rules, replicas: 0 });
  const credentials = await controlPlane.serviceAccountKubeConfig(namespace, CLIENT_NAMES.serviceAccount);
  return { namespace, kubeconfigPath: credentials.kubeconfigPath, username: credentials.username };
}

/**
 * `gefyra up`'s objects, created in its order once `namespace` has finished terminating. The client
 * itself asks for 1 replica; where no kubelet runs, 0.
 */
export async function createClientObjects(
  admin: KubeConfig,
  namespace: string,
  image: string,
  options: { readonly rules: readonly unknown[]; readonly replicas: number },
): Promise<void> {
  const { rules, replicas } = options;
  const api = new KubernetesClusterApi(admin, 'gefyra-client');
  await waitForObject(
    admin,
    ref('v1', 'Namespace', namespace),
    (object) => object?.metadata.deletionTimestamp === undefined,
    {
      what: `namespace ${namespace} to finish terminating`,
      timeoutMs: 120_000,
    },
  );
  const labels = { app: 'gefyra-operator' };
  const manifests: Manifest[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: CLIENT_NAMES.serviceAccount, namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: CLIENT_NAMES.clusterRole },
      rules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: CLIENT_NAMES.clusterRoleBinding },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CLIENT_NAMES.clusterRole },
      subjects: [{ kind: 'ServiceAccount', name: CLIENT_NAMES.serviceAccount, namespace }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: CLIENT_NAMES.deployment, namespace, labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: CLIENT_NAMES.serviceAccount,
            containers: [
              {
                name: 'gefyra-operator',
                image,
                env: Object.entries(CLIENT_OPERATOR_ENV).map(([name, value]) => ({ name, value })),
              },
            ],
          },
        },
      },
    },
  ];
  for (const manifest of manifests) await api.create(manifest, never);
}

/**
 * `gefyra down` after the requests are gone: the Deployment first; `afterDeployment` stands for the
 * client's 5 s; then ServiceAccount, ClusterRole, binding, namespace.
 */
export async function removeAsClient(
  controlPlane: Pick<ControlPlaneAccess, 'adminKubeConfig'>,
  namespace: string,
  afterDeployment: () => Promise<void>,
  /** How long the namespace may take to terminate (on a real node, its pods' graceful ends). */
  namespaceGoneMs = 120_000,
): Promise<void> {
  const admin = controlPlane.adminKubeConfig();
  const api = new KubernetesClusterApi(admin, 'gefyra-client');
  await api.remove(ref('apps/v1', 'Deployment', CLIENT_NAMES.deployment, namespace), never);
  await afterDeployment();
  await api.remove(ref('v1', 'ServiceAccount', CLIENT_NAMES.serviceAccount, namespace), never);
  await api.remove(ref('rbac.authorization.k8s.io/v1', 'ClusterRole', CLIENT_NAMES.clusterRole), never);
  await api.remove(ref('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', CLIENT_NAMES.clusterRoleBinding), never);
  await api.remove(ref('v1', 'Namespace', namespace), never);
  await waitForGone(admin, ref('v1', 'Namespace', namespace), namespaceGoneMs);
}
