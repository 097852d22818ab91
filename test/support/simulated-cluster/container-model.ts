import { createHash, randomBytes } from 'node:crypto';

/**
 * The one container state machine of both simulated kubelets: the in-memory
 * cluster's (pod-kubelet.ts) and the control plane's simulated node
 * (test/support/control-plane/node). Pure apart from generating container
 * IDs; times are milliseconds since the epoch, given by the caller's clock.
 */
export type ContainerState =
  | { readonly kind: 'running'; readonly startedAt: number }
  /** `since` is when the container entered this wait. */
  | { readonly kind: 'waiting'; readonly reason: WaitingReason; readonly message?: string; readonly since: number }
  /** Ended and not started again: its pod finished (a phase the in-memory cluster's tests force). */
  | {
      readonly kind: 'terminated';
      readonly exitCode: number;
      readonly reason: string;
      readonly startedAt: number;
      readonly finishedAt: number;
    };

export type WaitingReason = 'ContainerCreating' | 'ErrImagePull' | 'ImagePullBackOff' | 'CrashLoopBackOff';

export interface TerminatedState {
  readonly exitCode: number;
  readonly reason: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly containerID: string;
}

/** What a simulated kubelet knows about one container of a pod. */
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

/** `docker-pullable://<repository>@sha256:<sha256 of the image reference>`: stable, so tests can predict it. */
export function imageIdOf(image: string): string {
  const digest = createHash('sha256').update(image).digest('hex');
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const tagColon = withoutDigest.indexOf(':', lastSlash + 1);
  const repository = tagColon >= 0 ? withoutDigest.slice(0, tagColon) : withoutDigest;
  return `docker-pullable://${repository}@sha256:${digest}`;
}

function newContainerId(): string {
  return `containerd://${randomBytes(32).toString('hex')}`;
}

/**
 * Moves a container one step the way a kubelet would, given its spec image and
 * the test controls: create it, pull (or fail to pull) its image, restart it
 * when its image was patched, crash-loop it, bring it back when a control is
 * undone or its pod runs again.
 */
export function stepContainer(
  name: string,
  previous: ContainerModel | undefined,
  specImage: string,
  conditions: ContainerConditions,
  now: number,
): ContainerStep {
  if (previous === undefined) {
    const fresh: ContainerModel = {
      name,
      image: specImage,
      imageID: '',
      containerID: '',
      restartCount: 0,
      state: waiting('ContainerCreating', now),
    };
    return afterStart(create(fresh, specImage, conditions, now), conditions, now);
  }
  if (previous.image !== specImage) {
    // The image was patched: the kubelet kills the container and starts the new image in its place.
    const killed = previous.state.kind === 'running' ? terminate(previous, 0, 'Completed', now) : previous;
    return afterStart(create(killed, specImage, conditions, now), conditions, now);
  }
  const state = previous.state;
  if (state.kind === 'running') return afterStart({ model: previous }, conditions, now);
  if (state.kind === 'terminated') {
    // Its pod runs again: the next instance counts as a restart.
    const ended = {
      ...previous,
      restartCount: previous.restartCount + 1,
      lastTerminated: { ...state, containerID: previous.containerID },
      containerID: '',
    };
    return afterStart(pull(ended, conditions, now), conditions, now);
  }
  switch (state.reason) {
    case 'ContainerCreating':
      if (now < state.since + conditions.startDelayMs)
        return { model: previous, wakeAt: state.since + conditions.startDelayMs };
      return afterStart(pull(previous, conditions, now), conditions, now);
    case 'ErrImagePull':
    case 'ImagePullBackOff':
      return afterStart(pull(previous, conditions, now), conditions, now);
    case 'CrashLoopBackOff':
      if (!conditions.crashing) return { model: run(previous, now) };
      if (now < state.since + conditions.crashLoopIntervalMs)
        return { model: previous, wakeAt: state.since + conditions.crashLoopIntervalMs };
      // Back-off over: it ran again and crashed again.
      return crash(run(previous, state.since + conditions.crashLoopIntervalMs), conditions, now);
  }
}

/** A new instance of `image`: created now, or after the configured start delay. */
function create(model: ContainerModel, image: string, conditions: ContainerConditions, now: number): ContainerStep {
  const creating: ContainerModel = {
    ...model,
    image,
    imageID: '',
    containerID: '',
    state: waiting('ContainerCreating', now),
  };
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
  const message =
    `rpc error: code = Unknown desc = Error response from daemon: ` +
    `pull access denied for ${model.image}, ` +
    `repository does not exist or may require 'docker login' (simulated)`;
  return {
    model: { ...model, imageID: '', containerID: '', state: waiting('ErrImagePull', now, message) },
    wakeAt: now + conditions.imagePullBackOffAfterMs,
  };
}

function run(model: ContainerModel, now: number): ContainerModel {
  return {
    ...model,
    imageID: imageIdOf(model.image),
    containerID: newContainerId(),
    state: { kind: 'running', startedAt: now },
  };
}

function afterStart(step: ContainerStep, conditions: ContainerConditions, now: number): ContainerStep {
  if (step.model.state.kind === 'running' && conditions.crashing) return crash(step.model, conditions, now);
  return step;
}

function crash(model: ContainerModel, conditions: ContainerConditions, now: number): ContainerStep {
  const crashed = terminate(model, 1, 'Error', now);
  const message = `back-off ${Math.round(conditions.crashLoopIntervalMs / 1000)}s restarting failed container=${model.name}`;
  return {
    model: { ...crashed, state: waiting('CrashLoopBackOff', now, message) },
    wakeAt: now + conditions.crashLoopIntervalMs,
  };
}

/**
 * The running instance ends by itself (its main process exits; by default
 * with 0, as `nginx -s stop` ends Carrier) and the kubelet starts the next
 * one at once. A container that does not run is left as it is.
 */
export function restartRunning(
  model: ContainerModel,
  now: number,
  ended: { readonly exitCode: number; readonly reason: string } = { exitCode: 0, reason: 'Completed' },
): ContainerModel {
  return model.state.kind === 'running' ? run(terminate(model, ended.exitCode, ended.reason, now), now) : model;
}

/** The running instance ends and is not started again (its pod finished); a later step starts the next. */
export function endRunning(model: ContainerModel, exitCode: number, reason: string, now: number): ContainerModel {
  if (model.state.kind !== 'running') return model;
  return {
    ...model,
    state: { kind: 'terminated', exitCode, reason, startedAt: model.state.startedAt, finishedAt: now },
  };
}

/** The instance is gone and a new one is being created (its pod went back to Pending). */
export function recreating(model: ContainerModel, now: number): ContainerModel {
  return { ...model, containerID: '', state: waiting('ContainerCreating', now) };
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

/** Seconds precision, as the API server stores metav1.Time. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The `containerStatuses[]` entry a kubelet reports for the container. */
export function containerStatusJson(container: ContainerModel, ready: boolean): Record<string, unknown> {
  return {
    name: container.name,
    state: stateJson(container.state, container.containerID),
    lastState: lastStateJson(container.lastTerminated),
    ready,
    restartCount: container.restartCount,
    image: container.image,
    imageID: container.imageID,
    ...(container.containerID === '' ? {} : { containerID: container.containerID }),
    started: container.state.kind === 'running',
  };
}

function stateJson(state: ContainerState, containerID: string): Record<string, unknown> {
  switch (state.kind) {
    case 'running':
      return { running: { startedAt: timestamp(state.startedAt) } };
    case 'waiting':
      return {
        waiting:
          state.message === undefined ? { reason: state.reason } : { reason: state.reason, message: state.message },
      };
    case 'terminated':
      return lastStateJson({ ...state, containerID });
  }
}

function lastStateJson(last: TerminatedState | undefined): Record<string, unknown> {
  if (last === undefined) return {};
  return {
    terminated: {
      exitCode: last.exitCode,
      reason: last.reason,
      startedAt: timestamp(last.startedAt),
      finishedAt: timestamp(last.finishedAt),
      ...(last.containerID === '' ? {} : { containerID: last.containerID }),
    },
  };
}
