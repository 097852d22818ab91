import { describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../../../../src/adapters/in-memory/index.js';
import { cm, cmRef, kindOf } from '../../../support/object-fixtures.js';
import type { Manifest } from '../../../../src/ports/cluster-api.port.js';

const signal = new AbortController().signal;

describe('InMemoryCluster object storage', () => {
  it('stamps identity: uid, a global increasing resourceVersion, second-precision creationTimestamp, generation 1', async () => {
    const cluster = new InMemoryCluster({
      namespaces: ['app'],
      clock: { now: () => new Date('2024-05-01T10:00:00.789Z') },
    });
    const a = await cluster.create(cm('a', {}), signal);
    const b = await cluster.create(cm('b', {}), signal);
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata.uid).not.toBe(b.metadata.uid);
    expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
    expect(a.metadata.creationTimestamp).toBe('2024-05-01T10:00:00Z');
    expect(a.metadata.generation).toBe(1);
  });

  it('refuses a create that carries a resourceVersion', async () => {
    const cluster = new InMemoryCluster({ namespaces: ['app'] });
    expect(
      await kindOf(
        cluster.create({ ...cm('a', {}), metadata: { name: 'a', namespace: 'app', resourceVersion: '5' } }, signal),
      ),
    ).toBe('Invalid');
  });

  it('keeps the resourceVersion when a write changes nothing, and bumps generation only outside metadata and status', async () => {
    const cluster = new InMemoryCluster({ namespaces: ['app'] });
    const created = await cluster.apply(cm('a', { k: 'v' }), signal);
    const same = await cluster.apply(cm('a', { k: 'v' }), signal);
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const labelled = await cluster.patch(cmRef('a'), { metadata: { labels: { x: 'y' } } }, signal);
    expect(labelled.metadata.generation).toBe(1);
    expect(labelled.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    const changed = await cluster.patch(cmRef('a'), { data: { k: 'w' } }, signal);
    expect(changed.metadata.generation).toBe(2);
  });

  it('ignores identity fields a client tries to change', async () => {
    const cluster = new InMemoryCluster({ namespaces: ['app'] });
    const created = await cluster.create(cm('a', {}), signal);
    const patched = await cluster.patch(
      cmRef('a'),
      { metadata: { uid: 'forged', creationTimestamp: '2000-01-01T00:00:00Z', generation: 99 } },
      signal,
    );
    expect(patched.metadata.uid).toBe(created.metadata.uid);
    expect(patched.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
    expect(patched.metadata.generation).toBe(1);
  });

  it('returns copies: mutating a result or an input does not change the store', async () => {
    const cluster = new InMemoryCluster({ namespaces: ['app'] });
    const input = { ...cm('a', { k: 'v' }) } as Manifest & { data: Record<string, string> };
    const created = (await cluster.create(input, signal)) as Manifest & { data: Record<string, string> };
    input.data['k'] = 'changed-input';
    created.data['k'] = 'changed-output';
    const found = (await cluster.find(cmRef('a'), signal)) as (Manifest & { data: Record<string, string> }) | undefined;
    expect(found?.data).toEqual({ k: 'v' });
  });

  describe('apply', () => {
    it('merges maps, replaces lists, removes null fields, and rejects a stale resourceVersion', async () => {
      const cluster = new InMemoryCluster({ namespaces: ['app'] });
      await cluster.create(
        {
          ...cm('a', { one: '1', two: '2' }),
          binaryData: { b: 'AA==' },
          metadata: { name: 'a', namespace: 'app', finalizers: ['x/a', 'x/b'] },
        },
        signal,
      );
      const applied = await cluster.apply(
        {
          ...cm('a', { two: '22' }),
          binaryData: null,
          metadata: { name: 'a', namespace: 'app', finalizers: ['x/b'] },
        } as unknown as Manifest,
        signal,
      );
      expect(applied['data']).toEqual({ one: '1', two: '22' });
      expect(applied['binaryData']).toBeUndefined();
      expect(applied.metadata.finalizers).toEqual(['x/b']);
      expect(
        await kindOf(
          cluster.apply({ ...cm('a', {}), metadata: { name: 'a', namespace: 'app', resourceVersion: '1' } }, signal),
        ),
      ).toBe('Conflict');
    });

    it('removes what the previous apply set and this one omits, but not what other writers set', async () => {
      const cluster = new InMemoryCluster({ namespaces: ['app'] });
      await cluster.apply(
        {
          ...cm('a', { mine: '1', gone: '2' }),
          metadata: { name: 'a', namespace: 'app', labels: { app: 'a', old: 'x' } },
        },
        signal,
      );
      await cluster.patch(cmRef('a'), { data: { theirs: '3' }, metadata: { annotations: { note: 'n' } } }, signal);
      const applied = await cluster.apply(
        { ...cm('a', { mine: '1' }), metadata: { name: 'a', namespace: 'app', labels: { app: 'a' } } },
        signal,
      );
      expect(applied['data']).toEqual({ mine: '1', theirs: '3' });
      expect(applied.metadata.labels).toEqual({ app: 'a' });
      expect(applied.metadata.annotations).toEqual({ note: 'n' });
      // A recreated object starts without applied fields.
      await cluster.remove(cmRef('a'), signal);
      await cluster.create(cm('a', { kept: '1' }), signal);
      expect((await cluster.apply(cm('a', {}), signal))['data']).toEqual({ kept: '1' });
    });

    it('leaves status alone for kinds with a status subresource, including registered custom kinds', async () => {
      const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
      cluster.registerStatusSubresource('gefyra.dev/v1', 'InterceptRequest');
      const ref = { apiVersion: 'gefyra.dev/v1', kind: 'InterceptRequest', name: 'r', namespace: 'gefyra' };
      const created = await cluster.apply(
        {
          apiVersion: 'gefyra.dev/v1',
          kind: 'InterceptRequest',
          metadata: { name: 'r', namespace: 'gefyra' },
          targetPod: 'p',
          status: { phase: 'Forged' },
        },
        signal,
      );
      expect(created['status']).toBeUndefined();
      await cluster.patch(ref, { status: { phase: 'Established' } }, signal, { subresource: 'status' });
      const reapplied = await cluster.apply(
        {
          apiVersion: 'gefyra.dev/v1',
          kind: 'InterceptRequest',
          metadata: { name: 'r', namespace: 'gefyra' },
          targetPod: 'q',
          status: { phase: 'Other' },
        },
        signal,
      );
      expect(reapplied['status']).toEqual({ phase: 'Established' });
      expect(reapplied['targetPod']).toBe('q');
      const replaced = await cluster.replace({ ...reapplied, status: { phase: 'Replaced' } }, signal);
      expect(replaced['status']).toEqual({ phase: 'Established' });
    });

    it('stores status with the object for kinds without a status subresource', async () => {
      const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
      const created = await cluster.create(
        {
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { name: 'w', namespace: 'gefyra' },
          status: { ok: true },
        },
        signal,
      );
      expect(created['status']).toEqual({ ok: true });
      expect(
        await kindOf(
          cluster.patch(
            { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', namespace: 'gefyra' },
            { status: { ok: false } },
            signal,
            { subresource: 'status' },
          ),
        ),
      ).toBe('NotFound');
    });
  });

  describe('namespaces', () => {
    it('refuses objects in a missing namespace, and ignores a namespace given for a cluster-scoped kind', async () => {
      const cluster = new InMemoryCluster({ namespaces: ['app'] });
      expect(await kindOf(cluster.create(cm('a', {}, 'nowhere'), signal))).toBe('NotFound');
      const role = await cluster.create(
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'r', namespace: 'app' },
          rules: [],
        },
        signal,
      );
      expect(role.metadata.namespace).toBeUndefined();
      expect(
        await cluster.find({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'r' }, signal),
      ).toBeDefined();
    });
  });

  describe('garbage collection', () => {
    it('deletes dependents whose last owner is gone, and only drops the reference of those with another owner', async () => {
      const cluster = new InMemoryCluster({ namespaces: ['app'] });
      const owner = await cluster.create(cm('owner', {}), signal);
      const other = await cluster.create(cm('other-owner', {}), signal);
      const ref = (o: Manifest) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: o.metadata.name,
        uid: o.metadata.uid,
      });
      await cluster.create(
        { ...cm('only-child', {}), metadata: { name: 'only-child', namespace: 'app', ownerReferences: [ref(owner)] } },
        signal,
      );
      await cluster.create(
        {
          ...cm('shared-child', {}),
          metadata: { name: 'shared-child', namespace: 'app', ownerReferences: [ref(owner), ref(other)] },
        },
        signal,
      );
      await cluster.remove(cmRef('owner'), signal);
      expect(await cluster.find(cmRef('only-child'), signal)).toBeUndefined();
      expect((await cluster.find(cmRef('shared-child'), signal))?.metadata.ownerReferences).toEqual([ref(other)]);
    });
  });

  describe('names and labels', () => {
    it('rejects invalid names and label values', async () => {
      const cluster = new InMemoryCluster({ namespaces: ['app'] });
      expect(await kindOf(cluster.create(cm('Upper_Case', {}), signal))).toBe('Invalid');
      expect(
        await kindOf(
          cluster.create(
            { ...cm('a', {}), metadata: { name: 'a', namespace: 'app', labels: { x: 'has/slash' } } },
            signal,
          ),
        ),
      ).toBe('Invalid');
    });
  });
});
