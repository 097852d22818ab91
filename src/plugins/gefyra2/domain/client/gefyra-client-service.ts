import { DomainError, isDomainError, toDomainError } from '../../../../domain/errors.js';
import type { ReconcileResult } from '../../../../domain/reconcile-result.js';
import type { ClientAccounts } from '../../ports/client-accounts.port.js';
import type { ClientBridges } from '../../ports/client-bridges.port.js';
import type { Clock } from '../../../../ports/clock.port.js';
import type { EventRecorder } from '../../../../ports/event-recorder.port.js';
import type { GefyraClientStore } from '../../ports/gefyra-client-store.port.js';
import type { Logger } from '../../../../ports/logger.port.js';
import type { PeerConnection, TunnelPeer, TunnelPeers } from '../../ports/tunnel-peers.port.js';
import {
  activeRecheckAt,
  decideClient,
  disconnected,
  PEERED_STATES,
  type ClientLifecycleSettings,
  type ClientStep,
} from './client-decision.js';
import { CLIENT_REASONS, clientEvent } from './client-events.js';
import { microsecondTimestamp, type ClientState } from './client-states.js';
import { peerHolderOf } from './peer-id-holder.js';
import { providerConfigFields, type GefyraClient, type GefyraClientRef } from './gefyra-client.js';

export interface GefyraClientServiceDependencies {
  readonly store: GefyraClientStore;
  readonly peers: TunnelPeers;
  readonly accounts: ClientAccounts;
  /** The client's GefyraBridges: deleted when it disconnects or goes (contract §2). */
  readonly bridges: ClientBridges;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A reconcile that keeps finding work after this many steps is a loop, not progress. */
const MAX_STEPS = 20;
/** The token controller fills a new token Secret within moments; nothing watched tells when. */
const TOKEN_RECHECK_MS = 1000;

/**
 * Reconciles one GefyraClient: asks `decideClient` for the next step, does
 * it through the ports, reads the client again and asks again, until the
 * answer is to wait. Every transition is written with its µs timestamp and
 * told in an Event; every failure ends in ERROR with its reason or, when
 * retrying can help, in a Warning Event before the runtime retries.
 */
export class GefyraClientService {
  readonly #deps: GefyraClientServiceDependencies;
  readonly #settings: ClientLifecycleSettings;

  constructor(dependencies: GefyraClientServiceDependencies, settings: ClientLifecycleSettings) {
    this.#deps = dependencies;
    this.#settings = settings;
  }

  async reconcile(ref: GefyraClientRef, signal: AbortSignal): Promise<ReconcileResult> {
    let client = await this.#deps.store.find(ref, signal);
    if (client === undefined) return await this.#cleanUpAfterForce(ref, signal);
    const peerHolder = peerHolderOf(client, await this.#deps.store.list(ref.namespace, signal), (name) =>
      this.#deps.peers.peerIdOf(name),
    );
    for (let steps = 0; client !== undefined && steps < MAX_STEPS; steps++) {
      const current = client;
      const peer = await this.#recordedPeer(current, signal);
      const step = decideClient({ client: current, peer, peerHolder, now: this.#deps.clock.now() }, this.#settings);
      try {
        const outcome = await this.#apply(current, step, signal);
        if ('result' in outcome) return outcome.result;
        client = outcome.client;
      } catch (error) {
        await this.#explainRetry(current, step, error, signal);
        throw error;
      }
    }
    if (client === undefined) return { done: true };
    throw new DomainError('Internal', `GefyraClient ${ref.name} did not settle after ${MAX_STEPS} steps`, {
      retryable: true,
    });
  }

  /**
   * A client gone without its finalizer having run (`gefyra clients rm
   * --force` and the 2.5 client's uninstall strip it first): its account
   * (a token still valid, a cluster-wide binding) and its peer would stay.
   * Both removals are idempotent, so a client that went the normal way costs
   * a few lookups. A tunnel that is not running keeps the peer until its
   * removal; there is no client left to re-apply it from. A peer whose id
   * another client is connected with is that client's (two names, one id:
   * the other was the holder) and stays.
   */
  async #cleanUpAfterForce(ref: GefyraClientRef, signal: AbortSignal): Promise<ReconcileResult> {
    const { accounts, peers, store, bridges } = this.#deps;
    await bridges.removeOf(ref, signal);
    if (this.#settings.manageServiceAccounts) await accounts.remove(ref.name, signal);
    const peerId = peers.peerIdOf(ref.name);
    const others = await store.list(ref.namespace, signal);
    const connectedWithTheId = (other: GefyraClient) =>
      other.name !== ref.name && peers.peerIdOf(other.name) === peerId && PEERED_STATES.includes(other.state);
    if (others.some(connectedWithTheId)) return { done: true };
    try {
      if (await peers.find(ref.name, signal)) await peers.remove(ref.name, signal);
    } catch (error) {
      if (!isDomainError(error, 'NotReady')) throw error;
    }
    return { done: true };
  }

  async #apply(
    client: GefyraClient,
    step: ClientStep,
    signal: AbortSignal,
  ): Promise<{ client: GefyraClient | undefined } | { result: ReconcileResult }> {
    const { store, peers, accounts, bridges } = this.#deps;
    switch (step.kind) {
      case 'finalize': {
        await bridges.removeOf(client, signal);
        if (step.removePeer) await peers.remove(client.name, signal);
        if (this.#settings.manageServiceAccounts) await accounts.remove(client.name, signal);
        await store.removeFinalizer(client, signal);
        return { result: { done: true } };
      }
      case 'addFinalizer':
        return { client: await store.addFinalizer(client, signal) };
      case 'sunset':
        await this.#event(
          client,
          'Normal',
          CLIENT_REASONS.sunset,
          `sunset ${microsecondTimestamp(client.sunset as Date)} reached: removing the client`,
          signal,
        );
        await store.remove(client, signal);
        return { client: await store.find(client, signal) };
      case 'fail':
        return {
          client: await this.#transition(
            client,
            'ERROR',
            step.message,
            {
              ...disconnected,
              status: {
                wireguard: null,
                failure: {
                  reason: step.reason,
                  message: step.message,
                  ...(step.subnet === undefined ? {} : { subnet: step.subnet }),
                },
              },
            },
            signal,
          ),
        };
      case 'transition':
        return { client: await this.#transition(client, step.to, step.note, step.fields ?? {}, signal) };
      case 'createAccount': {
        const account = await accounts.ensure(client.name, signal);
        if (!account.data) return { result: { done: false, requeueAfterMs: TOKEN_RECHECK_MS } };
        const written = await store.update(
          client,
          { serviceAccountName: account.serviceAccountName, serviceAccountData: account.data },
          signal,
        );
        await this.#event(
          client,
          'Normal',
          CLIENT_REASONS.serviceAccount,
          `ServiceAccount ${account.serviceAccountName} ready for the client`,
          signal,
        );
        return { client: await this.#transition(written, 'WAITING', 'ready for a connection', {}, signal) };
      }
      case 'addPeer':
        return { client: await this.#addPeer(client, step.subnet, step.restore, signal) };
      case 'removePeer': {
        // Disconnecting (DISABLING): its bridges would route to a peer that is gone.
        if (step.then === 'WAITING') await bridges.removeOf(client, signal);
        await peers.remove(client.name, signal);
        await this.#event(client, 'Normal', CLIENT_REASONS.connection, step.note, signal);
        if (step.then === 'WAITING')
          return { client: await this.#transition(client, 'WAITING', step.note, disconnected, signal) };
        return { client: await store.find(client, signal) };
      }
      case 'expire': {
        await bridges.removeOf(client, signal);
        await peers.remove(client.name, signal);
        const age = Math.round((this.#settings.maxConnectionAgeMs ?? 0) / 1000);
        const note = `maximum connection age (${age} s) reached: peer removed; set providerParameter again to reconnect`;
        await this.#event(client, 'Normal', CLIENT_REASONS.connection, note, signal);
        return {
          client: await this.#transition(client, 'WAITING', note, { ...disconnected, providerParameter: null }, signal),
        };
      }
      case 'observe':
        return this.#observe(client, signal);
      case 'wait':
        if (!step.recheckAt) return { result: { done: true } };
        return {
          result: {
            done: false,
            requeueAfterMs: Math.max(0, step.recheckAt.getTime() - this.#deps.clock.now().getTime()),
          },
        };
    }
  }

  async #addPeer(
    client: GefyraClient,
    subnet: string,
    restore: boolean,
    signal: AbortSignal,
  ): Promise<GefyraClient | undefined> {
    const outcome = await this.#deps.peers.add(client.name, subnet, signal);
    if (outcome.state === 'refused') {
      const message = `peer not added: ${outcome.reason}`;
      const failure = { reason: 'PeerRefused', message, subnet };
      return this.#transition(
        client,
        'ERROR',
        message,
        { ...disconnected, status: { wireguard: null, failure } },
        signal,
      );
    }
    const connection = outcome.connection;
    const address = connection['Interface.Address'];
    if (!restore) {
      await this.#event(
        client,
        'Normal',
        CLIENT_REASONS.connection,
        `peer added at ${address}, subnet ${subnet} routed to it; other peers untouched`,
        signal,
      );
      return this.#transition(client, 'ACTIVE', `connected at ${address}`, providerConfigFields(connection), signal);
    }
    await this.#event(
      client,
      'Normal',
      CLIENT_REASONS.connection,
      `peer restored in the tunnel at ${address} (subnet ${subnet})`,
      signal,
    );
    if (sameConnection(client.providerConfig, connection)) return client;
    return this.#deps.store.update(client, providerConfigFields(connection), signal);
  }

  /** An ACTIVE client: its peer still live in the running tunnel (re-applied if not), `status.wireguard` from `wg`. */
  async #observe(
    client: GefyraClient,
    signal: AbortSignal,
  ): Promise<{ client: GefyraClient | undefined } | { result: ReconcileResult }> {
    const connection = client.providerConfig;
    const statuses = await this.#deps.peers.status(signal);
    const live = connection && statuses.get(connection['Interface.PublicKey']);
    const routed =
      live &&
      client.subnet !== undefined &&
      live.allowed_ips.includes(`${connection['Interface.Address']}/32`) &&
      live.allowed_ips.includes(client.subnet);
    if (!routed) return { client: await this.#addPeer(client, client.subnet ?? '', true, signal) };
    let written = client;
    if (JSON.stringify(client.wireguard) !== JSON.stringify(live))
      written = await this.#deps.store.update(client, { status: { wireguard: live } }, signal);
    const now = this.#deps.clock.now();
    return {
      result: {
        done: false,
        requeueAfterMs: Math.max(0, activeRecheckAt(written, now, this.#settings).getTime() - now.getTime()),
      },
    };
  }

  async #transition(
    client: GefyraClient,
    to: ClientState,
    note: string,
    fields: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
  ): Promise<GefyraClient> {
    const from = client.state;
    if (from === to) return this.#deps.store.update(client, fields, signal);
    const status = { ...((fields['status'] as Record<string, unknown> | undefined) ?? {}), writtenState: to };
    const written = await this.#deps.store.update(
      client,
      { ...fields, state: to, stateTransitions: { [to]: microsecondTimestamp(this.#deps.clock.now()) }, status },
      signal,
    );
    await this.#event(
      client,
      to === 'ERROR' ? 'Warning' : 'Normal',
      CLIENT_REASONS.stateChange,
      `${from} → ${to}: ${note}`,
      signal,
    );
    if (to === 'WAITING')
      await this.#event(
        client,
        'Normal',
        CLIENT_REASONS.ready,
        'the client may connect: set providerParameter.subnet',
        signal,
      );
    return written;
  }

  /** The peer the tunnel records for the client; a tunnel not installed yet records none. */
  async #recordedPeer(client: GefyraClient, signal: AbortSignal): Promise<TunnelPeer | undefined> {
    if (client.state === 'REQUESTED' || client.state === 'CREATING') return undefined;
    try {
      return await this.#deps.peers.find(client.name, signal);
    } catch (error) {
      if (isDomainError(error, 'NotReady')) return undefined;
      throw error;
    }
  }

  /** A step that failed and will be retried is told, so that no client sits in a state without a word on why. */
  async #explainRetry(client: GefyraClient, step: ClientStep, error: unknown, signal: AbortSignal): Promise<void> {
    const failure = toDomainError(error);
    if (failure.kind === 'Conflict' || failure.kind === 'Aborted') return;
    this.#deps.logger.warn(
      { client: client.name, step: step.kind, kind: failure.kind, error: failure.message },
      'GefyraClient step failed; retrying',
    );
    await this.#event(
      client,
      'Warning',
      CLIENT_REASONS.stateChange,
      `${client.state}: ${step.kind} failed (${failure.kind}): ${failure.message}; retrying`,
      signal,
    );
  }

  async #event(
    client: GefyraClientRef,
    type: 'Normal' | 'Warning',
    reason: string,
    note: string,
    signal: AbortSignal,
  ): Promise<void> {
    await this.#deps.events.record(clientEvent(client, type, reason, note), signal);
  }
}

function sameConnection(a: PeerConnection | undefined, b: PeerConnection): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
