#!/bin/sh
# proxymux + proxymuxd against direct TCP, side by side in one run on
# loopback (release build), with curl and nginx-light:
#  - download throughput of a 256 MiB file (MiB/s, best of 3 each way);
#  - time per request for 200 sequential 1 KiB requests, each on a new
#    connection (the SOCKS exchange and the open over the link included).
# proxymuxd runs with -r 0: only onward writes are paced, and a download's
# onward part is its request.
#
#   sh bench/run-proxy.sh [BUILD]     (default build/)
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
DUST_BIN="$BUILD/bin"
[ -x "$DUST_BIN/proxymux" ] || { echo "run-proxy: build first (make)"; exit 1; }
[ -x /usr/sbin/nginx ] || { echo "run-proxy: nginx-light not installed"; exit 0; }
cd "$ROOT"
DUST_ROOT="$ROOT" . tests/lib.sh
PY=/usr/bin/python3

PN=$(free_port); PD=$(free_port); PS=$(free_port)
mkdir -p "$T/www" "$T/tmp"
head -c $((256 << 20)) /dev/zero > "$T/www/big"
head -c 1024 /dev/zero > "$T/www/small"
chmod 755 "$T"
start_www "listen 127.0.0.1:$PN;"
spawn proxymuxd "$DUST_BIN/proxymuxd" -F -s "[127.0.0.1]:$PD" -r 0 \
    --allow 127.0.0.1/32
spawn proxymux "$DUST_BIN/proxymux" -F -s "[127.0.0.1]:$PS" \
    -t "[127.0.0.1]:$PD"
wait_port "$PN"; wait_port "$PD"; wait_port "$PS"
sleep 0.3

# best URL CURLARGS...: best download speed of 3, in MiB/s.
best() {
	url=$1; shift
	for i in 1 2 3; do
		curl -s -o /dev/null -w '%{speed_download}\n' "$@" "$url"
	done | sort -n | tail -1 | awk '{printf "%.0f", $1 / 1048576}'
}
d=$(best "http://127.0.0.1:$PN/big")
p=$(best "http://127.0.0.1:$PN/big" --socks5 "127.0.0.1:$PS")
echo "download 256 MiB: direct $d MiB/s, proxymux+proxymuxd $p MiB/s," \
    "ratio $($PY -c "print('%.2f' % ($p / $d))")"

# per_request CURLARGS...: mean ms per request over 200 new connections.
per_request() {
	urls=""
	for i in $(seq 200); do
		urls="$urls -o /dev/null http://127.0.0.1:$PN/small"
	done
	# shellcheck disable=SC2086
	curl -s -H 'Connection: close' -w '%{time_total}\n' "$@" $urls |
	    awk '{s += $1} END {printf "%.3f", s * 1000 / NR}'
}
d=$(per_request)
p=$(per_request --socks5 "127.0.0.1:$PS")
echo "200 requests of 1 KiB, new connection each: direct $d ms," \
    "proxymux+proxymuxd $p ms per request, ratio" \
    "$($PY -c "print('%.2f' % ($p / $d))")"
echo "RSS after: proxymux $(awk '/VmRSS/{print $2}' /proc/$PID_proxymux/status) KiB," \
    "proxymuxd $(awk '/VmRSS/{print $2}' /proc/$PID_proxymuxd/status) KiB"
