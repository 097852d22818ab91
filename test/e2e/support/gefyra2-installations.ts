import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import { INTERCEPT_REQUEST_CRD_NAME } from '../../../src/crd/intercept-request-crd.js';
import { GEFYRA2_CRD_NAMES } from '../../../src/plugins/gefyra2/install/gefyra2-crds.js';
import type { ControlPlaneAccess } from '../../support/control-plane/control-plane-access.js';
import { pollUntil } from '../../support/control-plane/polling.js';
import { absentObjects, removeClusterObjects } from './cluster-cleanup.js';
import { recordObjects, type ObjectRecorder } from './cluster-waits.js';
import { preboundStowawayVolume, removeClientBindings } from './gefyra2-lifecycle.js';
import { startOperatorProcess, type OperatorProcess } from './operator-process.js';
import { isDomainError } from '../../../src/domain/errors.js';
import { DEFAULT_OPERATOR_IMAGE } from '../../../src/install/install-manifests.js';
import { gefyra2InstallManifests } from '../../../src/plugins/gefyra2/install/gefyra2-manifests.js';
import type { Manifest, ObjectRef } from '../../../src/ports/cluster-api.port.js';
import { GEFYRA2_CLIENT_CLUSTER_ROLE_RULES } from '../../support/gefyra2-client-cluster-role.js';

const never = new AbortController().signal;
const RBAC = 'rbac.authorization.k8s.io/v1';
const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };

/** The variables the 2.5 client puts into the operator's Deployment (contract §1); GEFYRA_CLIENT_CONTRACT is not among them: `auto` tells. */
export const GEFYRA2_CLIENT_OPERATOR_ENV = {
  GEFYRA_STOWAWAY_IMAGE: 'quay.io/gefyra/stowaway',
  GEFYRA_STOWAWAY_IMAGE_TAG: '2.5.4',
  GEFYRA_CARRIER_IMAGE: 'quay.io/gefyra/carrier',
  GEFYRA_CARRIER_IMAGE_TAG: '2.5.4',
  GEFYRA_CARRIER2_IMAGE: 'quay.io/gefyra/carrier2',
  GEFYRA_CARRIER2_IMAGE_TAG: '2.5.4',
  GEFYRA_STOWAWAY_STORAGE: '64',
  GEFYRA_STOWAWAY_MAX_CONNECTION_AGE: '-1',
} as const;

/** How `gefyra-operator run` is given its account and variables in the 2.x contract. */
export interface Gefyra2Installation {
  readonly title: string;
  readonly env: Readonly<Record<string, string>>;
  /** Grants the ServiceAccount `gefyra-operator` of `namespace` its rights, under `name`; applies what the installation ships. */
  install(api: KubernetesClusterApi, namespace: string, name: string): Promise<void>;
  /** Removes the cluster-scoped objects `install` made. */
  uninstall(api: KubernetesClusterApi, name: string): Promise<void>;
  readonly interceptRequestsOff: string;
  /** Whether the installation applies the InterceptRequest CRD itself. */
  readonly shipsInterceptRequestCrd: boolean;
}

const bindCluster = (name: string, namespace: string): Manifest => ({
  apiVersion: RBAC,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
  subjects: [{ kind: 'ServiceAccount', name: 'gefyra-operator', namespace }],
});
const removeClusterRole = async (api: KubernetesClusterApi, name: string) => {
  for (const kind of ['ClusterRoleBinding', 'ClusterRole']) await api.remove({ apiVersion: RBAC, kind, name }, never);
};

/** The 2.5 client's installation (its ClusterRole `gefyra:operator` and variables) and deploy/gefyra2's least-privilege one. */
export const GEFYRA2_INSTALLATIONS: readonly Gefyra2Installation[] = [
  {
    title: 'installed by the Gefyra 2.5 client (its ClusterRole and variables)',
    env: GEFYRA2_CLIENT_OPERATOR_ENV,
    install: async (api, namespace, name) => {
      await api.create(
        { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name }, rules: GEFYRA2_CLIENT_CLUSTER_ROLE_RULES },
        never,
      );
      await api.create(bindCluster(name, namespace), never);
    },
    uninstall: removeClusterRole,
    interceptRequestsOff: 'no rights on interceptrequests',
    shipsInterceptRequestCrd: false,
  },
  {
    title: "installed with deploy/gefyra2's account (the CRDs and gefyra-client applied with it)",
    env: { GEFYRA_CLIENT_CONTRACT: '2' },
    install: async (api, namespace, name) => {
      const manifests = gefyra2InstallManifests({ namespace, image: DEFAULT_OPERATOR_IMAGE });
      const operatorRole = (kind: string) =>
        manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === 'gefyra-operator');
      for (const crd of manifests.filter((manifest) => manifest.kind === 'CustomResourceDefinition'))
        await createOrKeep(api, crd);
      await createOrKeep(
        api,
        manifests.find(
          (manifest) => manifest.kind === 'ClusterRole' && manifest.metadata.name === 'gefyra-client',
        ) as Manifest,
      );
      await api.create({ ...(operatorRole('ClusterRole') as Manifest), metadata: { name } }, never);
      await api.create(bindCluster(name, namespace), never);
      await api.create({ ...(operatorRole('Role') as Manifest), metadata: { name, namespace } }, never);
      await api.create(
        {
          apiVersion: RBAC,
          kind: 'RoleBinding',
          metadata: { name, namespace },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
          subjects: [{ kind: 'ServiceAccount', name: 'gefyra-operator', namespace }],
        },
        never,
      );
    },
    uninstall: removeClusterRole,
    interceptRequestsOff: 'the tunnel routes none',
    shipsInterceptRequestCrd: true,
  },
];

async function createOrKeep(api: KubernetesClusterApi, manifest: Manifest): Promise<void> {
  try {
    await api.create(manifest, never);
  } catch (error) {
    if (!isDomainError(error, 'AlreadyExists')) throw error;
  }
}

/** A running `gefyra-operator run` of one installation, with what its test file needs around it. */
export interface InstalledGefyra2 {
  /** Every core/v1 Event of the operator's namespace since before the start (what `gefyra up` and the waits read). */
  readonly events: ObjectRecorder;
  /** Cluster-wide objects the file found absent (the CRDs, the gefyra-client role), removed again afterwards. */
  readonly absentBefore: readonly ObjectRef[];
  /** The operator process once `start` ran. */
  readonly operator: OperatorProcess | undefined;
  /** Starts the operator as the installation's ServiceAccount, with its variables and GEFYRA_NAMESPACE. */
  start(): Promise<OperatorProcess>;
  /** Waits for the `Gefyra-Ready` Event (as `gefyra up` does) and returns it. */
  ready(): Promise<Manifest>;
}

/**
 * `gefyra-operator run` in the 2.x contract for a test file, in `namespace`:
 * the installation's rights for the ServiceAccount `gefyra-operator`, a
 * PersistentVolume pre-bound to Stowaway's claim, the namespace's Events
 * recorded. After the file, the operator stops first (nothing it does may
 * race the clean-up), then the cluster-scoped objects go. Call it after
 * useSimulatedNode and the namespace hooks.
 */
export function useInstalledGefyra2(
  installation: Gefyra2Installation,
  controlPlane: ControlPlaneAccess,
  namespace: { readonly name: string },
): InstalledGefyra2 {
  const role = `gefyra2-operator-${randomBytes(3).toString('hex')}`;
  const admin = () => new KubernetesClusterApi(controlPlane.adminKubeConfig(), 'gefyra-e2e-admin');
  let volume: string | undefined;
  let operator: OperatorProcess | undefined;
  let events: ObjectRecorder | undefined;
  let absentBefore: ObjectRef[] = [];

  beforeAll(async () => {
    absentBefore = await absentObjects(admin(), [
      ...[...GEFYRA2_CRD_NAMES, INTERCEPT_REQUEST_CRD_NAME].map((name) => ({ ...CRD, name })),
      { apiVersion: RBAC, kind: 'ClusterRole', name: 'gefyra-client' },
    ]);
    await admin().create(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'gefyra-operator', namespace: namespace.name } },
      never,
    );
    await installation.install(admin(), namespace.name, role);
    volume = await preboundStowawayVolume(admin(), namespace.name);
    events = recordObjects(controlPlane.adminKubeConfig(), {
      apiVersion: 'v1',
      kind: 'Event',
      namespace: namespace.name,
    });
    await events.synced;
  }, 60_000);

  afterAll(async () => {
    await operator?.stop();
    await events?.stop();
    if (volume !== undefined) await admin().remove({ apiVersion: 'v1', kind: 'PersistentVolume', name: volume }, never);
    await removeClientBindings(admin(), namespace.name);
    await installation.uninstall(admin(), role);
    await removeClusterObjects(controlPlane.adminKubeConfig(), admin(), absentBefore);
  }, 60_000);

  const recorded = (): ObjectRecorder => {
    if (events === undefined) throw new Error('the installation is made in beforeAll');
    return events;
  };
  return {
    get events() {
      return recorded();
    },
    get absentBefore() {
      return absentBefore;
    },
    get operator() {
      return operator;
    },
    start: async () => {
      const credentials = await controlPlane.serviceAccountKubeConfig(namespace.name, 'gefyra-operator');
      operator = await startOperatorProcess({
        kubeconfigPath: credentials.kubeconfigPath,
        env: { ...installation.env, GEFYRA_NAMESPACE: namespace.name },
      });
      return operator;
    },
    ready: async () =>
      await pollUntil(
        'a Gefyra-Ready Event',
        async () => recorded().seen.find((event) => event['reason'] === 'Gefyra-Ready'),
        { timeoutMs: 90_000, intervalMs: 50 },
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${operator?.describe() ?? ''}`, { cause: error });
      }),
  };
}
