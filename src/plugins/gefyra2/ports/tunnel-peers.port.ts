/**
 * TunnelPeers: one WireGuard peer per developer in a tunnel that serves many
 * (Gefyra 2's tunnel). The domain names a peer by its client; how the
 * tunnel spells the id, where it keeps keys and how it applies a change are
 * the plugin's. Adding or removing a peer must leave the other peers
 * connected. Retryable failures (the tunnel not running, an exec dropped) are
 * thrown as DomainErrors; refusals the client must act on are returned.
 */

/**
 * The keys of Gefyra 2's `providerConfig`, literally: the 2.5 client reads
 * a flat object whose keys contain a dot (`providerconfig.get("Interface.Address")`),
 * not nested sections (contract §3).
 */
export const PROVIDER_CONFIG_KEYS = [
  /** The peer's tunnel address, without a mask. */
  'Interface.Address',
  'Interface.PrivateKey',
  'Interface.ListenPort',
  'Interface.DNS',
  /** The peer's own public key: what `wg` shows the peer as (the `status.wireguard` match). */
  'Interface.PublicKey',
  'Peer.PublicKey',
  /** Required: the client writes `PresharedKey = None` without it. */
  'Peer.PresharedKey',
  /** `:<SERVERPORT>`: the client puts its own host in front. */
  'Peer.Endpoint',
  'Peer.AllowedIPs',
] as const;
export type ProviderConfigKey = (typeof PROVIDER_CONFIG_KEYS)[number];

/** What the client writes into its WireGuard configuration, exactly as Gefyra 2's `providerConfig` holds it. */
export type PeerConnection = Readonly<Record<ProviderConfigKey, string>>;

export type PeerAddOutcome =
  | { readonly state: 'added'; readonly connection: PeerConnection }
  /** The client must change something before the peer can be added (a subnet in use, no free address). */
  | { readonly state: 'refused'; readonly reason: string };

/** A peer the tunnel holds, by the id it spells and the client subnet routed to it. */
export interface TunnelPeer {
  readonly peerId: string;
  readonly subnet: string;
}

/** What the tunnel's `wg` shows about one peer, in the shape of Gefyra 2's `status.wireguard`. */
export interface PeerWireGuardStatus {
  readonly public_key: string;
  readonly endpoint?: { readonly host: string; readonly port: number };
  readonly allowed_ips: readonly string[];
  /** As `wg` prints it, e.g. `1 minute, 3 seconds ago`. */
  readonly latest_handshake?: string;
  readonly transfer?: string;
}

export interface TunnelPeers {
  /**
   * The id the tunnel spells for the client's peer. Two clients with the
   * same id would share one peer (and each other's traffic): the domain
   * lets only the first of them have it.
   */
  peerIdOf(client: string): string;
  /**
   * Makes the client's peer exist with this subnet routed to it, live, and
   * returns its connection. Idempotent: an existing peer keeps its keys and
   * address.
   */
  add(client: string, subnet: string, signal: AbortSignal): Promise<PeerAddOutcome>;
  /** Removes the client's peer, live; an absent peer is fine. */
  remove(client: string, signal: AbortSignal): Promise<void>;
  list(signal: AbortSignal): Promise<readonly TunnelPeer[]>;
  /** The client's peer as the tunnel records it, or undefined when it has none. */
  find(client: string, signal: AbortSignal): Promise<TunnelPeer | undefined>;
  /** The running tunnel's view of its peers, by peer public key. */
  status(signal: AbortSignal): Promise<ReadonlyMap<string, PeerWireGuardStatus>>;
}
