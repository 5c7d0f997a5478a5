#!/bin/sh
# Capture HTTP/1.1 between curl and nginx on loopback (or over an emulated
# path, $PATH_DELAY_MS in common.sh), to learn a model:
#   sh models/capture/http.sh OUT.pcap [CONNECTIONS]
#   build/bin/dust model learn OUT.pcap --port PORT -o models/http-learned.json
# (the port is printed).  Each connection is one curl run that keeps the
# connection alive like a browser: k requests (k from 1 to 6, drawn by a
# fixed-seed generator, $HTTP_SEED) for random pages or blobs of the web
# root (120 B to 200 kB), the last of them one time in five a POST of a
# small form (curl --next on the same connection), with one of a few
# User-Agent strings, and "Host: www.example.com" as a browser sends it
# for a site on port 80 (so that the capture's random port does not show
# in the requests: two captures would differ by its digits alone).
OUT=${1:?usage: http.sh OUT.pcap [CONNECTIONS]}
N=${2:-200}
. "$(dirname "$0")/common.sh"
[ -x /usr/sbin/nginx ] || skip "nginx is not installed"

make_www "$T/www"
PORT=$(free_port)
start_nginx "$PORT"
start_tcpdump "$PORT"
# rand: the next value 0..32767 of a fixed-seed linear congruential
# generator (POSIX sh has no seeded $RANDOM).
r=${HTTP_SEED:-1}
rand() {
	r=$(( (r * 1103515245 + 12345) % 2147483648 ))
	R=$(( r / 65536 ))
}
i=0
while [ $i -lt "$N" ]; do
	case $((i % 4)) in
	0) ua="curl/7.88.1" ;;
	1) ua="Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0" ;;
	2) ua="Wget/1.21.3" ;;
	3) ua="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36" ;;
	esac
	rand
	k=$((1 + R % 6))
	set --
	j=0
	while [ $j -lt "$k" ]; do
		if [ $((i % 5)) -eq 4 ] && [ $((j + 1)) -eq "$k" ]; then
			[ $j -eq 0 ] || set -- "$@" --next
			set -- "$@" -s -o /dev/null -A "$ua" \
			    -H "Host: www.example.com" \
			    -d "name=user$i&text=hello+world+$i" \
			    "http://$SRV:$PORT/post"
		else
			set -- "$@" -s -o /dev/null -A "$ua" \
			    -H "Host: www.example.com" \
			    "http://$SRV:$PORT/$(pick_file)"
		fi
		j=$((j + 1))
	done
	$AT_CLIENT curl "$@" || fail "curl failed"
	i=$((i + 1))
done
stop_tcpdump
echo "port $PORT"
