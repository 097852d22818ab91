import { z } from 'zod';
import { parseEnvironment } from '../environment.js';

/**
 * Which client generation the operator serves. The Gefyra 2.5 client sets
 * variables the 0.13 client never sets (`GEFYRA_CARRIER2_IMAGE`,
 * `GEFYRA_STOWAWAY_STORAGE`, ...), so `auto` recognises a Deployment made by
 * either client without a variable of our own; `GEFYRA_CLIENT_CONTRACT`
 * forces one (deploy/ sets it).
 */
export type ClientContract = '0.13' | '2';

/** Variables only the Gefyra 2.x client puts into the operator's Deployments. */
export const GEFYRA2_ONLY_VARIABLES = [
  'GEFYRA_CARRIER2_IMAGE',
  'GEFYRA_CARRIER2_IMAGE_TAG',
  'GEFYRA_STOWAWAY_STORAGE',
  'GEFYRA_STOWAWAY_MAX_CONNECTION_AGE',
  'GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT',
] as const;

export interface Gefyra2Config {
  readonly contract: ClientContract;
  /** `OP_MODE=webhook`: this process serves the validating webhook instead of reconciling. */
  readonly mode: 'operator' | 'webhook';
  /** Size of Stowaway's volume claim, in MiB. */
  readonly stowawayStorageMi: number;
  /** A GefyraClient's connection ends (back to WAITING) after this long; undefined = never. */
  readonly maxConnectionAgeSeconds: number | undefined;
  /** The client manages its ServiceAccounts itself: no SA, binding or token Secret per GefyraClient. */
  readonly clientServiceAccountManagement: boolean;
  readonly carrierImage: string;
  readonly carrierImageTag: string | undefined;
  readonly carrier2Image: string;
  readonly carrier2ImageTag: string | undefined;
  readonly carrier2Debug: boolean;
  readonly bridgeMountMissingGracePeriodSeconds: number;
  readonly reconciliationIntervalSeconds: number;
  readonly webhook: {
    readonly port: number;
    /** The Service the client installs in front of the webhook pods; the certificate is made out to `<service>.<namespace>.svc`. */
    readonly service: string;
    /** Where the CA and serving certificate are kept across restarts. */
    readonly tlsSecret: string;
    /** The ValidatingWebhookConfiguration whose `caBundle`s are patched (the client names it `gefyra.dev`). */
    readonly configuration: string;
    /** How long each serving certificate and its CA are valid; renewed while running, from half of it on. */
    readonly certificateLifetimeSeconds: number;
  };
}

const flag = (name: string) =>
  z
    .enum(['true', 'false', 'True', 'False', '1', '0', 'yes', 'no'], { error: `${name} must be true or false` })
    .transform((value) => ['true', 'True', '1', 'yes'].includes(value));

const whole = (name: string, minimum: number) =>
  z.coerce.number({ error: `${name} must be a number` }).int({ error: `${name} must be a whole number` }).min(minimum, { error: `${name} must be at least ${minimum}` });

const environmentSchema = z.object({
  GEFYRA_CLIENT_CONTRACT: z.enum(['auto', '0.13', '2'], { error: 'GEFYRA_CLIENT_CONTRACT must be auto, 0.13 or 2' }).default('auto'),
  OP_MODE: z.enum(['operator', 'webhook'], { error: 'OP_MODE must be operator or webhook' }).default('operator'),
  GEFYRA_STOWAWAY_STORAGE: whole('GEFYRA_STOWAWAY_STORAGE', 1).default(64),
  GEFYRA_STOWAWAY_MAX_CONNECTION_AGE: whole('GEFYRA_STOWAWAY_MAX_CONNECTION_AGE', -1).default(-1),
  GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: flag('GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT').default(false),
  GEFYRA_CARRIER_IMAGE: z.string().default('quay.io/gefyra/carrier'),
  GEFYRA_CARRIER_IMAGE_TAG: z.string().optional(),
  GEFYRA_CARRIER2_IMAGE: z.string().default('quay.io/gefyra/carrier2'),
  GEFYRA_CARRIER2_IMAGE_TAG: z.string().optional(),
  GEFYRA_CARRIER2_DEBUG: flag('GEFYRA_CARRIER2_DEBUG').default(false),
  GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD: whole('GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD', 0).default(86_400),
  GEFYRA_OPERATOR_RECONCILIATION_INTERVAL: whole('GEFYRA_OPERATOR_RECONCILIATION_INTERVAL', 1).default(1800),
  GEFYRA_WEBHOOK_PORT: whole('GEFYRA_WEBHOOK_PORT', 0).max(65535, { error: 'GEFYRA_WEBHOOK_PORT must be at most 65535' }).default(9443),
  GEFYRA_WEBHOOK_SERVICE: z.string().min(1).default('gefyra-admission'),
  GEFYRA_WEBHOOK_TLS_SECRET: z.string().min(1).default('gefyra-admission-tls'),
  GEFYRA_WEBHOOK_CONFIGURATION: z.string().min(1).default('gefyra.dev'),
  // 825 days, the longest a publicly trusted serving certificate was allowed; 30 s at least (the rotation ticks every 24th of it).
  GEFYRA_WEBHOOK_CERTIFICATE_LIFETIME: whole('GEFYRA_WEBHOOK_CERTIFICATE_LIFETIME', 30).default(71_280_000),
});

/** The Gefyra 2.x variables, validated once at start (every bad value reported at once). */
export function loadGefyra2Config(environment: Readonly<Record<string, string | undefined>>): Gefyra2Config {
  const env = parseEnvironment(environmentSchema, environment);
  const contract: ClientContract =
    env.GEFYRA_CLIENT_CONTRACT !== 'auto'
      ? env.GEFYRA_CLIENT_CONTRACT
      : env.OP_MODE === 'webhook' || GEFYRA2_ONLY_VARIABLES.some((name) => (environment[name] ?? '') !== '')
        ? '2'
        : '0.13';
  return {
    contract,
    mode: env.OP_MODE,
    stowawayStorageMi: env.GEFYRA_STOWAWAY_STORAGE,
    maxConnectionAgeSeconds: env.GEFYRA_STOWAWAY_MAX_CONNECTION_AGE > 0 ? env.GEFYRA_STOWAWAY_MAX_CONNECTION_AGE : undefined,
    clientServiceAccountManagement: !env.GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT,
    carrierImage: env.GEFYRA_CARRIER_IMAGE,
    carrierImageTag: env.GEFYRA_CARRIER_IMAGE_TAG,
    carrier2Image: env.GEFYRA_CARRIER2_IMAGE,
    carrier2ImageTag: env.GEFYRA_CARRIER2_IMAGE_TAG,
    carrier2Debug: env.GEFYRA_CARRIER2_DEBUG,
    bridgeMountMissingGracePeriodSeconds: env.GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD,
    reconciliationIntervalSeconds: env.GEFYRA_OPERATOR_RECONCILIATION_INTERVAL,
    webhook: {
      port: env.GEFYRA_WEBHOOK_PORT,
      service: env.GEFYRA_WEBHOOK_SERVICE,
      tlsSecret: env.GEFYRA_WEBHOOK_TLS_SECRET,
      configuration: env.GEFYRA_WEBHOOK_CONFIGURATION,
      certificateLifetimeSeconds: env.GEFYRA_WEBHOOK_CERTIFICATE_LIFETIME,
    },
  };
}
