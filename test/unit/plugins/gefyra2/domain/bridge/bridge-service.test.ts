import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../../../src/domain/errors.js';
import { GEFYRA_FINALIZER } from '../../../../../../src/plugins/gefyra2/domain/lifecycle.js';
import { bridgesFixture, signal } from '../../../../../support/gefyra2-bridges-fixture.js';

const PROXY_10000 = 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local';

type Fixture = Awaited<ReturnType<typeof bridgesFixture>>;

/** An ACTIVE mount and `bridge-a` (alice's header, 172.18.0.3) created on it, not reconciled yet. */
async function mountWithBridgeA(): Promise<Fixture> {
  const g = await bridgesFixture();
  await g.activeMount();
  await g.createBridge('bridge-a', [g.headerRule('alice')]);
  return g;
}

/** The same, `bridge-a` reconciled until it waits for nothing. */
async function activeBridgeA(): Promise<Fixture> {
  const g = await mountWithBridgeA();
  await g.settleBridge('bridge-a');
  return g;
}

/** And `bridge-b` (bob's header, 172.18.0.4), created a second later, reconciled too. */
async function activeBridgesAAndB(): Promise<Fixture> {
  const g = await activeBridgeA();
  g.clock.advance(1000);
  await g.createBridge('bridge-b', [g.headerRule('bob')], { destinationIP: '172.18.0.4' });
  await g.settleBridge('bridge-b');
  return g;
}

/** The bridges carrier2 in each original pod runs with, in its order. */
const bridgesCarried = (g: Fixture): (string | undefined)[][] =>
  g.originals().map((pod) => g.carrier.runningConfiguration(pod)?.routes.map((route) => route.selective?.name) ?? []);

describe('GefyraBridge service', () => {
  it('routes to the developer, configures carrier2 in every original pod and is ACTIVE with its clusterEndpoint and a Ready Event', async () => {
    const g = await activeBridgeA();
    const bridge = g.bridge('bridge-a');
    expect(bridge?.state).toBe('ACTIVE');
    expect(bridge?.finalizers).toContain(GEFYRA_FINALIZER);
    expect(bridge?.clusterEndpoint).toEqual({ 8080: `${PROXY_10000}:10000` });
    expect(Object.keys(bridge?.stateTransitions ?? {}).sort()).toEqual([
      'ACTIVE',
      'CREATING',
      'INSTALLED',
      'INSTALLING',
    ]);
    expect(g.routes.held().get('bridge-a')).toEqual([
      { containerPort: 8080, destination: '172.18.0.3:8000', proxyPort: 10000, serviceReady: true },
    ]);
    for (const pod of g.originals()) {
      expect(g.carrier.runningConfiguration(pod)?.routes).toEqual([
        {
          containerPort: 8080,
          proxyHost: PROXY_10000,
          proxyPort: 10000,
          selective: {
            name: 'bridge-a',
            since: g.cluster.peek({
              apiVersion: 'gefyra.dev/v1',
              kind: 'gefyrabridge',
              namespace: 'gefyra',
              name: 'bridge-a',
            })?.metadata.creationTimestamp,
            rules: [[{ on: 'header', name: 'x-gefyra-user', value: 'alice', type: 'exact' }]],
          },
        },
      ]);
    }
    const events = g.events('bridge-a');
    expect(events.map((event) => event.reason)).toEqual(
      expect.arrayContaining(['GefyraBridge state changed', 'GefyraBridge connection', 'Ready']),
    );
    // The mount stays ACTIVE and sees its carriers current: nothing to push again.
    const pushes = g.carrier.configures.length;
    await g.settleMount();
    expect(g.mount()?.state).toBe('ACTIVE');
    expect(g.carrier.configures).toHaveLength(pushes);
  });

  it('reads the mount’s pods only once it is CREATING: the steps before wait for no pod or route of the mount', async () => {
    const g = await bridgesFixture();
    await g.activeMount();
    const statesWhenPodsRead: string[] = [];
    const listPods = g.cluster.listPods.bind(g.cluster);
    g.cluster.listPods = async (...args) => {
      statesWhenPodsRead.push(g.bridge('bridge-a')?.state ?? 'none');
      return listPods(...args);
    };
    await g.createBridge('bridge-a', [g.headerRule('alice')]);
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')?.state).toBe('ACTIVE');
    expect(statesWhenPodsRead.length).toBeGreaterThan(0);
    expect(new Set(statesWhenPodsRead)).toEqual(new Set(['CREATING', 'ACTIVE']));
  });

  it('waits in INSTALLING for its mount, and goes on when the mount is ACTIVE', async () => {
    const g = await bridgesFixture();
    await g.createMount();
    await g.createBridge('bridge-a', [g.headerRule('alice')]);
    expect(await g.settleBridge('bridge-a')).toEqual({ done: true });
    expect(g.bridge('bridge-a')?.state).toBe('INSTALLING');
    expect(g.events('bridge-a')).toContainEqual(expect.objectContaining({ reason: 'GefyraBridge waiting' }));
    expect(g.routes.held().size).toBe(0);
    await g.settleMount();
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')?.state).toBe('ACTIVE');
  });

  it('fails with MountNotFound for a bridge whose mount does not exist', async () => {
    const g = await bridgesFixture();
    await g.createBridge('bridge-a', [g.headerRule('alice')], {}, 'no-such-mount');
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')?.failure?.reason).toBe('MountNotFound');
    expect(g.events('bridge-a')).toContainEqual(
      expect.objectContaining({ type: 'Warning', reason: 'Failed in state REQUESTED' }),
    );
  });

  it('lists every bridge of the mount in each carrier, oldest first whatever their names, and warns of a partial overlap naming both', async () => {
    const g = await bridgesFixture();
    await g.activeMount();
    await g.createBridge('bridge-z', [g.headerRule('alice')]);
    await g.settleBridge('bridge-z');
    g.clock.advance(1000);
    await g.createBridge('bridge-a', [{ match: [{ matchPath: { path: '/api', type: 'prefix' } }] }], {
      destinationIP: '172.18.0.4',
    });
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')?.state).toBe('ACTIVE');
    for (const pod of g.originals()) {
      const routes = g.carrier.runningConfiguration(pod)?.routes ?? [];
      expect(routes.map((route) => [route.selective?.name, route.proxyPort])).toEqual([
        ['bridge-z', 10000],
        ['bridge-a', 10001],
      ]);
    }
    const warnings = g.events('bridge-a').filter((event) => event.reason === 'Rules overlap');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ type: 'Warning' });
    expect(warnings[0]?.note).toContain(
      'GefyraBridges bridge-z and bridge-a on mount web-mount both match some requests',
    );
    expect(warnings[0]?.note).toContain('x-gefyra-user: alice');
    expect(g.events('bridge-z').filter((event) => event.reason === 'Rules overlap')).toHaveLength(0);
  });

  it('warns that a bridge an older one shadows receives nothing', async () => {
    const g = await activeBridgeA();
    g.clock.advance(1000);
    await g.createBridge('bridge-b', [
      {
        match: [
          { matchHeader: { name: 'X-Gefyra-User', value: 'alice', type: 'exact' } },
          { matchPath: { path: '/api', type: 'prefix' } },
        ],
      },
    ]);
    await g.settleBridge('bridge-b');
    expect(g.events('bridge-b')).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'Rules overlap',
        note: expect.stringContaining('bridge-b receives nothing while bridge-a exists'),
      }),
    );
  });

  it('re-routes when `gefyra run` gives the container a new destinationIP, keeping its proxy port and ACTIVE', async () => {
    const g = await activeBridgeA();
    const pushes = g.carrier.configures.length;
    await g.patchBridge('bridge-a', { destinationIP: '172.18.0.7' });
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')?.state).toBe('ACTIVE');
    expect(g.routes.held().get('bridge-a')).toEqual([
      { containerPort: 8080, destination: '172.18.0.7:8000', proxyPort: 10000, serviceReady: true },
    ]);
    // carrier2 reaches the same proxy port: nothing to push.
    expect(g.carrier.configures).toHaveLength(pushes);
  });

  it('refuses a destination outside its client’s subnet, and restores at once when it is corrected', async () => {
    const g = await bridgesFixture();
    await g.activeMount();
    await g.createBridge('bridge-a', [g.headerRule('alice')], { destinationIP: '10.0.0.5' });
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')?.failure).toEqual({
      reason: 'DestinationNotAllowed',
      message: expect.stringContaining('destinationIP 10.0.0.5 is outside 172.18.0.0/16'),
    });
    expect(g.routes.held().size).toBe(0);
    await g.patchBridge('bridge-a', { destinationIP: '172.18.0.9' });
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')?.state).toBe('ACTIVE');
    expect(Object.keys(g.bridge('bridge-a')?.stateTransitions ?? {})).toContain('RESTORING');
  });

  it('routes again when its proxy Service is gone', async () => {
    const g = await activeBridgeA();
    g.routes.loseService('bridge-a');
    await g.settleBridge('bridge-a');
    expect(g.routes.calls.filter((call) => call === 'route bridge-a')).toHaveLength(2);
    expect(g.routes.held().get('bridge-a')?.[0]).toMatchObject({ proxyPort: 10000, serviceReady: true });
    expect(g.bridge('bridge-a')?.state).toBe('ACTIVE');
  });

  it('ends in ERROR when carrier2 refuses the configuration with the bridge', async () => {
    const g = await mountWithBridgeA();
    g.carrier.failNext(
      'configure',
      new DomainError('Invalid', "thread 'main' panicked at 'bad rule'", { retryable: false }),
    );
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')?.failure).toEqual({
      reason: 'ConfigurationRefused',
      message: "carrier2 refused the configuration with this bridge: thread 'main' panicked at 'bad rule'",
    });
    expect(g.events('bridge-a')).toContainEqual(expect.objectContaining({ reason: 'Failed in state CREATING' }));
    // A failure of the cluster, not of how the bridge is written: restored 60 s later.
    expect(await g.settleBridge('bridge-a')).toEqual({ done: false, requeueAfterMs: 60_000 });
    g.clock.advance(60_000);
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')?.state).toBe('ACTIVE');
    expect(Object.keys(g.bridge('bridge-a')?.stateTransitions ?? {})).toContain('RESTORING');
  });

  it('resumes after a crash between routing and the push: routed once, then configured by a new process', async () => {
    const g = await mountWithBridgeA();
    g.carrier.failNext('configure', new DomainError('Unavailable', 'the operator crashed here', { retryable: true }));
    await expect(g.settleBridge('bridge-a')).rejects.toThrow('the operator crashed here');
    expect(g.bridge('bridge-a')?.state).toBe('CREATING');
    const { bridgeService } = g.newServices();
    await g.settleBridge('bridge-a', bridgeService);
    expect(g.bridge('bridge-a')?.state).toBe('ACTIVE');
    expect(g.routes.calls).toEqual(['route bridge-a']);
  });

  it('on delete takes its place out of every carrier, then its route, before releasing its finalizer; the other bridge stays', async () => {
    const g = await activeBridgesAAndB();
    await g.cluster.remove(g.bridgeRef('bridge-a'), signal());
    g.carrier.failNext('configure', new DomainError('Unavailable', 'exec failed', { retryable: true }));
    await expect(g.settleBridge('bridge-a')).rejects.toThrow('exec failed');
    expect(g.bridge('bridge-a')?.finalizers).toContain(GEFYRA_FINALIZER);
    // carrier2 still sends the bridge's requests to its route until a push without it took: the route stays until then.
    expect([...g.routes.held().keys()].sort()).toEqual(['bridge-a', 'bridge-b']);
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')).toBeUndefined();
    expect([...g.routes.held().keys()]).toEqual(['bridge-b']);
    expect(bridgesCarried(g)).toEqual([['bridge-b'], ['bridge-b']]);
    expect(g.bridge('bridge-b')?.state).toBe('ACTIVE');
  });

  it('a bridge deleted with its finalizer stripped (`--force`, the client’s uninstall): its reconcile removes its routes; the other bridge stays', async () => {
    const g = await activeBridgesAAndB();
    await g.cluster.patch(g.bridgeRef('bridge-a'), { metadata: { finalizers: [] } }, signal());
    await g.cluster.remove(g.bridgeRef('bridge-a'), signal());
    expect(g.bridge('bridge-a')).toBeUndefined();
    expect([...g.routes.held().keys()]).toEqual(['bridge-a', 'bridge-b']);
    await g.settleBridge('bridge-a');
    expect([...g.routes.held().keys()]).toEqual(['bridge-b']);
    // The mount, woken by the deletion, configures carrier2 without it.
    await g.settleMount();
    expect(bridgesCarried(g)).toEqual([['bridge-b'], ['bridge-b']]);
    expect(g.bridge('bridge-b')?.state).toBe('ACTIVE');
    // A gone bridge with nothing left in the tunnel is nothing to do.
    await g.settleBridge('bridge-a');
    expect(g.routes.calls.filter((call) => call === 'unroute bridge-a')).toHaveLength(1);
  });

  it('names the bridges the tunnel holds routes for, so that a starting controller looks at gone ones too', async () => {
    const g = await activeBridgeA();
    await g.routes.route({ bridge: 'gone', client: 'dev-b' }, [
      { containerPort: 8080, destination: '172.18.0.9:8000' },
    ]);
    const { bridgeService } = g.newServices();
    expect(await bridgeService.routedBridges(signal())).toEqual(['bridge-a', 'gone']);
    await g.settleBridge('gone', bridgeService);
    expect([...g.routes.held().keys()]).toEqual(['bridge-a']);
  });

  it('is ACTIVE on a workload scaled to zero, and the mount configures the pods that come back with it', async () => {
    const g = await bridgesFixture();
    await g.activeMount();
    const web = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
    await g.cluster.patch(web, { spec: { replicas: 0 } }, signal());
    await g.createBridge('bridge-a', [g.headerRule('alice')]);
    expect(await g.settleBridge('bridge-a')).toEqual({ done: true });
    expect(g.bridge('bridge-a')?.state).toBe('ACTIVE');
    await g.cluster.patch(web, { spec: { replicas: 1 } }, signal());
    await g.settleMount();
    expect(bridgesCarried(g)).toEqual([['bridge-a']]);
  });
});
