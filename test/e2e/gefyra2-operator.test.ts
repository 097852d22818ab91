import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stowaway2Simulator } from '../support/simulated-cluster/simulators/stowaway2-simulator.js';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/client/index.js';
import { GEFYRA2_CRD_NAMES } from '../../src/plugins/gefyra2/install/gefyra2-crds.js';
import { INTERCEPT_REQUEST_CRD_NAME } from '../../src/crd/intercept-request-crd.js';
import { isDomainError } from '../../src/domain/errors.js';
import { gefyra2InstallManifests } from '../../src/plugins/gefyra2/install/gefyra2-manifests.js';
import { DEFAULT_OPERATOR_IMAGE } from '../../src/install/install-manifests.js';
import { STOWAWAY2 } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import type { Manifest, ObjectRef } from '../../src/ports/cluster-api.port.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../support/control-plane/vitest.js';
import { GEFYRA2_CLIENT_CLUSTER_ROLE_RULES } from '../support/gefyra2-client-cluster-role.js';
import { recordObjects, type ObjectRecorder } from './support/cluster-waits.js';
import { absentObjects, removeClusterObjects } from './support/cluster-cleanup.js';
import { gefyra2ClientCalls, preboundStowawayVolume, removeClientBindings } from './support/gefyra2-lifecycle.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator-process.js';

const never = new AbortController().signal;
const RBAC = 'rbac.authorization.k8s.io/v1';
const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };

/** The variables the 2.5 client puts into the operator's Deployment (contract §1); GEFYRA_CLIENT_CONTRACT is not among them: `auto` tells. */
const GEFYRA2_CLIENT_OPERATOR_ENV = {
  GEFYRA_STOWAWAY_IMAGE: 'quay.io/gefyra/stowaway',
  GEFYRA_STOWAWAY_IMAGE_TAG: '2.5.4',
  GEFYRA_CARRIER_IMAGE: 'quay.io/gefyra/carrier',
  GEFYRA_CARRIER_IMAGE_TAG: '2.5.4',
  GEFYRA_CARRIER2_IMAGE: 'quay.io/gefyra/carrier2',
  GEFYRA_CARRIER2_IMAGE_TAG: '2.5.4',
  GEFYRA_STOWAWAY_STORAGE: '64',
  GEFYRA_STOWAWAY_MAX_CONNECTION_AGE: '-1',
} as const;

interface Installation {
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

const INSTALLATIONS: readonly Installation[] = [
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

// Issue 12: `gefyra-operator run` in the 2.x contract, installed as the 2.5
// client installs it (its ClusterRole, its variables, no InterceptRequest
// rights) and with deploy/gefyra2's least-privilege account, on the real API
// server: Stowaway 2.x installed as a StatefulSet (pod and claim made by
// kube-controller-manager, the container answered by the simulated node as
// the 2.5 image), `Gefyra-Ready` once gefyra-stowaway-0 is ready, then the
// client's calls on a GefyraClient. The namespace is the test's own
// (GEFYRA_NAMESPACE); the cluster-scoped objects are removed after the
// operator has stopped.
describe.each(INSTALLATIONS)('gefyra-operator run in the 2.x contract, $title', (installation) => {
  const controlPlane = useControlPlane();
  const node = useSimulatedNode();
  const namespace = useTestNamespace('gefyra2op');
  const simulator = new Stowaway2Simulator({ readConfigMap: (ns, name) => node.readConfigMap(ns, name) });
  const suffix = randomBytes(3).toString('hex');
  const role = `gefyra2-operator-${suffix}`;
  const admin = () => new KubernetesClusterApi(controlPlane.adminKubeConfig(), 'gefyra-e2e-admin');
  let removeHandler: (() => void) | undefined;
  let volume: string | undefined;
  let operator: OperatorProcess | undefined;
  let events: ObjectRecorder | undefined;
  /** Cluster-wide objects this file found absent, so that it removes them afterwards. */
  let absentBefore: ObjectRef[] = [];

  beforeAll(async () => {
    absentBefore = await absentObjects(admin(), [
      ...[...GEFYRA2_CRD_NAMES, INTERCEPT_REQUEST_CRD_NAME].map((name) => ({ ...CRD, name })),
      { apiVersion: RBAC, kind: 'ClusterRole', name: 'gefyra-client' },
    ]);
    removeHandler = node.onExec(simulator.handle);
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
    // The operator first: nothing it does may race the clean-up.
    await operator?.stop();
    await events?.stop();
    removeHandler?.();
    if (volume !== undefined) await admin().remove({ apiVersion: 'v1', kind: 'PersistentVolume', name: volume }, never);
    await removeClientBindings(admin(), namespace.name);
    await installation.uninstall(admin(), role);
    await removeClusterObjects(controlPlane.adminKubeConfig(), admin(), absentBefore);
  }, 60_000);

  it('installs Stowaway 2.x, posts Gefyra-Ready, serves a GefyraClient through WAITING, ACTIVE, WAITING and delete, never forbidden', async () => {
    const credentials = await controlPlane.serviceAccountKubeConfig(namespace.name, 'gefyra-operator');
    operator = await startOperatorProcess({
      kubeconfigPath: credentials.kubeconfigPath,
      env: { ...installation.env, GEFYRA_NAMESPACE: namespace.name },
    });
    const serving = await operator.waitForLog(
      (line) => typeof line.msg === 'string' && line.msg.startsWith('serving '),
      { what: 'what it serves', timeoutMs: 60_000 },
    );
    expect(serving).toMatchObject({
      msg: 'serving GefyraClients',
      gefyraClients: true,
      interceptRequests: false,
      interceptRequestsOff: installation.interceptRequestsOff,
    });

    // `gefyra up` waits on core/v1 Events for Gefyra-Ready with an eventTime; `gefyra status` then reads gefyra-stowaway-0.
    const ready = await pollUntil(
      'a Gefyra-Ready Event',
      async () => events?.seen.find((event) => event['reason'] === 'Gefyra-Ready'),
      { timeoutMs: 90_000, intervalMs: 50 },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${operator?.describe() ?? ''}`, { cause: error });
    });
    expect(ready['eventTime']).toEqual(expect.any(String));
    const pod = await admin().findPod({ namespace: namespace.name, name: STOWAWAY2.pod }, never);
    expect(pod?.containerStatuses[0]).toMatchObject({ name: STOWAWAY2.container, ready: true });
    // The 0.13 Stowaway is not there: its Deployment and its node port Service would clash with 2.x's.
    expect(await admin().list({ apiVersion: 'apps/v1', kind: 'Deployment' }, namespace.name, undefined, never)).toEqual(
      [],
    );
    // One Service: the developers' WireGuard node port, selecting the 2.x pod (the client makes it too; whoever comes first keeps it).
    const services = await admin().list({ apiVersion: 'v1', kind: 'Service' }, namespace.name, undefined, never);
    expect(services.map((service) => [service.metadata.name, service['spec']])).toEqual([
      [
        'gefyra-stowaway-wireguard',
        expect.objectContaining({
          type: 'NodePort',
          selector: STOWAWAY2.labels,
          ports: [expect.objectContaining({ nodePort: 31820, port: 51820, protocol: 'UDP' })],
        }),
      ],
    ]);
    expect(
      await admin().find(
        { apiVersion: 'v1', kind: 'Secret', namespace: namespace.name, name: 'gefyra-cargo-connection' },
        never,
      ),
    ).toBeUndefined();
    // No InterceptRequests served, so no CRD registered for them (the client's uninstall would leave it behind).
    if (absentBefore.some((ref) => ref.name === INTERCEPT_REQUEST_CRD_NAME) && !installation.shipsInterceptRequestCrd) {
      expect(await admin().find({ ...CRD, name: INTERCEPT_REQUEST_CRD_NAME }, never)).toBeUndefined();
    }

    const client = gefyra2ClientCalls(admin(), controlPlane.adminKubeConfig(), namespace.name);
    const stowaway = await client.stowawayPod();
    await client.create('dev-a');
    await client.waitForClient('dev-a', (found) => found?.state === 'WAITING', 'WAITING');
    const raw = (await admin().find(client.ref('dev-a'), never)) as Manifest;
    expect(raw['serviceAccountName']).toBe('gefyra-client-dev-a');

    await client.setSubnet('dev-a', '172.18.0.0/16');
    const active = await client.waitForClient('dev-a', (found) => found?.state === 'ACTIVE', 'ACTIVE');
    expect(active?.providerConfig?.['Interface.Address']).toBe('192.168.99.2');
    expect(active?.providerConfig?.['Peer.Endpoint']).toBe(':31820');

    await client.setSubnet('dev-a', null);
    await client.waitForClient(
      'dev-a',
      (found) => found?.state === 'WAITING' && found.providerConfig === undefined,
      'WAITING again',
    );

    await admin().remove(client.ref('dev-a'), never);
    await client.waitForClient('dev-a', (found) => found === undefined, 'deleted');
    expect(
      await admin().find(
        { apiVersion: 'v1', kind: 'ServiceAccount', namespace: namespace.name, name: 'gefyra-client-dev-a' },
        never,
      ),
    ).toBeUndefined();
    expect(await client.stowawayPod()).toEqual(stowaway);

    expect(await operator.stop()).toMatchObject({ code: 0 });
    expect(operator.logs.filter((line) => /forbidden/i.test(JSON.stringify(line)))).toEqual([]);
    expect(operator.stderr).not.toMatch(/forbidden/i);
  }, 240_000);
});
