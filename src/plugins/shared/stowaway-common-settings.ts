import { z } from 'zod';
import { portNumber, seconds } from '../../environment.js';
import { GEFYRA_RELEASE } from '../../gefyra-release.js';
import { BOTH_CONTRACTS, defineSettings, variable } from '../../settings/settings-schema.js';

/** Gefyra 2's Stowaway release (2.5.4 images): the default tag of the 2.x tunnel. */
export const STOWAWAY2_RELEASE = '2.5.4';

/**
 * The variables both Stowaway plugins read with one meaning (0.13's Deployment
 * and 2.x's StatefulSet run the same kind of image on the same node port):
 * declared here once, parsed by whichever of the two runs.
 */
export const stowawayCommonSettings = defineSettings('stowaway (both tunnels)', {
  GEFYRA_STOWAWAY_IMAGE: variable(
    z.string().trim().min(1, { error: 'GEFYRA_STOWAWAY_IMAGE must not be empty' }).default('quay.io/gefyra/stowaway'),
    {
      default: '`quay.io/gefyra/stowaway`',
      meaning: "Stowaway's image",
      contracts: BOTH_CONTRACTS,
    },
  ),
  GEFYRA_STOWAWAY_TAG: variable(
    z.string().trim().min(1, { error: 'GEFYRA_STOWAWAY_TAG must not be empty' }).optional(),
    {
      default: `release (\`${GEFYRA_RELEASE}\`; 2.x: \`${STOWAWAY2_RELEASE}\`)`,
      meaning: "Stowaway's image tag",
      contracts: BOTH_CONTRACTS,
    },
  ),
  GEFYRA_STOWAWAY_SERVERPORT: variable(portNumber('GEFYRA_STOWAWAY_SERVERPORT', 31820), {
    default: '`31820`',
    meaning: 'WireGuard node port (UDP)',
    contracts: BOTH_CONTRACTS,
  }),
  GEFYRA_STOWAWAY_STARTUP_TIMEOUT: variable(seconds('GEFYRA_STOWAWAY_STARTUP_TIMEOUT', 180), {
    default: '`180` s',
    meaning: 'Stowaway start-up before it is reported failing',
    contracts: BOTH_CONTRACTS,
  }),
});
