import { ClusterEventRecorder } from '../../src/adapters/kubernetes/cluster-stores/cluster-event-recorder.js';
import { ManualClock } from '../../src/adapters/system/manual-clock.js';
import { silentLogger } from '../../src/adapters/system/pino-logger.js';
import type { Pod } from '../../src/domain/cluster/pod.js';
import type { ReconcileResult } from '../../src/domain/reconcile-result.js';
import type { CarrierInstaller } from '../../src/ports/carrier-installer.port.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { ClusterGefyra2ObjectStore } from '../../src/plugins/gefyra2/adapters/cluster-gefyra2-object-store.js';
import { ClusterGefyraClientStore } from '../../src/plugins/gefyra2/adapters/cluster-gefyra-client-store.js';
import { BridgeService } from '../../src/plugins/gefyra2/domain/bridge/bridge-service.js';
import {
  bridgeObjectRef,
  GEFYRA_BRIDGE_KIND,
  gefyraBridgeFrom,
  type StoredBridge,
} from '../../src/plugins/gefyra2/domain/bridge/gefyra-bridge.js';
import {
  GEFYRA_CLIENT_API_VERSION,
  GEFYRA_CLIENT_KIND,
} from '../../src/plugins/gefyra2/domain/client/gefyra-client.js';
import { GEFYRA2_OBJECT_API_VERSION } from '../../src/plugins/gefyra2/domain/gefyra2-object.js';
import {
  bridgeMountFrom,
  GEFYRA_BRIDGE_MOUNT_KIND,
  mountObjectRef,
  type StoredMount,
} from '../../src/plugins/gefyra2/domain/mount/bridge-mount.js';
import { MountCarriers } from '../../src/plugins/gefyra2/domain/mount/mount-carriers.js';
import { MountService } from '../../src/plugins/gefyra2/domain/mount/mount-service.js';
import { MountWorkload } from '../../src/plugins/gefyra2/domain/mount/mount-workload.js';
import { FakeBridgeRoutes } from './fake-bridge-routes.js';
import { FakeCarrierInstaller } from './fake-carrier-installer.js';
import { SimulatedCluster } from './simulated-cluster/index.js';

export const NAMESPACE = 'gefyra';
export const WORKLOAD_NAMESPACE = 'shop';
export const GRACE_MS = 300_000;
export const signal = (): AbortSignal => AbortSignal.timeout(10_000);

/**
 * Mounts and bridges on the in-memory cluster: the real stores and services,
 * a fake selective carrier that records on the pods (FakeCarrierInstaller),
 * the tunnel's routes in memory (FakeBridgeRoutes), a Deployment `web` in
 * `shop` with two replicas (container `app`, port 8080, an HPA) and a
 * GefyraClient `dev-a` connected with subnet 172.18.0.0/16.
 */
export async function bridgesFixture(options: { carriers?: (cluster: SimulatedCluster) => CarrierInstaller[] } = {}) {
  const clock = new ManualClock(new Date('2026-12-07T12:00:00Z'));
  const cluster = new SimulatedCluster({ clock, namespaces: ['default', NAMESPACE, WORKLOAD_NAMESPACE] });
  const carrier = new FakeCarrierInstaller(cluster);
  const installers = options.carriers ? options.carriers(cluster) : [carrier];
  const routes = new FakeBridgeRoutes();
  const mounts = new ClusterGefyra2ObjectStore(cluster, GEFYRA_BRIDGE_MOUNT_KIND, (object) =>
    bridgeMountFrom(object, GRACE_MS),
  );
  const bridges = new ClusterGefyra2ObjectStore(cluster, GEFYRA_BRIDGE_KIND, gefyraBridgeFrom);
  const carriers = new MountCarriers({ workload: new MountWorkload(cluster), bridges, routes });
  const recorder = new ClusterEventRecorder(cluster, clock, silentLogger, NAMESPACE, 'test');
  const common = { events: recorder, clock, logger: silentLogger };
  const mountService = new MountService({ mounts, bridges, carriers, installers, ...common });
  const bridgeService = new BridgeService(
    { bridges, mounts, clients: new ClusterGefyraClientStore(cluster), carriers, installers, routes, ...common },
    { destinationSubnets: undefined, progressRecheckMs: 1000 },
  );

  await cluster.create(deployment('web', 2), signal());
  await cluster.create(webHpa(), signal());
  await cluster.create(
    {
      apiVersion: GEFYRA_CLIENT_API_VERSION,
      kind: GEFYRA_CLIENT_KIND,
      metadata: { name: 'dev-a', namespace: NAMESPACE },
      provider: 'stowaway',
      state: 'ACTIVE',
      providerParameter: { subnet: '172.18.0.0/16' },
    },
    signal(),
  );

  const mount = (name = 'web-mount'): StoredMount | undefined => {
    const object = cluster.peek(mountObjectRef({ namespace: NAMESPACE, name }));
    return object && bridgeMountFrom(object, GRACE_MS);
  };
  const bridge = (name: string): StoredBridge | undefined => {
    const object = cluster.peek(bridgeObjectRef({ namespace: NAMESPACE, name }));
    return object && gefyraBridgeFrom(object);
  };
  const createMount = async (fields: Record<string, unknown> = {}, name = 'web-mount') =>
    cluster.create(
      {
        apiVersion: GEFYRA2_OBJECT_API_VERSION,
        kind: GEFYRA_BRIDGE_MOUNT_KIND,
        metadata: { name, namespace: NAMESPACE },
        provider: 'carrier2mount',
        target: 'deploy/web',
        targetNamespace: WORKLOAD_NAMESPACE,
        targetContainer: 'app',
        ...fields,
      },
      signal(),
    );
  const mountRef = (name = 'web-mount') => mountObjectRef({ namespace: NAMESPACE, name });
  const bridgeRef = (name: string) => bridgeObjectRef({ namespace: NAMESPACE, name });
  const patchMount = (fields: Record<string, unknown>, name = 'web-mount') =>
    cluster.patch(mountObjectRef({ namespace: NAMESPACE, name }), fields, signal());
  const patchBridge = (name: string, fields: Record<string, unknown>) =>
    cluster.patch(bridgeObjectRef({ namespace: NAMESPACE, name }), fields, signal());
  /** A bridge as `gefyra bridge create` writes it. */
  const createBridge = async (
    name: string,
    rules: unknown[],
    fields: Record<string, unknown> = {},
    mountName = 'web-mount',
  ) =>
    cluster.create(
      {
        apiVersion: GEFYRA2_OBJECT_API_VERSION,
        kind: GEFYRA_BRIDGE_KIND,
        metadata: {
          name,
          namespace: NAMESPACE,
          labels: {
            'gefyra.dev/bridge-mount': mountName,
            'gefyra.dev/client': 'dev-a',
            'gefyra.dev/client-container': 'my-app',
          },
        },
        provider: 'carrier2',
        connectionProvider: 'stowaway',
        target: mountName,
        targetNamespace: '',
        targetContainer: '',
        client: 'dev-a',
        destinationIP: '172.18.0.3',
        portMappings: ['8000:8080'],
        providerParameter: { rules },
        ...fields,
      },
      signal(),
    );
  const headerRule = (value: string, name = 'x-gefyra-user') => ({
    match: [{ matchHeader: { name, value, type: 'exact' } }],
  });

  /** Reconciles until the service waits for something outside (done, or a requeue longer than the readiness recheck). */
  const settle = async (reconcile: () => Promise<ReconcileResult>, what: string): Promise<ReconcileResult> => {
    for (let round = 0; round < 30; round++) {
      const result = await reconcile();
      if (result.done || result.requeueAfterMs > 1000) return result;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`${what} did not settle`);
  };
  const settleMount = (name = 'web-mount', using: MountService = mountService) =>
    settle(() => using.reconcile({ namespace: NAMESPACE, name }, signal()), `mount ${name}`);
  const settleBridge = (name: string, using: BridgeService = bridgeService) =>
    settle(() => using.reconcile({ namespace: NAMESPACE, name }, signal()), `bridge ${name}`);
  const activeMount = async () => {
    await createMount();
    await settleMount();
    const state = mount()?.state;
    if (state !== 'ACTIVE') throw new Error(`mount is ${state ?? 'gone'}, not ACTIVE`);
  };

  const podsLabelled = (app: string): Pod[] =>
    cluster
      .objects({ apiVersion: 'v1', kind: 'Pod' })
      .filter((pod) => pod.metadata.namespace === WORKLOAD_NAMESPACE && pod.metadata.labels?.['app'] === app)
      .flatMap((pod) => cluster.peekPod({ namespace: WORKLOAD_NAMESPACE, name: pod.metadata.name }) ?? [])
      .filter((pod) => !pod.deleting);
  const originals = (): Pod[] => podsLabelled('web');
  const shadowPods = (): Pod[] => podsLabelled('web-gefyra');
  const peek = (kind: string, name: string, apiVersion = 'v1'): Manifest | undefined =>
    cluster.peek({ apiVersion, kind, namespace: WORKLOAD_NAMESPACE, name });
  const events = (name?: string) =>
    cluster
      .objects({ apiVersion: 'events.k8s.io/v1', kind: 'Event' })
      .filter((event) => name === undefined || (event['regarding'] as { name?: string }).name === name)
      .map((event) => ({ reason: String(event['reason']), note: String(event['note']), type: String(event['type']) }));
  const newServices = () => ({
    mountService: new MountService({ mounts, bridges, carriers, installers, ...common }),
    bridgeService: new BridgeService(
      { bridges, mounts, clients: new ClusterGefyraClientStore(cluster), carriers, installers, routes, ...common },
      { destinationSubnets: undefined, progressRecheckMs: 1000 },
    ),
  });

  return {
    clock,
    cluster,
    carrier,
    routes,
    mounts,
    bridges,
    mountService,
    bridgeService,
    newServices,
    mount,
    bridge,
    createMount,
    createBridge,
    mountRef,
    bridgeRef,
    patchMount,
    patchBridge,
    headerRule,
    settleMount,
    settleBridge,
    activeMount,
    originals,
    shadowPods,
    peek,
    events,
  };
}

export function deployment(name: string, replicas: number): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: WORKLOAD_NAMESPACE, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'example.test/shop-web:1',
              ports: [{ containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/healthz', port: 9090 } },
            },
          ],
        },
      },
    },
  };
}

/** The HPA of `web` (2 to 4 replicas), in the HPA version given. */
export function webHpa(apiVersion = 'autoscaling/v2'): Manifest {
  return {
    apiVersion,
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: WORKLOAD_NAMESPACE },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 4,
    },
  };
}
