import type { ContainerRef } from '../../../domain/cluster/pod.js';
import type { ExecResult } from '../../../ports/cluster-api.port.js';
import { failed, succeeded, type ExecCall, type ExecHandler } from '../exec-handler.js';

export interface CarrierSimulatorOptions {
  /** Which running images are Carrier: a substring or a pattern; `carrier` by default. */
  readonly image?: string | RegExp;
  /** The current container id, so that `configurationOf` forgets a restarted container; optional. */
  readonly containerIdOf?: (target: ContainerRef) => string | undefined;
}

/** One `setroute.sh`: Carrier listens on the container port and forwards to the upstream (`host:port`). */
export interface CarrierRoute {
  readonly containerPort: number;
  readonly upstream: string;
}

/** What a running Carrier was told, for one container instance. */
export interface CarrierState {
  readonly containerID: string | undefined;
  /** By container port, sorted; a later `setroute.sh` for a port replaces the earlier one. */
  readonly routes: readonly CarrierRoute[];
  readonly probePorts: readonly number[];
  /** By `<pod>/<container>`: the directories synced down. */
  readonly syncDirectories: Readonly<Record<string, readonly string[]>>;
}

interface MutableState {
  containerID: string | undefined;
  routes: Map<number, string>;
  probePorts: Set<number>;
  syncDirectories: Map<string, string[]>;
}

const UPSTREAM = /^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?:(\d{1,5})$/;
const SYNC_TARGET = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Carrier's configuration scripts, as exec answers: `setroute.sh`,
 * `setprobe.sh` and `syncdirs.sh` under `/bin/busybox sh`, in containers whose
 * running image (the container status, not the spec) is Carrier. A restart
 * (a new container id) loses the configuration, as the real Carrier's nginx
 * config lives in the container. Badly formed calls exit 1 with a usage line.
 */
export class CarrierSimulator {
  readonly #image: string | RegExp;
  readonly #containerIdOf: ((target: ContainerRef) => string | undefined) | undefined;
  readonly #states = new Map<string, MutableState>();

  constructor(options: CarrierSimulatorOptions = {}) {
    this.#image = options.image ?? 'carrier';
    this.#containerIdOf = options.containerIdOf;
  }

  readonly handle: ExecHandler = (call) => {
    const status = call.podObject.containerStatuses.find((entry) => entry.name === call.container);
    if (!status || status.current.state !== 'running' || !this.#isCarrier(status.image)) return undefined;
    const [busybox, shell, script, ...args] = call.command;
    if (busybox !== '/bin/busybox' || shell !== 'sh') return undefined;
    switch (script) {
      case 'setroute.sh':
        return this.#setRoute(call, status.containerID, args);
      case 'setprobe.sh':
        return this.#setProbe(call, status.containerID, args);
      case 'syncdirs.sh':
        return this.#syncDirs(call, status.containerID, args);
      default:
        return undefined;
    }
  };

  /** The configuration of the container's current instance; undefined when it has none (never configured, or restarted since). */
  configurationOf(target: ContainerRef): CarrierState | undefined {
    const state = this.#states.get(keyOf(target.namespace, target.name, target.container));
    if (!state) return undefined;
    if (this.#containerIdOf && this.#containerIdOf(target) !== state.containerID) return undefined;
    return {
      containerID: state.containerID,
      routes: [...state.routes].sort(([a], [b]) => a - b).map(([containerPort, upstream]) => ({ containerPort, upstream })),
      probePorts: [...state.probePorts].sort((a, b) => a - b),
      syncDirectories: Object.fromEntries([...state.syncDirectories].map(([key, dirs]) => [key, [...dirs]])),
    };
  }

  #isCarrier(image: string): boolean {
    return this.#image instanceof RegExp ? this.#image.test(image) : image.includes(this.#image);
  }

  /** The state of this container instance; a new instance starts empty. */
  #stateOf(call: ExecCall, containerID: string | undefined): MutableState {
    const key = keyOf(call.namespace, call.pod, call.container);
    const existing = this.#states.get(key);
    if (existing && existing.containerID === containerID) return existing;
    const fresh: MutableState = { containerID, routes: new Map(), probePorts: new Set(), syncDirectories: new Map() };
    this.#states.set(key, fresh);
    return fresh;
  }

  #setRoute(call: ExecCall, containerID: string | undefined, args: readonly string[]): ExecResult {
    const [port, upstream] = args;
    const upstreamMatch = UPSTREAM.exec(upstream ?? '');
    if (args.length !== 2 || !isPort(port) || !upstreamMatch || !isPort(upstreamMatch[2])) {
      return failed(1, 'usage: setroute.sh <containerPort> <host>:<port>\n');
    }
    this.#stateOf(call, containerID).routes.set(Number(port), upstream ?? '');
    return succeeded();
  }

  #setProbe(call: ExecCall, containerID: string | undefined, args: readonly string[]): ExecResult {
    const [port] = args;
    if (args.length !== 1 || !isPort(port)) return failed(1, 'usage: setprobe.sh <port>\n');
    this.#stateOf(call, containerID).probePorts.add(Number(port));
    return succeeded();
  }

  #syncDirs(call: ExecCall, containerID: string | undefined, args: readonly string[]): ExecResult {
    const [target, ...directories] = args;
    if (!SYNC_TARGET.test(target ?? '') || directories.length === 0 || !directories.every((dir) => dir.startsWith('/'))) {
      return failed(1, 'usage: syncdirs.sh <pod>/<container> <dir> [<dir>...]\n');
    }
    this.#stateOf(call, containerID).syncDirectories.set(target ?? '', [...directories]);
    return succeeded();
  }
}

const keyOf = (namespace: string, pod: string, container: string): string => `${namespace}/${pod}/${container}`;

function isPort(value: string | undefined): boolean {
  if (value === undefined || !/^\d{1,5}$/.test(value)) return false;
  const port = Number(value);
  return port >= 1 && port <= 65535;
}
