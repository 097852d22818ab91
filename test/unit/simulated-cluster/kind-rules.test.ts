import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../support/simulated-cluster/index.js';
import { isDomainError, type ErrorKind } from '../../../src/domain/errors.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';

const signal = new AbortController().signal;

async function kindOf(promise: Promise<unknown>): Promise<ErrorKind | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (isDomainError(error)) return error.kind;
    throw error;
  }
}

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
});
