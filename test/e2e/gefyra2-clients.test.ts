import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterClientAccounts } from '../../src/adapters/cluster/cluster-client-accounts.js';
import { ClusterEventRecorder } from '../../src/adapters/cluster/cluster-event-recorder.js';
import { ClusterGefyraClientStore } from '../../src/adapters/cluster/cluster-gefyra-client-store.js';
import { Stowaway2Simulator } from '../../src/adapters/in-memory/simulators/stowaway2-simulator.js';
import { KubernetesClusterApi, KubernetesWatchSource } from '../../src/adapters/kubernetes/index.js';
import { GefyraClientController } from '../../src/adapters/runtime/controllers/gefyra-client-controller.js';
import type { WatchSubscription } from '../../src/adapters/runtime/watch-source.js';
import { WorkQueue } from '../../src/adapters/runtime/work-queue.js';
import { silentLogger } from '../../src/adapters/system/pino-logger.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { isDomainError } from '../../src/domain/errors.js';
import { GEFYRA_CLIENT_API_VERSION, GEFYRA_CLIENT_KIND, gefyraClientFrom, type GefyraClient } from '../../src/domain/gefyra-client/gefyra-client.js';
import { GefyraClientService } from '../../src/domain/gefyra-client/gefyra-client-service.js';
import { STOWAWAY2 } from '../../src/plugins/stowaway2/stowaway2-names.js';
import { Stowaway2Installer } from '../../src/plugins/stowaway2/stowaway2-installer.js';
import { Stowaway2Peers } from '../../src/plugins/stowaway2/stowaway2-peers.js';
import { stowaway2EnvironmentSchema, stowaway2SettingsFrom } from '../../src/plugins/stowaway2/stowaway2-settings.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../support/control-plane/vitest.js';
import { waitForObjects } from './support/cluster-waits.js';
import { GEFYRA_CLIENT_CRD } from './support/gefyra2-client-crd.js';

const signal = () => AbortSignal.timeout(30_000);

// Issue 12: the GefyraClient lifecycle against the real API server, driven by
// the calls the Gefyra 2.5 client makes (contract §2): create, wait for
// WAITING, set the subnet, wait for ACTIVE and read providerConfig, disable,
// delete, sunset. Stowaway 2.x is a real StatefulSet (its pod and volume claim
// made by kube-controller-manager, the claim bound to a PersistentVolume) whose
// container the simulated node answers as the 2.5 image; tokens come from the
// real token controller. The controller runs on a work queue fed by watches,
// as the runtime runs it.
describe('Gefyra 2.5 client lifecycle on the real API server', () => {
  const node = useSimulatedNode();
  const controlPlane = useControlPlane();
  const namespace = useTestNamespace('gefyra2');
  const simulator = new Stowaway2Simulator({ readConfigMap: (ns, name) => node.readConfigMap(ns, name) });
  const stops: (() => Promise<void>)[] = [];
  let api: KubernetesClusterApi;
  const volume = () => `gefyra2-e2e-${namespace.name}`;

  beforeAll(async () => {
    const removeHandler = node.onExec(simulator.handle);
    stops.push(async () => removeHandler());
    api = new KubernetesClusterApi(controlPlane.adminKubeConfig(), 'gefyra-e2e');
    try {
      await api.create(GEFYRA_CLIENT_CRD, signal());
    } catch (error) {
      if (!isDomainError(error, 'AlreadyExists')) throw error;
    }
    await waitForCrd(api);
    // No provisioner here: a volume pre-bound to the claim the StatefulSet makes.
    await api.create(
      {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: volume() },
        spec: {
          capacity: { storage: '64Mi' },
          accessModes: ['ReadWriteOnce'],
          hostPath: { path: `/tmp/${volume()}` },
          claimRef: { namespace: namespace.name, name: `${STOWAWAY2.claimTemplate}-${STOWAWAY2.pod}` },
        },
      },
      signal(),
    );
    const settings = stowaway2SettingsFrom(stowaway2EnvironmentSchema.parse({}), namespace.name);
    await new Stowaway2Installer(api, settings).ensureInstalled(signal());
    await node.whenPod(`${namespace.name}/${STOWAWAY2.pod}`, (pod) => pod.status?.containerStatuses?.[0]?.ready === true, { timeoutMs: 60_000 });
    const service = new GefyraClientService(
      {
        store: new ClusterGefyraClientStore(api),
        peers: new Stowaway2Peers(api, settings),
        accounts: new ClusterClientAccounts(api, namespace.name),
        events: new ClusterEventRecorder(api, systemClock, silentLogger, namespace.name, 'e2e'),
        clock: systemClock,
        logger: silentLogger,
      },
      { manageServiceAccounts: true, maxConnectionAgeMs: undefined, observeIntervalMs: 60_000 },
    );
    const controller = new GefyraClientController(service, namespace.name, STOWAWAY2.labels);
    const queue = new WorkQueue(async (key, workSignal) => await controller.reconcile(key, workSignal), { concurrency: 4 });
    const watches = new KubernetesWatchSource(controlPlane.adminKubeConfig());
    const subscriptions: WatchSubscription[] = controller.watches.map((spec) => watches.watch(spec, (event) => spec.keysOf(event).forEach((key) => queue.add(key))));
    stops.push(async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
      await queue.shutdown();
    });
  }, 120_000);

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await api.remove({ apiVersion: 'v1', kind: 'PersistentVolume', name: volume() }, signal());
    for (const binding of await api.list({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' }, undefined, undefined, signal())) {
      const subjects = (binding['subjects'] ?? []) as { namespace?: string }[];
      if (subjects.some((subject) => subject.namespace === namespace.name)) await api.remove({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: binding.metadata.name }, signal());
    }
  });

  const ref = (name: string) => ({ apiVersion: GEFYRA_CLIENT_API_VERSION, kind: GEFYRA_CLIENT_KIND, namespace: namespace.name, name });
  const waitForClient = (name: string, check: (client: GefyraClient | undefined) => boolean, what: string) =>
    waitForObjects(
      controlPlane.adminKubeConfig(),
      { apiVersion: GEFYRA_CLIENT_API_VERSION, kind: GEFYRA_CLIENT_KIND, namespace: namespace.name },
      (objects) => {
        const object = objects.find((candidate) => candidate.metadata.name === name);
        const client = object && gefyraClientFrom(object);
        return check(client) ? (client ?? null) : undefined;
      },
      { what: `client ${name} ${what}`, timeoutMs: 30_000 },
    );
  const stowawayPod = async () => {
    const pod = await api.findPod({ namespace: namespace.name, name: STOWAWAY2.pod }, signal());
    return { uid: pod?.uid, restarts: pod?.containerStatuses[0]?.restartCount };
  };

  it('creates, connects, disconnects and deletes a client as the 2.5 client does, Stowaway never restarted', async () => {
    const before = await stowawayPod();
    // `gefyra connections create`: the object with the provider only; the CRD defaults the state.
    await api.create({ ...ref('dev-a'), metadata: { name: 'dev-a', namespace: namespace.name }, provider: 'stowaway' }, signal());
    const waiting = await waitForClient('dev-a', (client) => client?.state === 'WAITING', 'WAITING');
    const raw = (await api.find(ref('dev-a'), signal())) as Manifest;
    expect(raw['serviceAccountName']).toBe('gefyra-client-dev-a');
    expect(Object.keys((raw['serviceAccountData'] ?? {}) as object).sort()).toEqual(['ca.crt', 'namespace', 'token']);
    expect(Object.keys(waiting?.stateTransitions ?? {}).sort()).toEqual(['CREATING', 'WAITING']);

    // `gefyra connections connect`: the subnet in WAITING, then ACTIVE with the providerConfig it writes to its WireGuard file.
    await api.patch(ref('dev-a'), { providerParameter: { subnet: '172.18.0.0/16' } }, signal());
    const active = await waitForClient('dev-a', (client) => client?.state === 'ACTIVE', 'ACTIVE');
    expect(active?.providerConfig?.Interface.Address).toBe('192.168.99.2');
    expect(active?.providerConfig?.Peer.Endpoint).toBe(':31820');
    const config = await api.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace.name, name: STOWAWAY2.configMap }, signal());
    expect(config?.['data']).toMatchObject({ PEERS: 'dev000a', SERVER_ALLOWEDIPS_PEER_dev000a: '172.18.0.0/16' });

    // A second developer joins while the first stays connected.
    await api.create({ ...ref('dev-b'), metadata: { name: 'dev-b', namespace: namespace.name }, provider: 'stowaway' }, signal());
    await waitForClient('dev-b', (client) => client?.state === 'WAITING', 'WAITING');
    await api.patch(ref('dev-b'), { providerParameter: { subnet: '172.19.0.0/16' } }, signal());
    const b = await waitForClient('dev-b', (client) => client?.state === 'ACTIVE', 'ACTIVE');
    expect(b?.providerConfig?.Interface.Address).toBe('192.168.99.3');
    expect([...simulator.livePeers(namespace.name, STOWAWAY2.pod).keys()].sort()).toEqual([active?.providerConfig?.Interface.PublicKey, b?.providerConfig?.Interface.PublicKey].sort());

    // `gefyra connections disconnect`: providerParameter null → WAITING, no connection.
    await api.patch(ref('dev-b'), { providerParameter: null }, signal());
    const disabled = await waitForClient('dev-b', (client) => client?.state === 'WAITING' && client.providerConfig === undefined, 'WAITING again');
    expect(disabled?.stateTransitions['DISABLING']).toBeDefined();

    // `gefyra connections delete`.
    await api.remove(ref('dev-b'), signal());
    await waitForClient('dev-b', (client) => client === undefined, 'deleted');
    expect(await api.find({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: namespace.name, name: 'gefyra-client-dev-b' }, signal())).toBeUndefined();
    expect([...simulator.livePeers(namespace.name, STOWAWAY2.pod).keys()]).toEqual([active?.providerConfig?.Interface.PublicKey]);
    expect(await stowawayPod()).toEqual(before);

    // The Events the client reads through core/v1: a non-null eventTime, the reasons of the spec.
    const events = await api.list({ apiVersion: 'v1', kind: 'Event' }, namespace.name, undefined, signal());
    const forA = events.filter((event) => (event['involvedObject'] as { name?: string }).name === 'dev-a');
    expect(forA.map((event) => event['reason'])).toEqual(expect.arrayContaining(['GefyraClient state change', 'ServiceAccount', 'Ready', 'connection']));
    for (const event of forA) expect(event['eventTime']).toEqual(expect.any(String));
  });

  it('removes a client at its sunset', async () => {
    const sunset = new Date(Date.now() + 3000).toISOString();
    await api.create({ ...ref('dev-c'), metadata: { name: 'dev-c', namespace: namespace.name }, provider: 'stowaway', sunset }, signal());
    await waitForClient('dev-c', (client) => client?.state === 'WAITING', 'WAITING');
    await waitForClient('dev-c', (client) => client === undefined, 'removed at its sunset');
    const events = await api.list({ apiVersion: 'v1', kind: 'Event' }, namespace.name, undefined, signal());
    expect(events.some((event) => event['reason'] === 'Sunset reached' && (event['involvedObject'] as { name?: string }).name === 'dev-c')).toBe(true);
  });
});

async function waitForCrd(api: KubernetesClusterApi): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await api.list({ apiVersion: GEFYRA_CLIENT_API_VERSION, kind: GEFYRA_CLIENT_KIND }, undefined, undefined, signal());
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error('the gefyraclients CRD was not served');
}
