import { describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import { MountWorkload, type MountPlace } from '../../../src/plugins/gefyra2/domain/mount/mount-workload.js';
import { useControlPlane, useTestNamespace } from '../../support/control-plane/vitest.js';
import { never } from './fixtures.js';

/**
 * A mount's shadow on the real API server: the Deployment's copy, its Service
 * and the copy of the HPA that scales the original, made and removed again.
 * kube-apiserver 1.20 serves HorizontalPodAutoscalers in autoscaling/v2beta2,
 * not yet in autoscaling/v2 (from 1.23): the workload finds them in either.
 */
describe('MountWorkload on the API server', () => {
  const cluster = useControlPlane();
  const namespace = useTestNamespace('mount-workload');
  const api = () => new KubernetesClusterApi(cluster.adminKubeConfig());
  const place = (): MountPlace => ({
    target: { kind: 'Deployment', name: 'web' },
    namespace: namespace.name,
    container: 'web',
    duplicationId: 'mount-uid',
  });
  const hpaRef = (apiVersion: string, name: string) => ({
    apiVersion,
    kind: 'HorizontalPodAutoscaler',
    namespace: namespace.name,
    name,
  });

  it('copies the Deployment, its Service and the HPA scaling it (autoscaling/v2beta2 where v2 is not served), and removes the copies', async () => {
    const labels = { app: 'web' };
    await api().create(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: namespace.name, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'web', image: 'shop/web:1.0', ports: [{ containerPort: 8080 }] }] },
          },
        },
      },
      never,
    );
    await api().create(
      {
        ...hpaRef('autoscaling/v2beta2', 'web'),
        metadata: { name: 'web', namespace: namespace.name },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 1,
          maxReplicas: 3,
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
          ],
        },
      },
      never,
    );
    const workloads = new MountWorkload(api());
    const workload = await workloads.find(place(), never);
    if (workload === undefined) throw new Error('the Deployment is not found');

    await workloads.prepare(place(), workload, { 'gefyra.dev/bridge-mount': 'web-mount' }, never);

    const copy = await api().find(hpaRef('autoscaling/v2beta2', 'web-gefyra'), never);
    expect(copy?.['spec']).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'web-gefyra' },
      maxReplicas: 3,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { averageUtilization: 70 } } }],
    });
    expect(
      await api().find(
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace: namespace.name, name: 'web-gefyra' },
        never,
      ),
    ).toBeDefined();
    expect((await workloads.shadowState(place(), workload, never))?.current).toBe(true);
    expect(await workloads.shadowLeft(place(), never)).toBe(true);

    await workloads.removeShadow(place(), never);

    expect(await api().find(hpaRef('autoscaling/v2beta2', 'web-gefyra'), never)).toBeUndefined();
    expect(await workloads.shadowLeft(place(), never)).toBe(false);
  });
});
