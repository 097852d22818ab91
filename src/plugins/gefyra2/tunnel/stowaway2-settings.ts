import { z } from 'zod';
import { parseEnvironments } from '../../../environment.js';
import { defineSettings, variable } from '../../../settings/settings-schema.js';
import type { PluginContext } from '../../plugin.js';
import { STOWAWAY2_RELEASE, stowawayCommonSettings } from '../../shared/stowaway-common-settings.js';

/** Gefyra 2's Stowaway settings, from the variables the 2.5 client sets (contract §1) and their defaults. */
export interface Stowaway2Settings {
  readonly namespace: string;
  readonly image: string;
  readonly tag: string;
  readonly pullPolicy: 'Always' | 'IfNotPresent';
  /** The node port clients reach WireGuard on; peer files name it as the endpoint's port. */
  readonly serverPort: number;
  /** The tunnel's /24, as its network address (e.g. 192.168.99.0). */
  readonly internalSubnet: string;
  readonly storageMi: number;
  /** How long Stowaway may take to become ready before the start-up reports it failing. */
  readonly startupTimeoutMs: number;
}

const GEFYRA2 = ['2'] as const;

/** The variables only Stowaway 2.x reads (the shared ones: stowawayCommonSettings; the internal subnet: the core's). */
export const stowaway2Settings = defineSettings('stowaway2', {
  GEFYRA_STOWAWAY_IMAGE_TAG: variable(
    z.string().trim().min(1, { error: 'GEFYRA_STOWAWAY_IMAGE_TAG must not be empty' }).optional(),
    {
      default: '`GEFYRA_STOWAWAY_TAG`',
      meaning: "Stowaway 2.x's image tag under a second name; it wins over `GEFYRA_STOWAWAY_TAG`",
      contracts: GEFYRA2,
    },
  ),
  GEFYRA_STOWAWAY_STORAGE: variable(
    z.coerce
      .number({ error: 'GEFYRA_STOWAWAY_STORAGE must be a number of MiB' })
      .int({ error: 'GEFYRA_STOWAWAY_STORAGE must be a whole number of MiB' })
      .min(1)
      .default(64),
    { default: '`64`', meaning: "Stowaway 2.x's volume claim, MiB (set by the 2.5 client)", contracts: GEFYRA2 },
  ),
});

export function stowaway2SettingsOf(
  context: Pick<PluginContext, 'namespace' | 'subnets' | 'environment'>,
): Stowaway2Settings {
  const environment = parseEnvironments([stowawayCommonSettings, stowaway2Settings], context.environment);
  const tag = environment.GEFYRA_STOWAWAY_IMAGE_TAG ?? environment.GEFYRA_STOWAWAY_TAG ?? STOWAWAY2_RELEASE;
  return {
    namespace: context.namespace,
    image: environment.GEFYRA_STOWAWAY_IMAGE,
    tag,
    pullPolicy: tag === 'latest' ? 'Always' : 'IfNotPresent',
    serverPort: environment.GEFYRA_STOWAWAY_SERVERPORT,
    internalSubnet: context.subnets.internal,
    storageMi: environment.GEFYRA_STOWAWAY_STORAGE,
    startupTimeoutMs: environment.GEFYRA_STOWAWAY_STARTUP_TIMEOUT * 1000,
  };
}

/** The first three octets of the tunnel's /24. */
export const tunnelPrefix = (settings: Stowaway2Settings): string =>
  settings.internalSubnet.split('.').slice(0, 3).join('.');
