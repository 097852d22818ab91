import { z } from 'zod';
import { parseSubnet, type RequesterReview, type Subnet } from './domain/intercept/intercept-policy.js';
import { parseEnvironment, seconds } from './environment.js';

/**
 * The operator's core configuration: environment variables with Gefyra 0.13's
 * names and defaults, validated once at start. Plugins validate their own
 * variables (see src/plugins); nothing else reads the environment.
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
  readonly policy: {
    readonly allowedNamespaces: readonly string[];
    readonly deniedNamespaces: readonly string[];
    /** GEFYRA_DESTINATION_SUBNETS; undefined: where the tunnel routes to its clients (TunnelRouter.clientSubnets). */
    readonly destinationSubnets: readonly Subnet[] | undefined;
    readonly requesterReview: RequesterReview;
  };
}

const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const namespaceList = (name: string) =>
  z
    .string()
    .default('')
    .transform((raw, context) => {
      const names = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
      const bad = names.filter((entry) => !NAMESPACE_NAME.test(entry) || entry.length > 63);
      if (bad.length > 0) {
        context.addIssue({ code: 'custom', message: `${name} must be a comma-separated list of namespace names (not: ${bad.join(', ')})` });
        return z.NEVER;
      }
      return names;
    });

const subnetList = z.string().transform((raw, context) => {
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  const subnets = entries.map(parseSubnet);
  if (entries.length === 0 || subnets.some((subnet) => subnet === undefined)) {
    context.addIssue({ code: 'custom', message: 'GEFYRA_DESTINATION_SUBNETS must be a comma-separated list of CIDRs such as 192.168.99.0/24' });
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
      context.addIssue({ code: 'custom', message: 'GEFYRA_PROXY_PORT_RANGE must look like 10000-19999 (ports 1-65535, first <= last)' });
      return z.NEVER;
    }
    return { first, last };
  });

const environmentSchema = z.object({
  GEFYRA_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'GEFYRA_NAMESPACE must be a valid namespace name' })
    .default('gefyra'),
  GEFYRA_CONNECTION_TIMEOUT: seconds('GEFYRA_CONNECTION_TIMEOUT', 600, 0),
  GEFYRA_HEARTBEAT_INTERVAL: seconds('GEFYRA_HEARTBEAT_INTERVAL', 30),
  GEFYRA_PROXY_PORT_RANGE: portRange,
  GEFYRA_PLUGINS: z
    .string()
    .default('')
    .transform((raw) => raw.split(',').map((name) => name.trim()).filter(Boolean)),
  GEFYRA_LOG_LEVEL: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
      error: 'GEFYRA_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent',
    })
    .default('info'),
  GEFYRA_MAX_CONCURRENT_RECONCILES: wholeNumber('GEFYRA_MAX_CONCURRENT_RECONCILES', 32, 1, 256),
  GEFYRA_RESYNC_INTERVAL: seconds('GEFYRA_RESYNC_INTERVAL', 600),
  GEFYRA_LEADER_ELECTION: z
    .enum(['true', 'false'], { error: 'GEFYRA_LEADER_ELECTION must be true or false' })
    .default('true')
    .transform((value) => value === 'true'),
  GEFYRA_LEASE_DURATION: seconds('GEFYRA_LEASE_DURATION', 15, 2),
  GEFYRA_OPERATOR_CLUSTER_ROLE: z.string().min(1).default('gefyra-operator'),
  GEFYRA_HEALTH_PORT: wholeNumber('GEFYRA_HEALTH_PORT', 8080, 0, 65535),
  GEFYRA_ALLOWED_NAMESPACES: namespaceList('GEFYRA_ALLOWED_NAMESPACES'),
  GEFYRA_DENIED_NAMESPACES: namespaceList('GEFYRA_DENIED_NAMESPACES'),
  GEFYRA_DESTINATION_SUBNETS: subnetList.optional(),
  GEFYRA_REQUESTER_REVIEW: z
    .enum(['auto', 'required', 'off'], { error: 'GEFYRA_REQUESTER_REVIEW must be auto, required or off' })
    .default('auto'),
  POD_NAME: z.string().optional(),
  HOSTNAME: z.string().optional(),
});

export function loadConfig(environment: Readonly<Record<string, string | undefined>>): OperatorConfig {
  const env = parseEnvironment(environmentSchema, environment);
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
    policy: {
      allowedNamespaces: env.GEFYRA_ALLOWED_NAMESPACES,
      deniedNamespaces: env.GEFYRA_DENIED_NAMESPACES,
      destinationSubnets: env.GEFYRA_DESTINATION_SUBNETS,
      requesterReview: env.GEFYRA_REQUESTER_REVIEW,
    },
  };
}

