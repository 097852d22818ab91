#!/bin/bash
# Stowaway 2.x's generate-proxyroutes.sh <dir> (the 2.5 image's, with what
# Debian's nginx needs besides: the stream module loaded, root as its user):
# nginx.conf is written afresh, one stream server per file of the mounted
# route ConfigMap (`<destinationIP>:<localPort>,<proxyPort>`), then nginx
# reloads. Running it again with the same files changes nothing.
set -e
DEFAULT_CONF_FILE="/etc/nginx/nginx.conf"
INPUT_DIRECTORY=$1
cat > $DEFAULT_CONF_FILE <<'CONF'
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
user root;
worker_processes  1;
error_log  stderr notice;
pid        /tmp/nginx.pid;

events {
    worker_connections  1024;
}
CONF
echo "stream {" >> $DEFAULT_CONF_FILE
echo "Reading in: $INPUT_DIRECTORY"
for filename in $(ls $INPUT_DIRECTORY); do
  echo "Generating $filename ..."
  route=($(cat $INPUT_DIRECTORY/$filename | tr "," " "))
  printf '  server {\n    listen %s;\n    proxy_pass %s;\n  }\n' "${route[1]}" "${route[0]}" >> $DEFAULT_CONF_FILE
done
echo "}" >> $DEFAULT_CONF_FILE
nginx -s reload
