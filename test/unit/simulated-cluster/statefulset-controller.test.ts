import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../support/simulated-cluster/index.js';

const signal = () => AbortSignal.timeout(5000);

describe('in-memory StatefulSet controller', () => {
  it('runs <name>-0 from the template, brings it back under the same name after a delete, and keeps its claim', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    await cluster.apply(
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'web', namespace: 'gefyra' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
          volumeClaimTemplates: [
            { metadata: { name: 'data' }, spec: { resources: { requests: { storage: '64Mi' } } } },
          ],
        },
      },
      signal(),
    );
    const first = cluster.peekPod({ namespace: 'gefyra', name: 'web-0' });
    expect(first?.ready).toBe(true);
    expect(first?.labels).toEqual({ app: 'web' });
    const claim = cluster.peek({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      namespace: 'gefyra',
      name: 'data-web-0',
    });
    expect(claim).toBeDefined();
    expect(
      cluster.peek({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'gefyra', name: 'web' })?.['status'],
    ).toMatchObject({ readyReplicas: 1 });
    await cluster.remove({ apiVersion: 'v1', kind: 'Pod', namespace: 'gefyra', name: 'web-0' }, signal());
    const second = cluster.peekPod({ namespace: 'gefyra', name: 'web-0' });
    expect(second?.uid).not.toBe(first?.uid);
    expect(
      cluster.peek({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'gefyra', name: 'data-web-0' })
        ?.metadata.uid,
    ).toBe(claim?.metadata.uid);
  });
});
