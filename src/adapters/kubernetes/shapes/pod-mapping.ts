import type {
  ContainerPort,
  ContainerSpec,
  ContainerState,
  ContainerStatus,
  Pod,
  PodPhase,
  Probe,
} from '../../../domain/cluster/pod.js';
import {
  arrayAt,
  booleanAt,
  dateAt,
  intOrStringAt,
  isRecord,
  numberAt,
  recordAt,
  stringAt,
  stringMapAt,
} from '../../../domain/json-reading.js';

/**
 * Maps a Kubernetes Pod onto the domain's Pod view. Accepts a plain JSON pod
 * (a Manifest, a watch event's object) as well as a client-node `V1Pod`,
 * whose timestamps are Dates: every ClusterApi implementation maps pods here,
 * so the fake and the real adapter cannot disagree on what a pod means.
 */
export function toDomainPod(source: object): Pod {
  const metadata = recordAt(source, 'metadata');
  const spec = recordAt(source, 'spec');
  const status = recordAt(source, 'status');
  const podIP = stringAt(status, 'podIP');
  return {
    namespace: stringAt(metadata, 'namespace') ?? '',
    name: stringAt(metadata, 'name') ?? '',
    uid: stringAt(metadata, 'uid') ?? '',
    resourceVersion: stringAt(metadata, 'resourceVersion') ?? '',
    createdAt: dateAt(metadata, 'creationTimestamp') ?? new Date(0),
    deleting: metadata?.['deletionTimestamp'] !== undefined && metadata['deletionTimestamp'] !== null,
    labels: stringMapAt(metadata, 'labels'),
    annotations: stringMapAt(metadata, 'annotations'),
    ownerCount: arrayAt(metadata, 'ownerReferences').length,
    phase: phaseOf(stringAt(status, 'phase')),
    ...(podIP === undefined || podIP === '' ? {} : { podIP }),
    ready: arrayAt(status, 'conditions').some(
      (condition) => stringAt(condition, 'type') === 'Ready' && stringAt(condition, 'status') === 'True',
    ),
    containers: arrayAt(spec, 'containers').filter(isRecord).map(toContainerSpec),
    containerStatuses: arrayAt(status, 'containerStatuses').filter(isRecord).map(toContainerStatus),
  };
}

const PHASES: ReadonlySet<string> = new Set<PodPhase>(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

function phaseOf(phase: string | undefined): PodPhase {
  // The API server sets Pending on create; a missing phase is a pod nobody has looked at yet.
  if (phase === undefined) return 'Pending';
  return PHASES.has(phase) ? (phase as PodPhase) : 'Unknown';
}

function toContainerSpec(container: Readonly<Record<string, unknown>>): ContainerSpec {
  const command = stringList(container['command']);
  const args = stringList(container['args']);
  const liveness = toProbe(container['livenessProbe']);
  const readiness = toProbe(container['readinessProbe']);
  const startup = toProbe(container['startupProbe']);
  return {
    name: stringAt(container, 'name') ?? '',
    image: stringAt(container, 'image') ?? '',
    ...(command === undefined ? {} : { command }),
    ...(args === undefined ? {} : { args }),
    ports: arrayAt(container, 'ports').filter(isRecord).map(toContainerPort),
    probes: {
      ...(liveness === undefined ? {} : { liveness }),
      ...(readiness === undefined ? {} : { readiness }),
      ...(startup === undefined ? {} : { startup }),
    },
  };
}

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((entry): entry is string => typeof entry === 'string');
}

function toContainerPort(port: Readonly<Record<string, unknown>>): ContainerPort {
  const protocol = stringAt(port, 'protocol');
  const name = stringAt(port, 'name');
  return {
    containerPort: numberAt(port, 'containerPort') ?? 0,
    protocol: protocol === 'UDP' || protocol === 'SCTP' ? protocol : 'TCP',
    ...(name === undefined ? {} : { name }),
  };
}

function toProbe(probe: unknown): Probe | undefined {
  if (!isRecord(probe)) return undefined;
  const httpGet = recordAt(probe, 'httpGet');
  if (httpGet) return { kind: 'httpGet', port: intOrStringAt(httpGet, 'port') ?? 0 };
  const tcpSocket = recordAt(probe, 'tcpSocket');
  if (tcpSocket) return { kind: 'tcpSocket', port: intOrStringAt(tcpSocket, 'port') ?? 0 };
  if (recordAt(probe, 'exec')) return { kind: 'exec' };
  const grpc = recordAt(probe, 'grpc');
  if (grpc) return { kind: 'grpc', port: numberAt(grpc, 'port') ?? 0 };
  return undefined;
}

function toContainerStatus(status: Readonly<Record<string, unknown>>): ContainerStatus {
  const containerID = stringAt(status, 'containerID');
  return {
    name: stringAt(status, 'name') ?? '',
    image: stringAt(status, 'image') ?? '',
    imageID: stringAt(status, 'imageID') ?? '',
    ...(containerID === undefined || containerID === '' ? {} : { containerID }),
    ready: booleanAt(status, 'ready') ?? false,
    restartCount: numberAt(status, 'restartCount') ?? 0,
    current: toContainerState(recordAt(status, 'state')),
  };
}

function toContainerState(state: Readonly<Record<string, unknown>> | undefined): ContainerState {
  const running = recordAt(state, 'running');
  if (running) return { state: 'running', startedAt: dateAt(running, 'startedAt') ?? new Date(0) };
  const terminated = recordAt(state, 'terminated');
  if (terminated) {
    const message = stringAt(terminated, 'message');
    return {
      state: 'terminated',
      reason: stringAt(terminated, 'reason') ?? 'Unknown',
      exitCode: numberAt(terminated, 'exitCode') ?? 0,
      ...(message === undefined ? {} : { message }),
    };
  }
  const waiting = recordAt(state, 'waiting');
  const message = stringAt(waiting, 'message');
  // A status without a state is a container the kubelet has not started yet.
  return {
    state: 'waiting',
    reason: stringAt(waiting, 'reason') ?? 'ContainerCreating',
    ...(message === undefined ? {} : { message }),
  };
}
