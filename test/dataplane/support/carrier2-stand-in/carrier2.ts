// carrier2's stand-in process (`carrier2 -c <config> [-u] [-d]`), bundled into
// the data plane's carrier2 image (carrier2-image.ts) and run there by the
// image's init and by the push's script. It reads the YAML file as carrier2
// 2.5.4 does, routes real HTTP as carrier2 does (carrier2-routing.ts) and
// upgrades like pingora: on SIGQUIT the running instance hands its listening
// sockets to the new one (`-u`, met on `upgrade_sock`), stops accepting and
// finishes its requests in flight, so that no connection is refused or dropped.
// Node cannot take a socket from a process that is not its parent, so the new
// instance is started by the old one, which hands the sockets down; the `-u`
// command waits until it serves, as pingora's new process would.
import { spawn, type ChildProcess, type SendHandle } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  request as httpRequest,
  Agent,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import {
  Carrier2Panic,
  parseCarrier2Yaml,
  readCarrier2Config,
  readServerFiles,
  type StandInConfig,
  type StandInProxy,
  type StandInServerFiles,
} from './carrier2-config-file.js';
import { Carrier2RequestPanic, type Carrier2Request } from './carrier2-matching.js';
import { carrier2Choice } from './carrier2-routing.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

interface Address {
  readonly host: string;
  readonly port: number;
}

function log(line: string): void {
  process.stderr.write(`[${new Date().toISOString()} INFO  carrier2] ${line}\n`);
}

/** A panic as Rust prints it; the process ends with Rust's panic exit code. */
function panic(error: unknown): never {
  process.stderr.write(`thread 'main' panicked at ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(101);
}

function argument(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

/** The server files of a configuration (pingora's ServerConf): what the command needs; the proxies are the instance's to read. */
function serverFilesOf(configPath: string): StandInServerFiles {
  try {
    return readServerFiles(parseCarrier2Yaml(readFileSync(configPath, 'utf8')));
  } catch (error) {
    panic(
      error instanceof Carrier2Panic
        ? error
        : `src/main.rs: called \`Result::unwrap()\` on an \`Err\` value: ${String(error)}`,
    );
  }
}

/** The command: starts an instance (`-d`: in the background), or with `-u` has the running one start it and hand over. */
async function command(args: readonly string[]): Promise<void> {
  const configPath = argument(args, '-c');
  if (configPath === undefined) panic('src/main.rs: the stand-in needs -c <config>');
  const files = serverFilesOf(configPath);
  log('Bootstrap starting');
  if (args.includes('-u')) {
    await upgrade(configPath, files);
    return;
  }
  if (!args.includes('-d')) {
    await serve(configPath, new Map());
    return;
  }
  const child = startInstance(configPath, files.errorLog);
  child.send({ start: true });
  const pid = await readyOf(child);
  if (pid === undefined) process.exit(1);
  child.disconnect();
  child.unref();
}

/** A serving instance, its output appended to the error log as pingora's daemon writes it. */
function startInstance(configPath: string, errorLog: string): ChildProcess {
  const output = errorLog === '' ? 'inherit' : openSync(errorLog, 'a');
  // execArgv: run from its TypeScript source (tests on loopback), the instance needs the same loader.
  return spawn(process.execPath, [...process.execArgv, process.argv[1] ?? '', '--serve', configPath], {
    stdio: ['ignore', output, output, 'ipc'],
  });
}

async function readyOf(child: ChildProcess): Promise<number | undefined> {
  return await new Promise((resolve) => {
    child.once('message', (message: { ready?: number }) => resolve(message.ready));
    child.once('exit', () => resolve(undefined));
  });
}

/** `-u`: wait on `upgrade_sock` for the old instance, which starts this configuration's instance and hands it the sockets. */
async function upgrade(configPath: string, files: StandInServerFiles): Promise<void> {
  rmSync(files.upgradeSock, { force: true });
  const answer = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), 10_000);
    const server = createNetServer((socket) => {
      clearTimeout(timer);
      socket.write(`${JSON.stringify({ configPath, errorLog: files.errorLog })}\n`);
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => {
        server.close();
        resolve(text.trim());
      });
    });
    server.listen(files.upgradeSock);
  });
  rmSync(files.upgradeSock, { force: true });
  if (!answer.startsWith('ready')) {
    process.stderr.write(`Bootstrap failed on error: the old instance did not hand over (${answer}), exiting.\n`);
    process.exit(1);
  }
}

/** The serving instance: listeners handed down by the instance it replaces (by port), or its own. */
async function serve(configPath: string, inherited: ReadonlyMap<number, ListeningSocket>): Promise<void> {
  let config: StandInConfig;
  try {
    config = readCarrier2Config(parseCarrier2Yaml(readFileSync(configPath, 'utf8')));
  } catch (error) {
    panic(error);
  }
  const listeners = new Map<number, Server>();
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 100 });
  for (const proxy of config.proxies) {
    if (proxy.port === undefined) continue;
    listeners.set(proxy.port, createHttpServer(await proxyHandler(proxy, agent)));
  }
  for (const port of config.httpGetProbes)
    listeners.set(
      port,
      createHttpServer((_request, response) => response.writeHead(200, { 'content-length': '0' }).end()),
    );
  for (const [port, server] of listeners) {
    const handed = inherited.get(port);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (handed === undefined) server.listen(port, '0.0.0.0', resolve);
      else server.listen(handed, resolve);
    });
  }
  // Sockets of ports this configuration no longer serves: closed, as pingora drops the fds it does not use.
  for (const [port, socket] of inherited) if (!listeners.has(port)) socket.close();
  writeFileSync(config.pidFile, `${process.pid}\n`);
  log(`Bootstrap done; serving ${[...listeners.keys()].join(', ') || 'no port'}`);
  // The instance that started it may be gone already; pingora's new process does not depend on the old one.
  if (process.connected) process.send?.({ ready: process.pid }, undefined, undefined, () => undefined);
  process.channel?.unref();
  // Its container gone (its root removed), it goes too: an instance a push started is outside the container's process group.
  setInterval(() => existsSync(configPath) || process.exit(0), 1_000);
  // tokio keeps its signal handler once installed: a second SIGQUIT (a second push at the same time) changes nothing.
  let handingOver = false;
  process.on('SIGQUIT', () => {
    if (handingOver) return;
    handingOver = true;
    void handOver(config, listeners, agent);
  });
}

async function proxyHandler(
  proxy: StandInProxy,
  agent: Agent,
): Promise<(request: IncomingMessage, response: ServerResponse) => void> {
  // Addresses are resolved once, at start (HttpPeer::new and LoadBalancer::try_from_iter call to_socket_addrs).
  const endpoints = new Map<string, Address>();
  for (const bridge of proxy.bridges) endpoints.set(bridge.key, (await resolved(bridge.endpoint))[0] as Address);
  const upstream = proxy.clusterUpstream === undefined ? [] : await resolvedAll(proxy.clusterUpstream);
  let next = 0;
  return (request, response) => {
    const headers: [string, string][] = [];
    for (let i = 0; i + 1 < request.rawHeaders.length; i += 2)
      headers.push([(request.rawHeaders[i] ?? '').toLowerCase(), request.rawHeaders[i + 1] ?? '']);
    const seen: Carrier2Request = { pathAndQuery: request.url ?? '/', headers };
    let target: Address;
    try {
      const choice = carrier2Choice(proxy, seen);
      if (choice.to === 'bridge') {
        log(`Selected GefyraClient "${choice.key}"`);
        target = endpoints.get(choice.key) as Address;
      } else {
        const chosen = upstream[next++ % Math.max(upstream.length, 1)];
        if (chosen === undefined) throw new Carrier2RequestPanic('called `Option::unwrap()` on a `None` value');
        log('Selected cluster upstream (no matching rule hit)');
        target = chosen;
      }
    } catch (error) {
      if (!(error instanceof Carrier2RequestPanic)) throw error;
      // A panic in the request's task: the connection goes, no answer.
      process.stderr.write(`thread 'tokio-runtime-worker' panicked at ${error.message}\n`);
      request.socket.destroy();
      return;
    }
    forward(request, response, target, agent);
  };
}

function forward(request: IncomingMessage, response: ServerResponse, target: Address, agent: Agent): void {
  const headers: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] ?? '';
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push(name, request.rawHeaders[i + 1] ?? '');
  }
  const upstream = httpRequest(
    { host: target.host, port: target.port, method: request.method, path: request.url, headers, agent },
    (answer) => {
      const answerHeaders: string[] = [];
      for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
        const name = answer.rawHeaders[i] ?? '';
        if (!HOP_BY_HOP.has(name.toLowerCase())) answerHeaders.push(name, answer.rawHeaders[i + 1] ?? '');
      }
      response.writeHead(answer.statusCode ?? 502, answerHeaders);
      answer.pipe(response);
    },
  );
  upstream.on('error', (error) => {
    log(`Error connecting upstream request: ${error.message}`);
    if (!response.headersSent) response.writeHead(502, { 'content-length': '0' }).end();
    else response.destroy();
  });
  request.pipe(upstream);
}

async function resolved(address: string): Promise<Address[]> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator);
  const port = Number(address.slice(separator + 1));
  if (separator === -1 || !Number.isInteger(port)) panic(`src/main.rs: invalid socket address ${address}`);
  try {
    const found = await lookup(host, { all: true, family: 4 });
    return found.map((entry) => ({ host: entry.address, port }));
  } catch (error) {
    panic(`src/main.rs: called \`Result::unwrap()\` on an \`Err\` value: ${address}: ${String(error)}`);
  }
}

/** A load balancer's backends: every address of every name, in order (pingora keeps them in a BTreeSet). */
async function resolvedAll(addresses: readonly string[]): Promise<Address[]> {
  const all = (await Promise.all(addresses.map(resolved))).flat();
  const key = (a: Address) => `${a.host}:${a.port}`;
  return [...new Map(all.map((a) => [key(a), a])).values()].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

/**
 * SIGQUIT: meet the `-u` command on `upgrade_sock`, start its configuration's
 * instance with this one's listening sockets, tell the command once it
 * serves, then stop accepting and exit when the requests in flight are done.
 */
async function handOver(config: StandInConfig, listeners: Map<number, Server>, agent: Agent): Promise<void> {
  log('SIGQUIT received, sending socks and gracefully exiting');
  const socket = await meet(config.upgradeSock);
  if (socket !== undefined) {
    const wanted = await lineOf(socket);
    const { configPath, errorLog } = JSON.parse(wanted) as { configPath: string; errorLog: string };
    const child = startInstance(configPath, errorLog);
    for (const [port, server] of listeners)
      child.send({ listener: port }, listeningSocketOf(server) as unknown as SendHandle);
    child.send({ start: true });
    const pid = await readyOf(child);
    socket.end(pid === undefined ? 'failed\n' : `ready ${pid}\n`);
    if (child.connected) child.disconnect();
    child.unref();
  } else log('Unable to send listener sockets to a new process: none came');
  let open = listeners.size;
  const done = () => {
    agent.destroy();
    process.exit(0);
  };
  if (open === 0) done();
  for (const server of listeners.values()) {
    // Stop accepting, and finish every connection already accepted, as pingora's graceful shutdown does:
    // Node's close() would also drop connections accepted but not yet sent a request ("idle"), a hang-up
    // for a client that connected just before the hand-over.
    server.closeIdleConnections = () => undefined;
    server.close(() => {
      open -= 1;
      if (open === 0) done();
    });
  }
  setTimeout(done, 60_000).unref();
}

/** A listening socket as libuv holds it (Node's TCP handle): what `server.listen(handle)` takes over. */
interface ListeningSocket {
  close(): void;
}

/**
 * The server's own handle, not the server: Node hands a `net.Server` over by
 * making a bare `net.Server` listen on it in the receiving process at once,
 * which accepts connections nobody answers (hung, or hung up when collected)
 * until this configuration's server takes the handle over. A bare handle is
 * accepted from only once that server listens on it.
 */
function listeningSocketOf(server: Server): ListeningSocket {
  const handle = (server as unknown as { _handle?: ListeningSocket | null })._handle;
  if (handle === undefined || handle === null) throw new Error('a listener without its socket cannot be handed over');
  return handle;
}

/**
 * Waits for the `-u` command on `upgrade_sock`. pingora waits about 5 s for a
 * Rust binary that starts at once; the stand-in's command is a Node process,
 * which takes seconds to start on a busy machine, so it is given a minute.
 */
async function meet(path: string): Promise<Socket | undefined> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const socket = await new Promise<Socket | undefined>((resolve) => {
      const candidate = connect(path);
      candidate.once('connect', () => resolve(candidate));
      candidate.once('error', () => resolve(undefined));
    });
    if (socket !== undefined) return socket;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

async function lineOf(socket: Socket): Promise<string> {
  return await new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
    });
  });
}

/** `--serve`: the instance itself; started by a command or an old instance, which sends the listeners to take over, then `start`. */
async function serveAsChild(configPath: string): Promise<void> {
  const inherited = new Map<number, ListeningSocket>();
  await new Promise<void>((resolve) => {
    process.on('message', (message: { listener?: number; start?: boolean }, handle: unknown) => {
      if (message.listener !== undefined) inherited.set(message.listener, handle as ListeningSocket);
      if (message.start === true) resolve();
    });
  });
  await serve(configPath, inherited);
}

const args = process.argv.slice(2);
const served = argument(args, '--serve');
await (served === undefined ? command(args) : serveAsChild(served)).catch(panic);
