import type { ExecResult } from '../../../ports/cluster-api.port.js';
import { failed, succeeded, type ExecCall, type ExecHandler } from '../exec-handler.js';
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
  /** The client's public key, as `wg show` lists the peer. */
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
}

const ROUTE_VALUE = /^\d{1,3}(\.\d{1,3}){3}:\d{1,5},\d{1,5}$/;

/**
 * Stowaway's side of its contract with the operator, as exec answers: the peer
 * file, the WireGuard handshake, the mounted route ConfigMap, route generation
 * and sync directories. It answers only in container `stowaway` of pods
 * labelled `app: stowaway`. It needs nothing but a ConfigMap reader, so the
 * same simulator serves the in-memory cluster and a simulated kubelet on a
 * real API server. Register `simulator.handle` as an exec handler.
 */
export class StowawaySimulator {
  readonly #readConfigMap: ConfigMapReader;
  readonly #peerConfigPath: string;
  readonly #routesConfigMap: string;
  readonly #mountPath: string;
  readonly #clientPublicKey: string;
  readonly #runs: GenerateRun[] = [];
  readonly #syncDirs = new Set<string>();
  #peerConfig: WireGuardPeerConfig;
  #generated: boolean;
  #latestHandshake = 0;
  #frozenMount: Readonly<Record<string, string>> | undefined;

  constructor(options: StowawaySimulatorOptions) {
    this.#readConfigMap = options.readConfigMap;
    this.#peerConfig = { ...DEFAULT_PEER_CONFIG, ...options.peerConfig };
    this.#generated = options.generated ?? true;
    this.#clientPublicKey = options.clientPublicKey ?? 'aW4tbWVtb3J5LWNsaWVudC1wdWJsaWMta2V5LTAwMDA=';
    this.#peerConfigPath = options.peerConfigPath ?? '/config/peer1/peer1.conf';
    this.#routesConfigMap = options.routesConfigMap ?? 'gefyra-stowaway-proxyroutes';
    this.#mountPath = (options.routesMountPath ?? '/stowaway/proxyroutes').replace(/\/+$/, '');
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

  get clientPublicKey(): string {
    return this.#clientPublicKey;
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

  /** Sync-down directories (`<pod>/<container>`) that exist under /rsync. */
  get syncDirs(): ReadonlySet<string> {
    return this.#syncDirs;
  }

  async #answer(call: ExecCall): Promise<ExecResult | undefined> {
    const [program, ...args] = call.command;
    const mount = this.#mountPath;
    if (program === 'cat' && args.length === 1 && args[0] === this.#peerConfigPath) return this.#catPeerConfig();
    if (program === 'wg' && args.join(' ') === 'show wg0 latest-handshakes') {
      return succeeded(`${this.#clientPublicKey}\t${this.#latestHandshake}\n`);
    }
    if (program === 'ls' && args.length === 2 && args[0] === '-1' && stripSlash(args[1]) === mount) {
      const keys = Object.keys(await this.#mounted(call.namespace)).sort();
      return succeeded(keys.map((key) => `${key}\n`).join(''));
    }
    if (program === 'cat' && args.length === 1 && args[0]?.startsWith(`${mount}/`)) {
      const key = args[0].slice(mount.length + 1);
      const value = (await this.#mounted(call.namespace))[key];
      return value === undefined ? failed(1, `cat: ${args[0]}: No such file or directory\n`) : succeeded(value);
    }
    if (program === '/bin/bash' && args.length === 2 && args[0] === 'generate-proxyroutes.sh' && stripSlash(args[1]) === mount) {
      return this.#generate(call);
    }
    if (program === 'mkdir' && args[0] === '-p' && args.length === 2) return this.#syncDir(args[1], 'add');
    if (program === 'rm' && args[0] === '-rf' && args.length === 2) return this.#syncDir(args[1], 'delete');
    return undefined;
  }

  #catPeerConfig(): ExecResult {
    if (!this.#generated) return failed(1, `cat: ${this.#peerConfigPath}: No such file or directory\n`);
    return succeeded(renderPeerConfig(this.#peerConfig));
  }

  async #mounted(namespace: string): Promise<Readonly<Record<string, string>>> {
    return this.#frozenMount ?? (await this.#readConfigMap(namespace, this.#routesConfigMap)) ?? {};
  }

  /** Reads the mounted files, as the real script does: a stale mount serves a stale table. */
  async #generate(call: ExecCall): Promise<ExecResult> {
    const routes = { ...(await this.#mounted(call.namespace)) };
    const broken = Object.entries(routes).filter(([, value]) => !ROUTE_VALUE.test(value.trim()));
    if (broken.length > 0) {
      return failed(1, `nginx: [emerg] invalid route ${broken.map(([key, value]) => `${key}=${value}`).join(', ')}\n`);
    }
    const containerID = call.podObject.containerStatuses.find((status) => status.name === call.container)?.containerID;
    this.#runs.push({ namespace: call.namespace, pod: call.pod, containerID, routes });
    return succeeded(`generated ${Object.keys(routes).length} proxy routes\n`);
  }

  #syncDir(path: string | undefined, change: 'add' | 'delete'): ExecResult | undefined {
    const match = /^\/rsync\/([^/]+\/[^/]+)\/?$/.exec(path ?? '');
    if (!match?.[1]) return undefined;
    if (change === 'add') this.#syncDirs.add(match[1]);
    else this.#syncDirs.delete(match[1]);
    return succeeded();
  }
}

const stripSlash = (path: string | undefined): string | undefined => path?.replace(/\/+$/, '');
