import type { PortPool } from '../../../domain/routes/route.js';
import type { ProxyServiceKind } from '../../shared/proxy-service-ownership.js';

/**
 * Names and labels of Gefyra 2's Stowaway, as the 2.5 client and images
 * expect them (contract §3): the client checks `gefyra-stowaway-0` by name and
 * selects the pod by these labels for its NodePort Service.
 */
export const STOWAWAY2 = {
  statefulSet: 'gefyra-stowaway',
  pod: 'gefyra-stowaway-0',
  container: 'stowaway',
  serviceAccount: 'gefyra-stowaway',
  configMap: 'gefyra-stowaway-config',
  routesConfigMap: 'gefyra-stowaway-proxyroutes',
  wireGuardService: 'gefyra-stowaway-wireguard',
  claimTemplate: 'stowaway-config',
  configDir: '/config',
  wireGuardPort: 51820,
  healthPort: 51822,
  labels: { 'gefyra.dev/app': 'stowaway', 'gefyra.dev/role': 'connection', 'gefyra.dev/provider': 'stowaway' },
  /**
   * The pod annotation the original operator touches after a route change
   * (`update-notification-<now>`): the kubelet then syncs the pod and refreshes
   * the mounted ConfigMap, whose change the image's inotify watcher answers.
   */
  routesNotificationAnnotation: 'operator',
} as const;

/** Gefyra 2's proxy Services (contract §4): `gefyra-stowaway-proxy-<p>`, labelled with their role and port. */
export const STOWAWAY2_PROXY_SERVICES: ProxyServiceKind = {
  labels: { 'gefyra.dev/app': 'stowaway', 'gefyra.dev/role': 'proxy' },
  portLabel: 'gefyra.dev/proxy-port',
  nameOf: (proxyPort) => `gefyra-stowaway-proxy-${proxyPort}`,
};

/**
 * The proxy ports: the original's 10000–59999, lowest free first, without
 * the TCP port the image's health server listens on (51822; CoreDNS has 53
 * and 8080, WireGuard is UDP): nginx could not bind it on reload and would
 * keep its old configuration. The original would hand it out.
 */
export const STOWAWAY2_PROXY_PORTS: PortPool = { first: 10000, last: 59999, reserved: [STOWAWAY2.healthPort] };

/** The ConfigMap keys that route a client subnet to a peer: this prefix and the peer id. */
export const SUBNET_KEY_PREFIX = 'SERVER_ALLOWEDIPS_PEER_';
export const subnetKey = (peerId: string): string => `${SUBNET_KEY_PREFIX}${peerId}`;

/**
 * The id Gefyra 2 gives a client's peer: every character outside
 * [0-9A-Za-z] becomes `000` (so `dev-1` is `dev0001`), as the original
 * operator spells it; the image accepts no other characters. Not
 * one-to-one (`dev-a`, `dev.a` and `dev000a` share `dev000a`): a second
 * client with a taken id is refused (ADR 13), never given the peer.
 */
export const peerIdOf = (client: string): string => client.replace(/[^0-9A-Za-z]/g, '000');

/** The image names a numeric id `peer<N>` and any other `peer_<id>`; its files live in `/config/<name>/`. */
export const peerNameOf = (peerId: string): string => (/^\d+$/.test(peerId) ? `peer${peerId}` : `peer_${peerId}`);

/** PEERS as the image reads it: a comma-separated list; `0` alone means none. */
export function parsePeers(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && entry !== '0');
}

/**
 * PEERS for a list of ids: `0` when empty (no peer, and the image stays a
 * server), never `0` next to ids, which the image would turn into a phantom
 * `peer0` holding an address (the original's weakness).
 */
export const renderPeers = (ids: readonly string[]): string => (ids.length === 0 ? '0' : ids.join(','));
