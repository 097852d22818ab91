import { parseEnvironment, seconds, variablesSet, type Environment } from '../../environment.js';
// Imported for their declarations: the 2.x-only variables below are theirs, and variablesSet wants them declared.
import './client-lifecycle-settings.js';
import './tunnel/stowaway2-settings.js';
import '../carrier2/carrier2.plugin.js';
import type { carrier2Settings } from '../carrier2/carrier2.plugin.js';
import type { clientLifecycleSettings } from './client-lifecycle-settings.js';
import type { stowaway2Settings } from './tunnel/stowaway2-settings.js';
import { defineSettings, variable } from '../../settings/settings-schema.js';

const GEFYRA2 = ['2'] as const;

/**
 * Gefyra 2's own variables, set by the 2.5 client (Stowaway 2.x's, carrier2's and
 * the GefyraClients' are their owners'). Declared so that they are validated at
 * start and documented; the mounts read their grace period, the others are
 * not used yet.
 */
export const gefyra2Settings = defineSettings('gefyra2', {
  GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD: variable(seconds('GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD', 86_400, 0), {
    default: '`86400` s',
    meaning:
      'how long a GefyraBridgeMount whose workload (or namespace) is gone stays MISSING, its bridges kept, ' +
      "before it is removed; a mount's own `missingGracePeriod` (seconds) wins",
    contracts: GEFYRA2,
  }),
  GEFYRA_OPERATOR_RECONCILIATION_INTERVAL: variable(seconds('GEFYRA_OPERATOR_RECONCILIATION_INTERVAL', 1800), {
    default: '`1800` s',
    meaning:
      "Gefyra's interval between reconciliations of its objects; not used yet (the resync is `GEFYRA_RESYNC_INTERVAL`)",
    contracts: GEFYRA2,
  }),
});

/** GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD, in ms (a bad value throws the ConfigurationError that stops the start). */
export const missingGracePeriodMsOf = (environment: Environment): number =>
  parseEnvironment(gefyra2Settings, environment).GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD * 1000;

/** Variables only the Gefyra 2.x client puts into the operator's Deployments (declared by their owners). */
export const GEFYRA2_ONLY_VARIABLES = [
  'GEFYRA_CARRIER2_IMAGE',
  'GEFYRA_CARRIER2_IMAGE_TAG',
  'GEFYRA_STOWAWAY_STORAGE',
  'GEFYRA_STOWAWAY_MAX_CONNECTION_AGE',
  'GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT',
] as const satisfies readonly (
  | keyof typeof gefyra2Settings.variables
  | keyof typeof carrier2Settings.variables
  | keyof typeof stowaway2Settings.variables
  | keyof typeof clientLifecycleSettings.variables
)[];

/**
 * Whether `GEFYRA_CLIENT_CONTRACT=auto` recognises a Deployment made by the
 * 2.5 client: it sets variables the 0.13 client never sets.
 */
export const madeByTheGefyra2Client = (environment: Environment): boolean =>
  variablesSet(environment, GEFYRA2_ONLY_VARIABLES).length > 0;
