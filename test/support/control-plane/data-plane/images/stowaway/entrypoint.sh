#!/bin/bash
# Stowaway's stand-in for the image's start: a WireGuard server on 51820/UDP
# (wireguard-go, in user space: no kernel module is needed) with one peer,
# nginx for the proxy routes, and the peer's configuration written last, to
# /config/peer1/peer1.conf, which is what makes the pod Ready. Keys are new in
# every container instance (the real image keeps them in /config, which
# Gefyra does not put on a volume either).
set -euo pipefail
subnet=${INTERNAL_SUBNET:-192.168.99.0}
prefix=${subnet%.*}
peer_networks=${SERVER_ALLOWEDIPS_PEER_1:-0.0.0.0/0}
mkdir -p /config/server /config/peer1 /etc/nginx/stream.d /run/wireguard
umask 077
wg genkey > /config/server/privatekey
wg pubkey < /config/server/privatekey > /config/server/publickey
wg genkey > /config/peer1/privatekey
wg pubkey < /config/peer1/privatekey > /config/peer1/publickey

# Stops on SIGTERM as the real image's init does: bash as a container's PID 1
# would ignore it and be killed only when the pod's grace period ends.
trap 'kill $(jobs -p) 2>/dev/null || true; wait; exit 0' TERM
WG_PROCESS_FOREGROUND=1 wireguard-go wg0 &
for _ in $(seq 1 100); do [ -S /run/wireguard/wg0.sock ] && break; sleep 0.05; done
wg set wg0 listen-port 51820 private-key /config/server/privatekey \
  peer "$(cat /config/peer1/publickey)" allowed-ips "$prefix.2/32,$peer_networks"
ip addr add "$prefix.1/24" dev wg0
ip link set wg0 up
# What the image's wg-quick does with the peer's AllowedIPs: the client's
# network (SERVER_ALLOWEDIPS_PEER_1, the operator's GEFYRA_PEER_SUBNET) is
# routed into the tunnel, so the proxy reaches the app container behind Cargo.
# wg-quick's policy routing for a default route (0.0.0.0/0, when the client
# names no network) is not reproduced: the tier always names one.
for cidr in ${peer_networks//,/ }; do
  case "$cidr" in */0) ;; *) ip route add "$cidr" dev wg0 ;; esac
done

nginx -g 'daemon off;' &

cat > /config/peer1/peer1.conf.next <<PEER
[Interface]
Address = $prefix.2
PrivateKey = $(cat /config/peer1/privatekey)
ListenPort = 51820
DNS = $prefix.1

[Peer]
PublicKey = $(cat /config/server/publickey)
Endpoint = $SERVERURL:$SERVERPORT
AllowedIPs = 0.0.0.0/0
PEER
mv /config/peer1/peer1.conf.next /config/peer1/peer1.conf
wait
