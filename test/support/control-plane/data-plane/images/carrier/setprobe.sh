# Carrier's stand-in for setprobe.sh <port>: answers every HTTP request on the
# port with 200, appended to the http block as the real script does.
sed -i "s/^http {/http {\n    server {listen $1 default; location \/ {return 200;}}/" /etc/nginx/nginx.conf
nginx -s reload
