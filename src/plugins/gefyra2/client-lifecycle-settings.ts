import { z } from 'zod';
import type { ClientLifecycleSettings } from './domain/client/client-decision.js';
import { flag, parseEnvironment, type Environment } from '../../environment.js';
import { defineSettings, variable } from '../../settings/settings-schema.js';

/** The variables of the 2.5 client that shape the GefyraClient lifecycle (contract §1). */
export const clientLifecycleSettings = defineSettings('gefyraclient', {
  GEFYRA_STOWAWAY_MAX_CONNECTION_AGE: variable(
    z.coerce
      .number({ error: 'GEFYRA_STOWAWAY_MAX_CONNECTION_AGE must be a number of seconds (-1: no limit)' })
      .int({ error: 'GEFYRA_STOWAWAY_MAX_CONNECTION_AGE must be a whole number of seconds (-1: no limit)' })
      .default(-1),
    {
      default: '`-1` (no limit)',
      meaning:
        "seconds a developer stays ACTIVE before back to WAITING; `0` or less: no limit (as Gefyra 2.5's operator; the client writes `-1`)",
      contracts: ['2'],
    },
  ),
  GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: variable(flag('GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT', false), {
    default: '`false`',
    meaning: 'no ServiceAccount, binding or token per GefyraClient (the client manages them)',
    contracts: ['2'],
  }),
});

/** How often an ACTIVE client's peer is looked at, as the original's `wg` poll. */
export const OBSERVE_INTERVAL_MS = 60_000;

/** Gefyra 2.5's operator limits a connection only for a positive age; 0 and -1 (what the client writes for none) mean no limit. */
export function clientLifecycleSettingsOf(environment: Environment): ClientLifecycleSettings {
  const parsed = parseEnvironment(clientLifecycleSettings, environment);
  const age = parsed.GEFYRA_STOWAWAY_MAX_CONNECTION_AGE;
  return {
    manageServiceAccounts: !parsed.GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT,
    maxConnectionAgeMs: age > 0 ? age * 1000 : undefined,
    observeIntervalMs: OBSERVE_INTERVAL_MS,
  };
}
