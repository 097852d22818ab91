import { describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';
import { MountWorkload, type MountPlace } from '../../../src/plugins/gefyra2/domain/mount/mount-workload.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../../support/control-plane/vitest.js';
import { isReady } from '../../support/pod-conditions.js';
import { never } from './fixtures.js';

// A mount's shadow as the real API server takes it: the copy of a Deployment
// (as read back, with everything the server defaulted) applied server-side,
// its Service and HPA copy, a bare Pod's copy passing Pod validation, and
// preparing again changing nothing (one duplication id, no new rollout).
describe('MountWorkload on the real API server', () => {
  const node = useSimulatedNode();
  const cluster = useControlPlane();
  const namespace = useTestNamespace('mount-workload');
  const api = () => new KubernetesClusterApi(cluster.adminKubeConfig());
  const container = (image: string) => ({
    name: 'app',
    image,
    ports: [{ containerPort: 8080 }],
    readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
  });
  const place = (kind: 'Deployment' | 'Pod', name: string): MountPlace => ({
    target: { kind, name },
    namespace: namespace.name,
    container: 'app',
    duplicationId: '0b6c4bd4-0000-4000-8000-000000000001',
  });
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (let attempt = 0; attempt < 300; attempt++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${what}: not reached`);
  };

  it('copies a Deployment with its Service, keeps the copy when prepared again or scaled, and removes it all', async () => {
    const ns = namespace.name;
    const deployment: Manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns, labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container('busybox:1.36')] } },
      },
    };
    await api().create(deployment, never);
    const workloads = new MountWorkload(api());
    const web = place('Deployment', 'web');
    const read = async () => (await workloads.find(web, never))!;
    await workloads.prepare(web, await read(), { 'gefyra.dev/bridge-mount': 'web-mount' }, never);
    await until(
      'a shadow pod ready',
      async () => (await workloads.shadowState(web, await read(), never))?.ready === true,
    );
    expect(await workloads.shadowState(web, await read(), never)).toEqual({ current: true, ready: true });
    expect((await workloads.originals(web, await read(), never)).map((pod) => pod.labels['app'])).toEqual(['web']);

    const shadowRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web-gefyra' };
    const before = await api().find(shadowRef, never);
    expect(before?.metadata.labels).toEqual({ app: 'web-gefyra' });
    await workloads.prepare(web, await read(), { 'gefyra.dev/bridge-mount': 'web-mount' }, never);
    const after = await api().find(shadowRef, never);
    expect(after?.metadata.generation).toBe(before?.metadata.generation);
    expect(
      (await api().find({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web-app-gefyra-svc' }, never))?.[
        'spec'
      ],
    ).toMatchObject({
      selector: { 'bridge.gefyra.dev/duplication-id': web.duplicationId },
      ports: [{ name: '8080-0', port: 8080, targetPort: 8080, protocol: 'TCP' }],
    });
    // This API server (1.20) serves no autoscaling/v2: no HPA to copy, and that is no failure.
    expect(await workloads.shadowLeft(web, never)).toBe(true);

    // Scaled (as its HPA would): still the same copy.
    await api().patch(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' },
      { spec: { replicas: 2 } },
      never,
    );
    expect((await workloads.shadowState(web, await read(), never))?.current).toBe(true);
    // A new template: a new copy is due.
    await api().patch(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' },
      { spec: { template: { metadata: { annotations: { rollout: '2' } } } } },
      never,
    );
    expect((await workloads.shadowState(web, await read(), never))?.current).toBe(false);

    await workloads.removeShadow(web, never);
    expect(await workloads.shadowLeft(web, never)).toBe(false);
  });

  it('copies a bare Pod as read back from the server (its service account volume included)', async () => {
    const ns = namespace.name;
    await api().create(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'solo', namespace: ns, labels: { app: 'solo' } },
        spec: { containers: [container('busybox:1.36')], terminationGracePeriodSeconds: 1 },
      },
      never,
    );
    await node.whenPod(`${ns}/solo`, isReady);
    const workloads = new MountWorkload(api());
    const solo = place('Pod', 'solo');
    const workload = (await workloads.find(solo, never))!;
    await workloads.prepare(solo, workload, { 'gefyra.dev/bridge-mount': 'solo-mount' }, never);
    await node.whenPod(`${ns}/solo-gefyra`, isReady);
    expect(await workloads.shadowState(solo, workload, never)).toEqual({ current: true, ready: true });
    await workloads.removeShadow(solo, never);
    await until('the copy gone', async () => !(await workloads.shadowLeft(solo, never)));
  });
});
