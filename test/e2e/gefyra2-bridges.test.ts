import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/client/index.js';
import { STOWAWAY2 } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import type { Manifest, ObjectRef } from '../../src/ports/cluster-api.port.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../support/control-plane/vitest.js';
import { Carrier2Simulator } from '../support/simulated-cluster/simulators/carrier2-simulator.js';
import { Stowaway2Simulator } from '../support/simulated-cluster/simulators/stowaway2-simulator.js';
import { waitForGone, waitForObject, waitForObjects } from './support/cluster-waits.js';
import { GEFYRA2_INSTALLATIONS, useInstalledGefyra2 } from './support/gefyra2-installations.js';
import { gefyra2ClientCalls } from './support/gefyra2-lifecycle.js';
import { clientKubeConfig, waitForDeletedEvent, waitForReadyEvent } from './support/gefyra25-client.js';

const signal = () => AbortSignal.timeout(30_000);
const GEFYRA = 'gefyra.dev/v1';
const BRIDGE = { apiVersion: GEFYRA, kind: 'gefyrabridge' } as const;
const MOUNT = { apiVersion: GEFYRA, kind: 'gefyrabridgemount' } as const;
const CARRIER2_IMAGE = 'quay.io/gefyra/carrier2:2.5.4';
const WORKLOAD_IMAGE = 'example.test/shop-web:1';
/** The 5 random characters the client appends to the names it makes. */
const rand5 = () => randomBytes(3).toString('hex').slice(0, 5);

/** Every kind the flow touches, listed in both namespaces before and after it (Events may stay). */
const LISTED_KINDS = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'v1', kind: 'Service' },
  // Not autoscaling/v1, which shows the HPA controller's status conditions as annotations.
  { apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  BRIDGE,
  MOUNT,
] as const;

/**
 * What of an object the flow may change and must give back. Two annotations
 * change while an operator runs, by design: Stowaway's pod gets a new route
 * notification (`operator`, contract §4) on every route change, as 2.5.4
 * does, and the leader renews its lock (`gefyra.dev/leader`).
 */
function essentials(object: Manifest): unknown {
  const { operator: _notification, 'gefyra.dev/leader': _lock, ...annotations } = object.metadata.annotations ?? {};
  const spec = object['spec'] as Record<string, unknown> | undefined;
  const podSpec = (object.kind === 'Pod' ? spec : (spec?.['template'] as { spec?: unknown } | undefined)?.spec) as
    { containers?: { name: string; image: string }[] } | undefined;
  return {
    labels: object.metadata.labels ?? {},
    annotations,
    images: podSpec?.containers?.map((container) => `${container.name}=${container.image}`),
    replicas: spec?.['replicas'],
    selector: object.kind === 'Service' ? spec?.['selector'] : undefined,
    ports: object.kind === 'Service' ? spec?.['ports'] : undefined,
    data: object['data'],
  };
}

/**
 * The workload a developer mounts: a Deployment `web` with two replicas
 * (container `app` on 8080, an HTTP readiness probe, which carrier2 answers),
 * its Service and its HPA.
 */
function shopWorkload(namespace: string): Manifest[] {
  const labels = { app: 'web' };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'app',
                image: WORKLOAD_IMAGE,
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace, labels },
      spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 4,
        targetCPUUtilizationPercentage: 80,
      },
    },
  ];
}

// Issue 20: a user of the Gefyra 2.5 client runs, mounts, bridges, unbridges,
// unmounts and disconnects, with `gefyra-operator run` as a process on the
// real API server under each installation's account, the pods answered by
// the simulated node as Stowaway 2.x and carrier2 2.5.4 answer. Each call is
// made with the body the client sends and the credentials it uses (the
// developer's kubeconfig for the mount, the client's ServiceAccount for the
// bridges), and awaited as the client awaits it. Afterwards every kind the
// flow touched in both namespaces is as it was before the developer connected.
describe.each(GEFYRA2_INSTALLATIONS)('the 2.5 client bridges a Deployment, gefyra-operator $title', (installation) => {
  const controlPlane = useControlPlane();
  const node = useSimulatedNode();
  const namespace = useTestNamespace('g2bridge');
  const shop = useTestNamespace('g2shop');
  const stowaway = new Stowaway2Simulator({ readConfigMap: (ns, name) => node.readConfigMap(ns, name) });
  const carrier2 = new Carrier2Simulator();
  const removals: (() => void)[] = [];
  // Before the installation's hooks: the node answers as the images until the operator has stopped.
  beforeAll(() => {
    removals.push(node.onExec(stowaway.handle), node.onExec(carrier2.handle));
    removals.push(node.onPodChange((pod) => stowaway.podObserved(pod)));
  });
  afterAll(() => {
    for (const remove of removals) remove();
  });
  const gefyra2 = useInstalledGefyra2(installation, controlPlane, namespace);
  const user = () => controlPlane.adminKubeConfig();
  const admin = () => new KubernetesClusterApi(user(), 'gefyra-e2e-developer');

  const listBoth = async () => {
    const state: Record<string, unknown> = {};
    for (const ns of [namespace.name, shop.name]) {
      for (const kind of LISTED_KINDS) {
        for (const object of await admin().list(kind, ns, undefined, signal()))
          state[`${ns === namespace.name ? 'gefyra' : 'shop'} ${kind.kind} ${object.metadata.name}`] =
            essentials(object);
      }
    }
    const bindings = await admin().list(
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
      undefined,
      undefined,
      signal(),
    );
    for (const binding of bindings) {
      const subjects = (binding['subjects'] ?? []) as { namespace?: string }[];
      if (subjects.some((subject) => subject.namespace === namespace.name))
        state[`ClusterRoleBinding ${binding.metadata.name}`] = essentials(binding);
    }
    return state;
  };
  const originals = async () => await admin().listPods(shop.name, { app: 'web' }, signal());
  const proxyRoutes = async () =>
    ((await admin().find(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace.name, name: 'gefyra-stowaway-proxyroutes' },
      signal(),
    )) ?? { data: {} })['data'] as Record<string, string> | undefined;
  /** Stowaway's route entries as `<key>=<value>`, the key's 10 letters (which the client never reads) left out. */
  const routeEntries = (data: Record<string, string> | undefined) =>
    Object.entries(data ?? {})
      .map(([key, value]) => `${key.replace(/-[a-z]{10}$/, '-<10 a-z>')}=${value}`)
      .sort();
  const proxyHost = (port: number) => `gefyra-stowaway-proxy-${port}.${namespace.name}.svc.cluster.local:${port}`;
  const shadowUpstream = () => `web-app-gefyra-svc.${shop.name}.svc.cluster.local:8080`;
  /** Waits until Stowaway's nginx serves exactly `routes` (proxy port → developer's address). */
  const served = async (routes: Record<number, string>, what: string) =>
    await pollUntil(
      `Stowaway serving ${what}`,
      async () => {
        await stowaway.settled();
        const now = stowaway.servedRoutes(namespace.name, STOWAWAY2.pod);
        return JSON.stringify(Object.fromEntries(now)) === JSON.stringify(routes) || undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  /** Where carrier2 in each original pod sends a request to 8080 with this header value (none: no header): a bridge's name, `cluster` or `nothing`. */
  const routedBy = async (developer: string | undefined) =>
    (await originals()).map((pod) => {
      const routing = carrier2.route({ namespace: shop.name, name: pod.name, container: 'app' }, 8080, {
        pathAndQuery: '/orders?id=1',
        headers: developer === undefined ? {} : { 'x-gefyra-user': developer },
      });
      return routing.to === 'bridge' ? routing.bridge : routing.to;
    });
  /** The bridges carrier2 serves on 8080 in each original pod, in the order it tries them. */
  const carrier2Bridges = async () =>
    (await originals()).map((pod) => {
      const state = carrier2.stateOf({ namespace: shop.name, name: pod.name, container: 'app' });
      const proxy = state?.serving?.config.proxies.find((candidate) => candidate.port === 8080);
      return {
        upstream: proxy?.clusterUpstream,
        bridges: proxy?.bridges.map((bridge) => [bridge.name, bridge.endpoint]),
      };
    });
  const bridgeBody = (
    name: string,
    { client, ip, user: developer, mount }: { client: string; ip: string; user: string; mount: string },
  ): Manifest => ({
    ...BRIDGE,
    metadata: {
      name,
      namespace: namespace.name,
      labels: {
        'gefyra.dev/bridge-mount': mount,
        'gefyra.dev/client': client,
        'gefyra.dev/client-container': `${client}-web`,
      },
    },
    provider: 'carrier2',
    connectionProvider: 'stowaway',
    providerParameter: {
      rules: [{ match: [{ matchHeader: { name: 'X-Gefyra-User', value: developer, type: 'exact' } }] }],
    },
    client,
    destinationIP: ip,
    target: mount,
    targetNamespace: '',
    targetContainer: '',
    portMappings: ['8000:8080'],
    handleProbes: true,
  });
  /** `gefyra connections connect`: the GefyraClient, its subnet once WAITING, ACTIVE; returns the client's own kubeconfig. */
  const connect = async (client: string, subnet: string): Promise<KubeConfig> => {
    const calls = gefyra2ClientCalls(admin(), user(), namespace.name);
    await calls.create(client, { status: {} });
    await calls.waitForClient(client, (found) => found?.state === 'WAITING', 'WAITING');
    await calls.setSubnet(client, subnet);
    await calls.waitForClient(client, (found) => found?.state === 'ACTIVE', 'ACTIVE');
    return clientKubeConfig(user(), (await admin().find(calls.ref(client), signal())) as Manifest);
  };
  /** `gefyra run`: the client's bridges for its container, each re-pointed at the container's address when it differs. */
  const run = async (kubeConfig: KubeConfig, client: string, ip: string) => {
    const api = new KubernetesClusterApi(kubeConfig, 'gefyra-client');
    const bridges = await api.list(
      BRIDGE,
      namespace.name,
      { 'gefyra.dev/client': client, 'gefyra.dev/client-container': `${client}-web` },
      signal(),
    );
    for (const bridge of bridges.filter((found) => found['destinationIP'] !== ip))
      await api.patch(
        { ...BRIDGE, namespace: namespace.name, name: bridge.metadata.name },
        { destinationIP: ip },
        signal(),
      );
    return bridges.map((bridge) => bridge.metadata.name);
  };

  beforeAll(async () => {
    for (const manifest of shopWorkload(shop.name)) await admin().create(manifest, signal());
    await waitForObject(
      user(),
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: shop.name, name: 'web' },
      (deployment) => (deployment?.['status'] as { readyReplicas?: number } | undefined)?.readyReplicas === 2,
      { what: 'web with 2 ready replicas', timeoutMs: 60_000 },
    );
  }, 90_000);

  it('run, mount, bridge twice, re-run, unbridge, disconnect with a bridge live, unmount, delete: the cluster as it was, never forbidden', async () => {
    const operator = await gefyra2.start();
    try {
      await gefyra2.ready();
      await waitForObject(
        user(),
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace.name, name: 'gefyra-stowaway-proxyroutes' },
        (found) => found !== undefined,
        { what: "Stowaway's route ConfigMap" },
      );
      const before = await listBoth();
      const originalPods = (await originals()).map((pod) => pod.name).sort();
      expect(originalPods).toHaveLength(2);

      // `gefyra connections connect` and `gefyra run`: nothing of the developer's is bridged yet, so nothing is patched.
      const alice = await connect('dev-a', '172.18.0.0/16');
      expect(await run(alice, 'dev-a', '172.18.0.2')).toEqual([]);

      // `gefyra mount create --target deploy/web/app -n <shop>`: the developer's own credentials; polled to ACTIVE, then Ready.
      const mountName = `web-${shop.name.slice(0, 20)}-${rand5()}`;
      const mountRef = { ...MOUNT, namespace: namespace.name, name: mountName };
      const mountStarted = performance.now();
      const mountCreated = await admin().create(
        {
          ...MOUNT,
          metadata: { name: mountName, namespace: namespace.name },
          targetNamespace: shop.name,
          target: 'deploy/web',
          targetContainer: 'app',
          provider: 'carrier2mount',
          providerParameter: {},
        },
        signal(),
      );
      expect(mountCreated['state']).toBe('REQUESTED');
      await waitForObject(user(), mountRef, (found) => found?.['state'] === 'ACTIVE', {
        what: `mount ${mountName} ACTIVE`,
        timeoutMs: 60_000,
      });
      const mountActiveMs = performance.now() - mountStarted;
      const mountReady = await waitForReadyEvent(user(), mountCreated);
      expect(mountReady['eventTime']).toEqual(expect.any(String));
      // The shadow answers what no bridge takes: its Deployment ready, its Service, the HPA's copy.
      const shadow = await admin().find(
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: shop.name, name: 'web-gefyra' },
        signal(),
      );
      expect((shadow?.['status'] as { readyReplicas?: number }).readyReplicas).toBeGreaterThan(0);
      expect(
        await admin().find(
          { apiVersion: 'v1', kind: 'Service', namespace: shop.name, name: 'web-app-gefyra-svc' },
          signal(),
        ),
      ).toBeDefined();
      expect(
        await admin().find(
          { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', namespace: shop.name, name: 'web-gefyra' },
          signal(),
        ),
      ).toBeDefined();
      // The originals run carrier2 (the same pods, their image swapped), every request going to the shadow.
      const mounted = await originals();
      expect(mounted.map((pod) => pod.name).sort()).toEqual(originalPods);
      for (const pod of mounted) expect(pod.containers.find((c) => c.name === 'app')?.image).toBe(CARRIER2_IMAGE);
      expect(await carrier2Bridges()).toEqual(originalPods.map(() => ({ upstream: [shadowUpstream()], bridges: [] })));

      // `gefyra bridge create` by dev-a, with the client's ServiceAccount: it reads the mount, creates, waits for Ready.
      const aliceApi = new KubernetesClusterApi(alice, 'gefyra-client');
      expect((await aliceApi.find(mountRef, signal()))?.['target']).toBe('deploy/web');
      const aliceBridge = `dev-a-deploy-web-app-${rand5()}`;
      const bridgeStarted = performance.now();
      const aliceCreated = await aliceApi.create(
        bridgeBody(aliceBridge, { client: 'dev-a', ip: '172.18.0.2', user: 'alice', mount: mountName }),
        signal(),
      );
      expect(aliceCreated['state']).toBe('REQUESTED');
      const aliceReady = await waitForReadyEvent(alice, aliceCreated);
      const bridgeReadyMs = performance.now() - bridgeStarted;
      expect(aliceReady['eventTime']).toEqual(expect.any(String));
      const aliceActive = await aliceApi.find({ ...BRIDGE, namespace: namespace.name, name: aliceBridge }, signal());
      expect(aliceActive).toMatchObject({ state: 'ACTIVE', clusterEndpoint: { '8080': proxyHost(10000) } });
      expect(routeEntries(await proxyRoutes())).toEqual(['dev-a-<10 a-z>=172.18.0.2:8000,10000']);
      expect(
        await admin().find(
          { apiVersion: 'v1', kind: 'Service', namespace: namespace.name, name: 'gefyra-stowaway-proxy-10000' },
          signal(),
        ),
      ).toMatchObject({
        metadata: {
          labels: {
            'gefyra.dev/app': 'stowaway',
            'gefyra.dev/role': 'proxy',
            'gefyra.dev/proxy-port': '10000',
            'gefyra.dev/client-id': 'dev-a',
            'gefyra.dev/destination': '172.18.0.2_8000',
          },
        },
        spec: {
          selector: STOWAWAY2.labels,
          ports: [expect.objectContaining({ name: '10000', port: 10000, targetPort: 10000 })],
        },
      });
      await served({ 10000: '172.18.0.2:8000' }, "dev-a's route");
      expect(await carrier2Bridges()).toEqual(
        originalPods.map(() => ({ upstream: [shadowUpstream()], bridges: [[aliceBridge, proxyHost(10000)]] })),
      );
      // The rule names the header as the CLI user typed it; HTTP lowercases header names, and the request still matches.
      expect(await routedBy('alice')).toEqual([aliceBridge, aliceBridge]);
      expect(await routedBy(undefined)).toEqual(['cluster', 'cluster']);

      // A second developer bridges the same mount with their own rule.
      const bob = await connect('dev-b', '172.19.0.0/16');
      const bobApi = new KubernetesClusterApi(bob, 'gefyra-client');
      const bobBridge = `dev-b-deploy-web-app-${rand5()}`;
      const bobCreated = await bobApi.create(
        bridgeBody(bobBridge, { client: 'dev-b', ip: '172.19.0.2', user: 'bob', mount: mountName }),
        signal(),
      );
      await waitForReadyEvent(bob, bobCreated);
      expect(await bobApi.find({ ...BRIDGE, namespace: namespace.name, name: bobBridge }, signal())).toMatchObject({
        state: 'ACTIVE',
        clusterEndpoint: { '8080': proxyHost(10001) },
      });
      await served({ 10000: '172.18.0.2:8000', 10001: '172.19.0.2:8000' }, 'both routes');
      // Oldest first, in every pod.
      expect(await carrier2Bridges()).toEqual(
        originalPods.map(() => ({
          upstream: [shadowUpstream()],
          bridges: [
            [aliceBridge, proxyHost(10000)],
            [bobBridge, proxyHost(10001)],
          ],
        })),
      );
      expect(await routedBy('alice')).toEqual([aliceBridge, aliceBridge]);
      expect(await routedBy('bob')).toEqual([bobBridge, bobBridge]);
      expect(await routedBy('carol')).toEqual(['cluster', 'cluster']);

      // `gefyra run` again: dev-a's container got another address; the route follows on the same proxy port.
      expect(await run(alice, 'dev-a', '172.18.0.3')).toEqual([aliceBridge]);
      await waitForObject(
        user(),
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace.name, name: 'gefyra-stowaway-proxyroutes' },
        (found) =>
          JSON.stringify(routeEntries(found?.['data'] as Record<string, string> | undefined)) ===
          JSON.stringify(['dev-a-<10 a-z>=172.18.0.3:8000,10000', 'dev-b-<10 a-z>=172.19.0.2:8000,10001']),
        { what: "dev-a's route re-pointed" },
      );
      await served({ 10000: '172.18.0.3:8000', 10001: '172.19.0.2:8000' }, "dev-a's new address");
      expect(await aliceApi.find({ ...BRIDGE, namespace: namespace.name, name: aliceBridge }, signal())).toMatchObject({
        state: 'ACTIVE',
        clusterEndpoint: { '8080': proxyHost(10000) },
      });
      expect(await routedBy('alice')).toEqual([aliceBridge, aliceBridge]);

      // `gefyra bridge rm`: DELETE, then the watch for its DELETED event (the finalizer holds it until the clean-up ran).
      const unbridgeStarted = performance.now();
      const aliceRef = { ...BRIDGE, namespace: namespace.name, name: aliceBridge };
      await aliceApi.remove(aliceRef, signal());
      await waitForDeletedEvent(alice, aliceRef, String(aliceCreated.metadata.uid));
      const bridgeGoneMs = performance.now() - unbridgeStarted;
      expect(routeEntries(await proxyRoutes())).toEqual(['dev-b-<10 a-z>=172.19.0.2:8000,10001']);
      expect(
        await admin().find(
          { apiVersion: 'v1', kind: 'Service', namespace: namespace.name, name: 'gefyra-stowaway-proxy-10000' },
          signal(),
        ),
      ).toBeUndefined();
      await served({ 10001: '172.19.0.2:8000' }, "dev-b's route alone");
      expect(await carrier2Bridges()).toEqual(
        originalPods.map(() => ({ upstream: [shadowUpstream()], bridges: [[bobBridge, proxyHost(10001)]] })),
      );
      expect(await routedBy('alice')).toEqual(['cluster', 'cluster']);

      // dev-b disconnects with the bridge live: the operator deletes it, with its route, Service and configuration.
      const calls = gefyra2ClientCalls(admin(), user(), namespace.name);
      await calls.setSubnet('dev-b', null);
      await calls.waitForClient('dev-b', (found) => found?.state === 'WAITING', 'WAITING after disconnect');
      await waitForGone(user(), { ...BRIDGE, namespace: namespace.name, name: bobBridge });
      expect(routeEntries(await proxyRoutes())).toEqual([]);
      await served({}, 'no route');
      expect(await carrier2Bridges()).toEqual(originalPods.map(() => ({ upstream: [shadowUpstream()], bridges: [] })));

      // `gefyra mount rm`: DELETE, then GET until 404. The originals get their own image back; the shadow goes.
      const unmountStarted = performance.now();
      await admin().remove(mountRef, signal());
      await waitForGone(user(), mountRef);
      const mountGoneMs = performance.now() - unmountStarted;
      const restored = await originals();
      expect(restored.map((pod) => pod.name).sort()).toEqual(originalPods);
      for (const pod of restored) expect(pod.containers.find((c) => c.name === 'app')?.image).toBe(WORKLOAD_IMAGE);
      for (const [apiVersion, kind, name] of [
        ['apps/v1', 'Deployment', 'web-gefyra'],
        ['v1', 'Service', 'web-app-gefyra-svc'],
        ['autoscaling/v1', 'HorizontalPodAutoscaler', 'web-gefyra'],
      ] as const)
        expect(await admin().find({ apiVersion, kind, namespace: shop.name, name }, signal())).toBeUndefined();

      // dev-a disconnects; both developers delete their connection (`gefyra connections rm`: DELETE, then GET until 404).
      await calls.setSubnet('dev-a', null);
      await calls.waitForClient('dev-a', (found) => found?.state === 'WAITING', 'WAITING after disconnect');
      for (const client of ['dev-a', 'dev-b']) {
        await admin().remove(calls.ref(client), signal());
        await waitForGone(user(), calls.ref(client) as ObjectRef);
      }
      // The shadow's pods and the accounts' token Secrets go after their owners, through the cluster's controllers.
      await waitForObjects(
        user(),
        { apiVersion: 'v1', kind: 'Pod', namespace: shop.name },
        (pods) => (pods.every((pod) => pod.metadata.labels?.['app'] === 'web') ? true : undefined),
        { what: 'only the original pods in the shop' },
      );
      expect(await listBoth()).toEqual(before);

      console.log(
        `[gefyra2-bridges] ${installation.title}: mount create → ACTIVE ${mountActiveMs.toFixed(0)} ms, ` +
          `bridge create → Ready ${bridgeReadyMs.toFixed(0)} ms, bridge delete → gone ${bridgeGoneMs.toFixed(0)} ms, ` +
          `mount delete → gone ${mountGoneMs.toFixed(0)} ms`,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${operator.describe()}`, { cause: error });
    }
    expect(await operator.stop()).toMatchObject({ code: 0 });
    expect(operator.logs.filter((line) => /forbidden/i.test(JSON.stringify(line)))).toEqual([]);
    // The bridges' proxy Services are theirs: changing or removing one is no drift of the installation.
    expect(
      operator.logs.filter((line) => line.msg.startsWith('installation changed') && line['kind'] === 'Service'),
    ).toEqual([]);
    expect(operator.stderr).not.toMatch(/forbidden/i);
  }, 300_000);
});
