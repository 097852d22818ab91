/**
 * A developer's Docker network as the real clients lay it out: `gefyra up`
 * (0.13) passes its CIDR to the operator as GEFYRA_PEER_SUBNET and 2.x sets it
 * as the GefyraClient's providerParameter.subnet; a bridge's `destinationIP` is
 * the app container's address in it (0.13.4 `api/bridge.py`:
 * `NetworkSettings.Networks.gefyra.IPAddress`). Cargo, the WireGuard peer, sits
 * in the same network at its .149 (`local/cargo.py`:
 * get_cargo_ip_from_netaddress) and is the app container's default gateway
 * (`cargo/patchContainerGateway.sh`). For a /16 like Docker's own pools.
 */
export function clientNetwork(subnet: string): {
  readonly subnet: string;
  readonly cargoAddress: string;
  readonly appAddress: string;
} {
  const prefix = subnet.split('.').slice(0, 3).join('.');
  return { subnet, cargoAddress: `${prefix}.149`, appAddress: `${prefix}.3` };
}

/** The 0.13 client's network `gefyra` on a machine whose Docker handed it 172.18.0.0/16. */
export const CLIENT_NETWORK = clientNetwork('172.18.0.0/16');

/** The operator's environment as `gefyra up` sets the network part of it. */
export const CLIENT_PEER_SUBNET_ENV = { GEFYRA_PEER_SUBNET: CLIENT_NETWORK.subnet } as const;
