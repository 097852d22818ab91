import type { ExecResult } from '../../../../src/ports/cluster-api.port.js';
import { failed, succeeded } from '../../../../src/adapters/in-memory/exec-handler.js';
import type { ConfigMapReader } from './stowaway-simulator.js';
import { testConfig } from './nginx-config.js';

/** What the kubelet sees of a pod: a Manifest of the in-memory cluster and a V1Pod both have this shape. */
export interface ObservedPod {
  readonly metadata?: {
    readonly namespace?: string;
    readonly name?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly status?: unknown;
}

/** One Stowaway container's route serving: the mounted directory as the kubelet last wrote it and what nginx serves. */
interface Serving {
  readonly containerID: string;
  /** Labels and annotations of the pod when the kubelet last synced it. */
  metadata: string;
  /** `/stowaway/proxyroutes/`: the ConfigMap's data when the kubelet last refreshed the volume. */
  mounted: Readonly<Record<string, string>>;
  /** `/etc/nginx/nginx.conf` as the script last wrote it. */
  conf: string;
  /** Proxy port → upstream, as the running nginx serves it. */
  served: ReadonlyMap<number, string>;
  /** nginx's error.log and the watcher's output. */
  readonly log: string[];
  reloads: number;
}

export const ROUTES_MOUNT = '/stowaway/proxyroutes';
export const NGINX_CONF = '/etc/nginx/nginx.conf';
/** TCP ports the image listens on besides nginx: CoreDNS (53, its health plugin 8080) and the WireGuard health server. */
const IMAGE_TCP_PORTS = [53, 8080, 51822];

const CONF_HEADER = `worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        /tmp/nginx.pid;


events {
    worker_connections  1024;
}
`;

/**
 * Stowaway 2.5.4's route serving (stowaway/root: svc-proxyroutes,
 * generate-proxyroutes.sh, nginx), as strict as the image:
 * - the route ConfigMap is a volume the kubelet fills when the container
 *   starts and refreshes only when it syncs the pod because its labels or
 *   annotations changed (a status update does not; the periodic resync is
 *   left out, the strictest case): hence the original's
 *   `operator: update-notification-<now>` annotation;
 * - the inotify watcher runs generate-proxyroutes.sh when the refreshed
 *   directory differs, and once when the container starts;
 * - the script writes nginx.conf from `ls` of the directory, word-splitting
 *   each file at the comma (`listen <2nd>; proxy_pass <1st>;`), and runs
 *   `nginx -s reload`: a configuration nginx refuses (two routes on one
 *   port, a value in another shape) is reported only in the watcher's log,
 *   and the old configuration keeps running; a port the image already
 *   listens on fails in the master process's bind, after the signaller
 *   exited 0;
 * - exec'ing the script does the same from the directory as mounted now
 *   (a directory that does not exist leaves nginx serving no route).
 */
export class Stowaway2ProxyRoutes {
  readonly #readConfigMap: ConfigMapReader;
  readonly #configMap: string;
  readonly #servings = new Map<string, Serving>();

  constructor(readConfigMap: ConfigMapReader, configMap: string) {
    this.#readConfigMap = readConfigMap;
    this.#configMap = configMap;
  }

  /** The kubelet syncs the pod after a watch event. */
  async observe(pod: ObservedPod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const containerID = runningContainerID(pod.status);
    if (containerID === undefined) return;
    const metadata = JSON.stringify([pod.metadata?.labels ?? {}, pod.metadata?.annotations ?? {}]);
    const known = this.#servings.get(`${namespace}/${name}`);
    if (known?.containerID !== containerID) {
      await this.#start(namespace, name, containerID, metadata);
      return;
    }
    if (known.metadata === metadata) return;
    known.metadata = metadata;
    const current = await this.#data(namespace);
    if (sameData(current, known.mounted)) return; // the atomic writer changed nothing: no inotify event
    known.mounted = current;
    known.log.push(`Event detected on: ..data`);
    generate(known, `${ROUTES_MOUNT}/`);
  }

  /**
   * The route commands in container `containerID`: the script, `ls -1` of the
   * mount, `cat` of a route file or of nginx.conf; undefined for any other.
   * A container never observed starts now, as the kubelet would have started it.
   */
  async exec(
    namespace: string,
    pod: string,
    containerID: string,
    command: readonly string[],
  ): Promise<ExecResult | undefined> {
    const [program, ...args] = command;
    const script = (program === 'bash' || program === '/bin/bash') && args.length === 2;
    const isScript = script && (args[0] === 'generate-proxyroutes.sh' || args[0] === '/generate-proxyroutes.sh');
    const lists = program === 'ls' && args.length === 2 && args[0] === '-1' && isMount(args[1]);
    const path = program === 'cat' && args.length === 1 ? (args[0] ?? '') : '';
    const reads = path === NGINX_CONF || path.startsWith(`${ROUTES_MOUNT}/`);
    if (!isScript && !lists && !reads) return undefined;
    const known = this.#servings.get(`${namespace}/${pod}`);
    const serving =
      known?.containerID === containerID
        ? known
        : await this.#start(namespace, pod, containerID, known?.metadata ?? '');
    if (isScript) return generate(serving, args[1] ?? '');
    if (lists)
      return succeeded(
        visibleFiles(serving.mounted)
          .map((file) => `${file}\n`)
          .join(''),
      );
    if (path === NGINX_CONF) return succeeded(serving.conf);
    const content = serving.mounted[path.slice(ROUTES_MOUNT.length + 1)];
    return content === undefined ? failed(1, `cat: ${path}: No such file or directory\n`) : succeeded(content);
  }

  served(namespace: string, pod: string): ReadonlyMap<number, string> {
    return new Map(this.#servings.get(`${namespace}/${pod}`)?.served ?? []);
  }

  mounted(namespace: string, pod: string): Readonly<Record<string, string>> {
    return { ...this.#servings.get(`${namespace}/${pod}`)?.mounted };
  }

  log(namespace: string, pod: string): readonly string[] {
    return [...(this.#servings.get(`${namespace}/${pod}`)?.log ?? [])];
  }

  reloads(namespace: string, pod: string): number {
    return this.#servings.get(`${namespace}/${pod}`)?.reloads ?? 0;
  }

  async #start(namespace: string, pod: string, containerID: string, metadata: string): Promise<Serving> {
    const serving: Serving = {
      containerID,
      metadata,
      mounted: await this.#data(namespace),
      conf: CONF_HEADER,
      served: new Map(),
      log: [],
      reloads: 0,
    };
    this.#servings.set(`${namespace}/${pod}`, serving);
    generate(serving, `${ROUTES_MOUNT}/`);
    return serving;
  }

  async #data(namespace: string): Promise<Readonly<Record<string, string>>> {
    return { ...(await this.#readConfigMap(namespace, this.#configMap)) };
  }
}

function generate(serving: Serving, directory: string): ExecResult {
  const exists = isMount(directory);
  const files = exists ? visibleFiles(serving.mounted) : [];
  let stdout = `Reading in: ${directory}\n`;
  let conf = `${CONF_HEADER}\nstream {\n     \n`;
  for (const file of files) {
    stdout += `Generating ${file} ...\n`;
    // route=($(cat file | tr "," " ")); gen_server_block ${route[1]} ${route[0]}: unquoted, so empty words vanish.
    const route = (serving.mounted[file] ?? '').replaceAll(',', ' ').split(/\s+/).filter(Boolean);
    const [listen = '', proxyPass = ''] = [route[1], route[0]].filter((word) => word !== undefined);
    conf += `  server {\n          listen ${listen};\n          proxy_pass ${proxyPass};\n         }\n         \n`;
  }
  conf += '}\n';
  serving.conf = conf;
  const stderr = exists ? '' : `ls: cannot access '${directory}': No such file or directory\n`;
  const test = testConfig(conf);
  if (!test.ok) {
    // The signaller parses the configuration first: it exits 1 and nothing is reloaded.
    serving.log.push(test.error);
    return failed(1, `${stderr}${test.error}\n`);
  }
  const taken = [...test.served.streamRoutes.keys()].filter((port) => IMAGE_TCP_PORTS.includes(port));
  if (taken.length > 0) {
    serving.log.push(`nginx: [emerg] bind() to 0.0.0.0:${taken[0]} failed (98: Address already in use)`);
    return { exitCode: 0, stdout, stderr };
  }
  serving.served = new Map(test.served.streamRoutes);
  serving.reloads++;
  return { exitCode: 0, stdout, stderr };
}

const isMount = (directory: string | undefined): boolean => (directory ?? '').replace(/\/+$/, '') === ROUTES_MOUNT;

/** What `ls` shows: not the volume's `..data` links (nor any name starting with a dot), sorted bytewise. */
const visibleFiles = (mounted: Readonly<Record<string, string>>): string[] =>
  Object.keys(mounted)
    .filter((file) => !file.startsWith('.'))
    .sort();

function runningContainerID(status: unknown): string | undefined {
  const statuses = (status as { containerStatuses?: unknown } | undefined)?.containerStatuses;
  if (!Array.isArray(statuses)) return undefined;
  const container = (statuses as { name?: string; containerID?: string; state?: { running?: unknown } }[]).find(
    (entry) => entry.name === 'stowaway',
  );
  return container?.state?.running === undefined ? undefined : container.containerID;
}

function sameData(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
