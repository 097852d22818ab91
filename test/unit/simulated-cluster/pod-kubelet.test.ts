import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type WatchEvent } from '../../../src/adapters/in-memory/index.js';
import { imageIdOf, SimulatedCluster } from '../../support/simulated-cluster/index.js';
import { findContainerStatus, type Pod } from '../../../src/domain/cluster/pod.js';
import { timeoutSignal } from '../../support/waiting.js';

// Made per call, not at import: a signal started when the file loads could run out before a late test on a busy machine.
const signal = (): AbortSignal => timeoutSignal(5000);
const ref = { namespace: 'app', name: 'web' };
const target = { ...ref, container: 'web' };

function newCluster(): SimulatedCluster {
  const cluster = new SimulatedCluster({ namespaces: ['app'], clock: { now: () => new Date('2024-05-01T10:00:00Z') } });
  cluster.addPod({
    metadata: { name: 'web', namespace: 'app', labels: { app: 'web' } },
    spec: {
      containers: [
        { name: 'web', image: 'nginx:1.25' },
        { name: 'sidecar', image: 'busybox:1.36' },
      ],
    },
  });
  return cluster;
}

const web = (pod: Pod | undefined) => (pod ? findContainerStatus(pod, 'web') : undefined);

describe('SimulatedCluster kubelet', () => {
  it('runs a new pod: Running, Ready, a pod IP, and container statuses as a kubelet reports them', () => {
    const cluster = newCluster();
    const pod = cluster.peekPod(ref);
    expect(pod).toMatchObject({ phase: 'Running', ready: true });
    expect(pod?.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(pod?.containerStatuses.map((status) => status.name)).toEqual(['sidecar', 'web']);
    const status = web(pod);
    expect(status).toMatchObject({
      image: 'nginx:1.25',
      ready: true,
      restartCount: 0,
      current: { state: 'running', startedAt: new Date('2024-05-01T10:00:00Z') },
    });
    expect(status?.imageID).toBe(
      `docker-pullable://nginx@sha256:${createHash('sha256').update('nginx:1.25').digest('hex')}`,
    );
    expect(status?.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
  });

  it('gives every pod its own IP', () => {
    const cluster = newCluster();
    const ips = new Set([cluster.peekPod(ref)?.podIP]);
    for (let index = 0; index < 300; index++) {
      ips.add(
        cluster.addPod({
          metadata: { name: `p${index}`, namespace: 'app' },
          spec: { containers: [{ name: 'c', image: 'x' }] },
        }).podIP,
      );
    }
    expect(ips.size).toBe(301);
  });

  it('derives imageID from the repository without tag', () => {
    expect(imageIdOf('quay.io/gefyra/carrier:2.0.0')).toMatch(
      /^docker-pullable:\/\/quay\.io\/gefyra\/carrier@sha256:[0-9a-f]{64}$/,
    );
    expect(imageIdOf('localhost:5000/app')).toMatch(/^docker-pullable:\/\/localhost:5000\/app@sha256:/);
  });

  it('restarts a container in place when a patch changes its image', async () => {
    const cluster = newCluster();
    const before = cluster.peekPod(ref);
    const sidecarBefore = before && findContainerStatus(before, 'sidecar');
    await cluster.patchPod(ref, { images: { web: 'quay.io/gefyra/carrier:2.0.0' } }, signal());
    const after = cluster.peekPod(ref);
    expect(web(after)).toMatchObject({
      image: 'quay.io/gefyra/carrier:2.0.0',
      restartCount: 1,
      ready: true,
      current: { state: 'running' },
    });
    expect(web(after)?.imageID).toContain('quay.io/gefyra/carrier@sha256:');
    expect(web(after)?.containerID).not.toBe(web(before)?.containerID);
    expect(after && findContainerStatus(after, 'sidecar')).toEqual(sidecarBefore);
    expect(after?.podIP).toBe(before?.podIP);
  });

  it('shows the state right after the patch while the kubelet is stopped', async () => {
    const cluster = newCluster();
    const before = cluster.peekPod(ref);
    cluster.stopKubelet();
    const patched = await cluster.patchPod(ref, { images: { web: 'carrier:2' } }, signal());
    expect(patched.containers.find((container) => container.name === 'web')?.image).toBe('carrier:2');
    expect(web(cluster.peekPod(ref))).toEqual(web(before));
    cluster.startKubelet();
    expect(web(cluster.peekPod(ref))).toMatchObject({ image: 'carrier:2', restartCount: 1 });
  });

  it('leaves a pod created while the kubelet is stopped Pending, and runs it on start', async () => {
    const cluster = newCluster();
    cluster.stopKubelet();
    await cluster.create(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'late', namespace: 'app' },
        spec: { containers: [{ name: 'c', image: 'x' }] },
      },
      signal(),
    );
    expect(cluster.peekPod({ namespace: 'app', name: 'late' })).toMatchObject({
      phase: 'Pending',
      ready: false,
      containerStatuses: [],
    });
    cluster.startKubelet();
    expect(cluster.peekPod({ namespace: 'app', name: 'late' })).toMatchObject({ phase: 'Running', ready: true });
  });

  it('fails image pulls: a new pod stays Pending, a patched container waits, and both start once pulls succeed', async () => {
    const cluster = newCluster();
    const allowPulls = cluster.failImagePull(/carrier/);
    cluster.addPod({
      metadata: { name: 'fresh', namespace: 'app' },
      spec: { containers: [{ name: 'c', image: 'quay.io/gefyra/carrier:1' }] },
    });
    const fresh = cluster.peekPod({ namespace: 'app', name: 'fresh' });
    expect(fresh).toMatchObject({ phase: 'Pending', ready: false });
    expect(fresh?.containerStatuses[0]).toMatchObject({
      imageID: '',
      current: { state: 'waiting', reason: 'ErrImagePull' },
    });
    expect(fresh?.containerStatuses[0]?.containerID).toBeUndefined();

    await cluster.patchPod(ref, { images: { web: 'quay.io/gefyra/carrier:1' } }, signal());
    const patched = cluster.peekPod(ref);
    expect(patched).toMatchObject({ phase: 'Running', ready: false });
    expect(web(patched)).toMatchObject({
      image: 'quay.io/gefyra/carrier:1',
      restartCount: 1,
      current: { state: 'waiting', reason: 'ErrImagePull' },
    });

    allowPulls();
    expect(cluster.peekPod({ namespace: 'app', name: 'fresh' })).toMatchObject({ phase: 'Running', ready: true });
    expect(web(cluster.peekPod(ref))).toMatchObject({ restartCount: 1, ready: true, current: { state: 'running' } });
  });

  it("turns a failed pull into ImagePullBackOff once its back-off time is up, as the control plane's node does (one state machine)", () => {
    let now = new Date('2024-05-01T10:00:00Z');
    const cluster = new SimulatedCluster({ namespaces: ['app'], clock: { now: () => now } });
    cluster.failImagePull(/carrier/);
    cluster.addPod({
      metadata: { name: 'fresh', namespace: 'app' },
      spec: { containers: [{ name: 'c', image: 'quay.io/gefyra/carrier:1' }] },
    });
    const fresh = () => cluster.peekPod({ namespace: 'app', name: 'fresh' })?.containerStatuses[0]?.current;
    expect(fresh()).toMatchObject({ state: 'waiting', reason: 'ErrImagePull' });
    now = new Date('2024-05-01T10:00:01Z');
    // The in-memory kubelet looks again whenever it syncs (here: started again).
    cluster.stopKubelet();
    cluster.startKubelet();
    expect(fresh()).toMatchObject({ state: 'waiting', reason: 'ImagePullBackOff' });
  });

  it('keeps matching pods unready while neverReady holds', () => {
    const cluster = newCluster();
    const release = cluster.neverReady((pod) => pod.labels['app'] === 'web');
    expect(cluster.peekPod(ref)).toMatchObject({ phase: 'Running', ready: false });
    expect(web(cluster.peekPod(ref))).toMatchObject({ ready: false, current: { state: 'running' } });
    release();
    expect(cluster.peekPod(ref)?.ready).toBe(true);
    const pod = cluster.addPod(
      { metadata: { name: 'slow', namespace: 'app' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      { ready: false },
    );
    expect(pod).toMatchObject({ phase: 'Running', ready: false });
  });

  it('sets phases: Succeeded stops the containers, Running starts them again', () => {
    const cluster = newCluster();
    cluster.setPodPhase(ref, 'Succeeded');
    const done = cluster.peekPod(ref);
    expect(done).toMatchObject({ phase: 'Succeeded', ready: false });
    expect(web(done)?.current).toEqual({ state: 'terminated', reason: 'Completed', exitCode: 0 });
    cluster.setPodPhase(ref, 'Running');
    expect(cluster.peekPod(ref)).toMatchObject({ phase: 'Running', ready: true });
    expect(web(cluster.peekPod(ref))?.restartCount).toBe(1);
    cluster.setPodPhase(ref, 'Unknown');
    expect(cluster.peekPod(ref)).toMatchObject({ phase: 'Unknown', ready: false });
  });

  it('restarts one container on request', () => {
    const cluster = newCluster();
    const before = web(cluster.peekPod(ref));
    cluster.restartContainer(target);
    const after = web(cluster.peekPod(ref));
    expect(after?.restartCount).toBe(1);
    expect(after?.containerID).not.toBe(before?.containerID);
    expect(cluster.containerIdOf(target)).toBe(after?.containerID);
  });

  it('writes pod status through status updates the watch stream sees', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['app'] });
    const events: WatchEvent[] = [];
    cluster.subscribe((event) => events.push(event));
    await cluster.create(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', namespace: 'app' },
        spec: { containers: [{ name: 'c', image: 'x' }] },
      },
      signal(),
    );
    expect(events.map((event) => [event.type, (event.object['status'] as { phase?: string }).phase])).toEqual([
      ['ADDED', 'Pending'],
      ['MODIFIED', 'Running'],
    ]);
  });
});
