import type { ExecHandler, ExecRequest, ExecResult } from '../node/exec-types.js';

export interface CarrierRoute {
  readonly containerPort: number;
  readonly host: string;
  readonly port: number;
}

export interface CarrierSync {
  /** `<pod>/<container>`, the rsync module on Stowaway. */
  readonly target: string;
  readonly directories: readonly string[];
}

/** What one Carrier container instance was configured with. A restart (new container ID) starts empty, as nginx's config would. */
export interface CarrierConfiguration {
  readonly containerID: string;
  /** By container port; a second setroute.sh for a port replaces the first. */
  readonly routes: readonly CarrierRoute[];
  readonly probePorts: readonly number[];
  readonly sync?: CarrierSync;
}

export interface SimulatedCarrierOptions {
  /** A container runs Carrier when its running image contains this. Default `carrier`. */
  readonly imageMarker?: string;
}

const fail = (message: string): ExecResult => ({ exitCode: 1, stderr: `${message}\n` });

/**
 * Answers Carrier's configuration scripts in any container whose running
 * image (from its status, not its spec) is Carrier's. Commands sent before
 * the kubelet restarted the container with Carrier reach no handler and exit
 * 127, which catches an operator configuring too early.
 */
export class SimulatedCarrier {
  readonly #imageMarker: string;
  readonly #configurations = new Map<string, CarrierConfiguration>();

  constructor(options: SimulatedCarrierOptions = {}) {
    this.#imageMarker = options.imageMarker ?? 'carrier';
  }

  /** The configuration of the Carrier instance last configured in that container, if any. */
  configurationOf(namespace: string, pod: string, container: string): CarrierConfiguration | undefined {
    return this.#configurations.get(`${namespace}/${pod}/${container}`);
  }

  readonly handle: ExecHandler = (request) => {
    if (request.runningImage?.includes(this.#imageMarker) !== true) return undefined;
    const [busybox, shell, script, ...args] = request.command;
    if (busybox !== '/bin/busybox' || shell !== 'sh') return undefined;
    switch (script) {
      case 'setroute.sh':
        return this.#setRoute(request, args);
      case 'setprobe.sh':
        return this.#setProbe(request, args);
      case 'syncdirs.sh':
        return this.#syncDirs(request, args);
      default:
        return undefined;
    }
  };

  #setRoute(request: ExecRequest, args: string[]): ExecResult {
    const usage = 'usage: setroute.sh <containerPort> <host>:<port>';
    if (args.length !== 2) return fail(usage);
    const containerPort = parsePort(args[0]);
    const separator = (args[1] ?? '').lastIndexOf(':');
    const host = (args[1] ?? '').slice(0, separator);
    const port = parsePort((args[1] ?? '').slice(separator + 1));
    if (containerPort === undefined || separator <= 0 || host === '' || port === undefined) return fail(usage);
    this.#update(request, (config) => ({
      ...config,
      routes: [...config.routes.filter((r) => r.containerPort !== containerPort), { containerPort, host, port }],
    }));
    return { exitCode: 0 };
  }

  #setProbe(request: ExecRequest, args: string[]): ExecResult {
    const port = parsePort(args[0]);
    if (args.length !== 1 || port === undefined) return fail('usage: setprobe.sh <port>');
    this.#update(request, (config) => ({ ...config, probePorts: [...new Set([...config.probePorts, port])] }));
    return { exitCode: 0 };
  }

  #syncDirs(request: ExecRequest, args: string[]): ExecResult {
    const [target = '', ...directories] = args;
    const parts = target.split('/');
    const valid = parts.length === 2 && parts.every((p) => p !== '') && directories.length > 0 && directories.every((d) => d.startsWith('/'));
    if (!valid) return fail('usage: syncdirs.sh <pod>/<container> <absolute dir> [<absolute dir>...]');
    this.#update(request, (config) => ({ ...config, sync: { target, directories } }));
    return { exitCode: 0 };
  }

  #update(request: ExecRequest, change: (config: CarrierConfiguration) => CarrierConfiguration): void {
    const key = `${request.namespace}/${request.pod}/${request.container}`;
    const containerID = request.containerID ?? '';
    const current = this.#configurations.get(key);
    const base = current?.containerID === containerID ? current : { containerID, routes: [], probePorts: [] };
    this.#configurations.set(key, change(base));
  }
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const port = Number(value);
  return port > 0 && port < 65536 ? port : undefined;
}
