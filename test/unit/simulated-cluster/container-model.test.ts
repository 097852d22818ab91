import { describe, expect, it } from 'vitest';
import {
  containerStatusJson,
  endRunning,
  imageIdOf,
  recreating,
  restartRunning,
  stepContainer,
  type ContainerConditions,
  type ContainerModel,
} from '../../support/simulated-cluster/container-model.js';

// The container state machine both simulated kubelets use (the in-memory
// cluster's and the control plane's node), step by step on a given clock.
const T0 = Date.parse('2024-05-01T10:00:00Z');
const conditions = (changes: Partial<ContainerConditions> = {}): ContainerConditions => ({
  pullFails: () => false,
  crashing: false,
  imagePullBackOffAfterMs: 1_000,
  crashLoopIntervalMs: 2_000,
  startDelayMs: 0,
  ...changes,
});
const step = (
  previous: ContainerModel | undefined,
  image: string,
  at: number,
  changes: Partial<ContainerConditions> = {},
) => stepContainer('web', previous, image, conditions(changes), at);

describe('container state machine', () => {
  it('starts a new container at once: running, an image id, a container id', () => {
    const { model, wakeAt } = step(undefined, 'nginx:1.25', T0);
    expect(model).toMatchObject({
      image: 'nginx:1.25',
      imageID: imageIdOf('nginx:1.25'),
      restartCount: 0,
      state: { kind: 'running', startedAt: T0 },
    });
    expect(model.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(wakeAt).toBeUndefined();
  });

  it('waits ContainerCreating for the start delay, then runs', () => {
    const creating = step(undefined, 'nginx:1.25', T0, { startDelayMs: 500 });
    expect(creating).toMatchObject({
      model: { containerID: '', state: { kind: 'waiting', reason: 'ContainerCreating' } },
      wakeAt: T0 + 500,
    });
    expect(step(creating.model, 'nginx:1.25', T0 + 499, { startDelayMs: 500 }).model.state.kind).toBe('waiting');
    expect(step(creating.model, 'nginx:1.25', T0 + 500, { startDelayMs: 500 }).model.state).toEqual({
      kind: 'running',
      startedAt: T0 + 500,
    });
  });

  it('a failed pull: ErrImagePull, ImagePullBackOff once the back-off time is up, running once pulls work', () => {
    const failing = { pullFails: () => true };
    const pulled = step(undefined, 'registry.invalid/x:1', T0, failing);
    expect(pulled.model).toMatchObject({
      imageID: '',
      containerID: '',
      state: { kind: 'waiting', reason: 'ErrImagePull' },
    });
    expect(pulled.wakeAt).toBe(T0 + 1_000);
    expect(step(pulled.model, 'registry.invalid/x:1', T0 + 999, failing).model.state).toMatchObject({
      reason: 'ErrImagePull',
    });
    const backOff = step(pulled.model, 'registry.invalid/x:1', T0 + 1_000, failing).model;
    expect(backOff.state).toMatchObject({
      kind: 'waiting',
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "registry.invalid/x:1"',
    });
    const running = step(backOff, 'registry.invalid/x:1', T0 + 2_000).model;
    expect(running).toMatchObject({ restartCount: 0, state: { kind: 'running' } });
    expect(running.lastTerminated).toBeUndefined();
  });

  it('a patched image: the running instance ends (Completed) and the new image starts, one restart more', () => {
    const first = step(undefined, 'nginx:1.25', T0).model;
    const patched = step(first, 'quay.io/gefyra/carrier:0.13.0', T0 + 5_000).model;
    expect(patched).toMatchObject({
      image: 'quay.io/gefyra/carrier:0.13.0',
      restartCount: 1,
      state: { kind: 'running', startedAt: T0 + 5_000 },
    });
    expect(patched.lastTerminated).toEqual({
      exitCode: 0,
      reason: 'Completed',
      startedAt: T0,
      finishedAt: T0 + 5_000,
      containerID: first.containerID,
    });
    expect(patched.containerID).not.toBe(first.containerID);
  });

  it('crashing: CrashLoopBackOff, crashes again after each back-off, runs once the control is undone', () => {
    const crashing = { crashing: true };
    const crashed = step(undefined, 'nginx:1.25', T0, crashing);
    expect(crashed.model).toMatchObject({
      restartCount: 1,
      state: { kind: 'waiting', reason: 'CrashLoopBackOff' },
      lastTerminated: { exitCode: 1, reason: 'Error' },
    });
    expect(crashed.wakeAt).toBe(T0 + 2_000);
    expect(step(crashed.model, 'nginx:1.25', T0 + 2_000, crashing).model.restartCount).toBe(2);
    expect(step(crashed.model, 'nginx:1.25', T0 + 500).model).toMatchObject({
      restartCount: 1,
      state: { kind: 'running' },
    });
  });

  it('restartRunning: a new instance at once, with the exit given; a container that does not run is left alone', () => {
    const running = step(undefined, 'nginx:1.25', T0).model;
    const restarted = restartRunning(running, T0 + 1_000, { exitCode: 137, reason: 'Error' });
    expect(restarted).toMatchObject({
      restartCount: 1,
      state: { kind: 'running', startedAt: T0 + 1_000 },
      lastTerminated: { exitCode: 137, reason: 'Error' },
    });
    const waiting = step(undefined, 'x:1', T0, { pullFails: () => true }).model;
    expect(restartRunning(waiting, T0 + 1_000)).toBe(waiting);
  });

  it('endRunning: terminated until its pod runs again, then a restart', () => {
    const running = step(undefined, 'nginx:1.25', T0).model;
    const ended = endRunning(running, 0, 'Completed', T0 + 1_000);
    expect(ended.state).toEqual({
      kind: 'terminated',
      exitCode: 0,
      reason: 'Completed',
      startedAt: T0,
      finishedAt: T0 + 1_000,
    });
    expect(containerStatusJson(ended, false)['state']).toEqual({
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: '2024-05-01T10:00:00Z',
        finishedAt: '2024-05-01T10:00:01Z',
        containerID: running.containerID,
      },
    });
    const again = step(ended, 'nginx:1.25', T0 + 2_000).model;
    expect(again).toMatchObject({
      restartCount: 1,
      state: { kind: 'running' },
      lastTerminated: { reason: 'Completed', containerID: running.containerID },
    });
  });

  it('recreating: no instance while its pod is Pending again; the next step creates one without counting a restart', () => {
    const running = step(undefined, 'nginx:1.25', T0).model;
    const pending = recreating(running, T0 + 1_000);
    expect(containerStatusJson(pending, false)).toMatchObject({
      state: { waiting: { reason: 'ContainerCreating' } },
      started: false,
    });
    expect(containerStatusJson(pending, false)).not.toHaveProperty('containerID');
    expect(step(pending, 'nginx:1.25', T0 + 2_000).model).toMatchObject({
      restartCount: 0,
      state: { kind: 'running' },
    });
  });

  it('reports the status a kubelet writes: seconds-precision times, the last termination, no container id before one exists', () => {
    const patched = step(step(undefined, 'nginx:1.25', T0 + 250).model, 'carrier:1', T0 + 3_700).model;
    expect(containerStatusJson(patched, true)).toEqual({
      name: 'web',
      state: { running: { startedAt: '2024-05-01T10:00:03Z' } },
      lastState: {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt: '2024-05-01T10:00:00Z',
          finishedAt: '2024-05-01T10:00:03Z',
          containerID: expect.stringMatching(/^containerd:\/\//),
        },
      },
      ready: true,
      restartCount: 1,
      image: 'carrier:1',
      imageID: imageIdOf('carrier:1'),
      containerID: patched.containerID,
      started: true,
    });
  });
});
