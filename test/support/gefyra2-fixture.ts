import { ClusterGefyra2ObjectStore } from '../../src/plugins/gefyra2/adapters/cluster-gefyra2-object-store.js';
import { StoredClientBridges } from '../../src/plugins/gefyra2/domain/bridge/client-bridges.js';
import { GEFYRA_BRIDGE_KIND, gefyraBridgeFrom } from '../../src/plugins/gefyra2/domain/bridge/gefyra-bridge.js';
import { ClusterClientAccounts } from '../../src/plugins/gefyra2/adapters/cluster-client-accounts.js';
import { ClusterEventRecorder } from '../../src/adapters/kubernetes/cluster-stores/cluster-event-recorder.js';
import { ClusterGefyraClientStore } from '../../src/plugins/gefyra2/adapters/cluster-gefyra-client-store.js';
import { SimulatedCluster } from './simulated-cluster/index.js';
import { Stowaway2Simulator } from './simulated-cluster/simulators/stowaway2-simulator.js';
import { silentLogger } from '../../src/adapters/system/pino-logger.js';
import { ManualClock } from '../../src/adapters/system/manual-clock.js';
import type { ClientLifecycleSettings } from '../../src/plugins/gefyra2/domain/client/client-decision.js';
import {
  GEFYRA_CLIENT_API_VERSION,
  GEFYRA_CLIENT_KIND,
  gefyraClientFrom,
  type GefyraClient,
} from '../../src/plugins/gefyra2/domain/client/gefyra-client.js';
import { GefyraClientService } from '../../src/plugins/gefyra2/domain/client/gefyra-client-service.js';
import { STOWAWAY2 } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import { Stowaway2Installer } from '../../src/plugins/gefyra2/tunnel/stowaway2-installer.js';
import { Stowaway2Peers } from '../../src/plugins/gefyra2/tunnel/stowaway2-peers.js';
import { stowaway2SettingsOf } from '../../src/plugins/gefyra2/tunnel/stowaway2-settings.js';
import { pluginContext } from './plugin-context.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';

export const NAMESPACE = 'gefyra';
export const signal = (): AbortSignal => AbortSignal.timeout(10_000);

export const DEFAULT_LIFECYCLE: ClientLifecycleSettings = {
  manageServiceAccounts: true,
  maxConnectionAgeMs: undefined,
  observeIntervalMs: 60_000,
};

/**
 * Gefyra 2 on the in-memory cluster: Stowaway 2.x installed (StatefulSet,
 * pod `gefyra-stowaway-0` played by the Stowaway2Simulator, its volume kept
 * across restarts), the token controller filling token Secrets, and the
 * GefyraClient service with the real adapters. The in-memory cluster needs
 * no CRD for `gefyraclients` (unknown kinds are stored as they come); the
 * lenient parser defaults `state` to REQUESTED as the CRD would.
 */
export async function gefyra2(options: { lifecycle?: Partial<ClientLifecycleSettings> } = {}) {
  const clock = new ManualClock(new Date('2026-11-30T12:00:00Z'));
  const cluster = new SimulatedCluster({ clock, namespaces: ['default', NAMESPACE] });
  const simulator = new Stowaway2Simulator({
    readConfigMap: (namespace, name) => cluster.readConfigMap(namespace, name),
  });
  cluster.onExec(simulator.handle);
  simulator.observe(cluster);
  cluster.subscribe((event) => {
    // The token controller: a new service-account token Secret gets its data.
    const object = event.object;
    if (event.type !== 'ADDED' || object.kind !== 'Secret' || object['type'] !== 'kubernetes.io/service-account-token')
      return;
    const data = {
      token: Buffer.from(`token-of-${object.metadata.name}`).toString('base64'),
      'ca.crt': Buffer.from('ca').toString('base64'),
      namespace: Buffer.from(NAMESPACE).toString('base64'),
    };
    queueMicrotask(
      () =>
        void cluster.patch(
          { apiVersion: 'v1', kind: 'Secret', namespace: NAMESPACE, name: object.metadata.name },
          { data },
          signal(),
        ),
    );
  });
  const settings = stowaway2SettingsOf(pluginContext({}, NAMESPACE));
  const installer = new Stowaway2Installer(cluster, settings);
  await installer.ensureInstalled(signal());
  const peers = new Stowaway2Peers(cluster, settings);
  const lifecycle = { ...DEFAULT_LIFECYCLE, ...options.lifecycle };
  const newService = () =>
    new GefyraClientService(
      {
        store: new ClusterGefyraClientStore(cluster),
        peers,
        accounts: new ClusterClientAccounts(cluster, NAMESPACE),
        bridges: new StoredClientBridges(new ClusterGefyra2ObjectStore(cluster, GEFYRA_BRIDGE_KIND, gefyraBridgeFrom)),
        events: new ClusterEventRecorder(cluster, clock, silentLogger, NAMESPACE, 'test'),
        clock,
        logger: silentLogger,
      },
      lifecycle,
    );
  const service = newService();
  const stowawayPod = () => {
    const pod = cluster.peekPod({ namespace: NAMESPACE, name: STOWAWAY2.pod });
    if (!pod) throw new Error('no Stowaway pod');
    return {
      uid: pod.uid,
      restartCount: pod.containerStatuses[0]?.restartCount ?? -1,
      containerID: pod.containerStatuses[0]?.containerID,
    };
  };
  const ref = (name: string) => ({
    apiVersion: GEFYRA_CLIENT_API_VERSION,
    kind: GEFYRA_CLIENT_KIND,
    namespace: NAMESPACE,
    name,
  });
  const client = (name: string): GefyraClient | undefined => {
    const object = cluster.peek(ref(name));
    return object && gefyraClientFrom(object);
  };
  const raw = (name: string): Manifest | undefined => cluster.peek(ref(name));
  const config = () => cluster.readConfigMap(NAMESPACE, STOWAWAY2.configMap) ?? {};
  const files = () => simulator.files(NAMESPACE, STOWAWAY2.pod);
  const livePeers = () => simulator.livePeers(NAMESPACE, STOWAWAY2.pod);
  const events = (name?: string) =>
    cluster
      .objects({ apiVersion: 'events.k8s.io/v1', kind: 'Event' })
      .filter((event) => name === undefined || (event['regarding'] as { name?: string }).name === name)
      .map((event) => ({
        reason: String(event['reason']),
        note: String(event['note']),
        type: String(event['type']),
        eventTime: event['eventTime'],
      }));

  /** Creates a client as `gefyra connections create` does: provider only. */
  const create = async (name: string, fields: Record<string, unknown> = {}) => {
    await cluster.create(
      {
        apiVersion: GEFYRA_CLIENT_API_VERSION,
        kind: GEFYRA_CLIENT_KIND,
        metadata: { name, namespace: NAMESPACE },
        provider: 'stowaway',
        ...fields,
      },
      signal(),
    );
  };
  const patch = (name: string, fields: Record<string, unknown>) => cluster.patch(ref(name), fields, signal());
  const setSubnet = (name: string, subnet: string | null) =>
    patch(name, { providerParameter: subnet === null ? null : { subnet } });

  /** Reconciles until the service waits for something outside (done, or a requeue of more than the token recheck); returns the last result. */
  const settle = async (name: string, using: GefyraClientService = service) => {
    for (let round = 0; round < 20; round++) {
      const result = await using.reconcile({ namespace: NAMESPACE, name }, signal());
      if (result.done || result.requeueAfterMs > 1000) return result;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`client ${name} did not settle`);
  };
  /** A client taken to ACTIVE on this subnet. */
  const connect = async (name: string, subnet: string) => {
    await create(name);
    await settle(name);
    await setSubnet(name, subnet);
    await settle(name);
    const state = client(name)?.state;
    if (state !== 'ACTIVE') throw new Error(`client ${name} is ${state ?? 'gone'}, not ACTIVE`);
    return client(name) as GefyraClient;
  };
  return {
    clock,
    cluster,
    simulator,
    installer,
    peers,
    service,
    newService,
    stowawayPod,
    client,
    raw,
    config,
    files,
    livePeers,
    events,
    create,
    patch,
    setSubnet,
    settle,
    connect,
    ref,
  };
}
