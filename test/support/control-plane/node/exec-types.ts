import type { KubeConfig, V1Pod } from '@kubernetes/client-node';

/** One command run in a container through the kubelet's exec endpoint (or as an exec readiness probe). */
export interface ExecRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
  /** The Pod as the node last saw it. */
  readonly podObject?: V1Pod;
  /** The image the container runs now (its status image), which may differ from the spec right after a patch. */
  readonly runningImage?: string;
  readonly containerID?: string;
  /** Everything the client sent on stdin; empty unless the exec asked for stdin. */
  readonly stdin: Buffer;
  /** The node's own credentials, for handlers that read what a kubelet would mount (ConfigMaps). */
  readonly kubeConfig: KubeConfig;
}

export interface ExecResult {
  readonly stdout?: string | Buffer;
  readonly stderr?: string | Buffer;
  readonly exitCode: number;
}

/** Answers the commands it knows; `undefined` passes the request to the next handler. */
export type ExecHandler = (request: ExecRequest) => ExecResult | undefined | Promise<ExecResult | undefined>;

/** What an exec did, in the order execs finished. */
export interface ExecRecord {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly time: Date;
}
