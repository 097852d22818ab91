import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';

export interface ExecOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: V1Status;
}

/**
 * Runs a command through the API server's exec endpoint with client-node's
 * Exec, as the operator does (a stderr stream is passed: with null, client-node
 * throws on the first stderr frame), and collects the output and final status.
 */
export async function execInPod(
  kubeConfig: KubeConfig,
  namespace: string,
  pod: string,
  container: string,
  command: string[],
  stdin?: string,
): Promise<ExecOutcome> {
  const stdoutStream = new PassThrough();
  const stderrStream = new PassThrough();
  const stdout = text(stdoutStream);
  const stderr = text(stderrStream);
  const status = await new Promise<V1Status>((resolve, reject) => {
    new Exec(kubeConfig)
      .exec(
        namespace,
        pod,
        container,
        command,
        stdoutStream,
        stderrStream,
        stdin === undefined ? null : Readable.from([stdin]),
        false,
        resolve,
      )
      .then((socket) =>
        socket.on('close', () => reject(new Error(`the exec socket closed without a status (${command.join(' ')})`))),
      )
      .catch(reject);
  });
  return { stdout: await stdout, stderr: await stderr, status };
}

/** The exit code an exec status carries: 0 for Success. */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  return Number(status.details?.causes?.find((cause) => cause.reason === 'ExitCode')?.message ?? Number.NaN);
}
