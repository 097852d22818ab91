import type { Pod } from '../../domain/cluster/pod.js';
import type { ExecResult } from '../../ports/cluster-api.port.js';

/**
 * One command run in a container, as a simulated component sees it. The pod
 * is the domain view (see toDomainPod), so a harness on a real API server can
 * build the same call from the pod it has and reuse every handler.
 */
export interface ExecCall {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
  /** The pod at the time of the call: its container statuses tell which image runs now. */
  readonly podObject: Pod;
}

/** Answers the commands it knows; `undefined` passes the call to the next handler. */
export type ExecHandler = (call: ExecCall) => ExecResult | undefined | Promise<ExecResult | undefined>;

export const succeeded = (stdout = ''): ExecResult => ({ exitCode: 0, stdout, stderr: '' });

export const failed = (exitCode: number, stderr: string): ExecResult => ({ exitCode, stdout: '', stderr });

/** What a shell says for a command no handler knows. */
export const commandNotFound = (command: readonly string[]): ExecResult =>
  failed(127, `${command[0] ?? ''}: command not found\n`);
