import { describe, expect, it, vi } from 'vitest';
import { CachedClusterApi } from '../../../../src/adapters/cache/cached-cluster-api.js';
import { DomainError } from '../../../../src/domain/errors.js';
import { SharedInformers } from '../../../../src/adapters/cache/shared-informers.js';
import { SimulatedCluster } from '../../../support/simulated-cluster/index.js';
import { InMemoryWatchSource } from '../../../../src/adapters/in-memory/in-memory-watch-source.js';
import type {
  WatchEvent,
  WatchSource,
  WatchSpec,
  WatchSubscription,
} from '../../../../src/adapters/runtime/watch-source.js';

const signal = new AbortController().signal;
const CONFIG_MAPS = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gefyra' };
const configMap = (name: string, data: Record<string, string> = {}, namespace = 'gefyra') => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});
const settled = () => new Promise((resolve) => setImmediate(resolve));

/** A watch source whose initial lists end only when the test says so. */
class HeldListWatchSource implements WatchSource {
  readonly #source: WatchSource;
  readonly #release: Promise<void>;
  #finish: () => void = () => undefined;

  constructor(source: WatchSource) {
    this.#source = source;
    this.#release = new Promise((resolve) => (this.#finish = resolve));
  }

  finishLists(): void {
    this.#finish();
  }

  watch(spec: WatchSpec, onEvent: (event: WatchEvent) => void): WatchSubscription {
    const subscription = this.#source.watch(spec, onEvent);
    return { synced: subscription.synced.then(() => this.#release), stop: subscription.stop };
  }
}

/** A watch source whose events after the initial list wait until the test delivers them (a watch running late). */
class LaggingWatchSource implements WatchSource {
  readonly #source: WatchSource;
  readonly #held: (() => void)[] = [];
  lagging = false;

  constructor(source: WatchSource) {
    this.#source = source;
  }

  deliver(): void {
    for (const event of this.#held.splice(0)) event();
  }

  watch(spec: WatchSpec, onEvent: (event: WatchEvent) => void): WatchSubscription {
    return this.#source.watch(spec, (event) => (this.lagging ? this.#held.push(() => onEvent(event)) : onEvent(event)));
  }
}

/** Whether a promise has settled yet, without awaiting it. */
function tracked(promise: Promise<unknown>): { readonly done: boolean } {
  const state = { done: false };
  void promise.finally(() => (state.done = true));
  return state;
}

async function setup() {
  const cluster = new SimulatedCluster({ namespaces: ['default', 'gefyra', 'shop'] });
  const informers = new SharedInformers(new InMemoryWatchSource(cluster));
  const cached = new CachedClusterApi(cluster, informers, [CONFIG_MAPS]);
  await settled();
  cluster.resetCallCounts();
  return { cluster, informers, cached };
}

describe('CachedClusterApi', () => {
  it('answers reads of a completely watched kind from the cache, absence included', async () => {
    const { cluster, cached } = await setup();
    await cluster.create(configMap('routes', { a: '1' }), signal);
    await settled();
    cluster.resetCallCounts();

    expect((await cached.find({ ...CONFIG_MAPS, name: 'routes' }, signal))?.['data']).toEqual({ a: '1' });
    expect(await cached.find({ ...CONFIG_MAPS, name: 'absent' }, signal)).toBeUndefined();
    expect(
      (await cached.list({ apiVersion: 'v1', kind: 'ConfigMap' }, 'gefyra', undefined, signal)).map(
        (object) => object.metadata.name,
      ),
    ).toEqual(['routes']);
    expect(cluster.callCount('find') + cluster.callCount('list')).toBe(0);
  });

  it('shares frozen objects: a caller cannot change the cache', async () => {
    const { cluster, cached } = await setup();
    await cluster.create(configMap('routes', { a: '1' }), signal);
    await settled();
    const read = await cached.find({ ...CONFIG_MAPS, name: 'routes' }, signal);
    expect(() => {
      (read?.['data'] as Record<string, string>)['a'] = 'changed';
    }).toThrow(TypeError);
    expect((await cached.find({ ...CONFIG_MAPS, name: 'routes' }, signal))?.['data']).toEqual({ a: '1' });
  });

  it('reads fresh from the API when asked (after a lost race)', async () => {
    const { cluster, cached } = await setup();
    await cluster.create(configMap('routes'), signal);
    expect(await cached.find({ ...CONFIG_MAPS, name: 'routes' }, signal, { fresh: true })).toBeDefined();
    expect(cluster.callCount('find')).toBe(1);
  });

  it('reads an object fresh once after a write to it lost a race (409), while its watch runs late', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    const watches = new LaggingWatchSource(new InMemoryWatchSource(cluster));
    const cached = new CachedClusterApi(cluster, new SharedInformers(watches), [CONFIG_MAPS]);
    const ref = { ...CONFIG_MAPS, name: 'routes' };
    const created = await cached.create(configMap('routes', { a: '1' }), signal);
    await settled();
    watches.lagging = true;
    // Someone else changes it; the cache does not know yet.
    await cluster.patch(ref, { data: { a: '2' } }, signal);
    const stale = await cached.find(ref, signal);
    expect(stale?.metadata.resourceVersion).toBe(created.metadata.resourceVersion);

    const lost = cached.patch(
      ref,
      { data: { b: '1' }, metadata: { resourceVersion: stale?.metadata.resourceVersion } },
      signal,
    );
    await expect(lost).rejects.toMatchObject({ kind: 'Conflict' });
    const retried = await cached.find(ref, signal);
    expect(retried?.['data']).toEqual({ a: '2' });
    await cached.patch(
      ref,
      { data: { b: '1' }, metadata: { resourceVersion: retried?.metadata.resourceVersion } },
      signal,
    );
    // Once: later reads are the cache's again.
    expect((await cached.find(ref, signal))?.['data']).toEqual({ a: '1' });
    watches.deliver();
    await settled();
    expect((await cached.find(ref, signal))?.['data']).toEqual({ a: '2', b: '1' });
  });

  it('reads a pod fresh once after a patch of it lost a race (409)', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['shop'] });
    const pods = { apiVersion: 'v1', kind: 'Pod', namespace: 'shop' };
    const watches = new LaggingWatchSource(new InMemoryWatchSource(cluster));
    const cached = new CachedClusterApi(cluster, new SharedInformers(watches), [pods]);
    const lose = vi.spyOn(cluster, 'patchPod').mockRejectedValueOnce(new DomainError('Conflict', 'lost'));
    await expect(
      cached.patchPod({ namespace: 'shop', name: 'web' }, { labels: { a: 'b' } }, signal),
    ).rejects.toMatchObject({
      kind: 'Conflict',
    });
    lose.mockRestore();
    await settled();
    cluster.resetCallCounts();
    await cached.findPod({ namespace: 'shop', name: 'web' }, signal);
    await cached.findPod({ namespace: 'shop', name: 'web' }, signal);
    expect(cluster.callCount('findPod')).toBe(1);
  });

  it('goes to the API for what it does not watch, and for namespaces outside its scope', async () => {
    const { cluster, cached } = await setup();
    await cluster.create(configMap('elsewhere', {}, 'shop'), signal);
    await cached.find({ ...CONFIG_MAPS, namespace: 'shop', name: 'elsewhere' }, signal);
    await cached.find({ apiVersion: 'v1', kind: 'Secret', namespace: 'gefyra', name: 'x' }, signal);
    await cached.list({ apiVersion: 'v1', kind: 'ConfigMap' }, undefined, undefined, signal);
    expect(cluster.callCount('find')).toBe(2);
    expect(cluster.callCount('list')).toBe(1);
  });

  it('serves pods from a label-filtered watch on a hit, and asks the API on a miss', async () => {
    const { cluster, informers, cached } = await setup();
    cluster.addPod({
      metadata: { name: 'carried', namespace: 'shop', labels: { 'carrier.gefyra.dev/intercepted': 'true' } },
      spec: { containers: [{ name: 'web', image: 'x' }] },
    });
    cluster.addPod({
      metadata: { name: 'plain', namespace: 'shop' },
      spec: { containers: [{ name: 'web', image: 'x' }] },
    });
    informers.watch(
      { apiVersion: 'v1', kind: 'Pod', labels: { 'carrier.gefyra.dev/intercepted': 'true' } },
      () => undefined,
    );
    await settled();
    cluster.resetCallCounts();

    expect((await cached.findPod({ namespace: 'shop', name: 'carried' }, signal))?.name).toBe('carried');
    expect(cluster.callCount('findPod')).toBe(0);
    expect((await cached.findPod({ namespace: 'shop', name: 'plain' }, signal))?.name).toBe('plain');
    expect(cluster.callCount('findPod')).toBe(1);
  });

  it('never reads a kind from a watch nobody declared complete (the leader lease must be read fresh)', async () => {
    const { cluster, informers, cached } = await setup();
    await cluster.create(
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'gefyra-operator', namespace: 'gefyra' },
        spec: {},
      },
      signal,
    );
    informers.watch({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'gefyra' }, () => undefined);
    await settled();
    cluster.resetCallCounts();
    await cached.find(
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'gefyra', name: 'gefyra-operator' },
      signal,
    );
    expect(cluster.callCount('find')).toBe(1);
  });

  it('waits for the initial list instead of asking the API on a miss', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    await cluster.create(configMap('routes', { a: '1' }), signal);
    const listing = new HeldListWatchSource(new InMemoryWatchSource(cluster));
    const cached = new CachedClusterApi(cluster, new SharedInformers(listing), [CONFIG_MAPS]);
    cluster.resetCallCounts();

    const found = cached.find({ ...CONFIG_MAPS, name: 'routes' }, signal);
    const absent = cached.find({ ...CONFIG_MAPS, name: 'absent' }, signal);
    const listed = cached.list({ apiVersion: 'v1', kind: 'ConfigMap' }, 'gefyra', undefined, signal);
    await settled();
    listing.finishLists();

    expect((await found)?.['data']).toEqual({ a: '1' });
    expect(await absent).toBeUndefined();
    expect((await listed).map((object) => object.metadata.name)).toEqual(['routes']);
    expect(cluster.callCount('find') + cluster.callCount('list')).toBe(0);
  });

  it('asks the API when the initial list does not come in time (a watch it may not open), waiting only once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
      const cached = new CachedClusterApi(
        cluster,
        new SharedInformers(new HeldListWatchSource(new InMemoryWatchSource(cluster))),
        [CONFIG_MAPS],
        { syncWaitMs: 1_000 },
      );

      const first = tracked(cached.find({ ...CONFIG_MAPS, name: 'x' }, signal));
      await vi.advanceTimersByTimeAsync(999);
      expect(first.done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(first.done).toBe(true);
      const second = tracked(cached.list({ apiVersion: 'v1', kind: 'ConfigMap' }, 'gefyra', undefined, signal));
      await settled();

      expect(second.done).toBe(true);
      expect(cluster.callCount('find')).toBe(1);
      expect(cluster.callCount('list')).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops waiting for the initial list when the caller gives up', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    const cached = new CachedClusterApi(
      cluster,
      new SharedInformers(new HeldListWatchSource(new InMemoryWatchSource(cluster))),
      [CONFIG_MAPS],
    );
    const caller = new AbortController();

    const read = cached.find({ ...CONFIG_MAPS, name: 'x' }, caller.signal);
    caller.abort();

    await expect(read).rejects.toMatchObject({ kind: 'Aborted' });
    expect(cluster.callCount('find')).toBe(0);
  });

  it('passes every write and exec through', async () => {
    const { cluster, cached } = await setup();
    const created = await cached.create(configMap('a'), signal);
    await cached.replace({ ...created, data: { b: '2' } }, signal);
    await cached.patch({ ...CONFIG_MAPS, name: 'a' }, { data: { c: '3' } }, signal);
    await cached.apply(configMap('b'), signal);
    await cached.remove({ ...CONFIG_MAPS, name: 'b' }, signal);
    expect(['create', 'replace', 'patch', 'apply', 'remove'].map((operation) => cluster.callCount(operation))).toEqual([
      1, 1, 1, 1, 1,
    ]);
  });
});

describe('SharedInformers', () => {
  it('opens one watch per spec, and replays what it has to a late subscriber', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    let watches = 0;
    const source = new InMemoryWatchSource(cluster);
    const informers = new SharedInformers({ watch: (spec, onEvent) => (watches++, source.watch(spec, onEvent)) });
    await cluster.create(configMap('a'), signal);
    const first: WatchEvent[] = [];
    const second: WatchEvent[] = [];
    await informers.watch(CONFIG_MAPS, (event) => first.push(event)).synced;
    await informers.watch({ ...CONFIG_MAPS }, (event) => second.push(event)).synced;
    await cluster.create(configMap('b'), signal);
    await settled();

    expect(watches).toBe(1);
    expect(first.map((event) => `${event.type} ${event.object.metadata.name}`)).toEqual(['ADDED a', 'ADDED b']);
    expect(second.map((event) => `${event.type} ${event.object.metadata.name}`)).toEqual(['ADDED a', 'ADDED b']);
    await informers.stop();
  });

  it('stops delivering to a subscriber that stopped', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    const informers = new SharedInformers(new InMemoryWatchSource(cluster));
    const seen: string[] = [];
    const subscription = informers.watch(CONFIG_MAPS, (event) => seen.push(event.object.metadata.name));
    await subscription.synced;
    await subscription.stop();
    await cluster.create(configMap('late'), signal);
    await settled();
    expect(seen).toEqual([]);
    expect(informers.stores()).toHaveLength(1);
  });
});
