import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { ExecCall, ExecHandler as CallHandler } from '../../../../src/adapters/in-memory/exec-handler.js';
import { toDomainPod } from '../../../../src/adapters/kubernetes/shapes/pod-mapping.js';
import type { PodStatusJson } from './pod-status.js';

export type { ExecRecord } from '../../simulated-cluster/exec-registry.js';

/**
 * One command run in a container through the kubelet's exec endpoint (or as
 * an exec readiness probe). It is the in-memory cluster's ExecCall, so that
 * every handler written for that fake (the Stowaway and Carrier simulators
 * among them) answers here unchanged, plus what only a real exec carries.
 */
export interface ExecRequest extends ExecCall {
  /** The Pod as the node last saw it through its watch. */
  readonly v1Pod: V1Pod;
  /** Everything the client sent on stdin; empty unless the exec asked for stdin. */
  readonly stdin: Buffer;
  /** The node's own credentials, for handlers that read what a kubelet would mount. */
  readonly kubeConfig: KubeConfig;
}

/** Answers the commands it knows; `undefined` passes the request to the next handler. */
export type ExecHandler = CallHandler<ExecRequest>;

export interface ExecRequestInput {
  readonly pod: V1Pod;
  /** The status the node reports now; the watched pod's status may lag behind a restart it has not written yet. */
  readonly status: PodStatusJson | undefined;
  readonly container: string;
  readonly command: readonly string[];
  readonly stdin: Buffer;
  readonly kubeConfig: KubeConfig;
}

/**
 * The request for one exec. Its domain pod carries the node's current
 * container statuses, so a handler that goes by the running image (Carrier)
 * sees a patched container as soon as the node runs the new image.
 */
export function execRequest(input: ExecRequestInput): ExecRequest {
  const { pod, status } = input;
  return {
    namespace: pod.metadata?.namespace ?? '',
    pod: pod.metadata?.name ?? '',
    container: input.container,
    command: input.command,
    podObject: toDomainPod(status === undefined ? pod : { ...pod, status }),
    v1Pod: pod,
    stdin: input.stdin,
    kubeConfig: input.kubeConfig,
  };
}
