import { z } from 'zod';
import { parseSubnet, type Subnet } from '../../domain/intercept/intercept-policy.js';
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
  /**
   * Where a client's containers are reached through the tunnel: the peers'
   * internal /24 and GEFYRA_PEER_SUBNET, when set (the 0.13 client passes its
   * Docker network there). Unset, Stowaway routes 0.0.0.0/0 to the peer, which
   * says nothing about where the client's containers live, so it adds nothing.
   */
  readonly clientSubnets: readonly Subnet[];
  readonly puid: string;
  readonly pgid: string;
  /** How long Stowaway may take to become ready before boot reports it failing. */
  readonly startupTimeoutMs: number;
}

const ZERO_THREE = ['0.13'] as const;

/** The variables only the 0.13 Stowaway reads (the shared ones: stowawayCommonSettings; the subnets: the core's). */
export const stowawaySettings = defineSettings('stowaway', {
  GEFYRA_STOWAWAY_IMAGE_PULLPOLICY: variable(
    z
      .enum(['Always', 'IfNotPresent', 'Never'], {
        error: 'GEFYRA_STOWAWAY_IMAGE_PULLPOLICY must be Always, IfNotPresent or Never',
      })
      .optional(),
    { default: 'by tag (`latest`: `Always`)', meaning: "Stowaway's image pull policy", contracts: ZERO_THREE },
  ),
  GEFYRA_STOWAWAY_PEER_CONFIG_PATH: variable(
    z
      .string()
      .regex(/^\/[^\s;&|`$]+$/, { error: 'GEFYRA_STOWAWAY_PEER_CONFIG_PATH must be an absolute path' })
      .default('/config/peer1/peer1.conf'),
    { default: '`/config/peer1/peer1.conf`', meaning: 'peer file in Stowaway', contracts: ZERO_THREE },
  ),
  GEFYRA_STOWAWAY_PUID: variable(
    z.string().regex(/^\d+$/, { error: 'GEFYRA_STOWAWAY_PUID must be a numeric user id' }).default('1000'),
    {
      default: '`1000`',
      meaning: "Stowaway's user",
      contracts: ZERO_THREE,
    },
  ),
  GEFYRA_STOWAWAY_PGID: variable(
    z.string().regex(/^\d+$/, { error: 'GEFYRA_STOWAWAY_PGID must be a numeric group id' }).default('1000'),
    {
      default: '`1000`',
      meaning: "Stowaway's group",
      contracts: ZERO_THREE,
    },
  ),
});

/** Stowaway gives its peers addresses in the /24 of GEFYRA_INTERNAL_SUBNET. */
const internalNetwork = (address: string): Subnet => parseSubnet(`${address}/24`) as Subnet;

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
    clientSubnets: [internalNetwork(context.subnets.internal), ...context.subnets.clientNetworks],
    puid: environment.GEFYRA_STOWAWAY_PUID,
    pgid: environment.GEFYRA_STOWAWAY_PGID,
    startupTimeoutMs: environment.GEFYRA_STOWAWAY_STARTUP_TIMEOUT * 1000,
  };
}
