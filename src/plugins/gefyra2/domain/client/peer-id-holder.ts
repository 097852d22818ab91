import type { GefyraClient } from './gefyra-client.js';

/** The failure reason of a client refused because another one has its peer id. */
export const PEER_ID_TAKEN = 'PeerIdTaken';

/** The other client that has the peer id this client's name gives too. */
export interface PeerHolder {
  readonly client: string;
  readonly peerId: string;
}

/**
 * Of the clients whose names the tunnel spells as one peer id, the one
 * created first has the peer (a tie goes to the lower name, so that every
 * reconcile agrees); any other is refused, never given that peer. Undefined
 * when this client has its id to itself or is the one that has it.
 */
export function peerHolderOf(
  client: GefyraClient,
  clients: readonly GefyraClient[],
  peerIdOf: (name: string) => string,
): PeerHolder | undefined {
  const peerId = peerIdOf(client.name);
  const first = clients
    .filter((other) => other.name !== client.name && peerIdOf(other.name) === peerId && precedes(other, client))
    .sort((a, b) => (precedes(a, b) ? -1 : 1))[0];
  return first && { client: first.name, peerId };
}

const precedes = (a: GefyraClient, b: GefyraClient): boolean =>
  a.createdAt.getTime() < b.createdAt.getTime() || (a.createdAt.getTime() === b.createdAt.getTime() && a.name < b.name);
