import { z } from 'zod';
import { parseSubnet, type Subnet } from '../../domain/intercept/intercept-policy.js';
import { seconds } from '../../environment.js';
import { GEFYRA_RELEASE } from '../../gefyra-release.js';

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

const port = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a port number` })
    .int({ error: `${name} must be a whole number` })
    .min(1, { error: `${name} must be between 1 and 65535` })
    .max(65535, { error: `${name} must be between 1 and 65535` })
    .default(fallback);

const nonEmpty = (name: string, fallback: string) =>
  z.string().trim().min(1, { error: `${name} must not be empty` }).default(fallback);

export const stowawayEnvironmentSchema = z.object({
  GEFYRA_STOWAWAY_IMAGE: nonEmpty('GEFYRA_STOWAWAY_IMAGE', 'quay.io/gefyra/stowaway'),
  GEFYRA_STOWAWAY_TAG: nonEmpty('GEFYRA_STOWAWAY_TAG', GEFYRA_RELEASE),
  GEFYRA_STOWAWAY_IMAGE_PULLPOLICY: z
    .enum(['Always', 'IfNotPresent', 'Never'], { error: 'GEFYRA_STOWAWAY_IMAGE_PULLPOLICY must be Always, IfNotPresent or Never' })
    .optional(),
  GEFYRA_STOWAWAY_SERVERPORT: port('GEFYRA_STOWAWAY_SERVERPORT', 31820),
  GEFYRA_STOWAWAY_PEER_CONFIG_PATH: z
    .string()
    .regex(/^\/[^\s;&|`$]+$/, { error: 'GEFYRA_STOWAWAY_PEER_CONFIG_PATH must be an absolute path' })
    .default('/config/peer1/peer1.conf'),
  GEFYRA_INTERNAL_SUBNET: z.ipv4({ error: 'GEFYRA_INTERNAL_SUBNET must be an IPv4 network address' }).default('192.168.99.0'),
  GEFYRA_PEER_SUBNET: z
    .string()
    .transform((raw, context) => {
      const subnets = raw.split(',').map((entry) => parseSubnet(entry));
      if (subnets.some((subnet) => subnet === undefined)) {
        context.addIssue({ code: 'custom', message: 'GEFYRA_PEER_SUBNET must be a comma-separated list of CIDRs such as 172.18.0.0/16' });
        return z.NEVER;
      }
      return { text: raw, subnets: subnets as Subnet[] };
    })
    .optional(),
  GEFYRA_STOWAWAY_PUID: z.string().regex(/^\d+$/, { error: 'GEFYRA_STOWAWAY_PUID must be a numeric user id' }).default('1000'),
  GEFYRA_STOWAWAY_PGID: z.string().regex(/^\d+$/, { error: 'GEFYRA_STOWAWAY_PGID must be a numeric group id' }).default('1000'),
  GEFYRA_STOWAWAY_STARTUP_TIMEOUT: seconds('GEFYRA_STOWAWAY_STARTUP_TIMEOUT', 180),
});

/** What Stowaway routes to its peer when the client names no network: everything. */
const STOWAWAY_DEFAULT_PEER_SUBNET = '0.0.0.0/0';

/** Stowaway gives its peers addresses in the /24 of GEFYRA_INTERNAL_SUBNET. */
const internalNetwork = (address: string): Subnet => parseSubnet(`${address}/24`) as Subnet;

export function stowawaySettingsFrom(environment: z.infer<typeof stowawayEnvironmentSchema>, namespace: string): StowawaySettings {
  const tag = environment.GEFYRA_STOWAWAY_TAG;
  return {
    namespace,
    image: environment.GEFYRA_STOWAWAY_IMAGE,
    tag,
    pullPolicy: environment.GEFYRA_STOWAWAY_IMAGE_PULLPOLICY ?? (tag === 'latest' ? 'Always' : 'IfNotPresent'),
    nodePort: environment.GEFYRA_STOWAWAY_SERVERPORT,
    peerConfigPath: environment.GEFYRA_STOWAWAY_PEER_CONFIG_PATH,
    internalSubnet: environment.GEFYRA_INTERNAL_SUBNET,
    peerSubnet: environment.GEFYRA_PEER_SUBNET?.text ?? STOWAWAY_DEFAULT_PEER_SUBNET,
    clientSubnets: [internalNetwork(environment.GEFYRA_INTERNAL_SUBNET), ...(environment.GEFYRA_PEER_SUBNET?.subnets ?? [])],
    puid: environment.GEFYRA_STOWAWAY_PUID,
    pgid: environment.GEFYRA_STOWAWAY_PGID,
    startupTimeoutMs: environment.GEFYRA_STOWAWAY_STARTUP_TIMEOUT * 1000,
  };
}
