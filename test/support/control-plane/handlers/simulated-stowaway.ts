import { CoreV1Api } from '@kubernetes/client-node';
import type { ExecHandler, ExecRequest, ExecResult } from '../node/exec-types.js';
import { renderPeerConfig, type PeerConfig } from './stowaway-peer-config.js';
import { parseProxyRoutes, type ProxyRoute } from './stowaway-routes.js';
import { generateWireGuardKeyPair, wireGuardPublicKey } from './wireguard-keys.js';

export const STOWAWAY_PROXY_ROUTES_CONFIGMAP = 'gefyra-stowaway-proxyroutes';
const ROUTES_DIR = '/stowaway/proxyroutes';

export interface SimulatedStowawayOptions {
  /** Default `/config/peer1/peer1.conf` (GEFYRA_STOWAWAY_PEER_CONFIG_PATH). */
  readonly peerConfigPath?: string;
  /** Overrides of the generated defaults. */
  readonly peerConfig?: Partial<PeerConfig>;
  /** Whether peer1.conf exists yet. Default true. */
  readonly generated?: boolean;
}

export interface ProxyRouteRun {
  readonly at: Date;
  readonly namespace: string;
  readonly routes: readonly ProxyRoute[];
}

const ok = (stdout = ''): ExecResult => ({ exitCode: 0, stdout });
const noSuchFile = (command: string, path: string): ExecResult => ({
  exitCode: 1,
  stderr: `${command}: ${path}: No such file or directory\n`,
});

/**
 * Answers what the operator runs in the `stowaway` container of pods labelled
 * `app: stowaway`, like Gefyra's Stowaway image: the peer file, WireGuard's
 * latest handshakes, regenerating the proxy routes (read from the ConfigMap
 * through the API, since nothing mounts volumes here) and the rsync
 * directories. Its state is set and inspected by tests.
 */
export class SimulatedStowaway {
  readonly peerConfigPath: string;
  #peerConfig: PeerConfig;
  #generated: boolean;
  #latestHandshake = 0;
  readonly #runs: ProxyRouteRun[] = [];
  readonly #directories = new Set<string>();

  constructor(options: SimulatedStowawayOptions = {}) {
    this.peerConfigPath = options.peerConfigPath ?? '/config/peer1/peer1.conf';
    const peer = generateWireGuardKeyPair();
    const server = generateWireGuardKeyPair();
    this.#peerConfig = {
      interfaceAddress: '192.168.99.2',
      interfacePrivateKey: peer.privateKey,
      interfaceListenPort: 51820,
      interfaceDns: '192.168.99.1',
      peerPublicKey: server.publicKey,
      peerEndpoint: '203.0.113.7:31820',
      peerAllowedIps: '0.0.0.0/0',
      ...options.peerConfig,
    };
    this.#generated = options.generated ?? true;
  }

  get peerConfig(): PeerConfig {
    return this.#peerConfig;
  }

  /** The file's text, exactly as `cat` prints it. */
  get peerConfigText(): string {
    return renderPeerConfig(this.#peerConfig);
  }

  /** The public key of the peer (Cargo), which `wg show` lists: derived from the file's PrivateKey. */
  get peerPublicKey(): string {
    return wireGuardPublicKey(this.#peerConfig.interfacePrivateKey);
  }

  setPeerConfig(values: Partial<PeerConfig>): void {
    this.#peerConfig = { ...this.#peerConfig, ...values };
  }

  /** `false`: the file does not exist yet, as in a Stowaway still starting (its readiness probe fails too). */
  setPeerConfigGenerated(generated: boolean): void {
    this.#generated = generated;
  }

  /** Unix seconds (or a Date) of the last handshake with the peer; 0 means never. */
  setLatestHandshake(at: number | Date): void {
    this.#latestHandshake = typeof at === 'number' ? Math.floor(at) : Math.floor(at.getTime() / 1000);
  }

  /** The routes nginx serves: those of the last successful generate-proxyroutes.sh run. */
  get proxyRoutes(): readonly ProxyRoute[] {
    return this.#runs.at(-1)?.routes ?? [];
  }

  /** Every successful generate-proxyroutes.sh run, oldest first. */
  get proxyRouteRuns(): readonly ProxyRouteRun[] {
    return this.#runs;
  }

  /** Directories that exist now (made with `mkdir -p`, not yet removed with `rm -rf`). */
  get directories(): ReadonlySet<string> {
    return this.#directories;
  }

  readonly handle: ExecHandler = async (request) => {
    if (request.container !== 'stowaway' || request.podObject?.metadata?.labels?.['app'] !== 'stowaway') return undefined;
    const [program, ...args] = request.command;
    const command = request.command.join(' ');
    if (program === 'cat' && args.length === 1) return await this.#cat(request, args[0] ?? '');
    if (command === 'wg show wg0 latest-handshakes') return ok(`${this.peerPublicKey}\t${this.#latestHandshake}\n`);
    if (program === '/bin/bash' && args[0] === 'generate-proxyroutes.sh' && args.length === 2) {
      if (trimSlash(args[1] ?? '') !== ROUTES_DIR) return noSuchFile('generate-proxyroutes.sh', args[1] ?? '');
      return await this.#generateRoutes(request);
    }
    if (program === 'mkdir' && args[0] === '-p' && args.length === 2) return this.#mkdir(args[1] ?? '');
    if (program === 'rm' && args[0] === '-rf' && args.length === 2) return this.#remove(args[1] ?? '');
    return undefined;
  };

  async #cat(request: ExecRequest, path: string): Promise<ExecResult> {
    if (path === this.peerConfigPath) return this.#generated ? ok(this.peerConfigText) : noSuchFile('cat', path);
    if (path.startsWith(`${ROUTES_DIR}/`)) {
      const entries = await readRoutes(request);
      const value = entries?.[path.slice(ROUTES_DIR.length + 1)];
      return value === undefined ? noSuchFile('cat', path) : ok(value);
    }
    return this.#directories.has(trimSlash(path)) ? { exitCode: 1, stderr: `cat: read error: Is a directory\n` } : noSuchFile('cat', path);
  }

  async #generateRoutes(request: ExecRequest): Promise<ExecResult> {
    const entries = await readRoutes(request);
    if (entries === undefined) return noSuchFile('ls', `${ROUTES_DIR}/`);
    const parsed = parseProxyRoutes(entries);
    if ('error' in parsed) return { exitCode: 1, stderr: `${parsed.error}\nnginx: configuration file /etc/nginx/nginx.conf test failed\n` };
    this.#runs.push({ at: new Date(), namespace: request.namespace, routes: parsed.routes });
    return ok();
  }

  #mkdir(path: string): ExecResult {
    if (!path.startsWith('/')) return { exitCode: 1, stderr: `mkdir: cannot create directory '${path}': relative paths are not simulated\n` };
    this.#directories.add(trimSlash(path));
    return ok();
  }

  #remove(path: string): ExecResult {
    const target = trimSlash(path);
    for (const directory of [...this.#directories]) {
      if (directory === target || directory.startsWith(`${target}/`)) this.#directories.delete(directory);
    }
    return ok();
  }
}

/**
 * The route files as the kubelet would have mounted them: the ConfigMap's
 * data, read now (a real kubelet refreshes the mount with some delay).
 * `undefined` when the ConfigMap does not exist.
 */
async function readRoutes(request: ExecRequest): Promise<Record<string, string> | undefined> {
  const core = request.kubeConfig.makeApiClient(CoreV1Api);
  try {
    const configMap = await core.readNamespacedConfigMap({ namespace: request.namespace, name: STOWAWAY_PROXY_ROUTES_CONFIGMAP });
    return configMap.data ?? {};
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 404) return undefined;
    throw error;
  }
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
