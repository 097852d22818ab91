import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../../../src/ports/cluster-api.port.js';
import { applyRouteChange } from '../../../../../src/domain/routes/route-allocation.js';
import { STOWAWAY2, STOWAWAY2_PROXY_PORTS } from '../../../../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import { ROUTE_OWNERS_ANNOTATION } from '../../../../../src/plugins/gefyra2/tunnel/stowaway2-route-entries.js';
import { Stowaway2Routes } from '../../../../../src/plugins/gefyra2/tunnel/stowaway2-routes.js';
import { gefyra2, NAMESPACE, signal } from '../../../../support/gefyra2-fixture.js';

const ROUTES_CM = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: NAMESPACE,
  name: STOWAWAY2.routesConfigMap,
} as const;
const service = (port: number) => ({
  apiVersion: 'v1',
  kind: 'Service',
  namespace: NAMESPACE,
  name: `gefyra-stowaway-proxy-${port}`,
});
const alice = { bridge: 'web-alice', client: 'alice' };
const bob = { bridge: 'web-bob', client: 'bob' };
// What a 2.5 client sends: its container's address in its Docker network, the local port of `-p 8080:80` is 8080.
const web = (ip = '172.18.0.3', localPort = 8080) => [{ containerPort: 80, destination: `${ip}:${localPort}` }];

async function setUp() {
  const fixture = await gefyra2();
  const routes = new Stowaway2Routes(fixture.cluster, fixture.clock, NAMESPACE);
  const table = (): Manifest => {
    const found = fixture.cluster.peek(ROUTES_CM);
    if (!found) throw new Error(`no ConfigMap ${ROUTES_CM.name}`);
    return found;
  };
  const data = () => (table()['data'] ?? {}) as Record<string, string>;
  const owners = () => JSON.parse(table().metadata.annotations?.[ROUTE_OWNERS_ANNOTATION] ?? '{}') as unknown;
  const served = async () => {
    await fixture.simulator.settled();
    return Object.fromEntries(fixture.simulator.servedRoutes(NAMESPACE, STOWAWAY2.pod));
  };
  const proxyServices = () =>
    fixture.cluster
      .objects({ apiVersion: 'v1', kind: 'Service' })
      .filter((object) => object.metadata.name.startsWith('gefyra-stowaway-proxy-'))
      .map((object) => object.metadata.name)
      .sort();
  return { ...fixture, routes, table, data, owners, served, proxyServices };
}

describe('Stowaway2Routes (contract §4 "Route")', () => {
  it('writes the entry, its owner and the proxy Service as the contract says, and Stowaway serves it', async () => {
    const { routes, data, owners, cluster, served } = await setUp();
    const recorded = await routes.route(alice, web(), signal());
    expect(recorded).toEqual([
      { containerPort: 80, destination: '172.18.0.3:8080', proxyPort: 10000, serviceReady: true },
    ]);

    const [key, value] = Object.entries(data())[0] ?? [];
    expect(key).toMatch(/^alice-[a-z]{10}$/);
    expect(value).toBe('172.18.0.3:8080,10000');
    expect(owners()).toEqual({ [key as string]: { bridge: 'web-alice', client: 'alice', containerPort: 80 } });

    const proxy = cluster.peek(service(10000));
    expect(proxy?.metadata.labels).toMatchObject({
      'gefyra.dev/app': 'stowaway',
      'gefyra.dev/role': 'proxy',
      'gefyra.dev/proxy-port': '10000',
      'gefyra.dev/client-id': 'alice',
      'gefyra.dev/destination': '172.18.0.3_8080',
    });
    expect(proxy?.['spec']).toMatchObject({
      type: 'ClusterIP',
      selector: STOWAWAY2.labels,
      ports: [{ name: '10000', port: 10000, targetPort: 10000, protocol: 'TCP' }],
    });
    expect(cluster.peekPod({ namespace: NAMESPACE, name: STOWAWAY2.pod })?.annotations['operator']).toMatch(
      /^update-notification-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/,
    );
    expect(await served()).toEqual({ 10000: '172.18.0.3:8080' });
    expect(routes.proxyHost(10000)).toBe('gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local');
  });

  it('serves every change although the clock stands still (each notification changes the pod)', async () => {
    const { routes, served } = await setUp();
    await routes.route(alice, web(), signal());
    await routes.route(bob, web('172.19.0.3'), signal());
    expect(await served()).toEqual({ 10000: '172.18.0.3:8080', 10001: '172.19.0.3:8080' });
    await routes.unroute(alice, signal());
    expect(await served()).toEqual({ 10001: '172.19.0.3:8080' });
  });

  it('gives each new route the lowest free port, skipping ports of entries and Services it did not write', async () => {
    const { routes, cluster, data } = await setUp();
    // The original operator's entry (a random key, no owner record) and a proxy Service of another owner.
    await cluster.patch(ROUTES_CM, { data: { 'carol-qwertyuiop': '172.20.0.3:8000,10001' } }, signal());
    await cluster.apply(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'gefyra-stowaway-proxy-10002',
          namespace: NAMESPACE,
          labels: { 'gefyra.dev/app': 'stowaway', 'gefyra.dev/role': 'proxy', 'gefyra.dev/proxy-port': '10002' },
          annotations: { 'gefyra.dev/route-owner': 'dave/web-dave' },
        },
        spec: { ports: [{ port: 10002, protocol: 'TCP' }] },
      },
      signal(),
    );
    expect((await routes.route(alice, web(), signal()))[0]?.proxyPort).toBe(10000);
    const two = await routes.route(
      bob,
      [
        { containerPort: 80, destination: '172.19.0.3:8080' },
        { containerPort: 443, destination: '172.19.0.3:8443' },
      ],
      signal(),
    );
    expect(two.map((route) => route.proxyPort)).toEqual([10003, 10004]);
    expect(data()['carol-qwertyuiop']).toBe('172.20.0.3:8000,10001');

    await routes.unroute(alice, signal());
    expect(
      (await routes.route({ bridge: 'web-erin', client: 'erin' }, web('172.21.0.3'), signal()))[0]?.proxyPort,
    ).toBe(10000);
  });

  it('keeps what else the ConfigMap holds, and treats an entry edited by hand as no longer its own', async () => {
    const { routes, cluster, data, table } = await setUp();
    await cluster.patch(
      ROUTES_CM,
      { metadata: { labels: { 'gefyra.dev/role': 'proxyroute' }, annotations: { note: 'kept' } } },
      signal(),
    );
    await routes.route(alice, web(), signal());
    expect(table().metadata.labels?.['gefyra.dev/role']).toBe('proxyroute');
    expect(table().metadata.annotations?.['note']).toBe('kept');

    const [key] = Object.keys(data());
    await cluster.patch(ROUTES_CM, { data: { [key as string]: '172.18.0.66:9999,10000' } }, signal());
    expect(await routes.routesOf(alice, signal())).toEqual([]);
    const [again] = await routes.route(alice, web(), signal());
    expect(again?.proxyPort).toBe(10001);
    expect(data()[key as string]).toBe('172.18.0.66:9999,10000');
  });

  it('reads an owners annotation it cannot parse as no owners, and writes a whole one again', async () => {
    const { routes, cluster, owners } = await setUp();
    await routes.route(alice, web(), signal());
    await cluster.patch(ROUTES_CM, { metadata: { annotations: { [ROUTE_OWNERS_ANNOTATION]: '{not json' } } }, signal());
    expect(await routes.routesOf(alice, signal())).toEqual([]);
    await routes.route(bob, web('172.19.0.3'), signal());
    expect(Object.values(owners() as Record<string, { bridge: string }>).map((owner) => owner.bridge)).toEqual([
      'web-bob',
    ]);
  });

  it('is idempotent: routing again changes neither the table nor what Stowaway serves', async () => {
    const { routes, table, served, proxyServices } = await setUp();
    await routes.route(alice, web(), signal());
    const version = table().metadata.resourceVersion;
    expect(await routes.route(alice, web(), signal())).toEqual(await routes.routesOf(alice, signal()));
    expect(table().metadata.resourceVersion).toBe(version);
    expect(proxyServices()).toEqual(['gefyra-stowaway-proxy-10000']);
    expect(await served()).toEqual({ 10000: '172.18.0.3:8080' });
  });

  it('re-routes a new destination (gefyra run) on the same proxy port', async () => {
    const { routes, data, cluster, served } = await setUp();
    await routes.route(alice, web(), signal());
    const [before] = Object.keys(data());
    const recorded = await routes.route(alice, web('172.18.0.7'), signal());
    expect(recorded).toEqual([
      { containerPort: 80, destination: '172.18.0.7:8080', proxyPort: 10000, serviceReady: true },
    ]);
    expect(Object.values(data())).toEqual(['172.18.0.7:8080,10000']);
    expect(Object.keys(data())).not.toContain(before);
    expect(cluster.peek(service(10000))?.metadata.labels?.['gefyra.dev/destination']).toBe('172.18.0.7_8080');
    expect(await served()).toEqual({ 10000: '172.18.0.7:8080' });
  });

  it('removes a container port it no longer routes, with its Service', async () => {
    const { routes, proxyServices, served } = await setUp();
    await routes.route(
      alice,
      [
        { containerPort: 80, destination: '172.18.0.3:8080' },
        { containerPort: 443, destination: '172.18.0.3:8443' },
      ],
      signal(),
    );
    await routes.route(alice, web(), signal());
    expect(proxyServices()).toEqual(['gefyra-stowaway-proxy-10000']);
    expect(await served()).toEqual({ 10000: '172.18.0.3:8080' });
  });

  it('unroute removes the entry, its owner and its Service, and leaves other bridges alone; again is fine', async () => {
    const { routes, data, owners, proxyServices, served } = await setUp();
    await routes.route(alice, web(), signal());
    await routes.route(bob, web('172.19.0.3'), signal());
    await routes.unroute(alice, signal());
    expect(Object.values(data())).toEqual(['172.19.0.3:8080,10001']);
    expect(Object.values(owners() as Record<string, { bridge: string }>).map((owner) => owner.bridge)).toEqual([
      'web-bob',
    ]);
    expect(proxyServices()).toEqual(['gefyra-stowaway-proxy-10001']);
    expect(await routes.routesOf(alice, signal())).toEqual([]);
    await routes.unroute(alice, signal());
    expect(await served()).toEqual({ 10001: '172.19.0.3:8080' });
  });

  it('lists the owners of its entries and of proxy Services left without one, from the cluster; not foreign entries', async () => {
    const { routes, cluster, clock, data } = await setUp();
    await routes.route(alice, web(), signal());
    await routes.route(bob, web('172.19.0.3'), signal());
    await cluster.patch(ROUTES_CM, { data: { 'other-abcdefghij': '172.20.0.2:8080,10009' } }, signal());
    const restarted = new Stowaway2Routes(cluster, clock, NAMESPACE);
    expect(await restarted.owners(signal())).toEqual([alice, bob]);
    // A crash between saving the table without bob and removing his Service: the Service still names him.
    const withoutBob = Object.fromEntries(Object.entries(data()).filter(([, value]) => !value.endsWith(',10001')));
    await cluster.patch(
      ROUTES_CM,
      { data: { ...Object.fromEntries(Object.keys(data()).map((key) => [key, null])), ...withoutBob } },
      signal(),
    );
    expect(await restarted.owners(signal())).toEqual([alice, bob]);
    await restarted.unroute(bob, signal());
    await restarted.unroute(alice, signal());
    expect(await restarted.owners(signal())).toEqual([]);
  });

  it('retries a save that lost to another writer (409) on a fresh read', async () => {
    const { routes, cluster, data } = await setUp();
    cluster.conflictOnNextWrite((operation, args) => operation === 'replace' && isRoutesTable(args[0]));
    expect((await routes.route(alice, web(), signal()))[0]?.proxyPort).toBe(10000);
    expect(cluster.pendingFaults).toBe(0);
    expect(Object.values(data())).toEqual(['172.18.0.3:8080,10000']);
  });

  it('two operators routing at once never share a port or lose an entry', async () => {
    const { routes, cluster, clock, data, served } = await setUp();
    const other = new Stowaway2Routes(cluster, clock, NAMESPACE);
    const bridges = Array.from({ length: 6 }, (_, index) => ({ bridge: `web-${index}`, client: `dev${index}` }));
    const results = await Promise.all(
      bridges.map((owner, index) =>
        (index % 2 === 0 ? routes : other).route(owner, web(`172.18.0.${index + 2}`), signal()),
      ),
    );
    const ports = results.map((result) => result[0]?.proxyPort);
    expect(new Set(ports).size).toBe(6);
    expect(Object.keys(data())).toHaveLength(6);
    expect(Object.keys(await served())).toHaveLength(6);
  });

  it('recovers every owner from the cluster after a restart', async () => {
    const { routes, cluster, clock, proxyServices, served } = await setUp();
    await routes.route(alice, web(), signal());
    await routes.route(bob, web('172.19.0.3'), signal());
    const restarted = new Stowaway2Routes(cluster, clock, NAMESPACE);
    expect(await restarted.routesOf(alice, signal())).toEqual([
      { containerPort: 80, destination: '172.18.0.3:8080', proxyPort: 10000, serviceReady: true },
    ]);
    expect((await restarted.route(bob, web('172.19.0.9'), signal()))[0]?.proxyPort).toBe(10001);
    await restarted.unroute(alice, signal());
    expect(proxyServices()).toEqual(['gefyra-stowaway-proxy-10001']);
    expect(await served()).toEqual({ 10001: '172.19.0.9:8080' });
  });

  it('reports a Service removed by hand as not ready, and routing makes it again', async () => {
    const { routes, cluster } = await setUp();
    await routes.route(alice, web(), signal());
    await cluster.remove(service(10000), signal());
    expect((await routes.routesOf(alice, signal()))[0]?.serviceReady).toBe(false);
    await routes.route(alice, web(), signal());
    expect((await routes.routesOf(alice, signal()))[0]?.serviceReady).toBe(true);
  });

  it('writes the table when Stowaway is not running, and a starting Stowaway serves it', async () => {
    const { routes, cluster, served } = await setUp();
    cluster.setPodPhase({ namespace: NAMESPACE, name: STOWAWAY2.pod }, 'Failed');
    await routes.route(alice, web(), signal());
    cluster.setPodPhase({ namespace: NAMESPACE, name: STOWAWAY2.pod }, 'Running');
    await cluster.findPod({ namespace: NAMESPACE, name: STOWAWAY2.pod }, signal());
    expect(await served()).toEqual({ 10000: '172.18.0.3:8080' });
  });
});

describe('STOWAWAY2_PROXY_PORTS', () => {
  it("never hands out the port of the image's health server, which nginx could not bind", () => {
    const taken = new Map(Array.from({ length: 51822 - 10000 }, (_, index) => [10000 + index, 'others/web']));
    const [route] = applyRouteChange(
      [],
      {
        kind: 'reserve',
        owner: 'alice/web-alice',
        wanted: [{ containerPort: 80, destination: { ip: '172.18.0.3', port: 8080 } }],
      },
      STOWAWAY2_PROXY_PORTS,
      taken,
    );
    expect(route?.proxyPort).toBe(51823);
  });
});

function isRoutesTable(manifest: unknown): boolean {
  const object = manifest as Manifest;
  return object.kind === 'ConfigMap' && object.metadata.name === STOWAWAY2.routesConfigMap;
}
