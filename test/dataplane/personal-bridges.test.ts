import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/client/kubernetes-cluster-api.js';
import { STOWAWAY2 } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import type { RequestRules } from '../../src/domain/routes/request-rules.js';
import { originalBody } from '../support/control-plane/data-plane/container-images.js';
import { developerBody, type DeveloperMachine } from '../support/control-plane/data-plane/developer-machine.js';
import { clientNetwork } from '../support/client-network.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { useTestNamespace } from '../support/control-plane/vitest.js';
import { createTargetPod, webContainer } from '../e2e/support/target-pods.js';
import {
  carrier2Config,
  carrier2PushCommand,
  carrier2PushOutcome,
  carrier2Yaml,
  type Carrier2Config,
  type ConfiguredBridge,
} from './support/carrier2-operator-side.js';
import { fileIn } from './support/container-files.js';
import { dataPlaneUnavailable } from './support/data-plane-environment.js';
import { useGefyra2DataPlane } from './support/gefyra2-data-plane.js';
import type { RequestOutcome } from './support/http-requests.js';
import { requestsFrom, streamFrom } from './support/netns-http.js';

const signal = () => AbortSignal.timeout(30_000);
const CONTAINER_PORT = 8080;
/** The header as a developer writes it in `gefyra bridge create --rule`, and as clients send it. */
const USER_HEADER = 'X-Gefyra-User';
const WORKLOAD = { pod: 'web', container: 'web' };
const SHADOW = { pod: 'web-gefyra', container: 'web', service: 'web-web-gefyra-svc' };

interface Developer {
  readonly client: string;
  readonly bridge: string;
  readonly user: string;
  /** The port the developer's app container serves: each machine serves only its own, so the answer names it. */
  readonly localPort: number;
  readonly proxyPort: number;
  /** `<clientId>-<10 a-z>` (contract §4). */
  readonly routeKey: string;
  readonly subnet: string;
  readonly createdAt: string;
}

const ALICE: Developer = {
  client: 'dev-a',
  bridge: 'bridge-alice',
  user: 'alice',
  localPort: 8001,
  proxyPort: 10000,
  routeKey: 'dev-a-qwertzuiop',
  subnet: '172.18.0.0/16',
  createdAt: '2026-12-07T10:00:00Z',
};
const BOB: Developer = {
  client: 'dev-b',
  bridge: 'bridge-bob',
  user: 'bob',
  localPort: 8002,
  proxyPort: 10001,
  routeKey: 'dev-b-asdfghjkla',
  subnet: '172.19.0.0/16',
  createdAt: '2026-12-07T10:05:00Z',
};

/** Rules as the developer gives them (`--rule`): carrier2Config writes them the operator's way. */
const userRule = (user: string): RequestRules => [[{ on: 'header', name: USER_HEADER, value: user, type: 'exact' }]];

// Issue 20, on the wire: one workload whose original pod runs carrier2 (the
// stand-in reading carrier2's YAML file and routing real HTTP as 2.5.4 does),
// its shadow behind its Service, and two developers whose machines reach
// Stowaway 2.x through real WireGuard, each with a route (proxy port →
// destinationIP:localPort, as the route ConfigMap and proxy Service of §4).
// carrier2's configuration is built by the operator's carrier2Config and
// pushed with its push command by exec, as the operator does; the bridge and
// mount controllers are not part of this file.
describe.skipIf(dataPlaneUnavailable())('personal bridges: two developers on one workload, on the wire', () => {
  const dp = useGefyra2DataPlane('dp-bridges');
  const shop = useTestNamespace('dp-shop');
  const api = () => new KubernetesClusterApi(dp.controlPlane.adminKubeConfig(), 'gefyra-e2e-admin');
  let workloadIP = '';
  let callerNetns = '';
  const machines = new Map<Developer, DeveloperMachine>();

  beforeAll(async () => {
    machines.set(ALICE, dp.plane().developerMachine);
    machines.set(BOB, await dp.plane().attachDeveloperMachine('laptop-b', clientNetwork(BOB.subnet)));
    for (const developer of [ALICE, BOB]) {
      const machine = machines.get(developer) as DeveloperMachine;
      expect(machine.network.subnet).toBe(developer.subnet);
      await dp.connectClient(developer.client, developer.subnet);
      await dp.connectMachine(machine, developer.client, [developer.localPort]);
    }
    // The shadow (its clone's duplication-id, its Service), the original pod switched to carrier2, and a pod that calls it.
    const duplicationId = randomUUID();
    const plain = { readinessProbe: undefined, livenessProbe: undefined };
    await createTargetPod(dp.controlPlane.adminKubeConfig(), dp.node, {
      namespace: shop.name,
      name: SHADOW.pod,
      labels: { app: 'web-gefyra', 'bridge.gefyra.dev/duplication-id': duplicationId },
      containers: [webContainer(plain)],
    });
    await api().create(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: SHADOW.service, namespace: shop.name },
        spec: {
          selector: { 'bridge.gefyra.dev/duplication-id': duplicationId },
          ports: [{ name: `${CONTAINER_PORT}-0`, port: CONTAINER_PORT, targetPort: CONTAINER_PORT }],
        },
      },
      signal(),
    );
    const workload = await createTargetPod(dp.controlPlane.adminKubeConfig(), dp.node, {
      namespace: shop.name,
      name: WORKLOAD.pod,
      containers: [webContainer({ ...plain, image: 'quay.io/gefyra/carrier2:2.5.4' })],
    });
    workloadIP = workload.status?.podIP ?? '';
    await createTargetPod(dp.controlPlane.adminKubeConfig(), dp.node, {
      namespace: shop.name,
      name: 'caller',
      labels: { app: 'caller' },
      containers: [webContainer({ ...plain, name: 'caller', image: 'shop/caller:1.0', ports: [] })],
    });
    callerNetns = dp.plane().host.netnsOf(shop.name, 'caller') ?? '';
  }, 180_000);

  const gefyraNamespace = () => dp.namespace.name;
  const proxyService = (developer: Developer) => `gefyra-stowaway-proxy-${developer.proxyPort}`;
  const routesRef = () => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: gefyraNamespace(),
    name: STOWAWAY2.routesConfigMap,
  });
  const serviceRef = (developer: Developer) => ({
    apiVersion: 'v1',
    kind: 'Service',
    namespace: gefyraNamespace(),
    name: proxyService(developer),
  });
  /** Stowaway's image reads the mounted ConfigMap when it changes; the annotation has the kubelet refresh it now. */
  const notifyStowaway = async () =>
    await api().patchPod(
      { namespace: gefyraNamespace(), name: STOWAWAY2.pod },
      { annotations: { operator: `update-notification-${Date.now()}` } },
      signal(),
    );

  /** A developer's route in Stowaway 2.x (contract §4), until their machine answers through the proxy Service. */
  const route = async (developer: Developer) => {
    const machine = machines.get(developer) as DeveloperMachine;
    const value = `${machine.network.appAddress}:${developer.localPort},${developer.proxyPort}`;
    if ((await api().find(routesRef(), signal())) === undefined)
      await api().create(
        { ...routesRef(), metadata: { name: STOWAWAY2.routesConfigMap, namespace: gefyraNamespace() } },
        signal(),
      );
    await api().patch(routesRef(), { data: { [developer.routeKey]: value } }, signal());
    if ((await api().find(serviceRef(developer), signal())) === undefined)
      await api().create(
        {
          ...serviceRef(developer),
          metadata: {
            name: proxyService(developer),
            namespace: gefyraNamespace(),
            labels: {
              'gefyra.dev/app': 'stowaway',
              'gefyra.dev/role': 'proxy',
              'gefyra.dev/proxy-port': String(developer.proxyPort),
              'gefyra.dev/client-id': developer.client,
              'gefyra.dev/destination': `${machine.network.appAddress}_${developer.localPort}`,
            },
          },
          spec: {
            type: 'ClusterIP',
            selector: { ...STOWAWAY2.labels },
            ports: [{ name: String(developer.proxyPort), port: developer.proxyPort, targetPort: developer.proxyPort }],
          },
        },
        signal(),
      );
    await notifyStowaway();
    const clusterIP = String(
      ((await api().find(serviceRef(developer), signal())) as { spec?: { clusterIP?: string } }).spec?.clusterIP,
    );
    await pollUntil(
      `${developer.client}'s machine answering through ${proxyService(developer)}`,
      async () => {
        const answer = await dp.plane().httpGet(clusterIP, developer.proxyPort);
        return answer.exitCode === 0 && answer.stdout.includes(developerBody(developer.localPort)) ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    // carrier2 resolves its endpoints when it starts: the name must be in the pod's hosts file before a push.
    const name = `${proxyService(developer)}.${gefyraNamespace()}.svc.cluster.local`;
    await pollUntil(
      `${name} known in the workload's pod`,
      async () =>
        (await fileIn(dp.plane(), { namespace: shop.name, ...WORKLOAD }, '/etc/hosts')).includes(name)
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  };
  const unroute = async (developer: Developer) => {
    await api().patch(routesRef(), { data: { [developer.routeKey]: null } }, signal());
    await api().remove(serviceRef(developer), signal());
    await notifyStowaway();
  };

  const bridgeOf = (developer: Developer, rules: RequestRules = userRule(developer.user)): ConfiguredBridge => ({
    name: developer.bridge,
    createdAt: developer.createdAt,
    endpoints: {
      [String(CONTAINER_PORT)]:
        `${proxyService(developer)}.${gefyraNamespace()}.svc.cluster.local:${developer.proxyPort}`,
    },
    rules,
  });
  const configOf = (bridges: readonly ConfiguredBridge[]): Carrier2Config =>
    carrier2Config({
      ports: [
        {
          port: CONTAINER_PORT,
          clusterUpstream: [`${SHADOW.service}.${shop.name}.svc.cluster.local:${CONTAINER_PORT}`],
        },
      ],
      probePorts: { httpGet: [], httpsGet: [] },
      bridges,
    });
  /** The operator's push: one exec of its script in the carrier2 container, judged from what it prints. */
  const push = async (config: Carrier2Config | Record<string, unknown>) => {
    const result = await api().exec(
      { namespace: shop.name, name: WORKLOAD.pod, container: WORKLOAD.container },
      carrier2PushCommand(carrier2Yaml(config as Carrier2Config)),
      signal(),
    );
    const outcome = carrier2PushOutcome(`${result.stdout}${result.stderr}`);
    if (!outcome.ok) throw new Error(`${outcome.reason}\n${result.stdout}${result.stderr}`);
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
    await route(ALICE);
    await route(BOB);
    await push(configOf([bridgeOf(BOB), bridgeOf(ALICE)]));

    const users = Array.from({ length: 200 }, (_, index) => [ALICE.user, BOB.user, ''][index % 3] ?? '');
    const both = tally(await requestsFrom(callerNetns, { target: target(), header: USER_HEADER, users, inFlight: 4 }));
    console.log('two bridges, 200 requests interleaved:', both);
    expect(both).toEqual({ 'alice -> dev-a': 67, 'bob -> dev-b': 67, '(no header) -> shadow': 66 });

    // Bob leaves while Alice's requests keep coming, one after the other.
    const stream = streamFrom(callerNetns, { target: target(), header: USER_HEADER, stream: ALICE.user });
    const flowing = async (count: number, what: string) =>
      await pollUntil(what, async () => (stream.outcomes.length >= count ? true : undefined), {
        timeoutMs: 60_000,
        intervalMs: 50,
      });
    await flowing(20, "Alice's stream flowing");
    expect(await stowawayRoutes()).toContain(`listen ${BOB.proxyPort};`);
    const beforeLeaving = stream.outcomes.length;
    await push(configOf([bridgeOf(ALICE)]));
    await unroute(BOB);
    const bobAfter = tally(
      await requestsFrom(callerNetns, { target: target(), header: USER_HEADER, users: Array(30).fill(BOB.user) }),
    );
    await flowing(stream.outcomes.length + 20, "Alice's stream flowing after Bob left");
    // Bob's route is gone from Stowaway too (its nginx no longer listens on his proxy port).
    await pollUntil(
      "Bob's route removed from Stowaway",
      async () => ((await stowawayRoutes()).includes(`listen ${BOB.proxyPort};`) ? undefined : true),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const alice = tally(await stream.stop());
    console.log(`Alice's stream while Bob left (${beforeLeaving} requests before the push):`, alice);
    console.log("Bob's requests after he left:", bobAfter);
    expect(Object.keys(alice)).toEqual(['alice -> dev-a']);
    expect(alice['alice -> dev-a']).toBeGreaterThanOrEqual(beforeLeaving + 20);
    expect(bobAfter).toEqual({ 'bob -> shadow': 30 });
  }, 240_000);

  it('never matches a header rule named as 2.5.4 wrote it (X-Gefyra-User), and matches the one carrier2Config writes', async () => {
    await route(ALICE);
    const ours = configOf([bridgeOf(ALICE)]);
    // 2.5.4's operator copies the developer's rule into the YAML as given: the name keeps its capitals.
    const as254 = {
      ...ours,
      proxy: ours.proxy.map((proxy) => ({
        ...proxy,
        bridges: new Map([
          [
            ALICE.bridge,
            {
              endpoint: proxy.bridges.get(ALICE.bridge)?.endpoint ?? '',
              rules: [{ match: [{ matchHeader: { name: USER_HEADER, value: ALICE.user, type: 'exact' } }] }],
            },
          ],
        ]),
      })),
    };
    const users = Array<string>(30).fill(ALICE.user);

    await push(as254);
    const before = tally(await requestsFrom(callerNetns, { target: target(), header: USER_HEADER, users }));
    await push(ours);
    const after = tally(await requestsFrom(callerNetns, { target: target(), header: USER_HEADER, users }));
    console.log('rule named as 2.5.4 wrote it:', before, '; as carrier2Config writes it:', after);
    expect(carrier2Yaml(ours)).toContain('name: x-gefyra-user');
    expect(before).toEqual({ 'alice -> shadow': 30 });
    expect(after).toEqual({ 'alice -> dev-a': 30 });
  }, 120_000);
});
