# Carrier's stand-in for setroute.sh <containerPort> <upstream host:port>,
# with the real script's semantics: it appends to the stream block every time
# (twice for one port leaves a duplicate upstream, and from then on every
# reload fails) and reports only what `nginx -s reload` reports (a port nginx
# cannot bind is logged by the master, not by this script).
sed -i "s/^stream {/stream {\n    upstream stowaway-$1 {server $2;}\n    server {listen $1; proxy_pass stowaway-$1;}/" /etc/nginx/nginx.conf
nginx -s reload
