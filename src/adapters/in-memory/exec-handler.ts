import type { Pod } from '../../domain/cluster/pod.js';
import type { ExecResult } from '../../ports/cluster-api.port.js';

/**
 * One command run in a container, as a simulated component sees it. The pod
 * is the domain view (see toDomainPod), so a harness on a real API server can
 * build the same call from the pod it has and reuse every handler; such a
 * harness may pass more than this (stdin, credentials) in a call type that
 * extends it.
 */
export interface ExecCall {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
  /** The pod at the time of the call: its container statuses tell which image runs now. */
  readonly podObject: Pod;
}

/** A handler's answer; a missing stream is empty, so that a test's handler can leave it out. */
export interface ExecAnswer {
  readonly exitCode: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

/** Answers the commands it knows; `undefined` passes the call to the next handler. */
export type ExecHandler<Call extends ExecCall = ExecCall> = (
  call: Call,
) => ExecAnswer | undefined | Promise<ExecAnswer | undefined>;

export const succeeded = (stdout = ''): ExecResult => ({ exitCode: 0, stdout, stderr: '' });

export const failed = (exitCode: number, stderr: string): ExecResult => ({ exitCode, stdout: '', stderr });

/** What a shell says for a command no handler knows. */
export const commandNotFound = (command: readonly string[]): ExecResult =>
  failed(127, `${command[0] ?? ''}: command not found\n`);
