import { z } from 'zod';
import { seconds } from '../../environment.js';
import { GEFYRA_RELEASE } from '../../gefyra-release.js';

export interface CarrierSettings {
  readonly image: string;
  readonly tag: string;
  /** How long Carrier may take to run after the image swap before the intercept fails. */
  readonly startupTimeoutMs: number;
}

/**
 * Carrier's image from the operator's environment. The 0.13 client sets
 * GEFYRA_CARRIER_TAG while the documented name is GEFYRA_CARRIER_IMAGE_TAG:
 * both are accepted, the documented one wins.
 */
export const carrierEnvironmentSchema = z.object({
  GEFYRA_CARRIER_IMAGE: z.string().trim().min(1, { error: 'GEFYRA_CARRIER_IMAGE must not be empty' }).default('quay.io/gefyra/carrier'),
  GEFYRA_CARRIER_IMAGE_TAG: z.string().trim().min(1, { error: 'GEFYRA_CARRIER_IMAGE_TAG must not be empty' }).optional(),
  GEFYRA_CARRIER_TAG: z.string().trim().min(1, { error: 'GEFYRA_CARRIER_TAG must not be empty' }).optional(),
  GEFYRA_CARRIER_STARTUP_TIMEOUT: seconds('GEFYRA_CARRIER_STARTUP_TIMEOUT', 60),
});

export function carrierSettingsFrom(environment: z.infer<typeof carrierEnvironmentSchema>): CarrierSettings {
  return {
    image: environment.GEFYRA_CARRIER_IMAGE,
    tag: environment.GEFYRA_CARRIER_IMAGE_TAG ?? environment.GEFYRA_CARRIER_TAG ?? GEFYRA_RELEASE,
    startupTimeoutMs: environment.GEFYRA_CARRIER_STARTUP_TIMEOUT * 1000,
  };
}
