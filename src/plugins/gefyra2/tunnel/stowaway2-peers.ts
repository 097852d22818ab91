import { sameNetwork } from '../domain/client/client-subnet.js';
import { DomainError, isDomainError, conflict } from '../../../domain/errors.js';
import type { ContainerRef } from '../../../domain/cluster/pod.js';
import type { ClusterApi, ObjectRef } from '../../../ports/cluster-api.port.js';
import type { PeerAddOutcome, PeerWireGuardStatus, TunnelPeer, TunnelPeers } from '../ports/tunnel-peers.port.js';
import { addPeerCommand, removePeerCommand } from './peer-scripts.js';
import {
  parsePeers,
  peerIdOf,
  peerNameOf,
  renderPeers,
  STOWAWAY2,
  SUBNET_KEY_PREFIX,
  subnetKey,
} from './stowaway2-names.js';
import { tunnelPrefix, type Stowaway2Settings } from './stowaway2-settings.js';
import { addressesOf, connectionOf, parseWgShow, serverPeersOf } from './wireguard-files.js';

/** A ConfigMap write lost to a concurrent one is retried this often, each time from a fresh read. */
const CONFLICT_ATTEMPTS = 5;

/**
 * Peers of Gefyra 2's Stowaway, changed live (ADR 13): a script run in the
 * running container writes the peer's files as the image's init would and
 * applies them with `wg set`; then one merge patch sets PEERS and the
 * peer's subnet key in `gefyra-stowaway-config`, so that the environment of
 * a restarted container equals `.donoteditthisfile` and the image reuses
 * what is there. Stowaway is never restarted. One change at a time: the
 * scripts edit the same wg0.conf.
 */
export class Stowaway2Peers implements TunnelPeers {
  readonly #cluster: ClusterApi;
  readonly #settings: Stowaway2Settings;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(cluster: ClusterApi, settings: Stowaway2Settings) {
    this.#cluster = cluster;
    this.#settings = settings;
  }

  peerIdOf(client: string): string {
    return peerIdOf(client);
  }

  add(client: string, subnet: string, signal: AbortSignal): Promise<PeerAddOutcome> {
    return this.#oneAtATime(() => this.#add(client, subnet, signal));
  }

  remove(client: string, signal: AbortSignal): Promise<void> {
    return this.#oneAtATime(() => this.#remove(client, signal));
  }

  async list(signal: AbortSignal): Promise<readonly TunnelPeer[]> {
    const data = await this.#configData(signal, false);
    return parsePeers(data['PEERS']).map((peerId) => ({ peerId, subnet: data[subnetKey(peerId)] ?? '' }));
  }

  /** The client's peer as the ConfigMap records it (a peer exists when its id is in PEERS). */
  async find(client: string, signal: AbortSignal): Promise<TunnelPeer | undefined> {
    const peerId = peerIdOf(client);
    return (await this.list(signal)).find((peer) => peer.peerId === peerId);
  }

  async status(signal: AbortSignal): Promise<ReadonlyMap<string, PeerWireGuardStatus>> {
    const result = await this.#cluster.exec(await this.#stowaway(signal), ['wg'], signal);
    if (result.exitCode !== 0) throw execFailed('wg', result.stderr);
    return parseWgShow(result.stdout);
  }

  async #add(client: string, subnet: string, signal: AbortSignal): Promise<PeerAddOutcome> {
    const peerId = peerIdOf(client);
    const name = peerNameOf(peerId);
    if (peerId === '0')
      return {
        state: 'refused',
        reason: 'the client name "0" cannot be a peer id: Stowaway reads PEERS "0" as no peer',
      };
    for (let attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
      const config = await this.#configMap(signal, true);
      const data = config.data;
      const holder = Object.entries(data).find(
        ([key, value]) => key.startsWith(SUBNET_KEY_PREFIX) && key !== subnetKey(peerId) && sameNetwork(value, subnet),
      );
      if (holder) {
        return {
          state: 'refused',
          reason: `subnet ${subnet} is already routed to peer ${holder[0].slice(SUBNET_KEY_PREFIX.length)} (${holder[1]}); every client needs its own`,
        };
      }
      const target = await this.#stowaway(signal);
      const wg0 = await this.#read(target, `${STOWAWAY2.configDir}/wg0.conf`, signal);
      if (wg0 === undefined) throw new DomainError('NotReady', 'Stowaway has not written /config/wg0.conf yet');
      const address = await this.#addressFor(target, name, wg0, signal);
      if (address === undefined)
        return { state: 'refused', reason: `no free address left in ${this.#settings.internalSubnet}/24 (253 peers)` };
      const ids = parsePeers(data['PEERS']);
      const peers = renderPeers(ids.includes(peerId) ? ids : [peerId, ...ids]);
      const prefix = tunnelPrefix(this.#settings);
      const command = addPeerCommand({
        name,
        address,
        subnet,
        dns: `${prefix}.1`,
        endpoint: `:${this.#settings.serverPort}`,
        peers,
      });
      const result = await this.#cluster.exec(target, command, signal);
      if (result.exitCode !== 0) throw execFailed(`adding peer ${name}`, result.stderr);
      try {
        await this.#cluster.patch(
          config.ref,
          {
            metadata: { resourceVersion: config.resourceVersion },
            data: { PEERS: peers, [subnetKey(peerId)]: subnet },
          },
          signal,
        );
      } catch (error) {
        if (isDomainError(error, 'Conflict')) continue;
        throw error;
      }
      const connection = await this.#connection(target, name, signal);
      if (!connection)
        throw new DomainError('ExecFailed', `the files of peer ${name} are incomplete after adding it`, {
          retryable: true,
        });
      return { state: 'added', connection };
    }
    throw conflict(`ConfigMap ${STOWAWAY2.configMap}`);
  }

  async #remove(client: string, signal: AbortSignal): Promise<void> {
    const peerId = peerIdOf(client);
    for (let attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
      const config = await this.#configMap(signal, true);
      const peers = renderPeers(parsePeers(config.data['PEERS']).filter((id) => id !== peerId));
      const target = await this.#stowaway(signal);
      const result = await this.#cluster.exec(target, removePeerCommand(peerNameOf(peerId), peers), signal);
      if (result.exitCode !== 0) throw execFailed(`removing peer ${peerNameOf(peerId)}`, result.stderr);
      if (config.data['PEERS'] === peers && config.data[subnetKey(peerId)] === undefined) return;
      try {
        await this.#cluster.patch(
          config.ref,
          { metadata: { resourceVersion: config.resourceVersion }, data: { PEERS: peers, [subnetKey(peerId)]: null } },
          signal,
        );
        return;
      } catch (error) {
        if (!isDomainError(error, 'Conflict')) throw error;
      }
    }
    throw conflict(`ConfigMap ${STOWAWAY2.configMap}`);
  }

  /** The peer keeps its address (from its own block or file); a new one gets the first free .2–.254, as the image would give it. */
  async #addressFor(target: ContainerRef, name: string, wg0: string, signal: AbortSignal): Promise<string | undefined> {
    const peers = serverPeersOf(wg0);
    const taken = addressesOf(peers.filter((peer) => peer.name !== name));
    const own = [...addressesOf(peers.filter((peer) => peer.name === name))][0];
    const kept =
      own ??
      /^Address\s*=\s*([\d.]+)/m.exec(
        (await this.#read(target, `${STOWAWAY2.configDir}/${name}/${name}.conf`, signal)) ?? '',
      )?.[1];
    const prefix = tunnelPrefix(this.#settings);
    if (kept?.startsWith(`${prefix}.`) && !taken.has(kept)) return kept;
    for (let host = 2; host <= 254; host++) if (!taken.has(`${prefix}.${host}`)) return `${prefix}.${host}`;
    return undefined;
  }

  async #connection(target: ContainerRef, name: string, signal: AbortSignal) {
    const dir = `${STOWAWAY2.configDir}/${name}`;
    const conf = await this.#read(target, `${dir}/${name}.conf`, signal);
    const publicKey = await this.#read(target, `${dir}/publickey-${name}`, signal);
    return conf === undefined || publicKey === undefined ? undefined : connectionOf(conf, publicKey);
  }

  async #read(target: ContainerRef, path: string, signal: AbortSignal): Promise<string | undefined> {
    const result = await this.#cluster.exec(target, ['cat', path], signal);
    return result.exitCode === 0 ? result.stdout : undefined;
  }

  /** The running Stowaway container; NotReady (retried) while there is none. */
  async #stowaway(signal: AbortSignal): Promise<ContainerRef> {
    const ref = { namespace: this.#settings.namespace, name: STOWAWAY2.pod };
    const pod = await this.#cluster.findPod(ref, signal);
    const status = pod?.containerStatuses.find((entry) => entry.name === STOWAWAY2.container);
    if (!pod || pod.deleting || status?.current.state !== 'running' || !status.ready) {
      throw new DomainError('NotReady', `Stowaway (pod ${STOWAWAY2.pod}) is not running and ready`);
    }
    return { ...ref, container: STOWAWAY2.container };
  }

  async #configMap(
    signal: AbortSignal,
    fresh: boolean,
  ): Promise<{ ref: ObjectRef; resourceVersion: string; data: Record<string, string> }> {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: this.#settings.namespace, name: STOWAWAY2.configMap };
    const found = await this.#cluster.find(ref, signal, { fresh });
    if (!found)
      throw new DomainError('NotReady', `ConfigMap ${STOWAWAY2.configMap} does not exist (Stowaway is not installed)`);
    return {
      ref,
      resourceVersion: found.metadata.resourceVersion ?? '',
      data: { ...((found['data'] ?? {}) as Record<string, string>) },
    };
  }

  async #configData(signal: AbortSignal, fresh: boolean): Promise<Record<string, string>> {
    return (await this.#configMap(signal, fresh)).data;
  }

  #oneAtATime<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(operation, operation);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

const execFailed = (what: string, stderr: string): DomainError =>
  new DomainError('ExecFailed', `${what} in Stowaway failed: ${stderr.trim().slice(0, 300) || 'no output'}`, {
    retryable: true,
  });
