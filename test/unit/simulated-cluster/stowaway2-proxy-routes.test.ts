import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../support/simulated-cluster/index.js';
import { Stowaway2Simulator } from '../../support/simulated-cluster/simulators/stowaway2-simulator.js';

const signal = () => AbortSignal.timeout(5000);
const NS = 'gefyra';
const POD = 'gefyra-stowaway-0';
const target = { namespace: NS, name: POD, container: 'stowaway' };
const ROUTES = { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'gefyra-stowaway-proxyroutes' } as const;

async function setUp(routes: Record<string, string> = {}) {
  const cluster = new SimulatedCluster({ namespaces: [NS] });
  const simulator = new Stowaway2Simulator({
    readConfigMap: (namespace, name) => cluster.readConfigMap(namespace, name),
  });
  cluster.onExec(simulator.handle);
  simulator.observe(cluster);
  await cluster.create(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROUTES.name, namespace: NS }, data: routes },
    signal(),
  );
  cluster.addPod({
    metadata: { name: POD, namespace: NS, labels: { 'gefyra.dev/app': 'stowaway' } },
    spec: { containers: [{ name: 'stowaway', image: 'stowaway:2.5.4' }] },
  });
  await simulator.settled();
  const setRoutes = (data: Record<string, string | null>) => cluster.patch(ROUTES, { data }, signal());
  const notify = async (value: string) => {
    await cluster.patchPod({ namespace: NS, name: POD }, { annotations: { operator: value } }, signal());
    await simulator.settled();
  };
  const served = () => Object.fromEntries(simulator.servedRoutes(NS, POD));
  const run = (...command: string[]) => cluster.exec(target, command, signal());
  return { cluster, simulator, setRoutes, notify, served, run };
}

describe("Stowaway2Simulator's routes (svc-proxyroutes, generate-proxyroutes.sh, nginx)", () => {
  it('serves the table the container started with', async () => {
    const { served } = await setUp({ 'dev-1-abcdefghij': '172.18.0.3:8080,10000' });
    expect(served()).toEqual({ 10000: '172.18.0.3:8080' });
  });

  it('serves a changed table only after a change of the pod makes the kubelet refresh the volume', async () => {
    const { setRoutes, notify, served, simulator } = await setUp();
    await setRoutes({ 'dev-1-abcdefghij': '172.18.0.3:8080,10000' });
    await simulator.settled();
    expect(served()).toEqual({});
    expect(simulator.mountedRoutes(NS, POD)).toEqual({});

    await notify('update-notification-2026-12-07T16:00:00.000000Z');
    expect(served()).toEqual({ 10000: '172.18.0.3:8080' });

    // The same annotation again is no update: the kubelet does not sync, the mount stays as it was.
    await setRoutes({ 'dev-2-abcdefghij': '172.19.0.3:8000,10001' });
    await notify('update-notification-2026-12-07T16:00:00.000000Z');
    expect(served()).toEqual({ 10000: '172.18.0.3:8080' });
    await notify('update-notification-2026-12-07T16:00:01.000000Z');
    expect(served()).toEqual({ 10000: '172.18.0.3:8080', 10001: '172.19.0.3:8000' });
  });

  it('keeps the old configuration, silently, when two routes listen on one port', async () => {
    const { setRoutes, notify, served, simulator } = await setUp({ 'dev-1-abcdefghij': '172.18.0.3:8080,10000' });
    await setRoutes({ 'dev-2-abcdefghij': '172.19.0.3:8000,10000' });
    await notify('update-notification-1');
    expect(served()).toEqual({ 10000: '172.18.0.3:8080' });
    expect(simulator.routesLog(NS, POD).join('\n')).toMatch(
      /\[emerg\] duplicate "0\.0\.0\.0:10000" address and port pair/,
    );
    expect(simulator.routeReloads(NS, POD)).toBe(1);
  });

  it('keeps the old configuration when a route takes the port of the health server (the bind fails in the master)', async () => {
    const { setRoutes, notify, served, simulator, run } = await setUp({ 'dev-1-abcdefghij': '172.18.0.3:8080,10000' });
    await setRoutes({ 'dev-2-abcdefghij': '172.19.0.3:8000,51822' });
    await notify('update-notification-1');
    expect(served()).toEqual({ 10000: '172.18.0.3:8080' });
    expect(simulator.routesLog(NS, POD).at(-1)).toMatch(/bind\(\) to 0\.0\.0\.0:51822 failed/);
    // Exec'd, the script exits 0 all the same: only the signaller ran.
    expect((await run('/bin/bash', 'generate-proxyroutes.sh', '/stowaway/proxyroutes/')).exitCode).toBe(0);
  });

  it("runs the script from the directory as mounted when exec'd, and fails with nginx's message on a bad value", async () => {
    const { setRoutes, served, run, simulator, notify } = await setUp({ 'dev-1-abcdefghij': '172.18.0.3:8080,10000' });
    await setRoutes({ 'dev-1-abcdefghij': null, 'dev-1-bbbbbbbbbb': '172.18.0.4:8080,10001' });
    const stale = await run('/bin/bash', 'generate-proxyroutes.sh', '/stowaway/proxyroutes/');
    expect(stale.exitCode).toBe(0);
    expect(served()).toEqual({ 10000: '172.18.0.3:8080' });
    expect((await run('ls', '-1', '/stowaway/proxyroutes/')).stdout).toBe('dev-1-abcdefghij\n');

    await setRoutes({ 'dev-1-cccccccccc': '172.18.0.5:8080' });
    await notify('update-notification-1');
    expect(served()).toEqual({ 10000: '172.18.0.3:8080' });
    const refused = await run('/bin/bash', 'generate-proxyroutes.sh', '/stowaway/proxyroutes/');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('nginx: [emerg]');
    expect((await run('cat', '/etc/nginx/nginx.conf')).stdout).toContain('listen 172.18.0.5:8080;');
    expect(simulator.routeReloads(NS, POD)).toBe(2);
  });

  it('serves no route at all when the script is given a directory that does not exist', async () => {
    const { served, run } = await setUp({ 'dev-1-abcdefghij': '172.18.0.3:8080,10000' });
    const result = await run('/bin/bash', 'generate-proxyroutes.sh', '/stowaway/routes/');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/cannot access/);
    expect(served()).toEqual({});
  });

  it('reads the table as it is when the container restarts', async () => {
    const { cluster, setRoutes, served, simulator } = await setUp();
    await setRoutes({ 'dev-1-abcdefghij': '172.18.0.3:8080,10000' });
    cluster.restartContainer(target);
    await cluster.findPod({ namespace: NS, name: POD }, signal());
    await simulator.settled();
    expect(served()).toEqual({ 10000: '172.18.0.3:8080' });
  });
});
