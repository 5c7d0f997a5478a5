#!/bin/sh
# Capture HTTP/1.1 between curl and nginx on loopback (or over an emulated
# path, $PATH_DELAY_MS in common.sh), to learn a model:
#   sh models/capture/http.sh OUT.pcap [CONNECTIONS]
#   build/bin/dust model learn OUT.pcap --port PORT -o models/http-learned.json
# (the port is printed).  Each connection is one curl run that keeps the
# connection alive like a browser (browse in common.sh): 1 to 6 requests
# for random pages or blobs of the web root (120 B to 200 kB), drawn with
# the seed $HTTP_SEED.  With HTTP_PARALLEL=P (default 1) the client
# loads "pages" as a browser does: P connections at once, then a pause
# (think time) of 0 to HTTP_THINK_MS ms (default 0) drawn by the same
# generator before the next P, so that the capture holds a host's
# connection process (the model's "hosts" object: start gaps, connections
# at once) as well as its connections.
OUT=${1:?usage: http.sh OUT.pcap [CONNECTIONS]}
N=${2:-200}
. "$(dirname "$0")/common.sh"
[ -x /usr/sbin/nginx ] || skip "nginx is not installed"

make_www "$T/www"
PORT=$(free_port)
start_nginx "$PORT"
start_tcpdump "$PORT"
P=${HTTP_PARALLEL:-1}
THINK=${HTTP_THINK_MS:-0}
i=0
while [ $i -lt "$N" ]; do
	j=0
	pids=""
	while [ $j -lt "$P" ] && [ $i -lt "$N" ]; do
		if [ "$P" -eq 1 ]; then
			browse "http://$SRV:$PORT" "$i" || fail "curl failed"
		else
			# Its own draws: the page's connections differ.
			r=$((r + i))
			browse "http://$SRV:$PORT" "$i" > /dev/null &
			pids="$pids $!"
		fi
		i=$((i + 1))
		j=$((j + 1))
	done
	for pid in $pids; do
		wait "$pid" || fail "curl failed"
	done
	if [ "$THINK" -gt 0 ]; then
		rand
		sleep "$(awk -v ms=$((R % (THINK + 1))) 'BEGIN { printf "%.3f", ms / 1000 }')"
	fi
done
stop_tcpdump
echo "port $PORT"
