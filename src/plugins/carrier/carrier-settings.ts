import { z } from 'zod';
import { parseEnvironment, seconds } from '../../environment.js';
import { GEFYRA_RELEASE } from '../../gefyra-release.js';
import { BOTH_CONTRACTS, defineSettings, variable } from '../../settings/settings-schema.js';
import type { PluginContext } from '../plugin.js';

export interface CarrierSettings {
  readonly image: string;
  readonly tag: string;
  /** How long Carrier may take to run after the image swap before the intercept fails. */
  readonly startupTimeoutMs: number;
}

const nonEmpty = (name: string) =>
  z
    .string()
    .trim()
    .min(1, { error: `${name} must not be empty` });

/**
 * Carrier's image from the operator's environment. The 0.13 client sets
 * GEFYRA_CARRIER_TAG while the documented name is GEFYRA_CARRIER_IMAGE_TAG
 * (the 2.5 client's): both are accepted, the documented one wins.
 */
export const carrierSettings = defineSettings('carrier', {
  GEFYRA_CARRIER_IMAGE: variable(nonEmpty('GEFYRA_CARRIER_IMAGE').default('quay.io/gefyra/carrier'), {
    default: '`quay.io/gefyra/carrier`',
    meaning: "Carrier's image",
    contracts: BOTH_CONTRACTS,
  }),
  GEFYRA_CARRIER_IMAGE_TAG: variable(nonEmpty('GEFYRA_CARRIER_IMAGE_TAG').optional(), {
    default: `release (\`${GEFYRA_RELEASE}\`)`,
    meaning: "Carrier's image tag (the 2.5 client sets it)",
    contracts: BOTH_CONTRACTS,
  }),
  GEFYRA_CARRIER_TAG: variable(nonEmpty('GEFYRA_CARRIER_TAG').optional(), {
    default: '`GEFYRA_CARRIER_IMAGE_TAG`',
    meaning: "Carrier's image tag under the name the 0.13 client sets; `GEFYRA_CARRIER_IMAGE_TAG` wins",
    contracts: ['0.13'],
  }),
  GEFYRA_CARRIER_STARTUP_TIMEOUT: variable(seconds('GEFYRA_CARRIER_STARTUP_TIMEOUT', 60), {
    default: '`60` s',
    meaning: 'Carrier start-up before an intercept fails',
    contracts: BOTH_CONTRACTS,
  }),
});

export function carrierSettingsOf(context: Pick<PluginContext, 'environment'>): CarrierSettings {
  const environment = parseEnvironment(carrierSettings, context.environment);
  return {
    image: environment.GEFYRA_CARRIER_IMAGE,
    tag: environment.GEFYRA_CARRIER_IMAGE_TAG ?? environment.GEFYRA_CARRIER_TAG ?? GEFYRA_RELEASE,
    startupTimeoutMs: environment.GEFYRA_CARRIER_STARTUP_TIMEOUT * 1000,
  };
}
