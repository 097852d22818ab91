/**
 * The two scripts the operator runs in Stowaway's container (`bash -c <script>
 * <name> <args...>`) to change one peer without restarting anything. Each
 * leaves `/config` as the image's own init would have written it for the new
 * PEERS (keys and peer files under `/config/<peer>/`, the peer's block in
 * `wg0.conf`, `ORIG_PEERS` in `.donoteditthisfile`), so that a later restart
 * regenerates nothing and brings every peer back from `wg0.conf`, and
 * applies the change to the running interface with `wg set` and routes.
 * Both are idempotent: running one again after a lost answer is harmless.
 * `$CONFIG_DIR` exists for the script's own test; in the image it is /config.
 */

/** `$0` of the add script, by which the simulator recognises it. */
export const ADD_PEER_SCRIPT_NAME = 'gefyra-peer-add';
export const REMOVE_PEER_SCRIPT_NAME = 'gefyra-peer-remove';

const COMMON = String.raw`set -eu
config="${'$'}{CONFIG_DIR:-/config}"
# The block of a peer in wg0.conf starts at [Peer] and names the peer in its first comment.
drop_block() {
  awk -v marker="# $1" '
    function flush() { if (block != "" && !skip) printf "%s", block; block = ""; skip = 0 }
    /^\[/ { flush() }
    { block = block $0 "\n"; if ($0 == marker) skip = 1 }
    END { flush() }' "$config/wg0.conf"
}
block_field() {
  awk -v marker="# $1" -v field="$2" '/^\[/ { inside = 0 } $0 == marker { inside = 1 } inside && $1 == field { print $3 }' "$config/wg0.conf"
}
set_orig_peers() {
  touch "$config/.donoteditthisfile"
  if grep -q '^ORIG_PEERS=' "$config/.donoteditthisfile"; then
    sed -i "s|^ORIG_PEERS=.*|ORIG_PEERS=\"$1\"|" "$config/.donoteditthisfile"
  else
    echo "ORIG_PEERS=\"$1\"" >> "$config/.donoteditthisfile"
  fi
}
`;

/** Args: peer name, address, client subnet, DNS, endpoint, the new PEERS. Prints nothing on success. */
export const ADD_PEER_SCRIPT = String.raw`${COMMON}
name="$1"; address="$2"; subnet="$3"; dns="$4"; endpoint="$5"; peers="$6"
dir="$config/$name"
umask 077
mkdir -p "$dir"
[ -s "$dir/privatekey-$name" ] || wg genkey > "$dir/privatekey-$name"
wg pubkey < "$dir/privatekey-$name" > "$dir/publickey-$name"
[ -s "$dir/presharedkey-$name" ] || wg genpsk > "$dir/presharedkey-$name"
public="$(cat "$dir/publickey-$name")"
cat > "$dir/$name.conf" <<CONF
[Interface]
Address = $address
PrivateKey = $(cat "$dir/privatekey-$name")
ListenPort = 51820
DNS = $dns

[Peer]
PublicKey = $(cat "$config/server/publickey-server")
PresharedKey = $(cat "$dir/presharedkey-$name")
Endpoint = $endpoint
AllowedIPs = 0.0.0.0/0
CONF
previous="$(block_field "$name" PublicKey)"
old_ips="$(block_field "$name" AllowedIPs)"
drop_block "$name" > "$config/wg0.conf.next"
cat >> "$config/wg0.conf.next" <<CONF
[Peer]
# $name
PublicKey = $public
PresharedKey = $(cat "$dir/presharedkey-$name")
AllowedIPs = $address/32,$subnet

CONF
mv "$config/wg0.conf.next" "$config/wg0.conf"
set_orig_peers "$peers"
if [ -n "$previous" ] && [ "$previous" != "$public" ]; then wg set wg0 peer "$previous" remove; fi
for cidr in $(echo "$old_ips" | tr ',' ' '); do
  if [ "$cidr" != "$address/32" ] && [ "$cidr" != "$subnet" ]; then ip -4 route del "$cidr" dev wg0 2>/dev/null || true; fi
done
wg set wg0 peer "$public" preshared-key "$dir/presharedkey-$name" allowed-ips "$address/32,$subnet"
ip -4 route replace "$address/32" dev wg0
ip -4 route replace "$subnet" dev wg0
`;

/** Args: peer name, the new PEERS. */
export const REMOVE_PEER_SCRIPT = String.raw`${COMMON}
name="$1"; peers="$2"
dir="$config/$name"
public="$(block_field "$name" PublicKey)"
if [ -z "$public" ] && [ -s "$dir/publickey-$name" ]; then public="$(cat "$dir/publickey-$name")"; fi
old_ips="$(block_field "$name" AllowedIPs)"
drop_block "$name" > "$config/wg0.conf.next"
mv "$config/wg0.conf.next" "$config/wg0.conf"
rm -rf "$dir"
set_orig_peers "$peers"
if [ -n "$public" ]; then wg set wg0 peer "$public" remove; fi
for cidr in $(echo "$old_ips" | tr ',' ' '); do ip -4 route del "$cidr" dev wg0 2>/dev/null || true; done
`;

export const addPeerCommand = (args: {
  readonly name: string;
  readonly address: string;
  readonly subnet: string;
  readonly dns: string;
  readonly endpoint: string;
  readonly peers: string;
}): string[] => [
  'bash',
  '-c',
  ADD_PEER_SCRIPT,
  ADD_PEER_SCRIPT_NAME,
  args.name,
  args.address,
  args.subnet,
  args.dns,
  args.endpoint,
  args.peers,
];

export const removePeerCommand = (name: string, peers: string): string[] => [
  'bash',
  '-c',
  REMOVE_PEER_SCRIPT,
  REMOVE_PEER_SCRIPT_NAME,
  name,
  peers,
];
