/**
 * The operator's view of a Pod: only what the intercept and boot decisions
 * read. Adapters map Kubernetes pods onto this shape; nothing here is a
 * Kubernetes client type.
 */
export interface PodRef {
  readonly namespace: string;
  readonly name: string;
}

export interface ContainerRef extends PodRef {
  readonly container: string;
}

export type Probe =
  | { readonly kind: 'httpGet'; readonly port: number | string }
  | { readonly kind: 'tcpSocket'; readonly port: number | string }
  | { readonly kind: 'exec' }
  | { readonly kind: 'grpc'; readonly port: number };

export interface ContainerPort {
  readonly containerPort: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly name?: string;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly ports: readonly ContainerPort[];
  readonly probes: {
    readonly liveness?: Probe;
    readonly readiness?: Probe;
    readonly startup?: Probe;
  };
}

export type ContainerState =
  | { readonly state: 'running'; readonly startedAt: Date }
  | { readonly state: 'waiting'; readonly reason: string; readonly message?: string }
  | { readonly state: 'terminated'; readonly reason: string; readonly exitCode: number; readonly message?: string };

export interface ContainerStatus {
  readonly name: string;
  readonly image: string;
  readonly imageID: string;
  readonly containerID?: string;
  readonly ready: boolean;
  readonly restartCount: number;
  readonly current: ContainerState;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface Pod extends PodRef {
  readonly uid: string;
  readonly resourceVersion: string;
  readonly createdAt: Date;
  readonly deleting: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** How many owners its metadata lists (ownerReferences); undefined when the reader did not look. */
  readonly ownerCount?: number;
  readonly phase: PodPhase;
  readonly podIP?: string;
  readonly ready: boolean;
  readonly containers: readonly ContainerSpec[];
  readonly containerStatuses: readonly ContainerStatus[];
}

export const findContainer = (pod: Pod, name: string): ContainerSpec | undefined =>
  pod.containers.find((container) => container.name === name);

export const findContainerStatus = (pod: Pod, name: string): ContainerStatus | undefined =>
  pod.containerStatuses.find((status) => status.name === name);

/** A probe's port as a number: a named port through the container's port list; undefined when it names none. */
export function probePortNumber(port: number | string, declared: readonly ContainerPort[]): number | undefined {
  const number =
    typeof port === 'number' || /^\d+$/.test(port)
      ? Number(port)
      : declared.find((candidate) => candidate.name === port)?.containerPort;
  return number !== undefined && Number.isInteger(number) && number > 0 && number < 65536 ? number : undefined;
}

/** The first reason a pod gives for not running, e.g. `ImagePullBackOff`. */
export function podTroubleReason(pod: Pod): string | undefined {
  for (const status of pod.containerStatuses) {
    if (status.current.state === 'waiting' && status.current.reason !== 'ContainerCreating') {
      return status.current.message
        ? `${status.name}: ${status.current.reason} (${status.current.message})`
        : `${status.name}: ${status.current.reason}`;
    }
    if (status.current.state === 'terminated') {
      return `${status.name}: terminated with ${status.current.reason} (exit code ${status.current.exitCode})`;
    }
  }
  return undefined;
}
