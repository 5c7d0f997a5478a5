#!/bin/sh
# Capture TLS 1.3 (HTTPS) between curl and nginx (on loopback, or over a
# path with $PATH_DELAY_MS: common.sh):
#   sh models/capture/tls.sh OUT.pcap [CONNECTIONS]
#   build/bin/dust model learn OUT.pcap --port PORT -o models/tls-learned.json
# Each connection is one curl run (a new TLS 1.3 handshake, no resumption)
# that keeps the connection alive like a browser, as http.sh does (browse
# in common.sh): 1 to 6 requests for pages or blobs of the web root,
# drawn with the seed $HTTP_SEED.  A connection of one request sends 215
# bytes after the ServerHello, at the limit of what a tunnel's link needs
# (docs/models.md); with more requests a connection has bytes to spare.
OUT=${1:?usage: tls.sh OUT.pcap [CONNECTIONS]}
N=${2:-200}
. "$(dirname "$0")/common.sh"
[ -x /usr/sbin/nginx ] || skip "nginx is not installed"

make_www "$T/www"
PORT=$(free_port)
start_nginx "$PORT" ssl
start_tcpdump "$PORT"
browse_pages "https://localhost:$PORT" "$N" -k --tlsv1.3 \
    --resolve "localhost:$PORT:$SRV"
stop_tcpdump
echo "port $PORT"
