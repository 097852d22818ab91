import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { chooseProtocol, serveExec } from './exec-session.js';
import type { ExecResult } from '../../../../src/ports/cluster-api.port.js';

export interface ExecTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** What the endpoint needs from the node: which containers run, and how to run a command in one. */
export interface KubeletBackend {
  /** `undefined` when the container runs; otherwise the HTTP status and message a kubelet would answer. */
  refuseExec(target: ExecTarget): { status: number; message: string } | undefined;
  exec(target: ExecTarget, command: readonly string[], stdin: Buffer): Promise<ExecResult>;
}

/**
 * The kubelet's Go server reads at most `MaxHeaderBytes: 1 << 20` plus Go's
 * 4096 bytes of slack of request line and headers (pkg/kubelet/server), as
 * the API server does; Node's default (16 KiB) would refuse an exec's long
 * command that a real kubelet runs.
 */
const KUBELET_MAX_HEADER_BYTES = (1 << 20) + 4096;

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

/**
 * The part of a kubelet's HTTPS API that the API server forwards to:
 * `/exec/<namespace>/<pod>/<container>` (WebSocket only: the SPDY upgrade
 * that older kubectl uses is not spoken), `/containerLogs/...` (always empty)
 * and `/healthz`. The API server does not verify the kubelet's certificate
 * here, so a self-signed one serves.
 */
export class KubeletServer {
  readonly #server: Server;
  readonly #sockets = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => chooseProtocol(offered),
  });
  readonly #backend: KubeletBackend;
  readonly #connections = new Set<Duplex>();

  constructor(tls: TlsMaterial, backend: KubeletBackend) {
    this.#backend = backend;
    this.#server = createServer({ cert: tls.cert, key: tls.key, maxHeaderSize: KUBELET_MAX_HEADER_BYTES }, (req, res) =>
      this.#serveHttp(req, res),
    );
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#serveUpgrade(req, socket, head),
    );
    this.#server.on('connection', (socket: Duplex) => {
      this.#connections.add(socket);
      socket.once('close', () => this.#connections.delete(socket));
    });
  }

  /** Listens on a free port of 127.0.0.1 (the node's InternalIP) and returns it. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the kubelet server has no TCP address');
    return address.port;
  }

  async close(): Promise<void> {
    for (const client of this.#sockets.clients) client.terminate();
    for (const connection of this.#connections) connection.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #serveHttp(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (url.pathname === '/healthz') return void res.writeHead(200).end('ok');
    if (url.pathname.startsWith('/containerLogs/'))
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end();
    if (url.pathname.startsWith('/exec/'))
      return void res.writeHead(400).end('exec needs a WebSocket upgrade (SPDY is not simulated)');
    res.writeHead(404).end('not found');
  }

  #serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const parts = url.pathname
      .split('/')
      .filter((part) => part !== '')
      .map(decodeURIComponent);
    // /exec/<namespace>/<pod>/<container>, or with the pod UID before the container.
    if (parts[0] !== 'exec' || parts.length < 4 || parts.length > 5) return refuse(socket, 404, 'not found');
    const target: ExecTarget = {
      namespace: parts[1] ?? '',
      pod: parts[2] ?? '',
      container: parts[parts.length - 1] ?? '',
    };
    const command = url.searchParams.getAll('command');
    if (command.length === 0) return refuse(socket, 400, 'you must specify at least 1 command');
    const refusal = this.#backend.refuseExec(target);
    if (refusal !== undefined) return refuse(socket, refusal.status, refusal.message);
    const flag = (name: string): boolean => ['1', 'true'].includes(url.searchParams.get(name) ?? '');
    const streams = { stdin: flag('input'), stdout: flag('output'), stderr: flag('error'), tty: flag('tty') };
    this.#sockets.handleUpgrade(req, socket, head, (ws) => {
      void serveExec(ws, streams, async (stdin) => await this.#backend.exec(target, command, stdin)).catch(
        (error: unknown) => {
          process.stderr.write(`[simulated-kubelet] exec ${command.join(' ')} failed: ${String(error)}\n`);
          ws.terminate();
        },
      );
    });
  }
}

function refuse(socket: Duplex, status: number, message: string): void {
  const reason = status === 404 ? 'Not Found' : status === 400 ? 'Bad Request' : 'Internal Server Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`,
  );
}
