#!/bin/bash
# Stowaway 2.x's stand-in for the 2.5 image's start with PEERS "0": server
# keys and wg0.conf in /config, .donoteditthisfile recording the parameters,
# and wg0 up (wireguard-go, in user space) listening on 51820. Peers are the
# operator's to add and remove live, with its scripts (ADR 13). Then nginx, and
# the proxy routes' watcher: generate-proxyroutes.sh at start and whenever the
# mounted route ConfigMap changes (the image's inotifywait; here a 1 s poll of
# the files' names and contents).
set -euo pipefail
subnet=${INTERNAL_SUBNET:-192.168.99.0}
prefix=${subnet%.*}
mkdir -p /config/server /run/wireguard
umask 077
[ -s /config/server/privatekey-server ] || wg genkey > /config/server/privatekey-server
wg pubkey < /config/server/privatekey-server > /config/server/publickey-server
printf '[Interface]\nAddress = %s.1\nListenPort = 51820\nPrivateKey = %s\n\n' "$prefix" "$(cat /config/server/privatekey-server)" > /config/wg0.conf
printf 'ORIG_PEERS="%s"\nORIG_SERVERPORT="%s"\nORIG_PEERDNS="%s"\nORIG_INTERFACE="%s"\n' "${PEERS:-0}" "${SERVERPORT:-31820}" "${PEERDNS:-auto}" "$subnet" > /config/.donoteditthisfile

# Stops on SIGTERM as the real image's init does: bash as a container's PID 1
# would ignore it and be killed only when the pod's grace period ends.
trap 'kill $(jobs -p) 2>/dev/null || true; wait; exit 0' TERM
WG_PROCESS_FOREGROUND=1 wireguard-go wg0 &
for _ in $(seq 1 100); do [ -S /run/wireguard/wg0.sock ] && break; sleep 0.05; done
wg set wg0 listen-port 51820 private-key /config/server/privatekey-server
ip addr add "$prefix.1/24" dev wg0
ip link set wg0 up
nginx -g 'daemon off;' &
for _ in $(seq 1 100); do [ -s /tmp/nginx.pid ] && break; sleep 0.05; done
routes() { for file in /stowaway/proxyroutes/*; do [ -f "$file" ] && echo "$file=$(cat "$file")"; done; true; }
(
  seen=$(routes)
  bash /generate-proxyroutes.sh /stowaway/proxyroutes/ || true
  while sleep 1; do
    now=$(routes)
    if [ "$now" != "$seen" ]; then seen=$now; bash /generate-proxyroutes.sh /stowaway/proxyroutes/ || true; fi
  done
) &
touch /run/wireguard/ready
wait
