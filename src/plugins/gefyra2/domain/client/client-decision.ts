import { GEFYRA_FINALIZER } from '../lifecycle.js';
import type { GefyraClient } from './gefyra-client.js';
import { parseSubnet } from './client-subnet.js';
import { CLIENT_STATES, isClientState, transitionAllowed, type ClientState } from './client-states.js';
import { PEER_ID_TAKEN, type PeerHolder } from './peer-id-holder.js';

export interface ClientLifecycleSettings {
  /** Whether each client gets its own ServiceAccount (off: GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT). */
  readonly manageServiceAccounts: boolean;
  /** How long a connection may stay ACTIVE before it is ended; undefined: no limit. */
  readonly maxConnectionAgeMs: number | undefined;
  /** How often an ACTIVE client's peer is looked at (`status.wireguard`, the peer still live). */
  readonly observeIntervalMs: number;
}

/** What the tunnel records for the client's peer. */
export interface RecordedPeer {
  readonly subnet: string;
}

export interface ClientObservation {
  readonly client: GefyraClient;
  /** The peer recorded under the client's peer id: another client's when `peerHolder` is set. */
  readonly peer: RecordedPeer | undefined;
  /** Another client that has the peer id this client's name gives too. */
  readonly peerHolder?: PeerHolder | undefined;
  readonly now: Date;
}

/** The one next thing to do for a client; the service does it, observes again and asks again. */
export type ClientStep =
  | { readonly kind: 'finalize'; readonly removePeer: boolean }
  | { readonly kind: 'addFinalizer' }
  | { readonly kind: 'sunset' }
  | { readonly kind: 'fail'; readonly reason: string; readonly message: string; readonly subnet?: string }
  | {
      readonly kind: 'transition';
      readonly to: ClientState;
      readonly note: string;
      readonly fields?: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'createAccount' }
  | { readonly kind: 'addPeer'; readonly subnet: string; readonly restore: boolean }
  | { readonly kind: 'removePeer'; readonly then: 'WAITING' | 'stay'; readonly note: string }
  | { readonly kind: 'expire' }
  | { readonly kind: 'observe' }
  | { readonly kind: 'wait'; readonly recheckAt?: Date };

/**
 * The GefyraClient lifecycle as a pure function: given the client and the
 * peer the tunnel records, the next step. Level-triggered: every step is
 * decided from what is stored, so a crash between two steps is resumed by
 * the next reconcile.
 */
export function decideClient(observation: ClientObservation, settings: ClientLifecycleSettings): ClientStep {
  const { client, peer, peerHolder, now } = observation;
  // A client refused for its peer id never had the peer: it is the holder's to keep.
  if (client.deleting)
    return {
      kind: 'finalize',
      removePeer: peerHolder === undefined && (peer !== undefined || PEERED_STATES.includes(client.state)),
    };
  if (!client.finalizers.includes(GEFYRA_FINALIZER)) return { kind: 'addFinalizer' };
  if (client.sunset instanceof Date && client.sunset.getTime() <= now.getTime()) return { kind: 'sunset' };
  if (peerHolder) {
    if (client.state === 'ERROR' && client.failure?.reason === PEER_ID_TAKEN)
      return { kind: 'wait', ...sunsetRecheck(client) };
    return {
      kind: 'fail',
      reason: PEER_ID_TAKEN,
      message:
        `the name ${client.name} gives the WireGuard peer id ${peerHolder.peerId}, ` +
        `which GefyraClient ${peerHolder.client} (created earlier) has: ` +
        `the two would share one peer and each other's traffic; ` +
        `delete this client and create one under another name`,
    };
  }
  const state = client.state;
  if (!isClientState(state)) {
    return {
      kind: 'fail',
      reason: 'UnknownState',
      message: `state "${state}" is not a GefyraClient state (${CLIENT_STATES.join(', ')}); set providerParameter to null to start over from WAITING`,
    };
  }
  const written = client.writtenState;
  if (written !== undefined && written !== state && isClientState(written) && !transitionAllowed(written, state)) {
    return {
      kind: 'fail',
      reason: 'BadTransition',
      message:
        `state was changed from ${written} to ${state} by someone else; ` +
        `the lifecycle does not allow that transition; ` +
        `set providerParameter to null to start over from WAITING`,
    };
  }
  const subnetProblem =
    client.subnet === undefined || parseSubnet(client.subnet)
      ? undefined
      : `providerParameter.subnet "${client.subnet}" is not an IPv4 network in CIDR notation (a.b.c.d/n)`;
  switch (state) {
    case 'REQUESTED':
      return { kind: 'transition', to: 'CREATING', note: 'creating the client' };
    case 'CREATING':
      if (settings.manageServiceAccounts) return { kind: 'createAccount' };
      return { kind: 'transition', to: 'WAITING', note: 'ready for a connection (ServiceAccount management is off)' };
    case 'WAITING':
      if (client.subnet !== undefined) {
        if (subnetProblem)
          return { kind: 'fail', reason: 'InvalidSubnet', message: subnetProblem, subnet: client.subnet };
        return { kind: 'transition', to: 'ENABLING', note: `connecting subnet ${client.subnet}` };
      }
      if (peer)
        return { kind: 'removePeer', then: 'stay', note: 'removed a peer left over from an earlier connection' };
      if (client.providerConfig || client.wireguard)
        return {
          kind: 'transition',
          to: 'WAITING',
          note: 'cleared the connection of an earlier peer',
          fields: disconnected,
        };
      return { kind: 'wait', ...sunsetRecheck(client) };
    case 'ENABLING':
      if (client.subnet === undefined)
        return { kind: 'transition', to: 'DISABLING', note: 'the client withdrew its subnet while connecting' };
      if (subnetProblem)
        return { kind: 'fail', reason: 'InvalidSubnet', message: subnetProblem, subnet: client.subnet };
      return { kind: 'addPeer', subnet: client.subnet, restore: false };
    case 'ACTIVE': {
      if (client.subnet === undefined)
        return { kind: 'transition', to: 'DISABLING', note: 'the client disconnected (providerParameter is null)' };
      if (subnetProblem)
        return { kind: 'fail', reason: 'InvalidSubnet', message: subnetProblem, subnet: client.subnet };
      const activeSince = activeSinceOf(client);
      if (
        settings.maxConnectionAgeMs !== undefined &&
        activeSince !== undefined &&
        now.getTime() - activeSince.getTime() >= settings.maxConnectionAgeMs
      ) {
        return { kind: 'expire' };
      }
      if (!peer || peer.subnet !== client.subnet || !client.providerConfig)
        return { kind: 'addPeer', subnet: client.subnet, restore: true };
      return { kind: 'observe' };
    }
    case 'DISABLING':
      return { kind: 'removePeer', then: 'WAITING', note: 'disconnected: peer removed' };
    case 'ERROR':
      if (peer) return { kind: 'removePeer', then: 'stay', note: 'removed the peer of a client in ERROR' };
      if (client.failure?.reason === PEER_ID_TAKEN) {
        return {
          kind: 'transition',
          to: 'CREATING',
          note: `recovered from ERROR: no other client has its peer id any more`,
          fields: { status: { failure: null } },
        };
      }
      if (client.subnet === undefined)
        return {
          kind: 'transition',
          to: 'WAITING',
          note: 'recovered from ERROR: the client withdrew its subnet',
          fields: { ...disconnected, status: { failure: null } },
        };
      if (client.failure?.subnet !== client.subnet) {
        return {
          kind: 'transition',
          to: 'ENABLING',
          note: `recovered from ERROR: connecting the new subnet ${client.subnet}`,
          fields: { status: { failure: null } },
        };
      }
      return { kind: 'wait', ...sunsetRecheck(client) };
  }
}

/** The states in which the client may have a peer in the tunnel. */
export const PEERED_STATES: readonly string[] = ['ENABLING', 'ACTIVE', 'DISABLING'];

/** The fields a disconnected client has: no connection, no WireGuard status. */
export const disconnected: Readonly<Record<string, unknown>> = { providerConfig: null, status: { wireguard: null } };

/** When the ACTIVE client must be looked at again: its next observation, its sunset or its maximum age, whichever comes first. */
export function activeRecheckAt(client: GefyraClient, now: Date, settings: ClientLifecycleSettings): Date {
  const candidates = [now.getTime() + settings.observeIntervalMs];
  if (client.sunset instanceof Date) candidates.push(client.sunset.getTime());
  const since = activeSinceOf(client);
  if (settings.maxConnectionAgeMs !== undefined && since !== undefined)
    candidates.push(since.getTime() + settings.maxConnectionAgeMs);
  return new Date(Math.min(...candidates));
}

function activeSinceOf(client: GefyraClient): Date | undefined {
  const at = client.stateTransitions['ACTIVE'];
  const date = at === undefined ? undefined : new Date(at);
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

const sunsetRecheck = (client: GefyraClient): { recheckAt?: Date } =>
  client.sunset instanceof Date ? { recheckAt: client.sunset } : {};
