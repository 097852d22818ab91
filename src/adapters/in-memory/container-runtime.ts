import { createHash, randomBytes } from 'node:crypto';

/**
 * One container as the fake kubelet runs it: which image the current (or,
 * while waiting, the wanted) instance has, its ids, restarts and state. The
 * functions move a container the way a kubelet would; they never touch the store.
 */
export type InstanceState =
  | { readonly kind: 'running'; readonly startedAt: string }
  | { readonly kind: 'waiting'; readonly reason: string; readonly message?: string }
  | { readonly kind: 'terminated'; readonly reason: string; readonly exitCode: number; readonly startedAt: string; readonly finishedAt: string };

export interface ContainerInstance {
  readonly name: string;
  readonly image: string;
  /** Empty until the image was pulled. */
  readonly imageID: string;
  /** Empty while no instance exists. */
  readonly containerID: string;
  readonly restartCount: number;
  readonly state: InstanceState;
  readonly lastState?: InstanceState;
  /** Whether an instance ever ran: a later start counts as a restart. */
  readonly hasRun: boolean;
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

const newContainerId = (): string => `containerd://${randomBytes(32).toString('hex')}`;

/** A fresh instance of `image`: running, or waiting on a failed pull. */
export function startInstance(
  previous: ContainerInstance | undefined,
  name: string,
  image: string,
  pullFails: boolean,
  now: string,
): ContainerInstance {
  const restartCount = previous === undefined ? 0 : previous.restartCount + (previous.hasRun && previous.state.kind !== 'waiting' ? 1 : 0);
  const base = {
    name,
    image,
    restartCount,
    hasRun: previous?.hasRun ?? false,
    ...(previous?.lastState === undefined ? {} : { lastState: previous.lastState }),
  };
  if (pullFails) {
    return {
      ...base,
      imageID: '',
      containerID: '',
      state: {
        kind: 'waiting',
        reason: 'ErrImagePull',
        message: `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found (in-memory cluster)`,
      },
    };
  }
  return { ...base, imageID: imageIdOf(image), containerID: newContainerId(), hasRun: true, state: { kind: 'running', startedAt: now } };
}

/** The running instance ends (killed for a new image, crashed, or the pod finished). */
export function stopInstance(instance: ContainerInstance, reason: string, exitCode: number, now: string): ContainerInstance {
  if (instance.state.kind !== 'running') return instance;
  const terminated: InstanceState = { kind: 'terminated', reason, exitCode, startedAt: instance.state.startedAt, finishedAt: now };
  return { ...instance, state: terminated, lastState: terminated };
}

/** What a kubelet does to a container whose spec says `specImage`. */
export function syncInstance(
  previous: ContainerInstance | undefined,
  name: string,
  specImage: string,
  pullFails: (image: string) => boolean,
  now: string,
): ContainerInstance {
  if (previous === undefined) return startInstance(undefined, name, specImage, pullFails(specImage), now);
  if (previous.image !== specImage) {
    // The image was patched: the kubelet kills the container and starts the new image in its place.
    return startInstance(stopInstance(previous, 'Completed', 0, now), name, specImage, pullFails(specImage), now);
  }
  if (previous.state.kind === 'running') return previous;
  if (previous.state.kind === 'waiting' && pullFails(specImage)) return previous;
  // Waiting on a pull that now works, or stopped (a forced phase was lifted): start it.
  return startInstance(previous, name, specImage, pullFails(specImage), now);
}

/** The `containerStatuses[]` entry the kubelet reports. */
export function containerStatusJson(instance: ContainerInstance, ready: boolean): Record<string, unknown> {
  return {
    name: instance.name,
    image: instance.image,
    imageID: instance.imageID,
    ...(instance.containerID === '' ? {} : { containerID: instance.containerID }),
    ready,
    restartCount: instance.restartCount,
    started: instance.state.kind === 'running',
    state: stateJson(instance.state),
    lastState: instance.lastState === undefined ? {} : stateJson(instance.lastState),
  };
}

function stateJson(state: InstanceState): Record<string, unknown> {
  switch (state.kind) {
    case 'running':
      return { running: { startedAt: state.startedAt } };
    case 'waiting':
      return { waiting: state.message === undefined ? { reason: state.reason } : { reason: state.reason, message: state.message } };
    case 'terminated':
      return {
        terminated: { exitCode: state.exitCode, reason: state.reason, startedAt: state.startedAt, finishedAt: state.finishedAt },
      };
  }
}
