import type { RequestRules } from '../../domain/routes/request-rules.js';
import { carrier2Rules, type Carrier2Rule } from './carrier2-rules.js';

/** TLS of one proxy port: paths inside the carrier2 container (contract §4 "TLS"). */
export interface Carrier2Tls {
  readonly certificate: string;
  readonly key: string;
  readonly sni?: string;
}

/** One port of the mounted container that carrier2 proxies. */
export interface ProxiedPort {
  readonly port: number;
  /** The shadow's Service, `<svc>.<ns>.svc.cluster.local:<port>`: where requests no bridge wants go. */
  readonly clusterUpstream: readonly string[];
  readonly tls?: Carrier2Tls;
}

/** A GefyraBridge as carrier2's configuration needs it. */
export interface ConfiguredBridge {
  readonly name: string;
  /** Its creationTimestamp (RFC 3339): older bridges are tried first. */
  readonly createdAt: string;
  /** `clusterEndpoint`: container port → the Stowaway proxy Service that reaches the developer. */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly rules: RequestRules;
}

export interface Carrier2Config {
  readonly version: 1;
  readonly threads: number;
  readonly error_log: string;
  readonly pid_file: string;
  readonly upgrade_sock: string;
  readonly upstream_keepalive_pool_size: number;
  readonly probes: { readonly httpGet: readonly number[]; readonly httpsGet: readonly number[] };
  readonly proxy: readonly {
    readonly port: number;
    readonly tls?: Carrier2Tls;
    readonly clusterUpstream: readonly string[];
    /**
     * A Map, not an object: carrier2 tries bridges in the order its file lists them, and an
     * object would list names that look like numbers first, whatever their age.
     */
    readonly bridges: ReadonlyMap<string, { readonly endpoint: string; readonly rules: Carrier2Rule[] }>;
  }[];
}

/** Where the carrier2 image's init and the push expect its files (contract §4 "Push"). */
export const CARRIER2_FILES = {
  config: '/tmp/config.yaml',
  log: '/tmp/carrier.log',
  pid: '/tmp/carrier2.pid',
  upgradeSocket: '/tmp/carrier2.sock',
} as const;

/**
 * carrier2's whole configuration for one mount, rebuilt from all of its
 * bridges on every change. carrier2 tries bridges in the order its YAML
 * mapping lists them and gives a request to the first whose rules hit: the
 * order here is the bridges' age (oldest first, then name), never the order
 * a list call happened to return.
 */
export function carrier2Config(options: {
  readonly ports: readonly ProxiedPort[];
  /** httpGet probe ports that are not container ports: carrier2 answers them itself. */
  readonly probePorts: { readonly httpGet: readonly number[]; readonly httpsGet: readonly number[] };
  readonly bridges: readonly ConfiguredBridge[];
}): Carrier2Config {
  const ordered = [...options.bridges].sort(byAge);
  return {
    version: 1,
    threads: 4,
    error_log: CARRIER2_FILES.log,
    pid_file: CARRIER2_FILES.pid,
    upgrade_sock: CARRIER2_FILES.upgradeSocket,
    upstream_keepalive_pool_size: 100,
    probes: { httpGet: [...options.probePorts.httpGet], httpsGet: [...options.probePorts.httpsGet] },
    proxy: options.ports.map(({ port, clusterUpstream, tls }) => ({
      port,
      ...(tls === undefined ? {} : { tls }),
      clusterUpstream: [...clusterUpstream],
      bridges: new Map(
        ordered.flatMap((bridge) => {
          const endpoint = bridge.endpoints[String(port)];
          return endpoint === undefined
            ? []
            : [[bridge.name, { endpoint, rules: carrier2Rules(bridge.rules) }] as const];
        }),
      ),
    })),
  };
}

/** Oldest first; bridges created in the same second by name, so the order never depends on a listing. */
export function byAge(a: ConfiguredBridge, b: ConfiguredBridge): number {
  const age = Date.parse(a.createdAt) - Date.parse(b.createdAt);
  if (age !== 0 && !Number.isNaN(age)) return age;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
