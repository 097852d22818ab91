/**
 * How the Gefyra 2.5.4 client reads what the operator stores, in its own
 * terms (client-reads.md, 2.5.4): custom resources are plain dicts, read by
 * hard index (`obj["x"]`, a KeyError when missing) or by `.get` (None when
 * missing, and Python formats None as the text `None`).
 */

/** The Python client's `KeyError`: a hard index on a missing key. */
export class KeyError extends Error {}

const isDict = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `dict.get(key)`: the literal key, None (undefined) when missing; on a non-dict it raises, as Python's AttributeError would. */
export function pyGet(dict: unknown, key: string): unknown {
  if (!isDict(dict)) throw new TypeError(`.get("${key}") on ${JSON.stringify(dict)}, which is no dict`);
  return dict[key];
}

/** `dict[key]`: the literal key, KeyError when missing. */
export function pyIndex(dict: unknown, key: string): unknown {
  if (!isDict(dict) || !(key in dict)) throw new KeyError(`KeyError: '${key}'`);
  return dict[key];
}

/** `f"{value}"`: None prints as `None`. */
export const pyFormat = (value: unknown): string => (value === undefined || value === null ? 'None' : String(value));

/**
 * The `[Interface]`/`[Peer]` file the 2.5 client writes to
 * `~/.gefyra/<conn>.conf` from a GefyraClient as stored (types/client.py:146-158,342-378;
 * local/cargo.py:54-73): `providerConfig` parsed only for provider `stowaway`,
 * each value by `providerConfig.get("<Section>.<Key>")` on the flat object;
 * the endpoint is the one of its client file, AllowedIPs and the keepalive
 * are its own. Undefined where the client raises "Could not get provider
 * config for client" (no providerConfig).
 */
export function clientWireGuardFile(
  gefyraClient: unknown,
  clientFileEndpoint: string,
  mtu = '1340',
): string | undefined {
  if (pyGet(gefyraClient, 'provider') !== 'stowaway') return undefined;
  const config = pyGet(gefyraClient, 'providerConfig');
  if (config === undefined || config === null) return undefined;
  const field = (key: string) => pyFormat(pyGet(config, key));
  return [
    '[Interface]',
    `Address = ${field('Interface.Address')}`,
    `PrivateKey = ${field('Interface.PrivateKey')}`,
    `DNS = ${field('Interface.DNS')}`,
    `MTU = ${mtu}`,
    '',
    '[Peer]',
    `PublicKey = ${field('Peer.PublicKey')}`,
    `PresharedKey = ${field('Peer.PresharedKey')}`,
    `Endpoint = ${clientFileEndpoint}`,
    'AllowedIPs = 0.0.0.0/0',
    'PersistentKeepalive = 21',
    '',
  ].join('\n');
}

/** The values the client parses from `providerConfig` but does not write into its file: each must still be there for `.get`. */
export const PROVIDER_CONFIG_READ_UNUSED = ['Interface.ListenPort', 'Peer.AllowedIPs', 'Peer.Endpoint'] as const;
