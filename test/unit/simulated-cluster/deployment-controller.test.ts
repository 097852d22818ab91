import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../support/simulated-cluster/index.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';
import { timeoutSignal } from '../../support/waiting.js';

// Made per call, not at import: a signal started when the file loads could run out before a late test on a busy machine.
const signal = (): AbortSignal => timeoutSignal(5000);
const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gefyra-stowaway', namespace: 'gefyra' };

function deployment(image: string, replicas = 1): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'gefyra-stowaway', namespace: 'gefyra', labels: { app: 'stowaway' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'stowaway' } },
      template: { metadata: { labels: { app: 'stowaway' } }, spec: { containers: [{ name: 'stowaway', image }] } },
    },
  };
}

type Status = {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  updatedReplicas?: number;
  conditions?: { type: string; status: string; reason: string }[];
};
const statusOf = (manifest: Manifest | undefined): Status => (manifest?.['status'] ?? {}) as Status;
const condition = (status: Status, type: string) => status.conditions?.find((entry) => entry.type === type);

describe('SimulatedCluster deployment controller', () => {
  it('creates a ReplicaSet and one running pod per replica, and reports them in the status', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    const applied = await cluster.apply(deployment('quay.io/gefyra/stowaway:2.0.0', 2), signal());
    const pods = await cluster.listPods('gefyra', { app: 'stowaway' }, signal());
    expect(pods).toHaveLength(2);
    const replicaSets = cluster.objects({ apiVersion: 'apps/v1', kind: 'ReplicaSet' });
    expect(replicaSets).toHaveLength(1);
    const replicaSet = replicaSets[0];
    expect(replicaSet?.metadata.name).toMatch(/^gefyra-stowaway-[a-z0-9]{10}$/);
    expect(replicaSet?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Deployment', uid: applied.metadata.uid, controller: true }),
    ]);
    for (const pod of pods) {
      expect(pod.name).toMatch(new RegExp(`^${replicaSet?.metadata.name}-[a-z0-9]{5}$`));
      expect(pod).toMatchObject({
        phase: 'Running',
        ready: true,
        labels: { app: 'stowaway', 'pod-template-hash': expect.any(String) },
      });
    }
    const stored = cluster.peek(
      pods[0] ? { apiVersion: 'v1', kind: 'Pod', namespace: 'gefyra', name: pods[0].name } : deploymentRef,
    );
    expect(stored?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ReplicaSet', name: replicaSet?.metadata.name, uid: replicaSet?.metadata.uid }),
    ]);

    const status = statusOf(cluster.peek(deploymentRef));
    expect(status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      updatedReplicas: 2,
    });
    expect(condition(status, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(condition(status, 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
  });

  it('follows pod readiness in the status, leaving zero counts out as the API does', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    const release = cluster.neverReady((pod) => pod.labels['app'] === 'stowaway');
    await cluster.apply(deployment('stowaway:1'), signal());
    const unready = statusOf(cluster.peek(deploymentRef));
    expect(unready.replicas).toBe(1);
    expect(unready.readyReplicas).toBeUndefined();
    expect(unready.availableReplicas).toBeUndefined();
    expect(condition(unready, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    release();
    expect(statusOf(cluster.peek(deploymentRef))).toMatchObject({ readyReplicas: 1, availableReplicas: 1 });
  });

  it('reports an image pull failure as unavailable', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    cluster.failImagePull('stowaway:broken');
    await cluster.apply(deployment('stowaway:broken'), signal());
    const [pod] = await cluster.listPods('gefyra', { app: 'stowaway' }, signal());
    expect(pod?.containerStatuses[0]?.current).toMatchObject({ state: 'waiting', reason: 'ErrImagePull' });
    expect(condition(statusOf(cluster.peek(deploymentRef)), 'Available')?.status).toBe('False');
  });

  it('does not touch the pods when the same template is applied again', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    await cluster.apply(deployment('stowaway:1'), signal());
    const before = (await cluster.listPods('gefyra', {}, signal())).map((pod) => pod.uid);
    await cluster.apply(deployment('stowaway:1'), signal());
    expect((await cluster.listPods('gefyra', {}, signal())).map((pod) => pod.uid)).toEqual(before);
  });

  it('replaces the pods when the template changes, and bumps observedGeneration', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    await cluster.apply(deployment('stowaway:1'), signal());
    const [oldPod] = await cluster.listPods('gefyra', {}, signal());
    await cluster.apply(deployment('stowaway:2'), signal());
    const pods = await cluster.listPods('gefyra', {}, signal());
    expect(pods).toHaveLength(1);
    expect(pods[0]?.name).not.toBe(oldPod?.name);
    expect(pods[0]?.containers[0]?.image).toBe('stowaway:2');
    expect(cluster.objects({ apiVersion: 'apps/v1', kind: 'ReplicaSet' })).toHaveLength(1);
    expect(statusOf(cluster.peek(deploymentRef)).observedGeneration).toBe(2);
  });

  it('scales, and replaces a deleted pod', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    await cluster.apply(deployment('stowaway:1', 3), signal());
    await cluster.patch(deploymentRef, { spec: { replicas: 1 } }, signal());
    const [survivor] = await cluster.listPods('gefyra', {}, signal());
    expect(await cluster.listPods('gefyra', {}, signal())).toHaveLength(1);
    await cluster.remove({ apiVersion: 'v1', kind: 'Pod', namespace: 'gefyra', name: survivor?.name ?? '' }, signal());
    const [replacement] = await cluster.listPods('gefyra', {}, signal());
    expect(replacement?.name).not.toBe(survivor?.name);
    expect(replacement).toMatchObject({ phase: 'Running', ready: true });
  });

  it('deletes its ReplicaSet and pods with it', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    await cluster.apply(deployment('stowaway:1', 2), signal());
    await cluster.remove(deploymentRef, signal());
    expect(await cluster.listPods('gefyra', {}, signal())).toEqual([]);
    expect(cluster.objects({ apiVersion: 'apps/v1', kind: 'ReplicaSet' })).toEqual([]);
  });
});
