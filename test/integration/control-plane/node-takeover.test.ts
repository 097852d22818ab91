import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatedNode } from '../../support/control-plane/index.js';
import { useControlPlane, useTestNamespace } from '../../support/control-plane/vitest.js';
import { execInPod, exitCodeOf } from './exec-in-pod.js';
import { containerStatus, isReady, podManifest } from './fixtures.js';

describe('a new SimulatedNode taking over a node name', () => {
  const cluster = useControlPlane();
  const namespace = useTestNamespace('takeover');
  const first = new SimulatedNode({ kubeConfig: cluster.kubeletKubeConfig(), name: 'takeover-node' });
  const second = new SimulatedNode({
    kubeConfig: cluster.kubeletKubeConfig(),
    name: 'takeover-node',
    handlers: [({ command }) => (command[0] === 'true' ? { exitCode: 0 } : undefined)],
  });
  // Whatever fails, no Ready node without a kubelet may stay behind for later files' pods.
  afterAll(async () => {
    await first.stop();
    await second.stop();
    await cluster
      .adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .deleteNode({ name: 'takeover-node' })
      .catch(() => undefined);
  });

  it('keeps the running pods as a restarted kubelet would, and keeps pods off the node in between', async () => {
    const core = cluster.adminKubeConfig().makeApiClient(CoreV1Api);
    await first.start();
    const pinned = podManifest('pinned', { app: 'nginx:1.25' });
    // Bound directly, past the scheduler: the sim-node of other files must not get it.
    if (pinned.spec !== undefined) pinned.spec.nodeName = 'takeover-node';
    await core.createNamespacedPod({ namespace: namespace.name, body: pinned });
    const before = await first.whenPod(`${namespace.name}/pinned`, isReady);
    await first.stop();

    const stopped = await core.readNode({ name: 'takeover-node' });
    expect(stopped.spec?.taints).toEqual([
      expect.objectContaining({ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }),
    ]);
    expect(stopped.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('Unknown');
    await expect(first.start()).rejects.toThrow(/create a new SimulatedNode/);

    await second.start();
    try {
      const node = await core.readNode({ name: 'takeover-node' });
      expect(node.spec?.taints ?? []).toEqual([]);
      expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(second.kubeletPort);
      await second.whenIdle();
      const after = await second.whenPod(`${namespace.name}/pinned`, isReady);
      expect(after.status?.podIP).toBe(before.status?.podIP);
      expect(containerStatus(after, 'app')?.containerID).toBe(containerStatus(before, 'app')?.containerID);
      expect(containerStatus(after, 'app')?.restartCount).toBe(0);
      const outcome = await execInPod(cluster.adminKubeConfig(), namespace.name, 'pinned', 'app', ['true']);
      expect(exitCodeOf(outcome.status)).toBe(0);
      expect(second.execLog).toHaveLength(1);
      expect(first.execLog).toHaveLength(0);
    } finally {
      await core.deleteNamespacedPod({ namespace: namespace.name, name: 'pinned' });
      await second.stop({ deregister: true });
    }
    await expect(core.readNode({ name: 'takeover-node' })).rejects.toMatchObject({ code: 404 });
  });
});
