import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/domain/cluster/pod.js';
import type { ClusterApi, Manifest, ObjectRef } from '../../src/ports/cluster-api.port.js';
import type { ClusterContractFixture } from './cluster-api.contract.js';
import { expectKind, signal } from './contract-helpers.js';
import { eventually } from '../support/waiting.js';

export interface ClusterControllersFixture extends ClusterContractFixture {
  /** Makes the kubelet fail to pull images starting with this prefix, until the test ends. */
  failImagePull(imagePrefix: string): void;
}

/**
 * What the simulated cluster of the tests (test/support/simulated-cluster)
 * emulates beyond the in-memory object tracker: a kubelet that restarts a
 * container whose image changed, the API server's Service IP and node-port
 * allocation, Deployment rollout and status. Run on the simulated cluster and
 * on the real control plane, so each emulated behaviour is checked against a
 * real one; a behaviour the simulation has and this suite lacks is one the
 * operator's unit tests may wrongly rely on.
 */
export function describeClusterControllers(label: string, setup: () => Promise<ClusterControllersFixture>): void {
  describe(`cluster controllers contract: ${label}`, () => {
    let fixture: ClusterControllersFixture;
    beforeEach(async () => {
      fixture = await setup();
    });
    afterEach(async () => {
      await fixture.teardown();
    });
    describeControllers(() => ({ api: fixture.api, namespace: fixture.namespace, fixture }));
  });
}

function describeControllers(
  context: () => { api: ClusterApi; namespace: string; fixture: ClusterControllersFixture },
): void {
  const spec = (manifest: Manifest | undefined): Record<string, unknown> =>
    (manifest?.['spec'] ?? {}) as Record<string, unknown>;
  const status = (manifest: Manifest | undefined): Record<string, unknown> =>
    (manifest?.['status'] ?? {}) as Record<string, unknown>;
  const nodePortOf = (manifest: Manifest | undefined): number | undefined =>
    (spec(manifest)['ports'] as { nodePort?: number }[] | undefined)?.[0]?.nodePort;

  describe('kubelet', () => {
    it('restarts a container whose image a pod patch changed, with the new image', async () => {
      const { api, namespace: ns, fixture } = context();
      const before = await fixture.createRunningPod({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'repatched', namespace: ns, labels: { app: 'repatched' } },
        spec: {
          containers: [
            { name: 'web', image: 'nginx:1.25' },
            { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', 'infinity'] },
          ],
        },
      });
      const oldStatus = before.containerStatuses.find((status) => status.name === 'web');
      await api.patchPod(
        { namespace: ns, name: 'repatched' },
        { images: { web: 'quay.io/gefyra/carrier:2.0.0' } },
        signal(),
      );
      const restarted = await eventually(
        "the repatched pod's web container running carrier",
        async () => api.findPod({ namespace: ns, name: 'repatched' }, signal()),
        (pod) =>
          pod?.containerStatuses.find((status) => status.name === 'web')?.image === 'quay.io/gefyra/carrier:2.0.0' &&
          pod.containerStatuses.find((status) => status.name === 'web')?.current.state === 'running',
      );
      const web = restarted?.containerStatuses.find((status) => status.name === 'web');
      expect(web?.current.state).toBe('running');
      expect(web?.image).toBe('quay.io/gefyra/carrier:2.0.0');
      expect(web?.imageID).toContain('gefyra/carrier');
      expect(web?.restartCount).toBe((oldStatus?.restartCount ?? 0) + 1);
      expect(web?.containerID).not.toBe(oldStatus?.containerID);
      expect(restarted?.uid).toBe(before.uid);
    });
  });

  describe('Service allocation', () => {
    const service = (name: string, type: string, port: Record<string, unknown>): Manifest => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: context().namespace },
      spec: { type, selector: { app: name }, ports: [{ port: 51820, protocol: 'UDP', ...port }] },
    });
    const ref = (name: string): ObjectRef => ({
      apiVersion: 'v1',
      kind: 'Service',
      namespace: context().namespace,
      name,
    });

    it('gives a NodePort Service a cluster IP and a node port in 30000-32767, keeps both when an update leaves them out', async () => {
      const { api } = context();
      const created = await api.create(service('allocated', 'NodePort', {}), signal());
      const nodePort = nodePortOf(created);
      expect(spec(created)['clusterIP']).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(nodePort).toBeGreaterThanOrEqual(30000);
      expect(nodePort).toBeLessThanOrEqual(32767);

      const updated = await api.apply(service('allocated', 'NodePort', {}), signal());
      expect(nodePortOf(updated)).toBe(nodePort);
      expect(spec(updated)['clusterIP']).toBe(spec(created)['clusterIP']);
      await api.remove(ref('allocated'), signal());
    });

    it('refuses a node port another Service holds, and one on a ClusterIP Service, as Invalid', async () => {
      const { api } = context();
      const holder = await api.create(service('holder', 'NodePort', {}), signal());
      try {
        await expectKind(
          api.create(service('squatter', 'NodePort', { nodePort: nodePortOf(holder) }), signal()),
          'Invalid',
        );
        await expectKind(api.create(service('internal', 'ClusterIP', { nodePort: 30555 }), signal()), 'Invalid');
        expect(await api.find(ref('squatter'), signal())).toBeUndefined();
      } finally {
        await api.remove(ref('holder'), signal());
      }
    });

    // The registry allocates what a new Service names before the store sees the
    // name: creating a Service again answers 422 when it names the node port the
    // existing one holds, 409 only when it names none (the 2.5 client treats both as "exists").
    it('answers a second create of a Service that names its node port Invalid, and one that names none AlreadyExists', async () => {
      const { api } = context();
      const first = await api.create(service('twice', 'NodePort', {}), signal());
      try {
        await expectKind(
          api.create(service('twice', 'NodePort', { nodePort: nodePortOf(first) }), signal()),
          'Invalid',
        );
        await expectKind(api.create(service('twice', 'NodePort', {}), signal()), 'AlreadyExists');
        expect((await api.find(ref('twice'), signal()))?.metadata.uid).toBe(first.metadata.uid);
      } finally {
        await api.remove(ref('twice'), signal());
      }
    });
  });

  describe('Deployment rollout', () => {
    const deployment = (name: string, image: string): Manifest => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: context().namespace },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'main', image }], terminationGracePeriodSeconds: 0 },
        },
      },
    });
    const ref = (name: string): ObjectRef => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: context().namespace,
      name,
    });
    const podsOf = async (name: string): Promise<Pod[]> =>
      await context().api.listPods(context().namespace, { app: name }, signal());
    /** The one pod of the Deployment once nothing else (a surge, a terminating pod) is left. */
    const onePod = async (name: string, check: (pod: Pod) => boolean): Promise<Pod | undefined> =>
      (
        await eventually(
          'one pod matching',
          async () => await podsOf(name),
          (pods) => pods.length === 1 && check(pods[0]!),
        )
      )[0];
    const condition = (deployed: Manifest | undefined, type: string) =>
      (status(deployed)['conditions'] as { type: string; status: string; reason: string }[] | undefined)?.find(
        (entry) => entry.type === type,
      );

    it('runs the template as a pod owned through a ReplicaSet and reports it ready and available', async () => {
      const { api } = context();
      const created = await api.apply(deployment('rolled', 'nginx:1.25'), signal());
      const pod = await onePod('rolled', (candidate) => candidate.ready);
      expect(pod?.containers.map((container) => container.image)).toEqual(['nginx:1.25']);

      const stored = await api.find(
        { apiVersion: 'v1', kind: 'Pod', namespace: context().namespace, name: pod?.name ?? '' },
        signal(),
      );
      const owners = (stored?.metadata.ownerReferences ?? []) as readonly { name?: string; controller?: boolean }[];
      const replicaSetName = owners.find((owner) => owner.controller === true)?.name;
      const replicaSet = await api.find(
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: context().namespace, name: String(replicaSetName) },
        signal(),
      );
      expect(replicaSet?.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'Deployment', uid: created.metadata.uid, controller: true }),
      ]);
      expect(pod?.name.startsWith(`${String(replicaSetName)}-`)).toBe(true);

      const reported = await eventually(
        "the Deployment's available replica",
        async () => await api.find(ref('rolled'), signal()),
        (found) => status(found)['availableReplicas'] === 1,
      );
      expect(status(reported)).toMatchObject({
        observedGeneration: created.metadata.generation,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
      });
      expect(condition(reported, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    });

    it('replaces the pod when the template changes, and a pod that is deleted', async () => {
      const { api } = context();
      await api.apply(deployment('changed', 'nginx:1.25'), signal());
      const first = await onePod('changed', (candidate) => candidate.ready);
      await api.apply(deployment('changed', 'nginx:1.27'), signal());
      const second = await onePod(
        'changed',
        (candidate) => candidate.ready && candidate.containers[0]?.image === 'nginx:1.27',
      );
      expect(second?.containers[0]?.image).toBe('nginx:1.27');
      expect(second?.name).not.toBe(first?.name);

      await api.remove(
        { apiVersion: 'v1', kind: 'Pod', namespace: context().namespace, name: second?.name ?? '' },
        signal(),
      );
      const third = await onePod('changed', (candidate) => candidate.name !== second?.name && candidate.ready);
      expect(third?.name).not.toBe(second?.name);
      expect(third?.containers[0]?.image).toBe('nginx:1.27');
    });

    it('reports a pod that cannot start: not available, the pull error on the container', async () => {
      const { api, fixture } = context();
      fixture.failImagePull('registry.invalid/');
      await api.apply(deployment('unpullable', 'registry.invalid/app:1'), signal());
      const pod = await onePod('unpullable', (candidate) => {
        const current = candidate.containerStatuses[0]?.current;
        return current?.state === 'waiting' && /ErrImagePull|ImagePullBackOff/.test(current.reason);
      });
      expect(pod?.ready).toBe(false);
      const reported = await eventually(
        "the Deployment's Available condition",
        async () => await api.find(ref('unpullable'), signal()),
        (found) => condition(found, 'Available') !== undefined,
      );
      expect(condition(reported, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
      expect(status(reported)['readyReplicas']).toBeUndefined();
    });

    it('takes its ReplicaSets and pods along when it is deleted', async () => {
      const { api } = context();
      await api.apply(deployment('removed', 'nginx:1.25'), signal());
      await onePod('removed', (candidate) => candidate.ready);
      await api.remove(ref('removed'), signal());
      expect(
        await eventually(
          "the removed Deployment's pods gone",
          async () => await podsOf('removed'),
          (pods) => pods.length === 0,
        ),
      ).toEqual([]);
      const replicaSets = await eventually(
        'the ReplicaSets gone',
        async () =>
          await api.list(
            { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
            context().namespace,
            { app: 'removed' },
            signal(),
          ),
        (found) => found.length === 0,
      );
      expect(replicaSets).toEqual([]);
    });
  });
}
