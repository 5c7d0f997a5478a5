#!/bin/sh
# Capture TLS 1.3 (HTTPS) between curl and nginx (on loopback, or over a
# path with $PATH_DELAY_MS: common.sh):
#   sh models/capture/tls.sh OUT.pcap [CONNECTIONS]
#   build/bin/dust model learn OUT.pcap --port PORT -o models/tls-learned.json
# Each connection is one curl run (new TLS 1.3 handshake, no resumption):
# a GET of a random page or blob of the web root, 120 B to 200 kB.
OUT=${1:?usage: tls.sh OUT.pcap [CONNECTIONS]}
N=${2:-200}
. "$(dirname "$0")/common.sh"
[ -x /usr/sbin/nginx ] || skip "nginx is not installed"

make_www "$T/www"
PORT=$(free_port)
start_nginx "$PORT" ssl
start_tcpdump "$PORT"
i=0
while [ $i -lt "$N" ]; do
	$AT_CLIENT curl -s -k --tlsv1.3 -o /dev/null \
	    "https://localhost:$PORT/$(pick_file)" \
	    --resolve "localhost:$PORT:$SRV" || fail "curl failed"
	i=$((i + 1))
done
stop_tcpdump
echo "port $PORT"
