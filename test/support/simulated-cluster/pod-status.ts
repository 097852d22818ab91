import { containerStatusJson, timestamp, type ContainerModel } from './container-model.js';

// The pod status both simulated kubelets write (the in-memory cluster's and the
// control plane's node), built from their containers' state machines.

/** A pod status as JSON, the shape written through the pods/status subresource. */
export interface PodStatusJson {
  readonly phase: PodStatusPhase;
  readonly conditions: ConditionJson[];
  readonly hostIP: string;
  readonly podIP: string;
  readonly podIPs: { ip: string }[];
  readonly startTime: string;
  readonly containerStatuses: Record<string, unknown>[];
  readonly initContainerStatuses?: Record<string, unknown>[];
}

interface ConditionJson {
  type: string;
  status: 'True' | 'False';
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export type PodStatusPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** A condition as stored: its transition time a Date (client-node) or a string (JSON). */
export interface StoredCondition {
  readonly type?: string;
  readonly status?: string;
  readonly lastTransitionTime?: Date | string;
}

export interface PodStatusInput {
  readonly hostIP: string;
  readonly podIP: string;
  readonly startTime: number;
  /** In spec order. */
  readonly containers: readonly ContainerModel[];
  readonly initContainers: readonly ContainerModel[];
  /** Per container name: ready when running (readiness probes and test controls decided). */
  readonly ready: (container: ContainerModel) => boolean;
  /** The conditions currently stored, so that unchanged ones keep their transition time. */
  readonly previousConditions: readonly StoredCondition[];
  readonly now: number;
  /** A phase the kubelet's rule does not decide (the in-memory cluster's tests force one). */
  readonly phase?: PodStatusPhase;
}

/**
 * The status a kubelet would report for these containers: phase by the
 * kubelet's rule (a container waiting for its first start keeps the pod
 * Pending; one waiting to restart counts as running), the four standard
 * conditions, and container statuses sorted by name as the kubelet sorts them.
 */
export function buildPodStatus(input: PodStatusInput): PodStatusJson {
  const initDone = input.initContainers.every(isCompletedInit);
  const pendingInit = input.initContainers.filter((c) => !isCompletedInit(c)).map((c) => c.name);
  const unready = input.containers.filter((c) => !(c.state.kind === 'running' && input.ready(c))).map((c) => c.name);
  const waitingFirstStart = input.containers.some((c) => c.state.kind === 'waiting' && c.lastTerminated === undefined);
  const phase = input.phase ?? (!initDone || waitingFirstStart ? 'Pending' : 'Running');
  const condition = (type: string, ok: boolean, reason: string, message: string): ConditionJson => {
    const status = ok ? 'True' : 'False';
    const previous = input.previousConditions.find((c) => c.type === type && c.status === status);
    const since =
      previous?.lastTransitionTime === undefined
        ? timestamp(input.now)
        : timestamp(new Date(previous.lastTransitionTime).getTime());
    return ok
      ? { type, status, lastProbeTime: null, lastTransitionTime: since }
      : { type, status, lastProbeTime: null, lastTransitionTime: since, reason, message };
  };
  const notReadyMessage = `containers with unready status: [${unready.join(' ')}]`;
  const status: PodStatusJson = {
    phase,
    conditions: [
      condition(
        'Initialized',
        initDone,
        'ContainersNotInitialized',
        `containers with incomplete status: [${pendingInit.join(' ')}]`,
      ),
      condition('Ready', unready.length === 0 && initDone, 'ContainersNotReady', notReadyMessage),
      condition('ContainersReady', unready.length === 0 && initDone, 'ContainersNotReady', notReadyMessage),
      condition('PodScheduled', true, '', ''),
    ],
    hostIP: input.hostIP,
    podIP: input.podIP,
    podIPs: [{ ip: input.podIP }],
    startTime: timestamp(input.startTime),
    containerStatuses: sortByName(input.containers).map((c) =>
      containerStatusJson(c, c.state.kind === 'running' && input.ready(c)),
    ),
  };
  if (input.initContainers.length === 0) return status;
  return { ...status, initContainerStatuses: input.initContainers.map(initContainerStatus) };
}

function isCompletedInit(container: ContainerModel): boolean {
  return container.imageID !== '' && container.state.kind === 'running';
}

function sortByName(containers: readonly ContainerModel[]): ContainerModel[] {
  return [...containers].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Init containers are not run: one whose image can be pulled is reported as
 * completed at once (the model calls that state "running"), so pods with init
 * containers start like any other.
 */
function initContainerStatus(container: ContainerModel): Record<string, unknown> {
  const base = containerStatusJson(container, false);
  const state = container.state;
  if (state.kind !== 'running') return base;
  const at = timestamp(state.startedAt);
  return {
    ...base,
    state: {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: at,
        finishedAt: at,
        containerID: container.containerID,
      },
    },
    ready: true,
    started: false,
  };
}
