import { randomBytes } from 'node:crypto';
// The in-memory cluster's image ids: a test can predict them, and both fakes report the same one for an image.
import { imageIdOf } from '../../../../src/adapters/in-memory/container-runtime.js';

export type ContainerState =
  | { readonly kind: 'running'; readonly startedAt: number }
  /** `since` is when the container entered this wait (ms since the epoch). */
  | { readonly kind: 'waiting'; readonly reason: WaitingReason; readonly message?: string; readonly since: number };

export type WaitingReason = 'ContainerCreating' | 'ErrImagePull' | 'ImagePullBackOff' | 'CrashLoopBackOff';

export interface TerminatedState {
  readonly exitCode: number;
  readonly reason: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly containerID: string;
}

/** What the simulated kubelet knows about one container of a pod. */
export interface ContainerModel {
  readonly name: string;
  /** Image of the current (or, while waiting, the wanted) instance: what the status reports. */
  readonly image: string;
  /** Empty until the image was "pulled". */
  readonly imageID: string;
  /** Empty while no instance exists. */
  readonly containerID: string;
  readonly restartCount: number;
  readonly state: ContainerState;
  readonly lastTerminated?: TerminatedState;
}

/** Test controls and timing that decide how a container moves on. */
export interface ContainerConditions {
  readonly pullFails: (image: string) => boolean;
  readonly crashing: boolean;
  readonly imagePullBackOffAfterMs: number;
  readonly crashLoopIntervalMs: number;
  readonly startDelayMs: number;
}

export interface ContainerStep {
  readonly model: ContainerModel;
  /** When the container should be looked at again (a back-off ends, a start delay is over). */
  readonly wakeAt?: number;
}

function newContainerId(): string {
  return `docker://${randomBytes(32).toString('hex')}`;
}

/**
 * Moves a container one step the way a kubelet would, given its spec image and
 * the test controls: create it, pull (or fail to pull) its image, restart it
 * when its image was patched, crash-loop it, bring it back when a control is
 * undone. Pure apart from generating container IDs.
 */
export function stepContainer(
  name: string,
  previous: ContainerModel | undefined,
  specImage: string,
  conditions: ContainerConditions,
  now: number,
): ContainerStep {
  if (previous === undefined) {
    const fresh: ContainerModel = { name, image: specImage, imageID: '', containerID: '', restartCount: 0, state: waiting('ContainerCreating', now) };
    return afterStart(create(fresh, specImage, conditions, now), conditions, now);
  }
  if (previous.image !== specImage) {
    // The image was patched: the kubelet kills the container and starts the new image in its place.
    const killed = previous.state.kind === 'running' ? terminate(previous, 0, 'Completed', now) : previous;
    return afterStart(create(killed, specImage, conditions, now), conditions, now);
  }
  const state = previous.state;
  if (state.kind === 'running') return afterStart({ model: previous }, conditions, now);
  switch (state.reason) {
    case 'ContainerCreating':
      if (now < state.since + conditions.startDelayMs) return { model: previous, wakeAt: state.since + conditions.startDelayMs };
      return afterStart(pull(previous, conditions, now), conditions, now);
    case 'ErrImagePull':
    case 'ImagePullBackOff':
      return afterStart(pull(previous, conditions, now), conditions, now);
    case 'CrashLoopBackOff':
      if (!conditions.crashing) return { model: run(previous, now) };
      if (now < state.since + conditions.crashLoopIntervalMs) return { model: previous, wakeAt: state.since + conditions.crashLoopIntervalMs };
      // Back-off over: it ran again and crashed again.
      return crash(run(previous, state.since + conditions.crashLoopIntervalMs), conditions, now);
  }
}

/** A new instance of `image`: created now, or after the configured start delay. */
function create(model: ContainerModel, image: string, conditions: ContainerConditions, now: number): ContainerStep {
  const creating: ContainerModel = { ...model, image, imageID: '', containerID: '', state: waiting('ContainerCreating', now) };
  if (conditions.startDelayMs > 0) return { model: creating, wakeAt: now + conditions.startDelayMs };
  return pull(creating, conditions, now);
}

function pull(model: ContainerModel, conditions: ContainerConditions, now: number): ContainerStep {
  if (!conditions.pullFails(model.image)) return { model: run(model, now) };
  const state = model.state;
  if (state.kind === 'waiting' && state.reason === 'ImagePullBackOff') return { model };
  if (state.kind === 'waiting' && state.reason === 'ErrImagePull') {
    const backOffAt = state.since + conditions.imagePullBackOffAfterMs;
    if (now < backOffAt) return { model, wakeAt: backOffAt };
    return { model: { ...model, state: waiting('ImagePullBackOff', now, `Back-off pulling image "${model.image}"`) } };
  }
  const message = `rpc error: code = Unknown desc = Error response from daemon: pull access denied for ${model.image}, repository does not exist or may require 'docker login' (simulated)`;
  return { model: { ...model, state: waiting('ErrImagePull', now, message) }, wakeAt: now + conditions.imagePullBackOffAfterMs };
}

function run(model: ContainerModel, now: number): ContainerModel {
  return { ...model, imageID: imageIdOf(model.image), containerID: newContainerId(), state: { kind: 'running', startedAt: now } };
}

function afterStart(step: ContainerStep, conditions: ContainerConditions, now: number): ContainerStep {
  if (step.model.state.kind === 'running' && conditions.crashing) return crash(step.model, conditions, now);
  return step;
}

function crash(model: ContainerModel, conditions: ContainerConditions, now: number): ContainerStep {
  const crashed = terminate(model, 1, 'Error', now);
  const message = `back-off ${Math.round(conditions.crashLoopIntervalMs / 1000)}s restarting failed container=${model.name}`;
  return { model: { ...crashed, state: waiting('CrashLoopBackOff', now, message) }, wakeAt: now + conditions.crashLoopIntervalMs };
}

/** The running instance ends by itself (its main process exits 0) and the kubelet starts the next one at once. */
export function restartRunning(model: ContainerModel, now: number): ContainerModel {
  return model.state.kind === 'running' ? run(terminate(model, 0, 'Completed', now), now) : model;
}

/** The running instance ends; the next one counts as a restart. */
function terminate(model: ContainerModel, exitCode: number, reason: string, now: number): ContainerModel {
  const startedAt = model.state.kind === 'running' ? model.state.startedAt : now;
  return {
    ...model,
    restartCount: model.restartCount + 1,
    lastTerminated: { exitCode, reason, startedAt, finishedAt: now, containerID: model.containerID },
    containerID: '',
  };
}

function waiting(reason: WaitingReason, since: number, message?: string): ContainerState {
  return message === undefined ? { kind: 'waiting', reason, since } : { kind: 'waiting', reason, message, since };
}
