/**
 * The developer's Docker network as the real clients use it: `gefyra up`
 * (0.13) passes its CIDR to the operator as GEFYRA_PEER_SUBNET, and a
 * bridge's `destinationIP` is the app container's address in it (0.13.4
 * `api/bridge.py`: `NetworkSettings.Networks.gefyra.IPAddress`). Cargo, the
 * WireGuard peer, sits in the same network and is the app container's gateway.
 */
export const CLIENT_NETWORK = {
  subnet: '172.18.0.0/16',
  // 0.13.4 `local/cargo.py`: get_cargo_ip_from_netaddress, the network's .149; the app container points its default route at it (cargo/patchContainerGateway.sh).
  cargoAddress: '172.18.0.149',
  appAddress: '172.18.0.3',
} as const;

/** The operator's environment as `gefyra up` sets the network part of it. */
export const CLIENT_PEER_SUBNET_ENV = { GEFYRA_PEER_SUBNET: CLIENT_NETWORK.subnet } as const;
