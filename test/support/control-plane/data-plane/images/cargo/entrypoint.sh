#!/bin/bash
# The developer's machine as Cargo: the client end of the WireGuard tunnel,
# configured from the gefyra-cargo-connection Secret (passed in the
# environment). Traffic for the developer's Docker network arrives through the
# tunnel and is forwarded to the app container there (the namespace is set up
# to forward); the app container answers through Cargo, its default gateway.
set -euo pipefail
WG_PROCESS_FOREGROUND=1 wireguard-go wg0 &
for _ in $(seq 1 100); do [ -S /run/wireguard/wg0.sock ] && break; sleep 0.05; done
umask 077
echo "$INTERFACE_PRIVATE_KEY" > /run/privatekey
psk=()
if [ -n "${PEER_PRESHARED_KEY:-}" ]; then echo "$PEER_PRESHARED_KEY" > /run/presharedkey; psk=(preshared-key /run/presharedkey); fi
wg set wg0 private-key /run/privatekey \
  peer "$PEER_PUBLIC_KEY" "${psk[@]}" endpoint "$PEER_ENDPOINT" allowed-ips "$PEER_ALLOWED_IPS" persistent-keepalive 21
ip addr add "$INTERFACE_ADDRESS/24" dev wg0
ip link set wg0 up
wait
