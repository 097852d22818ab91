import { AppsV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { KubernetesWatchSource } from '../../src/adapters/kubernetes/client/index.js';
import type { WatchSpec } from '../../src/adapters/runtime/watch-source.js';
import type { CarrierConfiguration, CarrierInstaller } from '../../src/ports/carrier-installer.port.js';
import { CARRIER2_POD_LABELS } from '../../src/plugins/carrier2/carrier2-record.js';
import { GEFYRA_BRIDGE_KIND } from '../../src/plugins/gefyra2/domain/bridge/gefyra-bridge.js';
import { GEFYRA_CLIENT_KIND } from '../../src/plugins/gefyra2/domain/client/gefyra-client.js';
import { GEFYRA2_OBJECT_API_VERSION } from '../../src/plugins/gefyra2/domain/gefyra2-object.js';
import { GEFYRA_BRIDGE_MOUNT_KIND } from '../../src/plugins/gefyra2/domain/mount/bridge-mount.js';
import { STOWAWAY2 } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import { startGefyra2 } from '../../test/e2e/support/gefyra2-lifecycle.js';
import type { SimulatedNode } from '../../test/support/control-plane/index.js';
import { pollUntil } from '../../test/support/control-plane/polling.js';
import { Carrier2Simulator } from '../../test/support/simulated-cluster/simulators/carrier2-simulator.js';
import { Stowaway2Simulator } from '../../test/support/simulated-cluster/simulators/stowaway2-simulator.js';
import { summarize, type Summary } from './stats.js';

export interface BridgesBenchSetup {
  readonly admin: KubeConfig;
  readonly node: SimulatedNode;
  /** Gefyra's namespace (exists, with its default ServiceAccount). */
  readonly namespace: string;
  /** Where the mounted Deployment runs (exists). */
  readonly workloadNamespace: string;
}

export interface BridgesBenchOptions {
  /** Bridges on the one mount, one per developer, created one after another. */
  readonly bridges: number;
  readonly progress?: (line: string) => void;
}

/** One configuration push as the operator's carrier made it: render, one exec, the record on the pod. */
interface Push {
  readonly bridges: number;
  readonly ms: number;
}

export interface BridgesBenchResult {
  readonly bridges: number;
  readonly replicas: number;
  readonly mountCreateToActiveMs: number;
  readonly bridgeCreateToActiveMs: Summary;
  /** When each bridge was first seen in each state of its way to ACTIVE (where a watch saw it). */
  readonly bridgeCreateToStateMs: Readonly<Record<string, Summary>>;
  /** Until carrier2 in every original pod gives the bridge's requests to its Stowaway proxy, and Stowaway sends them to the developer. */
  readonly bridgeCreateToRoutedMs: Summary;
  /** The same, for the first original pod whose carrier2 routes them. */
  readonly bridgeCreateToFirstPodRoutedMs: Summary;
  /** Until carrier2 in every original pod gives the bridge's requests to the shadow again. */
  readonly bridgeDeleteToShadowMs: Summary;
  readonly bridgeDeleteToGoneMs: Summary;
  readonly unmountMs: number;
  readonly pushes: {
    /** Pushes (one exec each) made while the bridges were created, per bridge. */
    readonly perBridgeCreate: number;
    /** Pushes of a configuration holding every bridge (the last bridge's). */
    readonly withAllBridgesMs: Summary;
    readonly allMs: Summary;
    /** carrier2's configuration file with every bridge, as the simulator holds it. */
    readonly configBytesWithAllBridges: number;
  };
  readonly memory: {
    readonly before: { readonly residentMiB: number; readonly heapUsedMiB: number };
    readonly withAllBridges: { readonly residentMiB: number; readonly heapUsedMiB: number };
    readonly heapUsedGrowthMiB: number;
  };
}

const CONTAINER = 'app';
const BRIDGE_STATES = ['INSTALLING', 'INSTALLED', 'CREATING', 'ACTIVE'] as const;
const CONTAINER_PORT = 8080;
const LOCAL_PORT = 8000;
const REPLICAS = 2;
const USER_HEADER = 'x-gefyra-user';
const signal = () => AbortSignal.timeout(30_000);
const round = (ms: number) => Math.round(ms);
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/**
 * Mounts and bridges as the 2.5 client drives them, timed from this process:
 * the controllers run here (startGefyra2), the simulated node answers as
 * Stowaway 2.x and carrier2, and "routed" is read from the simulators' running
 * configurations the moment they change (each carrier2 exec, each Stowaway
 * pod update): no polling, no bytes on a wire.
 */
export async function runBridgesBench(
  setup: BridgesBenchSetup,
  options: BridgesBenchOptions,
): Promise<BridgesBenchResult> {
  const { admin, node, namespace, workloadNamespace } = setup;
  const progress = options.progress ?? (() => undefined);
  const stowaway = new Stowaway2Simulator({ readConfigMap: (ns, name) => node.readConfigMap(ns, name) });
  const carrier2 = new Carrier2Simulator();
  const effects = new Effects();
  const undo = [
    node.onExec(stowaway.handle),
    node.onExec(async (call) => {
      const answer = await carrier2.handle(call);
      if (answer !== undefined) effects.check();
      return answer;
    }),
    node.onPodChange((pod) => {
      stowaway.podObserved(pod);
      void stowaway.settled().then(() => effects.check());
    }),
  ];
  const pushes: Push[] = [];
  const g = await startGefyra2(admin, namespace, {
    carriers: (loaded) => loaded.map((installer) => timedPushes(installer, pushes)),
  });
  const watches = new KubernetesWatchSource(admin);
  const states = new StateWatch();
  const subscriptions = [GEFYRA_CLIENT_KIND, GEFYRA_BRIDGE_MOUNT_KIND, GEFYRA_BRIDGE_KIND].map((kind) =>
    watches.watch({ apiVersion: GEFYRA2_OBJECT_API_VERSION, kind, namespace } satisfies WatchSpec, (event) =>
      states.observed(
        kind,
        event.object.metadata.name,
        event.type === 'DELETED' ? 'DELETED' : String(event.object['state']),
      ),
    ),
  );
  try {
    await Promise.all(subscriptions.map((subscription) => subscription.synced));
    await node.whenPod(`${namespace}/${STOWAWAY2.pod}`, (pod) => pod.status?.containerStatuses?.[0]?.ready === true, {
      timeoutMs: 60_000,
    });

    const developers = Array.from({ length: options.bridges }, (_, index) => ({
      client: `dev-${index}`,
      bridge: `bridge-${index}`,
      user: `dev-${index}`,
      subnet: `10.${index + 1}.0.0/16`,
      destinationIP: `10.${index + 1}.0.3`,
    }));
    for (const developer of developers) {
      const waiting = states.reached(GEFYRA_CLIENT_KIND, developer.client, 'WAITING');
      await g.create(developer.client);
      await waiting;
      const active = states.reached(GEFYRA_CLIENT_KIND, developer.client, 'ACTIVE');
      await g.setSubnet(developer.client, developer.subnet);
      await active;
    }
    progress(`${developers.length} clients connected`);

    await createDeployment(admin, workloadNamespace);
    progress(`deployment web ready`);
    const originals = () => originalPods(node, workloadNamespace);
    const mountStarted = performance.now();
    const mountActive = states.reached(GEFYRA_BRIDGE_MOUNT_KIND, 'web', 'ACTIVE');
    await g.api.create(mountObject(namespace, workloadNamespace), signal());
    await mountActive;
    const mountCreateToActiveMs = performance.now() - mountStarted;
    if (originals().length !== REPLICAS)
      throw new Error(`expected ${REPLICAS} pods on carrier2: ${originals().length}`);
    progress(`mount ACTIVE after ${round(mountCreateToActiveMs)} ms`);

    const routing = (user: string) =>
      originals().map((pod) =>
        carrier2.route({ namespace: workloadNamespace, name: pod, container: CONTAINER }, CONTAINER_PORT, {
          pathAndQuery: '/',
          headers: { [USER_HEADER]: user },
        }),
      );
    const routedToDeveloper = (developer: (typeof developers)[number], pods: 'first' | 'all') => () => {
      const served = stowaway.servedRoutes(namespace, STOWAWAY2.pod);
      const hits = routing(developer.user).filter((route) => {
        if (route.to !== 'bridge' || route.bridge !== developer.bridge) return false;
        const proxyPort = Number(route.endpoint.split(':').at(-1));
        return served.get(proxyPort) === `${developer.destinationIP}:${LOCAL_PORT}`;
      });
      return pods === 'first' ? hits.length > 0 : hits.length === REPLICAS;
    };
    const routedToShadow = (user: string) => () => {
      const routes = routing(user);
      return routes.length === REPLICAS && routes.every((route) => route.to === 'cluster');
    };

    const memoryBefore = memoryNow();
    const toActive: number[] = [];
    const toRouted: number[] = [];
    const toFirstRouted: number[] = [];
    const pushesBefore = pushes.length;
    const createdAt = new Map<string, number>();
    for (const developer of developers) {
      const started = performance.now();
      createdAt.set(developer.bridge, started);
      const active = states.reached(GEFYRA_BRIDGE_KIND, developer.bridge, 'ACTIVE');
      const firstRouted = effects.when(routedToDeveloper(developer, 'first'), `${developer.bridge} routed in one pod`);
      const routed = effects.when(routedToDeveloper(developer, 'all'), `${developer.bridge} routed in every pod`);
      await g.api.create(bridgeObject(namespace, developer), signal());
      toActive.push((await active) - started);
      toFirstRouted.push((await firstRouted) - started);
      toRouted.push((await routed) - started);
      if (toActive.length % 5 === 0 || toActive.length === developers.length)
        progress(`${toActive.length} bridges routed`);
    }
    const memoryWithAll = memoryNow();
    const sinceCreated = (bridge: string, state: string): number[] => {
      const seen = states.firstSeen(GEFYRA_BRIDGE_KIND, bridge, state);
      const created = createdAt.get(bridge);
      return seen === undefined || created === undefined ? [] : [seen - created];
    };
    const bridgeStatesMs = Object.fromEntries(
      BRIDGE_STATES.map((state) => [
        state,
        rounded(summarize(developers.flatMap((developer) => sinceCreated(developer.bridge, state)))),
      ]),
    );
    const createPushes = pushes.slice(pushesBefore);
    const configBytes = Math.max(
      ...originals().map(
        (pod) =>
          carrier2
            .stateOf({ namespace: workloadNamespace, name: pod, container: CONTAINER })
            ?.files.get('/tmp/config.yaml')?.length ?? 0,
      ),
    );

    const toShadow: number[] = [];
    const toGone: number[] = [];
    for (const developer of developers) {
      const started = performance.now();
      const shadow = effects.when(
        routedToShadow(developer.user),
        `${developer.user}'s requests answered by the shadow`,
      );
      const gone = states.reached(GEFYRA_BRIDGE_KIND, developer.bridge, 'DELETED');
      await g.api.remove(
        { apiVersion: GEFYRA2_OBJECT_API_VERSION, kind: GEFYRA_BRIDGE_KIND, namespace, name: developer.bridge },
        signal(),
      );
      toShadow.push((await shadow) - started);
      toGone.push((await gone) - started);
    }
    progress(`${developers.length} bridges deleted`);

    const unmountStarted = performance.now();
    const unmounted = states.reached(GEFYRA_BRIDGE_MOUNT_KIND, 'web', 'DELETED');
    await g.api.remove(
      { apiVersion: GEFYRA2_OBJECT_API_VERSION, kind: GEFYRA_BRIDGE_MOUNT_KIND, namespace, name: 'web' },
      signal(),
    );
    const unmountMs = (await unmounted) - unmountStarted;

    const withAll = createPushes.filter((push) => push.bridges === developers.length);
    return {
      bridges: developers.length,
      replicas: REPLICAS,
      mountCreateToActiveMs: round(mountCreateToActiveMs),
      bridgeCreateToActiveMs: rounded(summarize(toActive)),
      bridgeCreateToStateMs: bridgeStatesMs,
      bridgeCreateToRoutedMs: rounded(summarize(toRouted)),
      bridgeCreateToFirstPodRoutedMs: rounded(summarize(toFirstRouted)),
      bridgeDeleteToShadowMs: rounded(summarize(toShadow)),
      bridgeDeleteToGoneMs: rounded(summarize(toGone)),
      unmountMs: round(unmountMs),
      pushes: {
        perBridgeCreate: Math.round((createPushes.length / developers.length) * 100) / 100,
        withAllBridgesMs: rounded(summarize(withAll.map((push) => push.ms))),
        allMs: rounded(summarize(createPushes.map((push) => push.ms))),
        configBytesWithAllBridges: configBytes,
      },
      memory: {
        before: { residentMiB: mib(memoryBefore.rss), heapUsedMiB: mib(memoryBefore.heapUsed) },
        withAllBridges: { residentMiB: mib(memoryWithAll.rss), heapUsedMiB: mib(memoryWithAll.heapUsed) },
        heapUsedGrowthMiB: mib(memoryWithAll.heapUsed - memoryBefore.heapUsed),
      },
    };
  } catch (error) {
    // What the controllers said, so that a failed run tells why.
    for (const event of await g.api.list({ apiVersion: 'v1', kind: 'Event' }, namespace, undefined, signal()))
      progress(`event ${String(event['reason'])}: ${String(event['message'])}`);
    throw error;
  } finally {
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    await g.stop();
    for (const remove of undo) remove();
  }
}

/** The table, then the one JSON line. */
export function formatBridgesReport(result: BridgesBenchResult): string {
  const line = (what: string, figure: string) => `${what.padEnd(58)} ${figure}\n`;
  const summary = (s: Summary) => `p50 ${s.p50} ms, p95 ${s.p95} ms, max ${s.max} ms (${s.count})`;
  return [
    `Gefyra 2 mounts and bridges on the simulated node: ${result.bridges} bridges, one per developer, ` +
      `on one mount of a Deployment with ${result.replicas} replicas\n`,
    '("routed" = the configuration taking effect in the simulators, carrier2 in every original pod and Stowaway; not bytes on a wire)\n',
    line('mount create -> ACTIVE', `${result.mountCreateToActiveMs} ms`),
    line('bridge create -> ACTIVE', summary(result.bridgeCreateToActiveMs)),
    ...Object.entries(result.bridgeCreateToStateMs).map(([state, figures]) =>
      line(`  bridge create -> ${state} (first seen)`, summary(figures)),
    ),
    line('bridge create -> routed to the developer (first pod)', summary(result.bridgeCreateToFirstPodRoutedMs)),
    line('bridge create -> routed to the developer (every pod)', summary(result.bridgeCreateToRoutedMs)),
    line('bridge delete -> answered by the shadow (every pod)', summary(result.bridgeDeleteToShadowMs)),
    line('bridge delete -> gone', summary(result.bridgeDeleteToGoneMs)),
    line('unmount (mount delete -> gone)', `${result.unmountMs} ms`),
    line(
      `config push with ${result.bridges} bridges (render, exec, record)`,
      `${summary(result.pushes.withAllBridgesMs)}, ${result.pushes.configBytesWithAllBridges} bytes`,
    ),
    line('config pushes per bridge created', `${result.pushes.perBridgeCreate} (all: ${summary(result.pushes.allMs)})`),
    line(
      'benchmark process memory, before -> with all bridges',
      `heap ${result.memory.before.heapUsedMiB} -> ${result.memory.withAllBridges.heapUsedMiB} MiB, ` +
        `resident ${result.memory.before.residentMiB} -> ${result.memory.withAllBridges.residentMiB} MiB`,
    ),
    `BENCH_GEFYRA2_BRIDGES ${JSON.stringify(result)}\n`,
  ].join('');
}

const rounded = (summary: Summary): Summary => ({
  count: summary.count,
  p50: round(summary.p50),
  p95: round(summary.p95),
  max: round(summary.max),
});

const DEADLINE_MS = 120_000;

/** This process's memory, after a full collection where the process allows one (`NODE_OPTIONS=--expose-gc`). */
function memoryNow(): NodeJS.MemoryUsage {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage();
}

/** A wait that ends in an error naming what did not happen, instead of hanging the benchmark. */
async function withDeadline<T>(promise: Promise<T>, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${DEADLINE_MS / 1000} s: ${what()}`)), DEADLINE_MS);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The carrier, its configuration pushes timed (the port's `configure`: render, one exec, the record on the pod). */
function timedPushes(installer: CarrierInstaller, pushes: Push[]): CarrierInstaller {
  return new Proxy(installer, {
    get(target, property) {
      if (property === 'configure')
        return async (...args: Parameters<CarrierInstaller['configure']>) => {
          const started = performance.now();
          await target.configure(...args);
          pushes.push({ bridges: bridgesIn(args[1]), ms: performance.now() - started });
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const bridgesIn = (configuration: CarrierConfiguration): number =>
  new Set(configuration.routes.flatMap((route) => route.selective?.name ?? [])).size;

/** Conditions on the simulators' state, resolved with the moment they first hold (looked at whenever that state changes). */
class Effects {
  readonly #waiting = new Set<{ holds: () => boolean; resolve: (at: number) => void }>();

  when(holds: () => boolean, what: string): Promise<number> {
    return withDeadline(new Promise((resolve) => this.#waiting.add({ holds, resolve })), () => what);
  }

  check(): void {
    const now = performance.now();
    for (const waiter of this.#waiting)
      if (waiter.holds()) {
        this.#waiting.delete(waiter);
        waiter.resolve(now);
      }
  }
}

/** When each object of the watched kinds reached a state (or was deleted), as the watch tells. */
class StateWatch {
  readonly #waiting = new Map<string, (at: number) => void>();
  readonly #last = new Map<string, string>();
  readonly #firstSeen = new Map<string, number>();

  /** When the object was first seen in the state. */
  firstSeen(kind: string, name: string, state: string): number | undefined {
    return this.#firstSeen.get(`${kind}/${name}/${state}`);
  }

  reached(kind: string, name: string, state: string): Promise<number> {
    const key = `${kind}/${name}/${state}`;
    return withDeadline(
      new Promise((resolve) => this.#waiting.set(key, resolve)),
      () => `${key} (last seen: ${this.#last.get(`${kind}/${name}`) ?? 'nothing'})`,
    );
  }

  observed(kind: string, name: string, state: string): void {
    const key = `${kind}/${name}/${state}`;
    this.#last.set(`${kind}/${name}`, state);
    if (!this.#firstSeen.has(key)) this.#firstSeen.set(key, performance.now());
    this.#waiting.get(key)?.(performance.now());
    this.#waiting.delete(key);
  }
}

/** The original pods of `web` (carrier2's label on them; the shadow's pods are clones of the template, without it). */
function originalPods(node: SimulatedNode, namespace: string): string[] {
  const [label, value] = Object.entries(CARRIER2_POD_LABELS)[0] as [string, string];
  return node
    .pods()
    .filter(
      (pod: V1Pod) =>
        pod.metadata?.namespace === namespace &&
        pod.metadata.deletionTimestamp === undefined &&
        pod.metadata.labels?.[label] === value,
    )
    .map((pod) => pod.metadata?.name ?? '');
}

async function createDeployment(admin: KubeConfig, namespace: string): Promise<void> {
  const apps = admin.makeApiClient(AppsV1Api);
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              { name: CONTAINER, image: 'example.test/shop-web:1', ports: [{ containerPort: CONTAINER_PORT }] },
            ],
          },
        },
      },
    },
  });
  await pollUntil(
    'web ready',
    async () => {
      const deployment = await apps.readNamespacedDeployment({ namespace, name: 'web' });
      return deployment.status?.readyReplicas === REPLICAS ? deployment : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

/** `gefyra mount create --target deploy/web --namespace <ns> --container app`. */
const mountObject = (namespace: string, workloadNamespace: string) => ({
  apiVersion: GEFYRA2_OBJECT_API_VERSION,
  kind: GEFYRA_BRIDGE_MOUNT_KIND,
  metadata: { name: 'web', namespace },
  provider: 'carrier2mount',
  target: 'deploy/web',
  targetNamespace: workloadNamespace,
  targetContainer: CONTAINER,
});

/** `gefyra bridge create` of one developer: a header rule naming them, the local port 8000 for the container's 8080. */
const bridgeObject = (
  namespace: string,
  developer: { client: string; bridge: string; user: string; destinationIP: string },
) => ({
  apiVersion: GEFYRA2_OBJECT_API_VERSION,
  kind: GEFYRA_BRIDGE_KIND,
  metadata: {
    name: developer.bridge,
    namespace,
    labels: {
      'gefyra.dev/bridge-mount': 'web',
      'gefyra.dev/client': developer.client,
      'gefyra.dev/client-container': 'my-app',
    },
  },
  provider: 'carrier2',
  connectionProvider: 'stowaway',
  target: 'web',
  targetNamespace: '',
  targetContainer: '',
  client: developer.client,
  destinationIP: developer.destinationIP,
  portMappings: [`${LOCAL_PORT}:${CONTAINER_PORT}`],
  providerParameter: {
    rules: [{ match: [{ matchHeader: { name: USER_HEADER, value: developer.user, type: 'exact' } }] }],
  },
});
