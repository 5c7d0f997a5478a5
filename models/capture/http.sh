#!/bin/sh
# Capture HTTP/1.1 between curl and nginx on loopback (or over an emulated
# path, $PATH_DELAY_MS in common.sh), to learn a model:
#   sh models/capture/http.sh OUT.pcap [CONNECTIONS]
#   build/bin/dust model learn OUT.pcap --port PORT -o models/http-learned.json
# (the port is printed).  Each connection is one curl run that keeps the
# connection alive like a browser (browse in common.sh): 1 to 6 requests
# for random pages or blobs of the web root (120 B to 200 kB), drawn with
# the seed $HTTP_SEED; HTTP_PARALLEL and HTTP_THINK_MS load them as pages
# (browse_pages in common.sh).
OUT=${1:?usage: http.sh OUT.pcap [CONNECTIONS]}
N=${2:-200}
. "$(dirname "$0")/common.sh"
[ -x /usr/sbin/nginx ] || skip "nginx is not installed"

make_www "$T/www"
PORT=$(free_port)
start_nginx "$PORT"
start_tcpdump "$PORT"
browse_pages "http://$SRV:$PORT" "$N"
stop_tcpdump
echo "port $PORT"
