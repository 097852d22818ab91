import type { ContainerRef } from '../../../../src/domain/cluster/pod.js';
import type { ExecResult } from '../../../../src/ports/cluster-api.port.js';
import { failed, succeeded, type ExecCall, type ExecHandler } from '../../../../src/adapters/in-memory/exec-handler.js';
import { NGINX_CONF_PATH, testConfig, unbindablePorts, type ServedConfig } from './nginx-config.js';

export interface CarrierSimulatorOptions {
  /** Which running images are Carrier: a substring or a pattern; `carrier` by default. */
  readonly image?: string | RegExp;
  /** The current container id, so that `configurationOf` forgets a restarted container; optional. */
  readonly containerIdOf?: (target: ContainerRef) => string | undefined;
  /**
   * Restarts the container, as the kubelet does when its main process ends:
   * what `nginx -s stop` in Carrier leads to. Without it Carrier does not
   * know that command.
   */
  readonly restartContainer?: (target: ContainerRef) => void;
}

/** One proxied port: Carrier listens on the container port and forwards to the upstream (`host:port`). */
export interface CarrierRoute {
  readonly containerPort: number;
  readonly upstream: string;
}

/** What a running Carrier serves (its loaded nginx config), for one container instance. */
export interface CarrierState {
  readonly containerID: string | undefined;
  /** By container port. */
  readonly routes: readonly CarrierRoute[];
  readonly probePorts: readonly number[];
  /** By `<pod>/<container>`: the directories synced down. */
  readonly syncDirectories: Readonly<Record<string, readonly string[]>>;
  /** `/etc/nginx/nginx.conf` as the scripts left it; it may hold more than nginx serves. */
  readonly configText: string;
}

/** The command that ends Carrier's nginx, and with it the container: the kubelet starts a clean one. */
export const CARRIER_STOP_COMMAND: readonly string[] = ['/bin/busybox', 'sh', '-c', 'nginx -s stop'];

/** Carrier's nginx.conf as the image ships it: nothing routed, nothing answered. */
export const CARRIER_BASE_CONFIG = [
  'worker_processes auto;',
  'error_log /var/log/nginx/error.log notice;',
  'pid /var/run/nginx.pid;',
  'events {',
  '    worker_connections 1024;',
  '}',
  'stream {',
  '}',
  'http {',
  '    default_type application/octet-stream;',
  '}',
  '',
].join('\n');

const EMPTY_SERVED: ServedConfig = { streamRoutes: new Map(), probePorts: new Set() };

interface ContainerInstance {
  readonly containerID: string | undefined;
  configText: string;
  served: ServedConfig;
  syncDirectories: Map<string, string[]>;
}

const SYNC_TARGET = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Carrier's configuration scripts, as exec answers, in containers whose
 * running image (the container status, not the spec) is Carrier, with the
 * real scripts' semantics (see docs/gefyra-components.md, Carrier):
 * `setroute.sh` and `setprobe.sh` insert their blocks into the config text
 * with no check whatsoever and run `nginx -s reload`. So a second
 * `setroute.sh` for one port leaves a duplicate upstream that fails every
 * later reload (exit 1) until the container restarts with the image's clean
 * config; a port nginx cannot bind (one listened on in two contexts) is
 * reported by nobody (exit 0, the old config keeps serving); a named port
 * is a host name nginx cannot resolve. `cat /etc/nginx/nginx.conf` shows the
 * text. The in-memory cluster and the control plane's simulated node both
 * answer with this one class.
 */
export class CarrierSimulator {
  readonly #image: string | RegExp;
  readonly #containerIdOf: ((target: ContainerRef) => string | undefined) | undefined;
  readonly #restartContainer: ((target: ContainerRef) => void) | undefined;
  readonly #instances = new Map<string, ContainerInstance>();

  constructor(options: CarrierSimulatorOptions = {}) {
    this.#image = options.image ?? 'carrier';
    this.#containerIdOf = options.containerIdOf;
    this.#restartContainer = options.restartContainer;
  }

  readonly handle: ExecHandler = (call) => {
    const status = call.podObject.containerStatuses.find((entry) => entry.name === call.container);
    if (!status || status.current.state !== 'running' || !this.#isCarrier(status.image)) return undefined;
    const instance = this.#instanceOf(call, status.containerID);
    const { command } = call;
    if (command.length === 2 && command[0] === 'cat' && command[1] === NGINX_CONF_PATH)
      return succeeded(instance.configText);
    if (sameCommand(command, CARRIER_STOP_COMMAND) && this.#restartContainer) {
      this.#restartContainer({ namespace: call.namespace, name: call.pod, container: call.container });
      return succeeded();
    }
    const [busybox, shell, script, ...args] = command;
    if (busybox !== '/bin/busybox' || shell !== 'sh') return undefined;
    switch (script) {
      case 'setroute.sh':
        return this.#insertAndReload(
          instance,
          'stream',
          `upstream stowaway-${args[0] ?? ''} {server ${args[1] ?? ''};} server {listen ${args[0] ?? ''}; proxy_pass stowaway-${args[0] ?? ''};}`,
        );
      case 'setprobe.sh':
        return this.#insertAndReload(
          instance,
          'http',
          `server {listen ${args[0] ?? ''} default; location / {return 200;}}`,
        );
      case 'syncdirs.sh':
        return this.#syncDirs(instance, args);
      default:
        return undefined;
    }
  };

  /** What the container's current instance serves; undefined when it has none (never configured, or restarted since). */
  configurationOf(target: ContainerRef): CarrierState | undefined {
    const instance = this.#instances.get(keyOf(target.namespace, target.name, target.container));
    if (!instance || (instance.configText === CARRIER_BASE_CONFIG && instance.syncDirectories.size === 0))
      return undefined;
    if (this.#containerIdOf && this.#containerIdOf(target) !== instance.containerID) return undefined;
    return {
      containerID: instance.containerID,
      routes: [...instance.served.streamRoutes]
        .sort(([a], [b]) => a - b)
        .map(([containerPort, upstream]) => ({ containerPort, upstream })),
      probePorts: [...instance.served.probePorts].sort((a, b) => a - b),
      syncDirectories: Object.fromEntries([...instance.syncDirectories].map(([key, dirs]) => [key, [...dirs]])),
      configText: instance.configText,
    };
  }

  #isCarrier(image: string): boolean {
    return this.#image instanceof RegExp ? this.#image.test(image) : image.includes(this.#image);
  }

  /** This container instance; a new instance starts from the image's config. */
  #instanceOf(call: ExecCall, containerID: string | undefined): ContainerInstance {
    const key = keyOf(call.namespace, call.pod, call.container);
    const existing = this.#instances.get(key);
    if (existing && existing.containerID === containerID) return existing;
    const fresh: ContainerInstance = {
      containerID,
      configText: CARRIER_BASE_CONFIG,
      served: EMPTY_SERVED,
      syncDirectories: new Map(),
    };
    this.#instances.set(key, fresh);
    return fresh;
  }

  /** The scripts' `sed` (after the line opening the context), then `nginx -s reload`. */
  #insertAndReload(instance: ContainerInstance, context: 'stream' | 'http', block: string): ExecResult {
    const lines = instance.configText.split('\n');
    const opening = lines.findIndex((line) => line.trim() === `${context} {`);
    lines.splice(opening + 1, 0, block);
    instance.configText = lines.join('\n');
    return this.#reload(instance);
  }

  /** `nginx -s reload`: a config that fails the test is refused loudly; one that cannot be bound is dropped silently. */
  #reload(instance: ContainerInstance): ExecResult {
    const test = testConfig(instance.configText);
    if (!test.ok) return failed(1, `${test.error}\n`);
    if (unbindablePorts(test.served).length === 0) instance.served = test.served;
    return succeeded();
  }

  #syncDirs(instance: ContainerInstance, args: readonly string[]): ExecResult {
    const [target, ...directories] = args;
    if (
      !SYNC_TARGET.test(target ?? '') ||
      directories.length === 0 ||
      !directories.every((dir) => dir.startsWith('/'))
    ) {
      return failed(1, 'usage: syncdirs.sh <pod>/<container> <dir> [<dir>...]\n');
    }
    instance.syncDirectories.set(target ?? '', [...directories]);
    return succeeded();
  }
}

const keyOf = (namespace: string, pod: string, container: string): string => `${namespace}/${pod}/${container}`;

const sameCommand = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((part, index) => part === b[index]);
