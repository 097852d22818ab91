#!/bin/bash
# The developer's app container in their Docker network (`gefyra run`, or the
# container `gefyra bridge` sends traffic to): an HTTP server for each
# destination port, answering with a body that names the machine and the port.
set -euo pipefail
for port in $SERVE_PORTS; do
  mkdir -p "/www/$port"
  echo "developer's machine: port $port" > "/www/$port/index.html"
  busybox httpd -f -p "$port" -h "/www/$port" &
done
wait
