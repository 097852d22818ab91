import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/client/kubernetes-cluster-api.js';
import { carrier2PushCommand, carrier2PushOutcome } from '../../src/plugins/carrier2/carrier2-push.js';
import { GEFYRA2_OBJECT_API_VERSION } from '../../src/plugins/gefyra2/domain/gefyra2-object.js';
import { GEFYRA_BRIDGE_KIND } from '../../src/plugins/gefyra2/domain/bridge/gefyra-bridge.js';
import { GEFYRA_BRIDGE_MOUNT_KIND } from '../../src/plugins/gefyra2/domain/mount/bridge-mount.js';
import { STOWAWAY2, STOWAWAY2_PROXY_SERVICES } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { originalBody } from '../support/control-plane/data-plane/container-images.js';
import { developerBody, type DeveloperMachine } from '../support/control-plane/data-plane/developer-machine.js';
import { clientNetwork } from '../support/client-network.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { useTestNamespace } from '../support/control-plane/vitest.js';
import { createTargetPod, webContainer } from '../e2e/support/target-pods.js';
import { fileIn } from './support/container-files.js';
import { dataPlaneUnavailable } from './support/data-plane-environment.js';
import { startBridgeControllers } from './support/gefyra2-bridge-controllers.js';
import { useGefyra2DataPlane } from './support/gefyra2-data-plane.js';
import type { RequestOutcome } from './support/http-requests.js';
import { requestsFrom, streamFrom } from './support/netns-http.js';

const signal = () => AbortSignal.timeout(30_000);
const CONTAINER_PORT = 8080;
/** The header as a developer writes it in `gefyra bridge create --rule`, and as clients send it. */
const USER_HEADER = 'X-Gefyra-User';
const WORKLOAD = { pod: 'web', container: 'web' };
/** The mount's shadow: a copy of the bare Pod, answering as itself. */
const SHADOW = { pod: 'web-gefyra', container: 'web' };
/** The GefyraBridgeMount, named as the 2.5 client names it (`<workload>-<namespace>-<5 a-z>`). */
const MOUNT = 'web-dp-shop-kqzvx';

interface Developer {
  readonly client: string;
  readonly bridge: string;
  readonly user: string;
  /** The port the developer's app container serves: each machine serves only its own, so the answer names it. */
  readonly localPort: number;
  readonly subnet: string;
}

const ALICE: Developer = {
  client: 'dev-a',
  bridge: 'bridge-alice',
  user: 'alice',
  localPort: 8001,
  subnet: '172.18.0.0/16',
};
const BOB: Developer = { client: 'dev-b', bridge: 'bridge-bob', user: 'bob', localPort: 8002, subnet: '172.19.0.0/16' };

// Issue 20, on the wire, served by the operator: the GefyraBridgeMount and
// GefyraBridge controllers (composed as the 2.x operator composes them) mount
// a workload whose pod the carrier2 stand-in takes over (it reads carrier2's
// YAML file and routes real HTTP as 2.5.4 does), make its shadow, route each
// bridge through Stowaway 2.x's proxy routes (the ConfigMap, the proxy
// Service, the update notification) and push carrier2's configuration by
// exec. Two developers' machines reach Stowaway 2.x through real WireGuard;
// the objects are written as the 2.5 client writes them.
describe.skipIf(dataPlaneUnavailable())('personal bridges: two developers on one workload, on the wire', () => {
  const dp = useGefyra2DataPlane('dp-bridges');
  const shop = useTestNamespace('dp-shop');
  const api = () => new KubernetesClusterApi(dp.controlPlane.adminKubeConfig(), 'gefyra-e2e-admin');
  const gefyraNamespace = () => dp.namespace.name;
  const objectRef = (kind: string, name: string) => ({
    apiVersion: GEFYRA2_OBJECT_API_VERSION,
    kind,
    namespace: gefyraNamespace(),
    name,
  });
  let workloadIP = '';
  let callerNetns = '';
  let stopControllers: (() => Promise<void>) | undefined;
  const machines = new Map<Developer, DeveloperMachine>();

  /** Until the object's `state` is `state`; an ERROR ends the wait at once with the object's own explanation. */
  const waitForState = async (kind: string, name: string, state: string): Promise<Manifest> => {
    let failed: string | undefined;
    return await pollUntil(
      `${kind} ${name} ${state}`,
      async () => {
        const object = await api().find(objectRef(kind, name), signal());
        if (object?.['state'] === 'ERROR' && state !== 'ERROR') failed = `ERROR: ${JSON.stringify(object['status'])}`;
        return object?.['state'] === state ? object : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200, failFast: () => failed },
    );
  };
  const waitForGone = async (kind: string, name: string) =>
    await pollUntil(
      `${kind} ${name} gone`,
      async () => ((await api().find(objectRef(kind, name), signal())) === undefined ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 200 },
    );

  beforeAll(async () => {
    machines.set(ALICE, dp.plane().developerMachine);
    machines.set(BOB, await dp.plane().attachDeveloperMachine('laptop-b', clientNetwork(BOB.subnet)));
    for (const developer of [ALICE, BOB]) {
      const machine = machines.get(developer) as DeveloperMachine;
      expect(machine.network.subnet).toBe(developer.subnet);
      await dp.connectClient(developer.client, developer.subnet);
      await dp.connectMachine(machine, developer.client, [developer.localPort]);
    }
    // The workload (a bare Pod, its one container serving 8080) and a pod that calls it.
    const plain = { readinessProbe: undefined, livenessProbe: undefined };
    const workload = await createTargetPod(dp.controlPlane.adminKubeConfig(), dp.node, {
      namespace: shop.name,
      name: WORKLOAD.pod,
      containers: [webContainer(plain)],
    });
    workloadIP = workload.status?.podIP ?? '';
    await createTargetPod(dp.controlPlane.adminKubeConfig(), dp.node, {
      namespace: shop.name,
      name: 'caller',
      labels: { app: 'caller' },
      containers: [webContainer({ ...plain, name: 'caller', image: 'shop/caller:1.0', ports: [] })],
    });
    callerNetns = dp.plane().host.netnsOf(shop.name, 'caller') ?? '';

    const operator = await startBridgeControllers(dp.controlPlane.adminKubeConfig(), gefyraNamespace());
    stopControllers = operator.stop;
    // `gefyra mount create --target pod/web --namespace <shop>`, as the 2.5 client writes it.
    await api().create(
      {
        ...objectRef(GEFYRA_BRIDGE_MOUNT_KIND, MOUNT),
        metadata: { name: MOUNT, namespace: gefyraNamespace() },
        targetNamespace: shop.name,
        target: `pod/${WORKLOAD.pod}`,
        targetContainer: WORKLOAD.container,
        provider: 'carrier2mount',
        providerParameter: {},
      },
      signal(),
    );
    await waitForState(GEFYRA_BRIDGE_MOUNT_KIND, MOUNT, 'ACTIVE');
  }, 240_000);

  // The operator removes what it made (the routes, carrier2's configuration, then the mount's shadow and carrier2) before it stops.
  afterAll(async () => {
    await api().remove(objectRef(GEFYRA_BRIDGE_MOUNT_KIND, MOUNT), signal());
    await waitForGone(GEFYRA_BRIDGE_MOUNT_KIND, MOUNT);
    await stopControllers?.();
  }, 120_000);

  afterEach(async () => {
    for (const developer of [ALICE, BOB]) await api().remove(objectRef(GEFYRA_BRIDGE_KIND, developer.bridge), signal());
    for (const developer of [ALICE, BOB]) await waitForGone(GEFYRA_BRIDGE_KIND, developer.bridge);
  }, 120_000);

  /** carrier2's configuration, log, pid file and listening sockets in the workload's container, for a failure to show. */
  const carrierFiles = async () => {
    const instance = dp.plane().host.instanceOf(shop.name, WORKLOAD.pod, WORKLOAD.container);
    const run = async (command: string) => {
      const result = await instance?.exec(['busybox', 'sh', '-c', command]);
      return `$ ${command}\n${result?.stdout ?? ''}${result?.stderr ?? ''}`;
    };
    const commands = [
      'cat /tmp/config.yaml',
      'cat /tmp/carrier.log',
      'cat /tmp/carrier2.pid',
      'busybox netstat -ltn',
      'busybox ps -o pid,ppid,args | grep carrier2',
    ];
    const events = await api().list({ apiVersion: 'v1', kind: 'Event' }, gefyraNamespace(), undefined, signal());
    const told = events.map((event) => {
      const about = (event['involvedObject'] as { name?: string } | undefined)?.name;
      const at = String(event['eventTime'] ?? event['lastTimestamp']);
      return `${at} ${String(about)} ${String(event['reason'])}: ${String(event['message'])}`;
    });
    return [...(await Promise.all(commands.map(run))), ...told.sort()].join('\n');
  };
  /** `gefyra bridge create --rule '{"match":[{"matchHeader":{"name":"X-Gefyra-User",...}}]}'`, as the 2.5 client writes it. */
  const bridge = async (developer: Developer) => {
    const machine = machines.get(developer) as DeveloperMachine;
    await api().create(
      {
        ...objectRef(GEFYRA_BRIDGE_KIND, developer.bridge),
        metadata: {
          name: developer.bridge,
          namespace: gefyraNamespace(),
          labels: {
            'gefyra.dev/bridge-mount': MOUNT,
            'gefyra.dev/client': developer.client,
            'gefyra.dev/client-container': 'app',
          },
        },
        provider: 'carrier2',
        connectionProvider: 'stowaway',
        providerParameter: {
          rules: [{ match: [{ matchHeader: { name: USER_HEADER, value: developer.user, type: 'exact' } }] }],
        },
        client: developer.client,
        destinationIP: machine.network.appAddress,
        target: MOUNT,
        targetNamespace: '',
        targetContainer: '',
        portMappings: [`${developer.localPort}:${CONTAINER_PORT}`],
        handleProbes: true,
      },
      signal(),
    );
    await waitForState(GEFYRA_BRIDGE_KIND, developer.bridge, 'ACTIVE');
    // ACTIVE says carrier2 runs the bridge; Stowaway's nginx takes the route when it has reloaded.
    let last = '';
    await pollUntil(
      `${developer.user}'s requests answered by ${developer.client}'s machine`,
      async () => {
        const [outcome] = await requestsFrom(callerNetns, {
          target: target(),
          header: USER_HEADER,
          users: [developer.user],
        });
        last = outcome === undefined ? 'no outcome' : answeredBy(outcome);
        return last === developer.client ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; last answered by: ${last}\n${await carrierFiles()}`);
    });
  };
  /** The proxy port Stowaway 2.x serves the developer's route on: its proxy Service's, as the operator labelled it. */
  const proxyPortOf = async (developer: Developer): Promise<number> => {
    const services = await api().list(
      { apiVersion: 'v1', kind: 'Service' },
      gefyraNamespace(),
      { ...STOWAWAY2_PROXY_SERVICES.labels, 'gefyra.dev/client-id': developer.client },
      signal(),
    );
    expect(services).toHaveLength(1);
    return Number(services[0]?.metadata.labels?.[STOWAWAY2_PROXY_SERVICES.portLabel]);
  };

  /** Who answered a request: a developer's machine (by the only port it serves), the shadow, or what went wrong. */
  const answeredBy = (outcome: RequestOutcome): string => {
    if (outcome.error !== undefined) return `error (${outcome.error})`;
    if (outcome.status !== 200) return `status ${outcome.status}`;
    if (outcome.body === developerBody(ALICE.localPort)) return ALICE.client;
    if (outcome.body === developerBody(BOB.localPort)) return BOB.client;
    if (outcome.body === originalBody(SHADOW.pod, SHADOW.container, CONTAINER_PORT)) return 'shadow';
    return `unknown answer (${outcome.body})`;
  };
  /** `<user> -> <who answered>`: how many requests went each way. */
  const tally = (outcomes: readonly RequestOutcome[]): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const outcome of outcomes) {
      const key = `${outcome.user === '' ? '(no header)' : outcome.user} -> ${answeredBy(outcome)}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  };
  const target = () => `${workloadIP}:${CONTAINER_PORT}`;
  /** Stowaway's nginx configuration, as generate-proxyroutes.sh wrote it from the routes. */
  const stowawayRoutes = async () =>
    await fileIn(
      dp.plane(),
      { namespace: gefyraNamespace(), pod: STOWAWAY2.pod, container: STOWAWAY2.container },
      '/etc/nginx/nginx.conf',
    );

  it("gives each developer exactly their own requests, the shadow every other one, and keeps one developer's stream whole while the other leaves", async () => {
    await bridge(ALICE);
    await bridge(BOB);

    const users = Array.from({ length: 200 }, (_, index) => [ALICE.user, BOB.user, ''][index % 3] ?? '');
    const both = tally(await requestsFrom(callerNetns, { target: target(), header: USER_HEADER, users, inFlight: 4 }));
    console.log('two bridges, 200 requests interleaved:', both);
    expect(both).toEqual({ 'alice -> dev-a': 67, 'bob -> dev-b': 67, '(no header) -> shadow': 66 });

    // Bob leaves (`gefyra bridge delete`) while Alice's requests keep coming, one after the other.
    const bobsPort = await proxyPortOf(BOB);
    expect(await stowawayRoutes()).toContain(`listen ${bobsPort};`);
    const stream = streamFrom(callerNetns, { target: target(), header: USER_HEADER, stream: ALICE.user });
    const flowing = async (count: number, what: string) =>
      await pollUntil(what, async () => (stream.outcomes.length >= count ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 50,
      });
    await flowing(20, "Alice's stream flowing");
    const beforeLeaving = stream.outcomes.length;
    await api().remove(objectRef(GEFYRA_BRIDGE_KIND, BOB.bridge), signal());
    await waitForGone(GEFYRA_BRIDGE_KIND, BOB.bridge);
    const bobAfter = tally(
      await requestsFrom(callerNetns, { target: target(), header: USER_HEADER, users: Array(30).fill(BOB.user) }),
    );
    await flowing(stream.outcomes.length + 20, "Alice's stream flowing after Bob left");
    // Bob's route is gone from Stowaway too (its nginx no longer listens on his proxy port).
    await pollUntil(
      "Bob's route removed from Stowaway",
      async () => ((await stowawayRoutes()).includes(`listen ${bobsPort};`) ? undefined : true),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const alice = tally(await stream.stop());
    console.log(`Alice's stream while Bob left (${beforeLeaving} requests before his bridge was deleted):`, alice);
    console.log("Bob's requests after he left:", bobAfter);
    expect(Object.keys(alice)).toEqual(['alice -> dev-a']);
    expect(alice['alice -> dev-a']).toBeGreaterThanOrEqual(beforeLeaving + 20);
    expect(bobAfter).toEqual({ 'bob -> shadow': 30 });
  }, 240_000);

  it('matches the header rule as the operator writes it (the name lowercased), never as 2.5.4 wrote it (X-Gefyra-User)', async () => {
    await bridge(ALICE);
    const carrier = { namespace: shop.name, name: WORKLOAD.pod, container: WORKLOAD.container };
    const operators = await fileIn(dp.plane(), { namespace: shop.name, ...WORKLOAD }, '/tmp/config.yaml');
    /** A configuration pushed as the operator pushes one: one exec of its script, judged by what it prints. */
    const push = async (yaml: string) => {
      const result = await api().exec(carrier, carrier2PushCommand(yaml), signal());
      const outcome = carrier2PushOutcome(`${result.stdout}${result.stderr}`);
      if (!outcome.ok) throw new Error(`${outcome.reason}\n${result.stdout}${result.stderr}`);
    };
    const users = Array<string>(30).fill(ALICE.user);

    const ours = tally(await requestsFrom(callerNetns, { target: target(), header: USER_HEADER, users }));
    // 2.5.4's operator copies the developer's rule into the YAML as given: the name keeps its capitals.
    await push(operators.replace('name: x-gefyra-user', `name: ${USER_HEADER}`));
    const as254 = tally(await requestsFrom(callerNetns, { target: target(), header: USER_HEADER, users }));
    // carrier2 runs what the operator recorded again, so that the operator's next push starts from what it knows.
    await push(operators);
    console.log('rule as the operator writes it:', ours, '; named as 2.5.4 wrote it:', as254);
    expect(operators).toContain('name: x-gefyra-user');
    expect(operators).not.toContain(USER_HEADER);
    expect(ours).toEqual({ 'alice -> dev-a': 30 });
    expect(as254).toEqual({ 'alice -> shadow': 30 });
  }, 120_000);
});
