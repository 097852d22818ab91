import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../support/simulated-cluster/index.js';
import { cm, cmRef, kindOf } from '../../support/object-fixtures.js';
import { isDomainError } from '../../../src/domain/errors.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';

// What the simulated cluster adds to the in-memory object tracker of the API server's rules.

const signal = new AbortController().signal;

describe('SimulatedCluster kind rules', () => {
  it('allows only image changes on a pod spec', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['app'] });
    cluster.addPod({
      metadata: { name: 'p', namespace: 'app' },
      spec: { containers: [{ name: 'c', image: 'nginx:1', args: ['a'] }] },
    });
    const ref = { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'app' };
    expect(
      await kindOf(
        cluster.patch(ref, { spec: { containers: [{ name: 'c', image: 'nginx:1', args: ['b'] }] } }, signal),
      ),
    ).toBe('Invalid');
    expect(
      await kindOf(cluster.patchPod({ namespace: 'app', name: 'p' }, { images: { missing: 'nginx:2' } }, signal)),
    ).toBe('Invalid');
    expect(
      await kindOf(
        cluster.patch(ref, { spec: { containers: [{ name: 'c', image: 'nginx:2', args: ['a'] }] } }, signal),
      ),
    ).toBe('resolved');
  });

  it('allocates node ports and refuses one another Service holds', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['app'] });
    const service = (name: string, nodePort?: number): Manifest => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'app' },
      spec: {
        type: 'NodePort',
        ports: [{ port: 51820, protocol: 'UDP', ...(nodePort === undefined ? {} : { nodePort }) }],
      },
    });
    const first = await cluster.apply(service('wireguard', 31820), signal);
    expect((first['spec'] as { clusterIP?: string }).clusterIP).toMatch(/^10\.96\./);
    const error = await cluster.create(service('squatter', 31820), signal).catch((thrown: unknown) => thrown);
    expect(isDomainError(error, 'Invalid') && error.message).toContain('provided port is already allocated');
    const auto = await cluster.create(service('auto'), signal);
    expect((auto['spec'] as { ports: { nodePort: number }[] }).ports[0]?.nodePort).toBe(30000);
    // Re-applying without the node port keeps the allocation.
    const reapplied = await cluster.replace(
      { ...auto, spec: { type: 'NodePort', ports: [{ port: 51820, protocol: 'UDP' }] } },
      signal,
    );
    expect((reapplied['spec'] as { ports: { nodePort: number }[] }).ports[0]?.nodePort).toBe(30000);
  });

  it('rejects Secret data that is not base64 and a Deployment whose selector misses its template', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['app'] });
    expect(
      await kindOf(
        cluster.create(
          { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'app' }, data: { k: 'not base64!' } },
          signal,
        ),
      ),
    ).toBe('Invalid');
    const deployment: Manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'app' },
      spec: {
        selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      },
    };
    expect(await kindOf(cluster.create(deployment, signal))).toBe('Invalid');
  });

  it('refuses new finalizers on an object being deleted', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['app'] });
    await cluster.create({ ...cm('a', {}), metadata: { name: 'a', namespace: 'app', finalizers: ['x/one'] } }, signal);
    await cluster.remove(cmRef('a'), signal);
    expect(await kindOf(cluster.patch(cmRef('a'), { metadata: { finalizers: ['x/one', 'x/two'] } }, signal))).toBe(
      'Invalid',
    );
  });
});

describe('SimulatedCluster namespace lifecycle', () => {
  it('refuses objects in a missing namespace and in one being deleted', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['app'] });
    expect(await kindOf(cluster.create(cm('a', {}, 'nowhere'), signal))).toBe('NotFound');
    await cluster.create(
      { ...cm('held', {}), metadata: { name: 'held', namespace: 'app', finalizers: ['x/hold'] } },
      signal,
    );
    await cluster.remove({ apiVersion: 'v1', kind: 'Namespace', name: 'app' }, signal);
    const namespace = await cluster.find({ apiVersion: 'v1', kind: 'Namespace', name: 'app' }, signal);
    expect(namespace?.metadata.deletionTimestamp).toBeTruthy();
    expect(namespace?.['status']).toEqual({ phase: 'Terminating' });
    expect(await kindOf(cluster.create(cm('late', {}), signal))).toBe('Forbidden');

    // The namespace goes once its last object's finalizer is removed.
    await cluster.patch(cmRef('held'), { metadata: { finalizers: null } }, signal);
    expect(await cluster.find({ apiVersion: 'v1', kind: 'Namespace', name: 'app' }, signal)).toBeUndefined();
  });

  it('deletes the contents of a deleted namespace', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['app', 'other'] });
    await cluster.create(cm('a', {}), signal);
    await cluster.create(cm('b', {}, 'other'), signal);
    await cluster.remove({ apiVersion: 'v1', kind: 'Namespace', name: 'app' }, signal);
    expect(await cluster.find(cmRef('a'), signal)).toBeUndefined();
    expect(await cluster.find({ apiVersion: 'v1', kind: 'Namespace', name: 'app' }, signal)).toBeUndefined();
    expect(await cluster.find(cmRef('b', 'other'), signal)).toBeDefined();
  });

  // A namespace given for a cluster-scoped kind is ignored: the in-memory cluster's own (object-storage.test.ts).
  it('requires a namespace for built-in namespaced kinds', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['app'] });
    expect(await kindOf(cluster.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, signal))).toBe(
      'Invalid',
    );
  });
});
