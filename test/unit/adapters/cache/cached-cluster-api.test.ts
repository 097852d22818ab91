import { describe, expect, it } from 'vitest';
import { CachedClusterApi } from '../../../../src/adapters/cache/cached-cluster-api.js';
import { SharedInformers } from '../../../../src/adapters/cache/shared-informers.js';
import { InMemoryCluster } from '../../../../src/adapters/in-memory/in-memory-cluster.js';
import { InMemoryWatchSource } from '../../../../src/adapters/in-memory/in-memory-watch-source.js';
import type { WatchEvent } from '../../../../src/adapters/runtime/watch-source.js';

const signal = new AbortController().signal;
const CONFIG_MAPS = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gefyra' };
const configMap = (name: string, data: Record<string, string> = {}, namespace = 'gefyra') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
const settled = () => new Promise((resolve) => setImmediate(resolve));

async function setup() {
  const cluster = new InMemoryCluster({ namespaces: ['default', 'gefyra', 'shop'] });
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
    expect((await cached.list({ apiVersion: 'v1', kind: 'ConfigMap' }, 'gefyra', undefined, signal)).map((object) => object.metadata.name)).toEqual(['routes']);
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
    cluster.addPod({ metadata: { name: 'carried', namespace: 'shop', labels: { 'carrier.gefyra.dev/intercepted': 'true' } }, spec: { containers: [{ name: 'web', image: 'x' }] } });
    cluster.addPod({ metadata: { name: 'plain', namespace: 'shop' }, spec: { containers: [{ name: 'web', image: 'x' }] } });
    informers.watch({ apiVersion: 'v1', kind: 'Pod', labels: { 'carrier.gefyra.dev/intercepted': 'true' } }, () => undefined);
    await settled();
    cluster.resetCallCounts();

    expect((await cached.findPod({ namespace: 'shop', name: 'carried' }, signal))?.name).toBe('carried');
    expect(cluster.callCount('findPod')).toBe(0);
    expect((await cached.findPod({ namespace: 'shop', name: 'plain' }, signal))?.name).toBe('plain');
    expect(cluster.callCount('findPod')).toBe(1);
  });

  it('never reads a kind from a watch nobody declared complete (the leader lease must be read fresh)', async () => {
    const { cluster, informers, cached } = await setup();
    await cluster.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'gefyra-operator', namespace: 'gefyra' }, spec: {} }, signal);
    informers.watch({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'gefyra' }, () => undefined);
    await settled();
    cluster.resetCallCounts();
    await cached.find({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'gefyra', name: 'gefyra-operator' }, signal);
    expect(cluster.callCount('find')).toBe(1);
  });

  it('goes to the API until the cache has synced', async () => {
    const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
    const cached = new CachedClusterApi(cluster, new SharedInformers(new InMemoryWatchSource(cluster)), [CONFIG_MAPS]);
    await cached.find({ ...CONFIG_MAPS, name: 'x' }, signal);
    expect(cluster.callCount('find')).toBe(1);
  });

  it('passes every write and exec through', async () => {
    const { cluster, cached } = await setup();
    const created = await cached.create(configMap('a'), signal);
    await cached.replace({ ...created, data: { b: '2' } }, signal);
    await cached.patch({ ...CONFIG_MAPS, name: 'a' }, { data: { c: '3' } }, signal);
    await cached.apply(configMap('b'), signal);
    await cached.remove({ ...CONFIG_MAPS, name: 'b' }, signal);
    expect(['create', 'replace', 'patch', 'apply', 'remove'].map((operation) => cluster.callCount(operation))).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('SharedInformers', () => {
  it('opens one watch per spec, and replays what it has to a late subscriber', async () => {
    const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
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
    const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
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
