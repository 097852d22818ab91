import { PROVIDER_CONFIG_KEYS, type PeerConnection, type PeerWireGuardStatus } from '../ports/tunnel-peers.port.js';

/** One `[Section]` of a WireGuard file, with the `# comment` lines inside it (the image names a peer that way). */
interface Section {
  readonly header: string;
  readonly comments: readonly string[];
  readonly entries: Readonly<Record<string, string>>;
}

export function parseSections(text: string): Section[] {
  const sections: { header: string; comments: string[]; entries: Record<string, string> }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const header = /^\[(\w+)\]$/.exec(line);
    const current = sections.at(-1);
    if (header?.[1]) sections.push({ header: header[1], comments: [], entries: {} });
    else if (line.startsWith('#')) current?.comments.push(line.slice(1).trim());
    else if (current && line.includes('=')) {
      const at = line.indexOf('=');
      current.entries[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  }
  return sections;
}

/** A peer as `/config/wg0.conf` lists it: the block the image (and the operator) write for `peer_<id>`. */
export interface ServerPeer {
  readonly name: string;
  readonly publicKey: string;
  readonly allowedIps: readonly string[];
}

export function serverPeersOf(wg0Conf: string): ServerPeer[] {
  return parseSections(wg0Conf)
    .filter((section) => section.header === 'Peer')
    .map((section) => ({
      name: section.comments[0] ?? '',
      publicKey: section.entries['PublicKey'] ?? '',
      allowedIps: splitList(section.entries['AllowedIPs']),
    }));
}

/** The tunnel addresses of these peers (the /32 of each one's AllowedIPs). */
export function addressesOf(peers: readonly ServerPeer[]): Set<string> {
  const addresses = new Set<string>();
  for (const peer of peers) {
    for (const cidr of peer.allowedIps) if (cidr.endsWith('/32')) addresses.add(cidr.slice(0, -3));
  }
  return addresses;
}

/**
 * Gefyra 2's `providerConfig` from `peer_<id>.conf` and the peer's public
 * key: flat `<Section>.<Key>` keys, as the 2.5 client reads them (contract §3).
 * Undefined when the file lacks a field.
 */
export function connectionOf(peerConf: string, publicKey: string): PeerConnection | undefined {
  const fields: Record<string, string | undefined> = { 'Interface.PublicKey': publicKey.trim() };
  for (const section of parseSections(peerConf)) {
    for (const [key, value] of Object.entries(section.entries)) fields[`${section.header}.${key}`] ??= value;
  }
  const address = fields['Interface.Address'];
  if (address !== undefined) fields['Interface.Address'] = stripMask(address);
  const connection = Object.fromEntries(PROVIDER_CONFIG_KEYS.map((key) => [key, fields[key] ?? '']));
  return Object.values(connection).some((value) => value === '') ? undefined : (connection as PeerConnection);
}

/**
 * `wg`'s human output, as Gefyra 2 shows it in `status.wireguard`: per peer
 * its endpoint, allowed ips, latest handshake and transfer; the lines a peer
 * without a handshake lacks are left out.
 */
export function parseWgShow(output: string): Map<string, PeerWireGuardStatus> {
  const peers = new Map<string, PeerWireGuardStatus>();
  let current: { -readonly [K in keyof PeerWireGuardStatus]: PeerWireGuardStatus[K] } | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const at = line.indexOf(':');
    if (at < 0) continue;
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (key === 'interface') current = undefined;
    else if (key === 'peer') {
      current = { public_key: value, allowed_ips: [] };
      peers.set(value, current);
    } else if (current && key === 'endpoint') {
      const split = value.lastIndexOf(':');
      current.endpoint = { host: value.slice(0, split).replace(/^\[|\]$/g, ''), port: Number(value.slice(split + 1)) };
    } else if (current && key === 'allowed ips') current.allowed_ips = value === '(none)' ? [] : splitList(value);
    else if (current && key === 'latest handshake') current.latest_handshake = value;
    else if (current && key === 'transfer') current.transfer = value;
  }
  return peers;
}

const splitList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');

const stripMask = (address: string): string => address.split('/')[0] ?? address;
