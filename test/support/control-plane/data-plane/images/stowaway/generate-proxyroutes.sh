#!/bin/bash
# Stowaway's stand-in for generate-proxyroutes.sh <dir>: every file in the
# mounted route ConfigMap is one route, `<destinationIP>:<destinationPort>,<proxyPort>`;
# nginx listens on the proxy port and forwards through the tunnel. The whole
# route set is rewritten on each run, then nginx reloads (exit 1 when the
# result does not parse, as with the real one).
set -e
dir=${1:?usage: generate-proxyroutes.sh <dir>}
out=/etc/nginx/stream.d/proxyroutes.conf
next=$(mktemp)
for file in "$dir"/*; do
  [ -f "$file" ] || continue
  # A ConfigMap value has no final newline: read then reports end of file, having read the line.
  IFS=, read -r destination proxyPort < "$file" || [ -n "$proxyPort" ]
  echo "server { listen $proxyPort; proxy_pass $destination; }" >> "$next"
done
mv "$next" "$out"
nginx -s reload
