import { z } from 'zod';
import { parseEnvironments } from '../../environment.js';
import { GEFYRA_RELEASE } from '../../gefyra-release.js';
import { defineSettings, variable } from '../../settings/settings-schema.js';
import type { PluginContext } from '../plugin.js';
import { stowawayCommonSettings } from '../shared/stowaway-common-settings.js';

/**
 * Stowaway's settings, read from the operator's environment with the names
 * and defaults of Gefyra 0.13 (docs: gefyra-components.md).
 */
export interface StowawaySettings {
  readonly namespace: string;
  readonly image: string;
  readonly tag: string;
  readonly pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  readonly nodePort: number;
  readonly peerConfigPath: string;
  readonly internalSubnet: string;
  readonly peerSubnet: string;
  readonly puid: string;
  readonly pgid: string;
  /** How long Stowaway may take to become ready before boot reports it failing. */
  readonly startupTimeoutMs: number;
}

const ZERO_THREE = ['0.13'] as const;

/** The variables only the 0.13 Stowaway reads (the shared ones: stowawayCommonSettings; the subnets: the core's). */
export const stowawaySettings = defineSettings('stowaway', {
  GEFYRA_STOWAWAY_IMAGE_PULLPOLICY: variable(
    z.enum(['Always', 'IfNotPresent', 'Never'], { error: 'GEFYRA_STOWAWAY_IMAGE_PULLPOLICY must be Always, IfNotPresent or Never' }).optional(),
    { default: 'by tag (`latest`: `Always`)', meaning: "Stowaway's image pull policy", contracts: ZERO_THREE },
  ),
  GEFYRA_STOWAWAY_PEER_CONFIG_PATH: variable(
    z
      .string()
      .regex(/^\/[^\s;&|`$]+$/, { error: 'GEFYRA_STOWAWAY_PEER_CONFIG_PATH must be an absolute path' })
      .default('/config/peer1/peer1.conf'),
    { default: '`/config/peer1/peer1.conf`', meaning: 'peer file in Stowaway', contracts: ZERO_THREE },
  ),
  GEFYRA_STOWAWAY_PUID: variable(z.string().regex(/^\d+$/, { error: 'GEFYRA_STOWAWAY_PUID must be a numeric user id' }).default('1000'), {
    default: '`1000`',
    meaning: "Stowaway's user",
    contracts: ZERO_THREE,
  }),
  GEFYRA_STOWAWAY_PGID: variable(z.string().regex(/^\d+$/, { error: 'GEFYRA_STOWAWAY_PGID must be a numeric group id' }).default('1000'), {
    default: '`1000`',
    meaning: "Stowaway's group",
    contracts: ZERO_THREE,
  }),
});

/** Every bad value of both schemas is reported at once. */
export function stowawaySettingsOf(context: PluginContext): StowawaySettings {
  const environment = parseEnvironments([stowawayCommonSettings, stowawaySettings], context.environment);
  const tag = environment.GEFYRA_STOWAWAY_TAG ?? GEFYRA_RELEASE;
  return {
    namespace: context.namespace,
    image: environment.GEFYRA_STOWAWAY_IMAGE,
    tag,
    pullPolicy: environment.GEFYRA_STOWAWAY_IMAGE_PULLPOLICY ?? (tag === 'latest' ? 'Always' : 'IfNotPresent'),
    nodePort: environment.GEFYRA_STOWAWAY_SERVERPORT,
    peerConfigPath: environment.GEFYRA_STOWAWAY_PEER_CONFIG_PATH,
    internalSubnet: context.subnets.internal,
    peerSubnet: context.subnets.peers,
    puid: environment.GEFYRA_STOWAWAY_PUID,
    pgid: environment.GEFYRA_STOWAWAY_PGID,
    startupTimeoutMs: environment.GEFYRA_STOWAWAY_STARTUP_TIMEOUT * 1000,
  };
}
