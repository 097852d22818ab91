import { z } from 'zod';
import { flag, parseEnvironment, seconds, variablesSet, type Environment } from '../../environment.js';
// Imported for their declarations: the 2.x-only variables below are theirs, and variablesSet wants them declared.
import './tunnel/client-lifecycle-settings.js';
import './tunnel/stowaway2-settings.js';
import type { clientLifecycleSettings } from './tunnel/client-lifecycle-settings.js';
import type { stowaway2Settings } from './tunnel/stowaway2-settings.js';
import { BOTH_CONTRACTS, defineSettings, variable } from '../../settings/settings-schema.js';
import { loadWebhookSettings, type WebhookSettings } from './webhook-settings.js';

/**
 * Which client generation the operator serves. The Gefyra 2.5 client sets
 * variables the 0.13 client never sets (`GEFYRA_CARRIER2_IMAGE`,
 * `GEFYRA_STOWAWAY_STORAGE`, ...), so `auto` recognises a Deployment made by
 * either client without a variable of our own; `GEFYRA_CLIENT_CONTRACT`
 * forces one (deploy/ sets it).
 */
export type ClientContract = '0.13' | '2';

const GEFYRA2 = ['2'] as const;

/** The Gefyra 2 contract's own variables (Stowaway 2.x's and the GefyraClients' are their owners'). */
export const gefyra2Settings = defineSettings('gefyra2', {
  GEFYRA_CLIENT_CONTRACT: variable(
    z.enum(['auto', '0.13', '2'], { error: 'GEFYRA_CLIENT_CONTRACT must be auto, 0.13 or 2' }).default('auto'),
    {
      default: '`auto`',
      meaning:
        '`0.13`, `2`, or `auto`: 2 when a variable only the 2.x client sets is present (`GEFYRA_CARRIER2_IMAGE`, `GEFYRA_STOWAWAY_STORAGE`, …) or `OP_MODE=webhook`',
      contracts: BOTH_CONTRACTS,
    },
  ),
  OP_MODE: variable(
    z.enum(['operator', 'webhook'], { error: 'OP_MODE must be operator or webhook' }).default('operator'),
    {
      default: '`operator`',
      meaning: '`webhook`: serve the admission webhook instead of reconciling',
      contracts: GEFYRA2,
    },
  ),
  GEFYRA_CARRIER2_IMAGE: variable(
    z.string().trim().min(1, { error: 'GEFYRA_CARRIER2_IMAGE must not be empty' }).default('quay.io/gefyra/carrier2'),
    {
      default: '`quay.io/gefyra/carrier2`',
      meaning: "Carrier2's image, set by the 2.5 client; not used yet (bridges are future work)",
      contracts: GEFYRA2,
    },
  ),
  GEFYRA_CARRIER2_IMAGE_TAG: variable(
    z.string().trim().min(1, { error: 'GEFYRA_CARRIER2_IMAGE_TAG must not be empty' }).optional(),
    {
      default: 'unset',
      meaning: "Carrier2's image tag; not used yet",
      contracts: GEFYRA2,
    },
  ),
  GEFYRA_CARRIER2_DEBUG: variable(flag('GEFYRA_CARRIER2_DEBUG', false), {
    default: '`false`',
    meaning: "Carrier2's debug output; not used yet",
    contracts: GEFYRA2,
  }),
  GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD: variable(seconds('GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD', 86_400, 0), {
    default: '`86400` s',
    meaning: "Gefyra's grace period for a bridge mount whose target is missing; not used yet (mounts are future work)",
    contracts: GEFYRA2,
  }),
  GEFYRA_OPERATOR_RECONCILIATION_INTERVAL: variable(seconds('GEFYRA_OPERATOR_RECONCILIATION_INTERVAL', 1800), {
    default: '`1800` s',
    meaning:
      "Gefyra's interval between reconciliations of its objects; not used yet (the resync is `GEFYRA_RESYNC_INTERVAL`)",
    contracts: GEFYRA2,
  }),
});

/** Variables only the Gefyra 2.x client puts into the operator's Deployments (declared by their owners). */
export const GEFYRA2_ONLY_VARIABLES = [
  'GEFYRA_CARRIER2_IMAGE',
  'GEFYRA_CARRIER2_IMAGE_TAG',
  'GEFYRA_STOWAWAY_STORAGE',
  'GEFYRA_STOWAWAY_MAX_CONNECTION_AGE',
  'GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT',
] as const satisfies readonly (
  | keyof typeof gefyra2Settings.variables
  | keyof typeof stowaway2Settings.variables
  | keyof typeof clientLifecycleSettings.variables
)[];

export interface Gefyra2Config {
  readonly contract: ClientContract;
  /** `OP_MODE=webhook`: this process serves the validating webhook instead of reconciling. */
  readonly mode: 'operator' | 'webhook';
  readonly carrier2Image: string;
  readonly carrier2ImageTag: string | undefined;
  readonly carrier2Debug: boolean;
  readonly bridgeMountMissingGracePeriodSeconds: number;
  readonly reconciliationIntervalSeconds: number;
  readonly webhook: WebhookSettings;
}

/** The Gefyra 2.x variables, validated once at start (every bad value reported at once). */
export function loadGefyra2Config(environment: Environment): Gefyra2Config {
  const env = parseEnvironment(gefyra2Settings, environment);
  const contract: ClientContract =
    env.GEFYRA_CLIENT_CONTRACT !== 'auto'
      ? env.GEFYRA_CLIENT_CONTRACT
      : env.OP_MODE === 'webhook' || variablesSet(environment, GEFYRA2_ONLY_VARIABLES).length > 0
        ? '2'
        : '0.13';
  return {
    contract,
    mode: env.OP_MODE,
    carrier2Image: env.GEFYRA_CARRIER2_IMAGE,
    carrier2ImageTag: env.GEFYRA_CARRIER2_IMAGE_TAG,
    carrier2Debug: env.GEFYRA_CARRIER2_DEBUG,
    bridgeMountMissingGracePeriodSeconds: env.GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD,
    reconciliationIntervalSeconds: env.GEFYRA_OPERATOR_RECONCILIATION_INTERVAL,
    webhook: loadWebhookSettings(environment),
  };
}
