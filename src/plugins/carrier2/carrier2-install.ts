import { findContainer, probePortNumber, type ContainerSpec, type Pod, type Probe } from '../../domain/cluster/pod.js';
import type { CarrierProblem } from '../../ports/carrier-installer.port.js';

/** An original pod of the mounted workload, as the install needs it. */
export interface OriginalPod {
  readonly name: string;
  /** How many owners its metadata lists: carrier2 is installed only into pods with at most one. */
  readonly ownerCount: number;
  readonly container: ContainerSpec | undefined;
}

/**
 * Why carrier2 cannot take the place of the pod's container (contract §4
 * "Install"): the container is not there, the pod has several owners, or a
 * probe carrier2 cannot answer (exec, tcpSocket, gRPC) would fail it.
 */
export function carrier2InstallRefusal(pod: OriginalPod, containerName: string): string | undefined {
  if (pod.container === undefined) return `pod ${pod.name} has no container ${containerName}`;
  if (pod.ownerCount > 1) {
    return `pod ${pod.name} has ${pod.ownerCount} owners; carrier2 is installed only into pods with one owner at most`;
  }
  const unanswerable = probesOf(pod.container).filter(({ probe }) => probe.kind !== 'httpGet');
  if (unanswerable.length > 0) {
    const names = unanswerable.map(({ which, probe }) => `${which} (${probe.kind})`).join(', ');
    return `container ${containerName} of pod ${pod.name} has probes carrier2 cannot answer: ${names}; only httpGet probes can be kept`;
  }
  return undefined;
}

/** carrier2InstallRefusal of a pod as the port hands it over (a pod read without its owners counts as having none). */
export function carrier2Problems(pod: Pod, containerName: string): CarrierProblem[] {
  const refusal = carrier2InstallRefusal(
    { name: pod.name, ownerCount: pod.ownerCount ?? 0, container: findContainer(pod, containerName) },
    containerName,
  );
  return refusal === undefined ? [] : [{ reason: 'Carrier2NotInstallable', message: refusal }];
}

/** The httpGet probe ports that are not container ports: carrier2 answers them itself (its `probes.httpGet`). */
export function carrier2ProbePorts(container: ContainerSpec): number[] {
  const served = new Set(container.ports.map((port) => port.containerPort));
  const ports = probesOf(container).flatMap(({ probe }) => {
    if (probe.kind !== 'httpGet') return [];
    const port = probePortNumber(probe.port, container.ports);
    return port === undefined || served.has(port) ? [] : [port];
  });
  return [...new Set(ports)].sort((a, b) => a - b);
}

function probesOf(container: ContainerSpec): { readonly which: string; readonly probe: Probe }[] {
  return Object.entries(container.probes).flatMap(([which, probe]) => (probe === undefined ? [] : [{ which, probe }]));
}
