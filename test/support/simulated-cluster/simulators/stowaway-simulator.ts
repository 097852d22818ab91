import type { ExecResult } from '../../../../src/ports/cluster-api.port.js';
import { failed, succeeded, type ExecCall, type ExecHandler } from '../../../../src/adapters/in-memory/exec-handler.js';
import { parseProxyRoutes, type ProxyRoute } from './proxy-routes.js';
import { wireGuardPublicKey } from './wireguard-keys.js';
import { DEFAULT_PEER_CONFIG, renderPeerConfig, type WireGuardPeerConfig } from './wireguard-peer-config.js';

/** Reads a ConfigMap's data the way the kubelet would to fill a volume; undefined when absent. */
export type ConfigMapReader = (
  namespace: string,
  name: string,
) => Readonly<Record<string, string>> | undefined | Promise<Readonly<Record<string, string>> | undefined>;

export interface StowawaySimulatorOptions {
  readonly readConfigMap: ConfigMapReader;
  readonly peerConfig?: Partial<WireGuardPeerConfig>;
  /** Whether the peer file exists from the start; true by default. */
  readonly generated?: boolean;
  /** The client's public key, as `wg show` lists the peer; derived from the peer file's PrivateKey by default, as WireGuard does. */
  readonly clientPublicKey?: string;
  readonly peerConfigPath?: string;
  readonly routesConfigMap?: string;
  readonly routesMountPath?: string;
}

/** One run of generate-proxyroutes.sh: the route table nginx serves from then on. */
export interface GenerateRun {
  readonly namespace: string;
  readonly pod: string;
  readonly containerID: string | undefined;
  readonly routes: Readonly<Record<string, string>>;
  /** The same table as nginx reads it, by key. */
  readonly proxyRoutes: readonly ProxyRoute[];
}

/** Where Stowaway mounts its route ConfigMap and what it is called, unless the options say otherwise. */
export const STOWAWAY_ROUTES_CONFIGMAP = 'gefyra-stowaway-proxyroutes';
const STOWAWAY_ROUTES_MOUNT_PATH = '/stowaway/proxyroutes';

/**
 * Stowaway's side of its contract with the operator, as exec answers: the peer
 * file, the WireGuard handshake, the mounted route ConfigMap, route generation
 * and sync directories. It answers only in container `stowaway` of pods
 * labelled `app: stowaway`. It needs nothing but a ConfigMap reader, so the
 * same simulator serves the in-memory cluster and the simulated kubelet of the
 * control-plane harness on a real API server. Register `simulator.handle` as
 * an exec handler.
 */
export class StowawaySimulator {
  readonly #readConfigMap: ConfigMapReader;
  readonly #peerConfigPath: string;
  readonly #routesConfigMap: string;
  readonly #mountPath: string;
  readonly #clientPublicKey: string | undefined;
  readonly #runs: GenerateRun[] = [];
  /** Absolute paths made with `mkdir -p` (with their parents) and not removed since. */
  readonly #directories = new Set<string>();
  #peerConfig: WireGuardPeerConfig;
  #generated: boolean;
  #latestHandshake = 0;
  #frozenMount: Readonly<Record<string, string>> | undefined;

  constructor(options: StowawaySimulatorOptions) {
    this.#readConfigMap = options.readConfigMap;
    this.#peerConfig = { ...DEFAULT_PEER_CONFIG, ...options.peerConfig };
    this.#generated = options.generated ?? true;
    this.#clientPublicKey = options.clientPublicKey;
    this.#peerConfigPath = options.peerConfigPath ?? '/config/peer1/peer1.conf';
    this.#routesConfigMap = options.routesConfigMap ?? STOWAWAY_ROUTES_CONFIGMAP;
    this.#mountPath = stripSlash(options.routesMountPath ?? STOWAWAY_ROUTES_MOUNT_PATH);
  }

  readonly handle: ExecHandler = (call) => {
    if (call.podObject.labels['app'] !== 'stowaway' || call.container !== 'stowaway') return undefined;
    return this.#answer(call);
  };

  get peerConfig(): WireGuardPeerConfig {
    return this.#peerConfig;
  }

  get peerConfigText(): string {
    return renderPeerConfig(this.#peerConfig);
  }

  /** The key `wg show` lists the client under: the public half of the peer file's PrivateKey unless set in the options. */
  get clientPublicKey(): string {
    return this.#clientPublicKey ?? wireGuardPublicKey(this.#peerConfig.privateKey);
  }

  setPeerConfig(changes: Partial<WireGuardPeerConfig>): void {
    this.#peerConfig = { ...this.#peerConfig, ...changes };
  }

  /** Whether Stowaway has written the peer file yet (until then `cat` fails, as at start-up). */
  setGenerated(generated: boolean): void {
    this.#generated = generated;
  }

  /** The client's latest handshake in unix seconds; 0 means never. */
  setLatestHandshake(unixSeconds: number): void {
    this.#latestHandshake = Math.floor(unixSeconds);
  }

  /** From now on the mounted route directory shows the ConfigMap as it is now, as a kubelet that has not refreshed the volume would. */
  async freezeMount(namespace: string): Promise<void> {
    this.#frozenMount = { ...((await this.#readConfigMap(namespace, this.#routesConfigMap)) ?? {}) };
  }

  /** The kubelet refreshes the volume: the mount follows the ConfigMap again. */
  refreshMount(): void {
    this.#frozenMount = undefined;
  }

  get generateRuns(): readonly GenerateRun[] {
    return this.#runs;
  }

  /** The table of the latest generate-proxyroutes.sh run, or undefined if none ran. */
  get servedRoutes(): Readonly<Record<string, string>> | undefined {
    return this.#runs.at(-1)?.routes;
  }

  /** The routes nginx serves, parsed; empty before the first generate-proxyroutes.sh run. */
  get proxyRoutes(): readonly ProxyRoute[] {
    return this.#runs.at(-1)?.proxyRoutes ?? [];
  }

  /** Sync-down directories (`<pod>/<container>`) that exist under /rsync. */
  get syncDirs(): ReadonlySet<string> {
    const modules = [...this.#directories].map((path) => /^\/rsync\/([^/]+\/[^/]+)$/.exec(path)?.[1]);
    return new Set(modules.filter((module) => module !== undefined));
  }

  async #answer(call: ExecCall): Promise<ExecResult | undefined> {
    const [program, ...args] = call.command;
    const mount = this.#mountPath;
    if (program === 'wg' && args.join(' ') === 'show wg0 latest-handshakes') {
      return succeeded(`${this.clientPublicKey}\t${this.#latestHandshake}\n`);
    }
    if (program === 'ls' && args.length === 2 && args[0] === '-1' && stripSlash(args[1]) === mount) {
      const keys = Object.keys(await this.#mounted(call.namespace)).sort();
      return succeeded(keys.map((key) => `${key}\n`).join(''));
    }
    if (program === 'ls' && args.length >= 2 && args[0] === '-d' && absolute(args.slice(1)))
      return this.#listDirectories(args.slice(1));
    if (program === 'cat' && args.length === 1 && args[0]?.startsWith('/')) return this.#cat(call, args[0]);
    if (program === '/bin/bash' && args.length === 2 && args[0] === 'generate-proxyroutes.sh') {
      // The script lists the directory it is given; only the mount exists.
      if (stripSlash(args[1]) !== mount)
        return failed(1, `ls: cannot access '${args[1] ?? ''}': No such file or directory\n`);
      return this.#generate(call);
    }
    if (program === 'mkdir' && args[0] === '-p' && args.length >= 2 && absolute(args.slice(1)))
      return this.#mkdir(args.slice(1));
    if (program === 'rm' && args[0] === '-rf' && args.length >= 2 && absolute(args.slice(1)))
      return this.#remove(args.slice(1));
    return undefined;
  }

  async #cat(call: ExecCall, path: string): Promise<ExecResult> {
    const noSuchFile = failed(1, `cat: ${path}: No such file or directory\n`);
    if (path === this.#peerConfigPath)
      return this.#generated ? succeeded(renderPeerConfig(this.#peerConfig)) : noSuchFile;
    if (path.startsWith(`${this.#mountPath}/`) && stripSlash(path) !== this.#mountPath) {
      const value = (await this.#mounted(call.namespace))[path.slice(this.#mountPath.length + 1)];
      return value === undefined ? noSuchFile : succeeded(value);
    }
    const isDirectory = this.#directories.has(stripSlash(path)) || stripSlash(path) === this.#mountPath;
    return isDirectory ? failed(1, 'cat: read error: Is a directory\n') : noSuchFile;
  }

  async #mounted(namespace: string): Promise<Readonly<Record<string, string>>> {
    return this.#frozenMount ?? (await this.#readConfigMap(namespace, this.#routesConfigMap)) ?? {};
  }

  /** Reads the mounted files, as the real script does: a stale mount serves a stale table. */
  async #generate(call: ExecCall): Promise<ExecResult> {
    const routes = { ...(await this.#mounted(call.namespace)) };
    const parsed = parseProxyRoutes(routes);
    if ('error' in parsed)
      return failed(1, `${parsed.error}\nnginx: configuration file /etc/nginx/nginx.conf test failed\n`);
    const containerID = call.podObject.containerStatuses.find((status) => status.name === call.container)?.containerID;
    this.#runs.push({ namespace: call.namespace, pod: call.pod, containerID, routes, proxyRoutes: parsed.routes });
    return succeeded(`generated ${parsed.routes.length} proxy routes\n`);
  }

  /**
   * `ls -d <path>...`: each path that exists (the route mount and what mkdir made), sorted, as
   * coreutils lists them; a complaint on stderr for each other one, and exit 2 if there was any.
   */
  #listDirectories(paths: readonly string[]): ExecResult {
    const exists = (path: string): boolean =>
      this.#directories.has(stripSlash(path)) || stripSlash(path) === this.#mountPath;
    const missing = paths.filter((path) => !exists(path));
    const stdout = paths
      .filter(exists)
      .sort()
      .map((path) => `${path}\n`)
      .join('');
    const stderr = missing.map((path) => `ls: cannot access '${path}': No such file or directory\n`).join('');
    return { exitCode: missing.length > 0 ? 2 : 0, stdout, stderr };
  }

  /** `-p` makes the parents too, so `/rsync/<pod>` exists once `/rsync/<pod>/<container>` does. */
  #mkdir(paths: readonly string[]): ExecResult {
    for (const path of paths) {
      for (let dir = stripSlash(path); dir !== '/' && dir !== ''; dir = dir.slice(0, dir.lastIndexOf('/')))
        this.#directories.add(dir);
    }
    return succeeded();
  }

  /** Removes the directories and everything below them; removing what is absent succeeds, as `rm -f` does. */
  #remove(paths: readonly string[]): ExecResult {
    const targets = paths.map(stripSlash);
    for (const dir of [...this.#directories]) {
      if (targets.some((target) => dir === target || dir.startsWith(`${target}/`))) this.#directories.delete(dir);
    }
    return succeeded();
  }
}

const absolute = (paths: readonly (string | undefined)[]): boolean => paths.every((path) => path?.startsWith('/'));
const stripSlash = (path: string | undefined): string => (path ?? '').replace(/(.)\/+$/, '$1');
