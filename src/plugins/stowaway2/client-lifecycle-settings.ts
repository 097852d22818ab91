import { z } from 'zod';
import type { ClientLifecycleSettings } from '../../domain/gefyra-client/client-decision.js';

/** The variables of the 2.5 client that shape the GefyraClient lifecycle (contract §1). */
export const clientLifecycleEnvironmentSchema = z.object({
  /** Seconds a connection may stay ACTIVE; -1 (the default) means no limit. */
  GEFYRA_STOWAWAY_MAX_CONNECTION_AGE: z.coerce.number({ error: 'GEFYRA_STOWAWAY_MAX_CONNECTION_AGE must be a number of seconds (-1: no limit)' }).int().min(-1).default(-1),
  GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: z
    .string()
    .regex(/^(true|false|1|0|yes|no)$/i, { error: 'GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT must be true or false' })
    .optional(),
});

/** How often an ACTIVE client's peer is looked at, as the original's `wg` poll. */
export const OBSERVE_INTERVAL_MS = 60_000;

export function clientLifecycleSettingsFrom(environment: z.infer<typeof clientLifecycleEnvironmentSchema>): ClientLifecycleSettings {
  const age = environment.GEFYRA_STOWAWAY_MAX_CONNECTION_AGE;
  const disabled = /^(true|1|yes)$/i.test(environment.GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT ?? 'false');
  return {
    manageServiceAccounts: !disabled,
    maxConnectionAgeMs: age < 0 ? undefined : age * 1000,
    observeIntervalMs: OBSERVE_INTERVAL_MS,
  };
}
