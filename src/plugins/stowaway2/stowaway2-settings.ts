import { z } from 'zod';

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
}

/** The Stowaway release whose image behaviour this plugin relies on (contract §3). */
export const STOWAWAY2_RELEASE = '2.5.4';

export const stowaway2EnvironmentSchema = z.object({
  GEFYRA_STOWAWAY_IMAGE: z.string().trim().min(1).default('quay.io/gefyra/stowaway'),
  GEFYRA_STOWAWAY_IMAGE_TAG: z.string().trim().min(1).optional(),
  /** 0.13's name for the tag, honoured when the 2.x name is not set. */
  GEFYRA_STOWAWAY_TAG: z.string().trim().min(1).optional(),
  GEFYRA_STOWAWAY_SERVERPORT: z.coerce.number({ error: 'GEFYRA_STOWAWAY_SERVERPORT must be a port number' }).int().min(1).max(65535).default(31820),
  GEFYRA_INTERNAL_SUBNET: z
    .ipv4({ error: 'GEFYRA_INTERNAL_SUBNET must be an IPv4 network address' })
    .refine((value) => value.endsWith('.0'), { error: 'GEFYRA_INTERNAL_SUBNET must be the network address of a /24 (ending in .0)' })
    .default('192.168.99.0'),
  GEFYRA_STOWAWAY_STORAGE: z.coerce.number({ error: 'GEFYRA_STOWAWAY_STORAGE must be a number of MiB' }).int().min(1).default(64),
});

export function stowaway2SettingsFrom(environment: z.infer<typeof stowaway2EnvironmentSchema>, namespace: string): Stowaway2Settings {
  const tag = environment.GEFYRA_STOWAWAY_IMAGE_TAG ?? environment.GEFYRA_STOWAWAY_TAG ?? STOWAWAY2_RELEASE;
  return {
    namespace,
    image: environment.GEFYRA_STOWAWAY_IMAGE,
    tag,
    pullPolicy: tag === 'latest' ? 'Always' : 'IfNotPresent',
    serverPort: environment.GEFYRA_STOWAWAY_SERVERPORT,
    internalSubnet: environment.GEFYRA_INTERNAL_SUBNET,
    storageMi: environment.GEFYRA_STOWAWAY_STORAGE,
  };
}

/** The first three octets of the tunnel's /24. */
export const tunnelPrefix = (settings: Stowaway2Settings): string => settings.internalSubnet.split('.').slice(0, 3).join('.');
