import type { ContainerRef } from '../../../../src/domain/cluster/pod.js';
import { DomainError } from '../../../../src/domain/errors.js';
import type { ExecCall, ExecHandler } from '../../../../src/adapters/in-memory/exec-handler.js';
import type { ExecResult } from '../../../../src/ports/cluster-api.port.js';
import { runScript, type ShellCommand, type ShellHost, type Streams } from './busybox-shell.js';
import {
  Carrier2Panic,
  loadServerConf,
  loadServices,
  matchRequest,
  type Carrier2Request,
  type LoadedConfig,
} from './carrier2-config-loading.js';
import { CARRIER2_IMAGE_BOOT, CARRIER2_IMAGE_CONFIG } from './carrier2-image-boot.js';

export interface Carrier2SimulatorOptions {
  /** Which running images are carrier2 (the container status, not the spec): a substring or a pattern. */
  readonly image?: string | RegExp;
}

/** A carrier2 process of a container instance. */
interface Process {
  readonly pid: number;
  readonly config: LoadedConfig;
  readonly listening: readonly number[];
  readonly daemon: boolean;
  /** Got SIGQUIT: hands its sockets to an upgrade, then exits. */
  quitting: boolean;
}

interface Instance {
  readonly containerID: string | undefined;
  readonly files: Map<string, string>;
  readonly processes: Map<number, Process>;
  /** The image's `tail -F /tmp/carrier.log` (respawned by init when it ends). */
  tailPid: number;
  nextPid: number;
}

/** What carrier2 in a container instance serves now. */
export interface Carrier2State {
  readonly containerID: string | undefined;
  /** The daemon that serves (the last one started), undefined when none runs. */
  readonly serving:
    { readonly pid: number; readonly config: LoadedConfig; readonly listening: readonly number[] } | undefined;
  /** Every carrier2 process alive. */
  readonly processes: number;
  readonly files: ReadonlyMap<string, string>;
}

/** Where a request to a port ends up: a bridge's endpoint, the cluster upstream, or nowhere (with carrier2's panic). */
export type Carrier2Routing =
  | { readonly to: 'bridge'; readonly bridge: string; readonly endpoint: string }
  | { readonly to: 'cluster'; readonly upstream: readonly string[] }
  | { readonly to: 'nothing'; readonly why: string };

const ENTRYPOINT_SHELLS = new Set(['sh', '/bin/sh', 'bash', '/bin/bash', 'ash', '/bin/ash', 'zsh', '/bin/zsh']);

/**
 * carrier2's image (Gefyra 2.5.4) as exec answers, in containers whose
 * running image is carrier2. Each container instance starts as the image
 * does: `busybox init` runs `carrier2 -c /tmp/config.yaml -d` with the
 * image's configuration (it runs and listens on nothing) and `tail -F` on the
 * log. An exec runs through busybox's sh (busybox-shell.ts): `busybox sh -c
 * <script>` or, as 2.5.4 pushes, `busybox sh` with the script on stdin; `sh`,
 * `bash` and the like are the image's entrypoint (`carrier2 -c
 * /tmp/config.yaml` in the foreground: it fails or never returns). carrier2
 * itself loads its file as 2.5.4 does (carrier2-config-loading.ts: panics with
 * Rust's text), logs with env_logger's format, daemonises with `-d` (moves
 * the old pid file to `.old`, writes its pid, logs to `error_log` from then
 * on; before that to the streams of whoever started it), and with `-u` takes
 * over from a process that got SIGQUIT, or fails "Bootstrap failed" when none
 * did. A process that got SIGQUIT is gone when the exec ends, handed over or
 * not. A port another process holds, or one a configuration names twice (a
 * proxy and a probe on it), cannot be bound: that service's thread panics,
 * the others serve.
 */
export class Carrier2Simulator {
  readonly #image: string | RegExp;
  readonly #instances = new Map<string, Instance>();

  constructor(options: Carrier2SimulatorOptions = {}) {
    this.#image = options.image ?? 'carrier2';
  }

  readonly handle: ExecHandler<ExecCall & { readonly stdin?: Buffer | string }> = (call) => {
    const status = call.podObject.containerStatuses.find((entry) => entry.name === call.container);
    if (!status || status.current.state !== 'running' || !this.#isCarrier2(status.imageID || status.image))
      return undefined;
    const instance = this.#instanceOf(call, status.containerID);
    const [program = '', ...args] = call.command;
    const stdin = call.stdin === undefined ? '' : call.stdin.toString();
    if ((program === 'busybox' || program === '/bin/busybox') && args[0] === 'sh') {
      const script = args[1] === '-c' ? (args[2] ?? '') : stdin;
      return this.#afterExec(instance, runScript(this.#host(instance), script));
    }
    if (ENTRYPOINT_SHELLS.has(program)) return this.#entrypoint(instance, call);
    // Any other program: busybox's applets and carrier2, as the shell would run the words.
    const quoted = call.command.map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
    return this.#afterExec(instance, runScript(this.#host(instance), quoted));
  };

  /** The container's carrier2 now; undefined for a container this simulator never saw. */
  stateOf(target: ContainerRef): Carrier2State | undefined {
    const instance = this.#instances.get(keyOf(target));
    if (!instance) return undefined;
    const serving = [...instance.processes.values()].filter((process) => process.daemon && !process.quitting).at(-1);
    return {
      containerID: instance.containerID,
      serving: serving && { pid: serving.pid, config: serving.config, listening: serving.listening },
      processes: instance.processes.size,
      files: new Map(instance.files),
    };
  }

  /** Where carrier2 in the container sends a request to one of its ports (whichever process listens on it), as 2.5.4 matches it. */
  route(target: ContainerRef, port: number, request: Carrier2Request): Carrier2Routing {
    const listener = [...(this.#instances.get(keyOf(target))?.processes.values() ?? [])].find((process) =>
      process.listening.includes(port),
    );
    const proxy = listener?.config.proxies.find((candidate) => candidate.port === port);
    if (!proxy) return { to: 'nothing', why: `nothing proxies port ${port}` };
    try {
      const bridge = matchRequest(proxy, request);
      if (bridge) return { to: 'bridge', bridge: bridge.name, endpoint: bridge.endpoint };
    } catch (thrown) {
      if (thrown instanceof Carrier2Panic) return { to: 'nothing', why: thrown.message };
      throw thrown;
    }
    if (!proxy.clusterUpstream) return { to: 'nothing', why: "thread 'tokio-runtime-worker' panicked at src/main.rs" };
    return { to: 'cluster', upstream: proxy.clusterUpstream };
  }

  #isCarrier2(image: string): boolean {
    return this.#image instanceof RegExp ? this.#image.test(image) : image.includes(this.#image);
  }

  /** This container instance; a new one boots as the image's init does. */
  #instanceOf(call: ExecCall, containerID: string | undefined): Instance {
    const key = keyOf({ namespace: call.namespace, name: call.pod, container: call.container });
    const existing = this.#instances.get(key);
    if (existing && existing.containerID === containerID) return existing;
    const instance: Instance = {
      containerID,
      files: new Map(Object.entries(CARRIER2_IMAGE_BOOT.files)),
      processes: new Map(),
      tailPid: 2,
      nextPid: 3,
    };
    this.#instances.set(key, instance);
    // inittab: `::once:carrier2 -c /tmp/config.yaml -d`, its console output goes to the container's log.
    this.#carrier2(instance, CARRIER2_IMAGE_BOOT.carrier2Args, {}, DISCARD);
    return instance;
  }

  #host(instance: Instance): ShellHost {
    return {
      files: instance.files,
      run: (command) => this.#run(instance, command),
      signal: (pid, signal) => this.#signal(instance, pid, signal),
    };
  }

  #run(instance: Instance, { words, env, streams }: ShellCommand): number | undefined {
    const [program, ...args] = words;
    if (program !== 'carrier2' && program !== '/bin/carrier2') return undefined;
    return this.#carrier2(instance, args, env, streams);
  }

  /** The image's entrypoint.sh (`set -e; carrier2 -c /tmp/config.yaml`): a foreground carrier2 ends only by failing. */
  #entrypoint(instance: Instance, call: ExecCall): ExecResult {
    let output = '';
    const streams = { out: (text: string) => (output += text), err: (text: string) => (output += text) };
    const status = this.#carrier2(instance, ['-c', CARRIER2_IMAGE_BOOT.config], {}, streams);
    if (status !== 0) return { exitCode: status, stdout: '', stderr: output };
    throw new DomainError(
      'Timeout',
      `exec ${call.command.join(' ')} in ${call.pod} never returns: in carrier2's image \`sh\` is its entrypoint, carrier2 in the foreground`,
    );
  }

  /** carrier2 2.5.4's main(); returns the exit status its starter sees (a daemon's parent exits 0). */
  #carrier2(
    instance: Instance,
    args: readonly string[],
    env: Readonly<Record<string, string>>,
    streams: Streams,
  ): number {
    const options = parseOptions(args);
    if (typeof options === 'string') {
      streams.err(options);
      return 2;
    }
    const debug = env['RUST_LOG'] === 'debug';
    let err = streams.err;
    const log = (level: 'INFO' | 'WARN' | 'ERROR' | 'DEBUG', target: string, message: string) => {
      if (level !== 'DEBUG' || debug) err(`[${new Date().toISOString()} ${level.padEnd(5)} ${target}] ${message}\n`);
    };
    try {
      const { root, server } = loadServerConf(
        options.conf === undefined ? CARRIER2_IMAGE_CONFIG : instance.files.get(options.conf),
      );
      if (options.conf !== undefined)
        log(
          'WARN',
          'pingora_core::server',
          `Ignoring command line argument using '${options.conf}' as configuration, and using provided configuration instead.`,
        );
      log('INFO', 'pingora_core::server', 'Bootstrap starting');
      if (options.test) {
        log('INFO', 'pingora_core::server', 'Server Test passed, exiting');
        return 0;
      }
      const predecessor = options.upgrade
        ? [...instance.processes.values()].find((process) => process.quitting)
        : undefined;
      if (options.upgrade && !predecessor) {
        log('ERROR', 'pingora_core::server', 'Bootstrap failed on error: ENOENT, exiting.');
        return 1;
      }
      log('INFO', 'pingora_core::server', 'Bootstrap done');
      log('DEBUG', 'carrier2', `GefyraBridge config: ${JSON.stringify(root.toJSON())}`);
      const config = loadServices(root, server, (message) => log('INFO', 'carrier2', message));
      log('INFO', 'pingora_core::server', 'Server starting');
      log('INFO', 'pingora_core::server', 'Server starting');
      if (predecessor) this.#handOver(instance, predecessor);
      const pid = instance.nextPid++;
      if (options.daemon) {
        log('INFO', 'pingora_core::server', 'Daemonizing the server');
        const pidFile = instance.files.get(server.pidFile);
        if (pidFile !== undefined) {
          instance.files.delete(server.pidFile);
          instance.files.set(`${server.pidFile}.old`, pidFile);
        }
        instance.files.set(server.pidFile, String(pid));
        err = server.errorLog === undefined ? DISCARD.err : appendTo(instance.files, server.errorLog);
      }
      // The services in the order main() adds them, each with the thread it runs in.
      const services = [
        ...config.proxies.flatMap((proxy) =>
          proxy.port === undefined ? [] : [{ port: proxy.port, name: 'Pingora HTTP Proxy Service' }],
        ),
        ...config.httpGetProbes.map((port) => ({ port, name: `httpGet probe handler ${port}` })),
        ...config.httpsGetProbes.map((port) => ({ port, name: `httpsGet probe handler ${port}` })),
      ];
      // Each service builds its listeners in its own runtime thread: one that cannot bind panics there, the rest serve.
      const bound: number[] = [];
      for (const { port, name } of services) {
        const held = [...instance.processes.values()].some(
          (other) => !other.quitting && other.listening.includes(port),
        );
        if (held || bound.includes(port)) {
          err(
            new Carrier2Panic(
              'pingora-core-0.8.1/src/services/listening.rs:227:14',
              `Failed to build listeners: Bind error: 0.0.0.0:${port} Address already in use (os error 98)`,
              name,
            ).text,
          );
        } else bound.push(port);
      }
      instance.processes.set(pid, { pid, config, listening: bound, daemon: options.daemon, quitting: false });
      return 0;
    } catch (thrown) {
      if (!(thrown instanceof Carrier2Panic)) throw thrown;
      err(thrown.text);
      return 101;
    }
  }

  #signal(instance: Instance, pid: number, signal: string): boolean {
    if (pid === 1) return true;
    if (pid === instance.tailPid) {
      if (!['CHLD', 'WINCH', 'URG', '0'].includes(signal)) instance.tailPid = instance.nextPid++;
      return true;
    }
    const process = instance.processes.get(pid);
    if (!process) return false;
    if (signal === 'QUIT') {
      if (!process.quitting) this.#log(instance, process, 'SIGQUIT received, sending socks and gracefully exiting');
      process.quitting = true;
    } else if (signal !== '0') instance.processes.delete(pid);
    return true;
  }

  /** The old process sends its sockets to the upgrade and goes on exiting. */
  #handOver(instance: Instance, predecessor: Process): void {
    this.#log(instance, predecessor, 'Trying to send socks');
    this.#log(instance, predecessor, 'listener sockets sent');
    instance.processes.delete(predecessor.pid);
  }

  /** After an exec: every process that got SIGQUIT has exited (CLOSE_TIMEOUT, then the graceful shutdown). */
  #afterExec(instance: Instance, result: ExecResult): ExecResult {
    for (const process of [...instance.processes.values()].filter((candidate) => candidate.quitting)) {
      this.#log(instance, process, 'Unable to send listener sockets to new process: ENOENT');
      instance.processes.delete(process.pid);
    }
    return result;
  }

  #log(instance: Instance, process: Process, message: string): void {
    const path = process.config.server.errorLog;
    if (process.daemon && path !== undefined)
      appendTo(instance.files, path)(`[${new Date().toISOString()} INFO  pingora_core::server] ${message}\n`);
  }
}

interface Options {
  readonly conf: string | undefined;
  readonly upgrade: boolean;
  readonly daemon: boolean;
  readonly test: boolean;
}

/** pingora's Opt (clap): `-c/--conf`, `-u/--upgrade`, `-d/--daemon`, `-t/--test`; anything else is refused. */
function parseOptions(args: readonly string[]): Options | string {
  let conf: string | undefined;
  const flags = new Set<string>();
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    if (arg === '-c' || arg === '--conf') conf = args[++index];
    else if (arg.startsWith('--conf=')) conf = arg.slice('--conf='.length);
    else if (['-u', '--upgrade'].includes(arg)) flags.add('upgrade');
    else if (['-d', '--daemon'].includes(arg)) flags.add('daemon');
    else if (['-t', '--test'].includes(arg)) flags.add('test');
    else
      return `error: unexpected argument '${arg}' found\n\nUsage: carrier2 [OPTIONS]\n\nFor more information, try '--help'.\n`;
  }
  return { conf, upgrade: flags.has('upgrade'), daemon: flags.has('daemon'), test: flags.has('test') };
}

const DISCARD: Streams = { out: () => undefined, err: () => undefined };

const appendTo =
  (files: Map<string, string>, path: string) =>
  (text: string): void => {
    files.set(path, (files.get(path) ?? '') + text);
  };

const keyOf = (target: ContainerRef): string => `${target.namespace}/${target.name}/${target.container}`;
