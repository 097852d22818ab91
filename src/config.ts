import { z } from 'zod';
import { parseSubnet, type RequesterReview, type Subnet } from './domain/intercept/intercept-policy.js';
import { parseEnvironment, seconds, type Environment } from './environment.js';
import { BOTH_CONTRACTS, defineSettings, variable, type ContractName } from './settings/settings-schema.js';

/**
 * The operator's core configuration: environment variables with Gefyra 0.13's
 * names and defaults, validated once at start. Plugins validate their own
 * variables (see src/plugins); nothing else reads the environment
 * (src/settings/settings-catalogue.ts lists every schema).
 */
export interface OperatorConfig {
  readonly namespace: string;
  readonly connectionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly proxyPorts: { readonly first: number; readonly last: number };
  /** Plugins named in GEFYRA_PLUGINS; empty: the built-in ones (see src/plugins/built-in.ts). */
  readonly plugins: readonly string[];
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  readonly maxConcurrentReconciles: number;
  readonly resyncIntervalMs: number;
  readonly leaderElection: boolean;
  readonly leaseDurationSeconds: number;
  readonly identity: string;
  readonly clusterRole: string;
  readonly healthPort: number;
  /** The tunnel's subnets, for the tunnel plugins (PluginContext) and the policy's default. */
  readonly subnets: TunnelSubnets;
  readonly policy: {
    readonly allowedNamespaces: readonly string[];
    readonly deniedNamespaces: readonly string[];
    /** GEFYRA_DESTINATION_SUBNETS; undefined: where the tunnel routes to its clients (TunnelRouter.clientSubnets). */
    readonly destinationSubnets: readonly Subnet[] | undefined;
    readonly requesterReview: RequesterReview;
  };
  /** This process serves the webhook that stamps requesters from the authenticated user (deploy/ turns it on). */
  readonly requesterWebhook: { readonly enabled: boolean; readonly port: number };
}

/** The tunnel's subnets: core settings, because the policy's default and every tunnel plugin need them. */
export interface TunnelSubnets {
  /** GEFYRA_INTERNAL_SUBNET: the tunnel's /24 as its network address (e.g. 192.168.99.0). */
  readonly internal: string;
  /** GEFYRA_PEER_SUBNET as given: the CIDR list the tunnel's peer may reach (WireGuard AllowedIPs); `0.0.0.0/0` when unset. */
  readonly peers: string;
  /**
   * The networks the client named (GEFYRA_PEER_SUBNET when set: the 0.13
   * client's Docker network, where its containers live); empty when unset,
   * since "route everything" says nothing about where containers are.
   */
  readonly clientNetworks: readonly Subnet[];
}

const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const namespaceList = (name: string) =>
  z
    .string()
    .default('')
    .transform((raw, context) => {
      const names = raw
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      const bad = names.filter((entry) => !NAMESPACE_NAME.test(entry) || entry.length > 63);
      if (bad.length > 0) {
        context.addIssue({
          code: 'custom',
          message: `${name} must be a comma-separated list of namespace names (not: ${bad.join(', ')})`,
        });
        return z.NEVER;
      }
      return names;
    });

/** The tunnel's /24 (GEFYRA_INTERNAL_SUBNET), where its WireGuard peers get their addresses. */
const DEFAULT_INTERNAL_SUBNET = '192.168.99.0';

/** What the tunnel routes to its peer when the client names no network: everything. */
const ROUTE_EVERYTHING = '0.0.0.0/0';

const subnetList = z.string().transform((raw, context) => {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const subnets = entries.map(parseSubnet);
  if (entries.length === 0 || subnets.some((subnet) => subnet === undefined)) {
    context.addIssue({
      code: 'custom',
      message: 'GEFYRA_DESTINATION_SUBNETS must be a comma-separated list of CIDRs such as 192.168.99.0/24',
    });
    return z.NEVER;
  }
  return subnets as Subnet[];
});

const wholeNumber = (name: string, fallback: number, minimum: number, maximum: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int({ error: `${name} must be a whole number` })
    .min(minimum, { error: `${name} must be between ${minimum} and ${maximum}` })
    .max(maximum, { error: `${name} must be between ${minimum} and ${maximum}` })
    .default(fallback);

const portRange = z
  .string()
  .default('10000-19999')
  .transform((raw, context) => {
    const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(raw);
    const first = Number(match?.[1]);
    const last = Number(match?.[2]);
    if (!match || first < 1 || last > 65535 || first > last) {
      context.addIssue({
        code: 'custom',
        message: 'GEFYRA_PROXY_PORT_RANGE must look like 10000-19999 (ports 1-65535, first <= last)',
      });
      return z.NEVER;
    }
    return { first, last };
  });

const ZERO_THREE = ['0.13'] as const satisfies readonly ContractName[];

/** The core's variables (the tunnel's subnets too: the policy's default and every tunnel plugin share them). */
export const coreSettings = defineSettings('core', {
  GEFYRA_NAMESPACE: variable(
    z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'GEFYRA_NAMESPACE must be a valid namespace name' })
      .default('gefyra'),
    {
      default: '`gefyra`',
      meaning: 'namespace of the operator and its tunnel (the 2.5 client hard-codes `gefyra`)',
      contracts: BOTH_CONTRACTS,
    },
  ),
  GEFYRA_INTERNAL_SUBNET: variable(
    z
      .ipv4({ error: 'GEFYRA_INTERNAL_SUBNET must be an IPv4 network address' })
      .refine((value) => value.endsWith('.0'), {
        error: 'GEFYRA_INTERNAL_SUBNET must be the network address of a /24 (ending in .0)',
      })
      .default(DEFAULT_INTERNAL_SUBNET),
    {
      default: `\`${DEFAULT_INTERNAL_SUBNET}\``,
      meaning: "the tunnel's /24, as its network address: where WireGuard peers get their addresses",
      contracts: BOTH_CONTRACTS,
    },
  ),
  GEFYRA_PEER_SUBNET: variable(
    z
      .string()
      .transform((raw, context) => {
        const subnets = raw.split(',').map((entry) => parseSubnet(entry));
        if (subnets.some((subnet) => subnet === undefined)) {
          context.addIssue({
            code: 'custom',
            message: 'GEFYRA_PEER_SUBNET must be a comma-separated list of CIDRs such as 172.18.0.0/16',
          });
          return z.NEVER;
        }
        return { text: raw, subnets: subnets as Subnet[] };
      })
      .optional(),
    {
      default: `\`${ROUTE_EVERYTHING}\` for the tunnel; no client network`,
      meaning:
        "the client's Docker network (the 0.13 client passes it): " +
        "what the tunnel's peer may reach (WireGuard AllowedIPs), " +
        'and where `destinationIP` may lie by default',
      contracts: ZERO_THREE,
    },
  ),
  GEFYRA_CONNECTION_TIMEOUT: variable(seconds('GEFYRA_CONNECTION_TIMEOUT', 600, 0), {
    default: '`600` s',
    meaning: 'no WireGuard handshake for this long (after a first one) resets the cluster; `0` disables',
    contracts: ZERO_THREE,
  }),
  GEFYRA_HEARTBEAT_INTERVAL: variable(seconds('GEFYRA_HEARTBEAT_INTERVAL', 30), {
    default: '`30` s',
    meaning: 'how often the handshake is read',
    contracts: ZERO_THREE,
  }),
  GEFYRA_PROXY_PORT_RANGE: variable(portRange, {
    default: '`10000-19999`',
    meaning: 'proxy ports for routes (a port the tunnel uses itself, such as its rsync port, is never given out)',
    contracts: ZERO_THREE,
  }),
  GEFYRA_PLUGINS: variable(
    z
      .string()
      .default('')
      .transform((raw) =>
        raw
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean),
      ),
    {
      default: "the chosen client's defaults (see [Plugins](#plugins))",
      meaning: 'plugins serving the tunnel and carrier ports (see [Plugins](#plugins))',
      contracts: BOTH_CONTRACTS,
    },
  ),
  GEFYRA_LOG_LEVEL: variable(
    z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
        error: 'GEFYRA_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent',
      })
      .default('info'),
    {
      default: '`info`',
      meaning: 'pino level; logs are JSON lines, never with secret values',
      contracts: BOTH_CONTRACTS,
    },
  ),
  GEFYRA_MAX_CONCURRENT_RECONCILES: variable(wholeNumber('GEFYRA_MAX_CONCURRENT_RECONCILES', 32, 1, 256), {
    default: '`32`',
    meaning: 'reconciles running at once',
    contracts: BOTH_CONTRACTS,
  }),
  GEFYRA_RESYNC_INTERVAL: variable(seconds('GEFYRA_RESYNC_INTERVAL', 600), {
    default: '`600` s',
    meaning: 'every object is reconciled again at least this often',
    contracts: BOTH_CONTRACTS,
  }),
  GEFYRA_LEADER_ELECTION: variable(
    z
      .enum(['true', 'false'], { error: 'GEFYRA_LEADER_ELECTION must be true or false' })
      .default('true')
      .transform((value) => value === 'true'),
    { default: '`true`', meaning: 'one active replica at a time (a Lease)', contracts: BOTH_CONTRACTS },
  ),
  GEFYRA_LEASE_DURATION: variable(seconds('GEFYRA_LEASE_DURATION', 15, 2), {
    default: '`15` s',
    meaning: "the leader's Lease",
    contracts: BOTH_CONTRACTS,
  }),
  GEFYRA_OPERATOR_CLUSTER_ROLE: variable(z.string().min(1).default('gefyra-operator'), {
    default: '`gefyra-operator`',
    meaning: "the operator's ClusterRole, removed with the installation",
    contracts: BOTH_CONTRACTS,
  }),
  GEFYRA_HEALTH_PORT: variable(wholeNumber('GEFYRA_HEALTH_PORT', 8080, 0, 65535), {
    default: '`8080`',
    meaning: '`/healthz`, `/readyz`, `/metrics`',
    contracts: BOTH_CONTRACTS,
  }),
  GEFYRA_ALLOWED_NAMESPACES: variable(namespaceList('GEFYRA_ALLOWED_NAMESPACES'), {
    default: 'empty (all)',
    meaning: 'comma-separated namespaces intercepts may target (see [Security](#security))',
    contracts: ZERO_THREE,
  }),
  GEFYRA_DENIED_NAMESPACES: variable(namespaceList('GEFYRA_DENIED_NAMESPACES'), {
    default: 'empty',
    meaning: "namespaces never targeted; the operator's own and `kube-system` always are",
    contracts: ZERO_THREE,
  }),
  GEFYRA_DESTINATION_SUBNETS: variable(subnetList.optional(), {
    default: '`GEFYRA_INTERNAL_SUBNET`/24 and `GEFYRA_PEER_SUBNET`',
    meaning:
      'CIDRs `destinationIP` must lie in; replaces the default (narrows or widens). ' +
      "For a GefyraBridge it only narrows: the destination must also lie in its own client's subnet",
    contracts: ZERO_THREE,
  }),
  GEFYRA_REQUESTER_REVIEW: variable(
    z
      .enum(['auto', 'required', 'off'], { error: 'GEFYRA_REQUESTER_REVIEW must be auto, required or off' })
      .default('auto'),
    {
      default: '`auto` (`deploy/`: `required`)',
      meaning:
        "`auto`, `required` or `off`: SubjectAccessReview of the request's requester; `required` counts only a requester the webhook stamped",
      contracts: ZERO_THREE,
    },
  ),
  GEFYRA_REQUESTER_WEBHOOK: variable(
    z
      .enum(['on', 'off'], { error: 'GEFYRA_REQUESTER_WEBHOOK must be on or off' })
      .default('off')
      .transform((value) => value === 'on'),
    {
      default: '`off` (`on` in the install manifests)',
      meaning:
        'this process serves the webhook that stamps requesters from the authenticated user (see [Security](#security))',
      contracts: BOTH_CONTRACTS,
    },
  ),
  GEFYRA_REQUESTER_WEBHOOK_PORT: variable(wholeNumber('GEFYRA_REQUESTER_WEBHOOK_PORT', 9443, 0, 65535), {
    default: '`9443`',
    meaning: "the requester webhook's HTTPS port",
    contracts: BOTH_CONTRACTS,
  }),
  POD_NAME: variable(z.string().optional(), {
    default: '`HOSTNAME`',
    meaning: "this replica's identity in the Lease",
    contracts: BOTH_CONTRACTS,
  }),
  HOSTNAME: variable(z.string().optional(), {
    default: 'the process id',
    meaning: "this replica's identity when `POD_NAME` is not set",
    contracts: BOTH_CONTRACTS,
  }),
});

export function loadConfig(environment: Environment): OperatorConfig {
  const env = parseEnvironment(coreSettings, environment);
  return {
    namespace: env.GEFYRA_NAMESPACE,
    connectionTimeoutMs: env.GEFYRA_CONNECTION_TIMEOUT * 1000,
    heartbeatIntervalMs: env.GEFYRA_HEARTBEAT_INTERVAL * 1000,
    proxyPorts: env.GEFYRA_PROXY_PORT_RANGE,
    plugins: env.GEFYRA_PLUGINS,
    logLevel: env.GEFYRA_LOG_LEVEL,
    maxConcurrentReconciles: env.GEFYRA_MAX_CONCURRENT_RECONCILES,
    resyncIntervalMs: env.GEFYRA_RESYNC_INTERVAL * 1000,
    leaderElection: env.GEFYRA_LEADER_ELECTION,
    leaseDurationSeconds: env.GEFYRA_LEASE_DURATION,
    identity: env.POD_NAME ?? env.HOSTNAME ?? `gefyra-operator-${process.pid}`,
    clusterRole: env.GEFYRA_OPERATOR_CLUSTER_ROLE,
    healthPort: env.GEFYRA_HEALTH_PORT,
    subnets: {
      internal: env.GEFYRA_INTERNAL_SUBNET,
      peers: env.GEFYRA_PEER_SUBNET?.text ?? ROUTE_EVERYTHING,
      clientNetworks: env.GEFYRA_PEER_SUBNET?.subnets ?? [],
    },
    policy: {
      allowedNamespaces: env.GEFYRA_ALLOWED_NAMESPACES,
      deniedNamespaces: env.GEFYRA_DENIED_NAMESPACES,
      destinationSubnets: env.GEFYRA_DESTINATION_SUBNETS,
      requesterReview: env.GEFYRA_REQUESTER_REVIEW,
    },
    requesterWebhook: { enabled: env.GEFYRA_REQUESTER_WEBHOOK, port: env.GEFYRA_REQUESTER_WEBHOOK_PORT },
  };
}
