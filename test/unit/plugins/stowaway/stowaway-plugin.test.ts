import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../../support/simulated-cluster/index.js';
import { StowawaySimulator } from '../../../support/simulated-cluster/simulators/stowaway-simulator.js';
import { ManualClock } from '../../../../src/adapters/system/manual-clock.js';
import { silentLogger } from '../../../../src/adapters/system/pino-logger.js';
import { DomainError, isDomainError } from '../../../../src/domain/errors.js';
import type { Route } from '../../../../src/domain/routes/route.js';
import { latestOf, StowawayHeartbeat } from '../../../../src/plugins/stowaway/stowaway-heartbeat.js';
import { StowawayRouteStore } from '../../../../src/plugins/stowaway/stowaway-route-store.js';
import { StowawayRouter } from '../../../../src/plugins/stowaway/stowaway-router.js';
import { stowawaySettingsOf } from '../../../../src/plugins/stowaway/stowaway-settings.js';
import { pluginContext } from '../../../support/plugin-context.js';
import { replicaFailure, StowawayTunnelProvider } from '../../../../src/plugins/stowaway/stowaway-tunnel-provider.js';
import type { Logger } from '../../../../src/ports/logger.port.js';
import type { ExecHandler } from '../../../../src/adapters/in-memory/exec-handler.js';

const signal = new AbortController().signal;
const settings = stowawaySettingsOf(pluginContext());
const route = (owner: string, proxyPort: number): Route => ({
  owner,
  containerPort: 8080,
  destination: { ip: '172.18.0.3', port: 8000 },
  proxyPort,
});

function setup() {
  const clock = new ManualClock();
  const cluster = new SimulatedCluster({ clock, namespaces: ['default', 'gefyra'] });
  const stowaway = new StowawaySimulator({
    readConfigMap: (namespace, name) => cluster.readConfigMap(namespace, name),
  });
  // Handlers answer in order: a test's override comes before the simulator.
  let override: ExecHandler | undefined;
  cluster.onExec((call) => override?.(call));
  cluster.onExec(stowaway.handle);
  const warnings: object[] = [];
  const logger: Logger = { ...silentLogger, warn: (fields) => void warnings.push(fields), child: () => logger };
  return {
    cluster,
    clock,
    stowaway,
    warnings,
    provider: new StowawayTunnelProvider(cluster, clock, settings),
    router: new StowawayRouter(cluster, clock, settings),
    store: new StowawayRouteStore(cluster, settings, logger),
    heartbeat: new StowawayHeartbeat(cluster, settings),
    overrideExec: (handler: ExecHandler | undefined) => {
      override = handler;
    },
  };
}

describe('StowawayRouteStore', () => {
  it('saves with optimistic concurrency: the second writer from the same version loses', async () => {
    const { store } = setup();
    const empty = await store.load(signal);
    const first = await store.save([route('a', 10000)], empty.version, signal);
    await expect(store.save([route('b', 10000)], empty.version, signal)).rejects.toSatisfy((error) =>
      isDomainError(error, 'Conflict'),
    );
    await store.save([route('a', 10000), route('b', 10001)], first.version, signal);
    expect((await store.load(signal)).routes).toHaveLength(2);
  });

  it('turns a lost race to create the table into a Conflict', async () => {
    const { store, provider } = setup();
    const before = await store.load(signal);
    await provider.ensureInstalled(signal);
    await expect(store.save([route('a', 10000)], before.version, signal)).rejects.toSatisfy((error) =>
      isDomainError(error, 'Conflict'),
    );
  });

  it('ignores, with a warning, entries it did not write', async () => {
    const { store, cluster, warnings } = setup();
    await cluster.create(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'gefyra-stowaway-proxyroutes', namespace: 'gefyra' },
        data: { 'hand-made': '10.0.0.1:80,10005' },
      },
      signal,
    );
    expect((await store.load(signal)).routes).toEqual([]);
    expect(warnings).toEqual([{ key: 'hand-made' }]);
  });
});

describe('StowawayTunnelProvider', () => {
  it('reports no pod yet as starting since the Deployment was created', async () => {
    const { provider, cluster, clock } = setup();
    await provider.ensureInstalled(signal);
    for (const pod of await cluster.listPods('gefyra', { app: 'stowaway' }, signal)) {
      await cluster.patch(
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'gefyra', name: 'gefyra-stowaway' },
        { spec: { replicas: 0 } },
        signal,
      );
      await cluster.remove({ apiVersion: 'v1', kind: 'Pod', namespace: 'gefyra', name: pod.name }, signal);
    }
    expect(await provider.observeReadiness(signal)).toEqual({
      state: 'starting',
      since: clock.now(),
      detail: 'no Stowaway pod yet',
    });
  });

  it("reads a Deployment's ReplicaFailure condition (a pod security admission refusing the privileged pod)", () => {
    const deployment = (conditions: unknown[]) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      status: { conditions },
    });
    expect(
      replicaFailure(
        deployment([
          { type: 'ReplicaFailure', status: 'True', message: 'pods "x" is forbidden: violates PodSecurity' },
        ]),
      ),
    ).toBe('pods "x" is forbidden: violates PodSecurity');
    expect(
      replicaFailure(
        deployment([
          { type: 'ReplicaFailure', status: 'False' },
          { type: 'Available', status: 'True' },
        ]),
      ),
    ).toBeUndefined();
  });

  it('has no connection details before Stowaway runs', async () => {
    const { provider } = setup();
    await expect(provider.readConnectionDetails(signal)).rejects.toSatisfy((error) => isDomainError(error, 'NotReady'));
  });

  it('uninstalls everything, including proxy Services, and tolerates doing it twice', async () => {
    const { provider, router, store, cluster } = setup();
    await provider.ensureInstalled(signal);
    const table = await store.load(signal);
    await store.save([route('a', 10000)], table.version, signal);
    await router.loadRoutes({ present: [route('a', 10000)], absent: [] }, signal);

    await provider.uninstall(signal);
    await provider.uninstall(signal);

    expect(
      cluster
        .objects({ apiVersion: 'v1', kind: 'Service' })
        .filter((service) => service.metadata.namespace === 'gefyra'),
    ).toEqual([]);
    expect(cluster.objects({ apiVersion: 'apps/v1', kind: 'Deployment' })).toEqual([]);
  });
});

describe('StowawayRouter', () => {
  it('cannot load routes while Stowaway does not run', async () => {
    const { router } = setup();
    expect(await router.currentRevision(signal)).toBeUndefined();
    await expect(router.loadRoutes({ present: [], absent: [] }, signal)).rejects.toSatisfy((error) =>
      isDomainError(error, 'NotReady'),
    );
    await router.removeSync({ namespace: 'shop', name: 'web', container: 'web' }, signal);
  });

  it('waits while a released route still shows in the mounted table', async () => {
    const { router, provider, store, stowaway } = setup();
    await provider.ensureInstalled(signal);
    const saved = await store.save([route('a', 10000)], (await store.load(signal)).version, signal);
    await stowaway.freezeMount('gefyra');
    await store.save([], saved.version, signal);

    expect(await router.loadRoutes({ present: [], absent: [route('a', 10000)] }, signal)).toMatchObject({
      state: 'pending',
      reason: expect.stringMatching(/0 routes missing, 1 stale/),
    });
  });

  it('reports a failing route generation with its output', async () => {
    const { router, provider, overrideExec } = setup();
    await provider.ensureInstalled(signal);
    overrideExec((call) =>
      call.command[1] === 'generate-proxyroutes.sh'
        ? { exitCode: 1, stdout: '', stderr: 'nginx: [emerg] bind() failed' }
        : undefined,
    );
    await expect(router.loadRoutes({ present: [], absent: [] }, signal)).rejects.toMatchObject({
      kind: 'ExecFailed',
      message: expect.stringMatching(/nginx: \[emerg\] bind\(\) failed/),
    });
  });

  it('settles a sync directory command of unknown outcome by looking at the directory', async () => {
    const { router, provider, stowaway, cluster } = setup();
    await provider.ensureInstalled(signal);
    const target = { namespace: 'shop', name: 'web-1', container: 'web' };
    cluster.failExecAfterRunning(
      (call) => call.command[0] === 'mkdir',
      new DomainError('Unavailable', 'connection reset by peer'),
    );
    await router.prepareSync(target, signal);
    expect(stowaway.syncDirs).toEqual(new Set(['web-1/web']));

    // An rm that never reached Stowaway: the directory is still there, so the error stands.
    cluster.failNext(
      'exec',
      new DomainError('Unavailable', 'connection refused'),
      ([, command]) => (command as string[])[0] === 'rm',
    );
    await expect(router.removeSync(target, signal)).rejects.toMatchObject({ kind: 'Unavailable' });
    cluster.failExecAfterRunning((call) => call.command[0] === 'rm', { exitCode: 1, stderr: 'error: stream closed\n' });
    await router.removeSync(target, signal);
    expect(stowaway.syncDirs).toEqual(new Set());
  });
});

describe('StowawayHeartbeat', () => {
  it('reads the newest handshake of all peers', () => {
    expect(latestOf('a\t0\nb\t1767225600\nc\t100\n')).toEqual(new Date(1767225600 * 1000));
    expect(latestOf('a\t0\n')).toBeUndefined();
    expect(latestOf('')).toBeUndefined();
  });

  it('reads it from Stowaway, and fails clearly when it cannot', async () => {
    const { heartbeat, provider, stowaway, overrideExec } = setup();
    await expect(heartbeat.latestHandshake(signal)).rejects.toSatisfy((error) => isDomainError(error, 'NotReady'));
    await provider.ensureInstalled(signal);
    stowaway.setLatestHandshake(1767225600);
    expect(await heartbeat.latestHandshake(signal)).toEqual(new Date(1767225600 * 1000));
    overrideExec((call) =>
      call.command[0] === 'wg'
        ? { exitCode: 1, stdout: '', stderr: 'Unable to access interface: No such device' }
        : undefined,
    );
    await expect(heartbeat.latestHandshake(signal)).rejects.toMatchObject({
      kind: 'ExecFailed',
      message: expect.stringMatching(/No such device/),
    });
  });
});

describe('StowawayRouter batching', () => {
  it('merges route loads that arrive together into few Stowaway reloads', async () => {
    const { router, provider, store, stowaway } = setup();
    await provider.ensureInstalled(signal);
    const routes = Array.from({ length: 20 }, (_, index) => route(`r${index}`, 10000 + index));
    await store.save(routes, (await store.load(signal)).version, signal);

    const loads = await Promise.all(routes.map((one) => router.loadRoutes({ present: [one], absent: [] }, signal)));

    expect(loads.every((load) => load.state === 'loaded')).toBe(true);
    expect(stowaway.generateRuns.length).toBeLessThanOrEqual(2);
    expect(Object.keys(stowaway.servedRoutes ?? {})).toHaveLength(20);
  });

  it('shares the execs of sync directories asked for together: a burst does not queue one exec per intercept in Stowaway', async () => {
    const { router, provider, stowaway, cluster } = setup();
    await provider.ensureInstalled(signal);
    const targets = Array.from({ length: 150 }, (_, index) => ({
      namespace: 'shop',
      name: `web-${index}`,
      container: 'web',
    }));
    cluster.clearExecLog();

    await Promise.all(targets.map((target) => router.prepareSync(target, signal)));
    expect(stowaway.syncDirs).toEqual(new Set(targets.map((target) => `${target.name}/web`)));
    const prepared = cluster.execLog.filter((record) => record.container === 'stowaway');
    // The first call's two execs (mkdir, ls -d), then the rest together, 100 paths an exec.
    expect(prepared.map((record) => record.command.slice(0, 2).join(' '))).toEqual([
      'mkdir -p',
      'ls -d',
      'mkdir -p',
      'mkdir -p',
      'ls -d',
      'ls -d',
    ]);

    cluster.clearExecLog();
    await Promise.all(targets.map((target) => router.removeSync(target, signal)));
    expect(stowaway.syncDirs).toEqual(new Set());
    expect(cluster.execLog.filter((record) => record.container === 'stowaway').length).toBeLessThanOrEqual(6);
  });

  it('answers each sync directory of a shared exec by looking at it: one that did not take effect fails alone', async () => {
    const { router, provider, stowaway, overrideExec } = setup();
    await provider.ensureInstalled(signal);
    const made = { namespace: 'shop', name: 'web-1', container: 'web' };
    const notMade = { namespace: 'shop', name: 'web-2', container: 'web' };
    // mkdir that makes only the first of its directories, and says it made them all.
    overrideExec((call) =>
      call.command[0] === 'mkdir'
        ? (stowaway.handle({ ...call, command: ['mkdir', '-p', `/rsync/web-1/web`] }) ?? undefined)
        : undefined,
    );

    const outcomes = await Promise.allSettled([made, notMade].map((target) => router.prepareSync(target, signal)));

    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: undefined });
    expect(outcomes[1]).toMatchObject({
      status: 'rejected',
      reason: { kind: 'ExecFailed', message: expect.stringMatching(/\/rsync\/web-2\/web.*did not take effect/) },
    });
  });
});
