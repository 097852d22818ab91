import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import { systemClock } from '../../../src/adapters/system/system-clock.js';
import type { Route } from '../../../src/domain/routes/route.js';
import type { ReadOptions } from '../../../src/ports/cluster-api.port.js';
import type { RouteStore, RouteTable } from '../../../src/ports/route-store.port.js';
import { STOWAWAY2 } from '../../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import {
  bridgeOwnerOf,
  ROUTE_OWNERS_ANNOTATION,
  routeOwnerId,
} from '../../../src/plugins/gefyra2/tunnel/stowaway2-route-entries.js';
import { Stowaway2RouteStore } from '../../../src/plugins/gefyra2/tunnel/stowaway2-route-store.js';
import { Stowaway2Routes } from '../../../src/plugins/gefyra2/tunnel/stowaway2-routes.js';
import { describeRouteStoreContract } from '../../contracts/route-store.contract.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../../support/control-plane/vitest.js';
import { Stowaway2Simulator } from '../../support/simulated-cluster/simulators/stowaway2-simulator.js';
import { never } from './fixtures.js';

// Stowaway 2.x's routes on the real API server: the route table's optimistic
// concurrency (the shared RouteStore contract), and Stowaway2Routes writing
// what kube-apiserver must accept (the proxy Service with its numeric port
// name, the ConfigMap replaced at a version, the pod's annotation), with the
// simulated node answering as the 2.5 image and refreshing its mounted table
// when the pod changes.
const node = useSimulatedNode();
const cluster = useControlPlane();
const namespace = useTestNamespace('routes2');
const api = () => new KubernetesClusterApi(cluster.adminKubeConfig());
const ROUTES_CM = () => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: namespace.name,
  name: STOWAWAY2.routesConfigMap,
});

/** The contract's owners are bridge names; the table keys routes by their client too: all of one client here. */
class OneClientRouteStore implements RouteStore {
  readonly maxOwnerLength = 253;
  readonly #store: Stowaway2RouteStore;

  constructor(store: Stowaway2RouteStore) {
    this.#store = store;
  }

  async load(signal: AbortSignal, options?: ReadOptions): Promise<RouteTable> {
    const table = await this.#store.load(signal, options);
    return { ...table, routes: table.routes.map((route) => ({ ...route, owner: bridgeOwnerOf(route.owner).bridge })) };
  }

  async save(routes: readonly Route[], basedOn: string | undefined, signal: AbortSignal): Promise<RouteTable> {
    const own = (route: Route) => ({ ...route, owner: routeOwnerId({ client: 'dev', bridge: route.owner }) });
    const saved = await this.#store.save(routes.map(own), basedOn, signal);
    return { version: saved.version, routes: [...routes] };
  }
}

describeRouteStoreContract('Stowaway2RouteStore on kube-apiserver', async () => ({
  store: new OneClientRouteStore(new Stowaway2RouteStore(api(), namespace.name)),
  teardown: async () => await api().remove(ROUTES_CM(), never),
}));

describe('Stowaway2Routes on kube-apiserver', () => {
  const simulator = new Stowaway2Simulator({ readConfigMap: (ns, name) => node.readConfigMap(ns, name) });
  const stowaway = () => ({ namespace: namespace.name, name: STOWAWAY2.pod });
  let undo: (() => void)[] = [];

  beforeAll(async () => {
    undo = [node.onExec(simulator.handle), node.onPodChange((pod) => simulator.podObserved(pod))];
    await api().create(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: STOWAWAY2.routesConfigMap, namespace: namespace.name } },
      never,
    );
    await api().create(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...stowaway(), labels: { ...STOWAWAY2.labels } },
        spec: { containers: [{ name: STOWAWAY2.container, image: 'ghcr.io/gefyrahq/stowaway:2.5.4' }] },
      },
      never,
    );
    await node.whenPod(
      `${namespace.name}/${STOWAWAY2.pod}`,
      (pod) => pod.status?.containerStatuses?.[0]?.ready === true,
    );
  });

  afterAll(() => {
    for (const remove of undo) remove();
  });

  /** What Stowaway's nginx serves once the node has synced the pod's last change. */
  const servedAfterSync = async (annotation: string): Promise<Record<number, string>> => {
    await node.whenPod(
      `${namespace.name}/${STOWAWAY2.pod}`,
      (pod) => pod.metadata?.annotations?.['operator'] === annotation,
    );
    await simulator.settled();
    return Object.fromEntries(simulator.servedRoutes(namespace.name, STOWAWAY2.pod));
  };
  const notification = async () => (await api().findPod(stowaway(), never))?.annotations['operator'] ?? '';

  it('routes, re-routes and unroutes bridges as kube-apiserver accepts them, and Stowaway serves each change', async () => {
    const routes = new Stowaway2Routes(api(), systemClock, namespace.name);
    const alice = { bridge: 'web-alice', client: 'alice' };
    const bob = { bridge: 'web-bob', client: 'bob' };
    const [first] = await routes.route(alice, [{ containerPort: 80, destination: '172.18.0.3:8080' }], never);
    const [second] = await routes.route(bob, [{ containerPort: 80, destination: '172.19.0.3:8080' }], never);
    expect([first?.proxyPort, second?.proxyPort]).toEqual([10000, 10001]);
    expect(await servedAfterSync(await notification())).toEqual({ 10000: '172.18.0.3:8080', 10001: '172.19.0.3:8080' });

    const service = await api().find(
      { apiVersion: 'v1', kind: 'Service', namespace: namespace.name, name: 'gefyra-stowaway-proxy-10000' },
      never,
    );
    expect(service?.['spec']).toMatchObject({
      type: 'ClusterIP',
      ports: [{ name: '10000', port: 10000, targetPort: 10000, protocol: 'TCP' }],
    });
    expect(service?.metadata.labels?.['gefyra.dev/destination']).toBe('172.18.0.3_8080');

    // An operator restarted in between finds the owners in the ConfigMap.
    const restarted = new Stowaway2Routes(api(), systemClock, namespace.name);
    expect(await restarted.owners(never)).toEqual([alice, bob]);
    await restarted.route(alice, [{ containerPort: 80, destination: '172.18.0.9:8080' }], never);
    expect(await servedAfterSync(await notification())).toEqual({ 10000: '172.18.0.9:8080', 10001: '172.19.0.3:8080' });
    await restarted.unroute(bob, never);
    expect(await servedAfterSync(await notification())).toEqual({ 10000: '172.18.0.9:8080' });
    expect(await restarted.owners(never)).toEqual([alice]);

    const table = await api().find(ROUTES_CM(), never);
    expect(Object.values((table?.['data'] ?? {}) as Record<string, string>)).toEqual(['172.18.0.9:8080,10000']);
    expect(JSON.parse(table?.metadata.annotations?.[ROUTE_OWNERS_ANNOTATION] ?? '{}')).toEqual({
      [Object.keys((table?.['data'] ?? {}) as Record<string, string>)[0] ?? '']: {
        bridge: 'web-alice',
        client: 'alice',
        containerPort: 80,
      },
    });
    const proxies = await api().list(
      { apiVersion: 'v1', kind: 'Service' },
      namespace.name,
      { 'gefyra.dev/role': 'proxy' },
      never,
    );
    expect(proxies.map((proxy) => proxy.metadata.name)).toEqual(['gefyra-stowaway-proxy-10000']);
  });

  it('two operators routing at once on the real API server never share a port nor lose a route', async () => {
    const a = new Stowaway2Routes(api(), systemClock, namespace.name);
    const b = new Stowaway2Routes(api(), systemClock, namespace.name);
    const owners = Array.from({ length: 6 }, (_, index) => ({ bridge: `race-${index}`, client: `racer${index}` }));
    const results = await Promise.all(
      owners.map((owner, index) =>
        (index % 2 === 0 ? a : b).route(owner, [{ containerPort: 80, destination: `172.18.1.${index + 2}:80` }], never),
      ),
    );
    const ports = results.map((result) => result[0]?.proxyPort);
    expect(new Set(ports).size).toBe(ports.length);
    for (const owner of owners) expect(await a.routesOf(owner, never)).toHaveLength(1);
    await Promise.all(owners.map((owner) => b.unroute(owner, never)));
    for (const owner of owners) expect(await a.routesOf(owner, never)).toEqual([]);
  });
});
