import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { imageIdOf } from '../../support/control-plane/index.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../../support/control-plane/vitest.js';
import { containerStatus, isReady, podManifest } from './fixtures.js';

const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

describe('pods on the simulated node', () => {
  const node = useSimulatedNode();
  const cluster = useControlPlane();
  const namespace = useTestNamespace('workloads');
  const core = (): CoreV1Api => cluster.adminKubeConfig().makeApiClient(CoreV1Api);

  it('makes a Deployment available with ready, running pods on the node', async () => {
    const apps = cluster.adminKubeConfig().makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: namespace.name,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] },
          },
        },
      },
    });
    await vi.waitFor(
      async () => {
        const deployment = await apps.readNamespacedDeploymentStatus({ namespace: namespace.name, name: 'web' });
        expect(deployment.status?.availableReplicas).toBe(2);
      },
      { timeout: 30_000, interval: 200 },
    );
    const pods = await core().listNamespacedPod({ namespace: namespace.name, labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(2);
    const ips = new Set<string>();
    for (const pod of pods.items) {
      expect(pod.spec?.nodeName).toBe(node.name);
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.hostIP).toBe('127.0.0.1');
      expect(pod.status?.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
      ips.add(pod.status?.podIP ?? '');
      expect(pod.status?.startTime).toBeInstanceOf(Date);
      expect(pod.status?.conditions?.map((c) => `${c.type}=${c.status}`).sort()).toEqual([
        'ContainersReady=True',
        'Initialized=True',
        'PodScheduled=True',
        'Ready=True',
      ]);
      const status = containerStatus(pod, 'nginx');
      expect(status).toMatchObject({
        ready: true,
        started: true,
        restartCount: 0,
        image: 'nginx:1.25',
        imageID: imageIdOf('nginx:1.25'),
      });
      expect(status?.imageID).toMatch(/^docker-pullable:\/\/nginx@sha256:[0-9a-f]{64}$/);
      expect(status?.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
      expect(status?.state?.running?.startedAt).toBeInstanceOf(Date);
    }
    expect(ips.size).toBe(2);
  });

  it('restarts a container whose image is patched, like a kubelet', async () => {
    await core().createNamespacedPod({
      namespace: namespace.name,
      body: podManifest('patched', { app: 'nginx:1.25', sidecar: 'busybox:1.36' }),
    });
    const before = await node.whenPod(`${namespace.name}/patched`, isReady);
    const app = containerStatus(before, 'app');
    await core().patchNamespacedPod(
      {
        namespace: namespace.name,
        name: 'patched',
        body: { spec: { containers: [{ name: 'app', image: 'quay.io/gefyra/carrier:0.13.0' }] } },
      },
      strategicMerge,
    );
    const after = await node.whenPod(
      `${namespace.name}/patched`,
      (pod) => containerStatus(pod, 'app')?.image === 'quay.io/gefyra/carrier:0.13.0',
    );
    const restarted = containerStatus(after, 'app');
    expect(restarted?.restartCount).toBe(1);
    expect(restarted?.imageID).toBe(imageIdOf('quay.io/gefyra/carrier:0.13.0'));
    expect(restarted?.imageID).toContain('quay.io/gefyra/carrier');
    expect(restarted?.containerID).not.toBe(app?.containerID);
    expect(restarted?.state?.running).toBeDefined();
    expect(restarted?.lastState?.terminated).toMatchObject({ exitCode: 0, containerID: app?.containerID });
    // The other container keeps running untouched.
    expect(containerStatus(after, 'sidecar')).toMatchObject({
      restartCount: 0,
      containerID: containerStatus(before, 'sidecar')?.containerID,
    });
    expect(after.status?.podIP).toBe(before.status?.podIP);
  });

  it('shows ErrImagePull, then ImagePullBackOff, for an image that cannot be pulled', async () => {
    const undo = node.failImagePull('registry.invalid/');
    try {
      await core().createNamespacedPod({
        namespace: namespace.name,
        body: podManifest('unpullable', { app: 'registry.invalid/nothing:1' }),
      });
      const waitingFor = (reason: string) => (pod: V1Pod) =>
        containerStatus(pod, 'app')?.state?.waiting?.reason === reason;
      const pulling = await node.whenPod(`${namespace.name}/unpullable`, waitingFor('ErrImagePull'));
      expect(pulling.status?.phase).toBe('Pending');
      expect(isReady(pulling)).toBe(false);
      const backingOff = await node.whenPod(`${namespace.name}/unpullable`, waitingFor('ImagePullBackOff'));
      expect(backingOff.status?.phase).toBe('Pending');
      expect(containerStatus(backingOff, 'app')).toMatchObject({
        ready: false,
        restartCount: 0,
        image: 'registry.invalid/nothing:1',
      });
      expect(containerStatus(backingOff, 'app')?.state?.waiting?.message).toContain('registry.invalid/nothing:1');
    } finally {
      undo();
    }
    const recovered = await node.whenPod(`${namespace.name}/unpullable`, isReady);
    expect(recovered.status?.phase).toBe('Running');
  });

  it('keeps a pod running but unready, and crash-loops a container, while told to', async () => {
    await core().createNamespacedPod({ namespace: namespace.name, body: podManifest('moody', { app: 'nginx:1.25' }) });
    await node.whenPod(`${namespace.name}/moody`, isReady);
    const ready = node.neverReady('moody');
    const unready = await node.whenPod(`${namespace.name}/moody`, (pod) => !isReady(pod));
    expect(unready.status?.phase).toBe('Running');
    expect(containerStatus(unready, 'app')).toMatchObject({ ready: false, started: true });
    ready();
    await node.whenPod(`${namespace.name}/moody`, isReady);

    const crashing = node.crash('moody', 'app');
    const looping = await node.whenPod(
      `${namespace.name}/moody`,
      (pod) => (containerStatus(pod, 'app')?.restartCount ?? 0) >= 2,
    );
    expect(containerStatus(looping, 'app')?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(containerStatus(looping, 'app')?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(looping.status?.phase).toBe('Running');
    expect(isReady(looping)).toBe(false);
    crashing();
    const back = await node.whenPod(`${namespace.name}/moody`, isReady);
    expect(containerStatus(back, 'app')?.restartCount).toBeGreaterThanOrEqual(2);
  });

  it('removes pods that are deleted, as a kubelet does once their containers stopped', async () => {
    await core().createNamespacedPod({ namespace: namespace.name, body: podManifest('doomed', { app: 'nginx:1.25' }) });
    await node.whenPod(`${namespace.name}/doomed`, isReady);
    await core().deleteNamespacedPod({ namespace: namespace.name, name: 'doomed' });
    await vi.waitFor(
      async () => {
        const pods = await core().listNamespacedPod({
          namespace: namespace.name,
          fieldSelector: 'metadata.name=doomed',
        });
        expect(pods.items).toHaveLength(0);
      },
      { timeout: 15_000, interval: 200 },
    );
  });
});
