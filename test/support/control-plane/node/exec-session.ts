import type { WebSocket } from 'ws';
import type { ExecResult } from '../../../../src/ports/cluster-api.port.js';

/** Sub-protocols of the Kubernetes remote-command WebSocket, most preferred first. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'] as const;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
/** v5: `[255, stream]` means the peer will send no more on that stream. */
const CLOSE_STREAM = 255;

/**
 * Thrown by an exec backend to end the connection without a status, after the
 * command ran: what a client sees when the connection drops mid-exec (it cannot
 * know whether the command ran).
 */
export class ExecConnectionDropped extends Error {
  constructor(command: readonly string[]) {
    super(`connection dropped after running ${command.join(' ')}`);
    this.name = 'ExecConnectionDropped';
  }
}

export interface ExecStreams {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

/**
 * Serves one exec over an upgraded WebSocket with the channel protocol: each
 * binary frame starts with its stream number. Stdin is read to its end first
 * (v5 signals the end with a close-stream frame; older protocols only by
 * closing the socket, after which the output cannot be delivered), then the
 * command runs and its output and final status are sent.
 */
export async function serveExec(
  socket: WebSocket,
  streams: ExecStreams,
  run: (stdin: Buffer) => Promise<ExecResult>,
): Promise<void> {
  const protocol = socket.protocol;
  // Like the kubelet: an empty frame on the lowest writable stream says "connected".
  socket.send(Buffer.from([streams.stdout ? STDOUT : streams.stderr ? STDERR : STATUS]));
  const stdin = streams.stdin ? await readStdin(socket) : Buffer.alloc(0);
  let result: ExecResult;
  try {
    result = await run(stdin);
  } catch (error) {
    if (!(error instanceof ExecConnectionDropped)) throw error;
    socket.terminate();
    return;
  }
  if (socket.readyState !== socket.OPEN) return;
  const stdout = Buffer.from(result.stdout);
  const stderr = Buffer.from(result.stderr);
  // A TTY has a single output stream.
  if (streams.tty) sendFrame(socket, STDOUT, Buffer.concat([stdout, stderr]));
  else {
    if (streams.stdout) sendFrame(socket, STDOUT, stdout);
    if (streams.stderr) sendFrame(socket, STDERR, stderr);
  }
  const status = statusFrame(protocol, result.exitCode);
  if (status !== undefined) sendFrame(socket, STATUS, status);
  await new Promise<void>((resolve) => {
    // A peer that never answers the close handshake must not keep the exec open.
    const force = setTimeout(() => socket.terminate(), 2_000);
    socket.once('close', () => {
      clearTimeout(force);
      resolve();
    });
    socket.close(1000);
  });
}

function readStdin(socket: WebSocket): Promise<Buffer> {
  if (socket.readyState !== socket.OPEN) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const finish = (): void => {
      socket.off('message', onMessage);
      socket.off('close', finish);
      resolve(Buffer.concat(chunks));
    };
    const onMessage = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void => {
      const frame = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (!isBinary || frame.length === 0) return;
      if (frame[0] === STDIN) chunks.push(frame.subarray(1));
      else if (frame[0] === CLOSE_STREAM && frame[1] === STDIN) finish();
    };
    socket.on('message', onMessage);
    socket.once('close', finish);
  });
}

function sendFrame(socket: WebSocket, stream: number, payload: Buffer): void {
  if (payload.length === 0 && stream !== STATUS) return;
  socket.send(Buffer.concat([Buffer.from([stream]), payload]));
}

/** v4 and v5 carry a metav1.Status as JSON; the older protocols only an error text, nothing on success. */
function statusFrame(protocol: string, exitCode: number): Buffer | undefined {
  const failure = `command terminated with non-zero exit code: error executing command, exit code ${exitCode}`;
  if (protocol === 'v4.channel.k8s.io' || protocol === 'v5.channel.k8s.io') {
    const status =
      exitCode === 0
        ? { metadata: {}, status: 'Success' }
        : {
            metadata: {},
            status: 'Failure',
            message: failure,
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
          };
    return Buffer.from(JSON.stringify(status));
  }
  return exitCode === 0 ? undefined : Buffer.from(failure);
}

/** Picks the sub-protocol like the kubelet: the first we support among those offered. */
export function chooseProtocol(offered: ReadonlySet<string>): string | false {
  return EXEC_PROTOCOLS.find((protocol) => offered.has(protocol)) ?? false;
}
