#!/bin/sh
# Dust's protocol formats against obfs4proxy (iat-mode 0) and plain TCP
# over an emulated path: two network namespaces joined by
# tests/tools/netpath, 20 ms each way and 100 Mbit/s each way (MTU 1500),
# in one run, release build:
#   - goodput of a 100 MB download through one session of the built-in tls
#     and ssh models, through obfs4proxy, and over TCP (the path's own);
#   - wire bytes per application byte of dust's download (the server's
#     counters, SIGUSR1);
#   - time to the first byte of a new application connection: for dust a
#     new stream in a warm session (the client connected already), for
#     obfs4proxy a new connection (what it always is), for TCP a new
#     connection to the sink; the median of 10, after one to warm up.
#
#   sh bench/run-path.sh [BUILD]    (default build/; needs root and netns)
# PATH_BENCH_MB, PATH_BENCH_DELAY (ms one way), PATH_BENCH_RATE (Mbit/s)
# change the size and the path.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
D="$BUILD/bin/dust"
NP="$BUILD/tests/tools/netpath"
[ -x "$D" ] && [ -x "$NP" ] || { echo "run-path: build first (make, make tests)"; exit 1; }
cd "$ROOT"
DUST_ROOT="$ROOT" DUST_BIN="$BUILD/bin" . tests/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "run-path: network namespaces need root: skipped"; exit 0; }
PY=/usr/bin/python3
X="$PY bench/tunnel_xfer.py"
MB=${PATH_BENCH_MB:-100}
N=$((MB * 1000000))
DELAY=${PATH_BENCH_DELAY:-20}
RATE=${PATH_BENCH_RATE:-100}
C=dbc$$
S=dbs$$
ip netns add "$C" && ip netns add "$S" ||
	{ echo "run-path: cannot make network namespaces: skipped"; exit 0; }
trap 'cleanup; ip netns del "$C"; ip netns del "$S"' EXIT INT TERM
AT_C="ip netns exec $C"
AT_S="ip netns exec $S"
CA=10.78.0.1
SA=10.78.0.2
spawn netpath "$NP" -R -d "$DELAY" -r "$RATE" "$C" "$CA" "$S" "$SA"
i=0
until grep -q "netpath: ready" "$T/netpath.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "netpath: $(cat "$T/netpath.log")"
	sleep 0.1
done
$AT_C ip link set lo up
$AT_S ip link set lo up

TP=$(free_port)
spawn sink $AT_S $X sink "$TP" "$SA"
sleep 0.5

# rate SECONDS: MB/s for $N bytes.
rate() { awk -v s="$1" -v n="$N" 'BEGIN { printf "%.1f", n / s / 1e6 }'; }
# ttfb ADDR [SOCKS...]: one to warm up, then the median of 10, in ms.
ttfb() {
	$AT_C $X run "$@" > /dev/null
	i=0; : > "$T/lat"
	while [ $i -lt 10 ]; do
		$AT_C $X run "$@" >> "$T/lat"; i=$((i + 1))
	done
	sort -n "$T/lat" | sed -n 5p | awk '{ printf "%.1f", $1 * 1000 }'
}
: > "$T/rows"

# TCP over the path.
down=$($AT_C $X run "$SA:$TP" D "$N")
echo "tcp $(rate "$down") - $(ttfb "$SA:$TP" P 1)" >> "$T/rows"

# obfs4proxy: the server in the server's namespace, the client in the
# client's, as bench/run-tunnel.sh starts them.
if command -v obfs4proxy > /dev/null; then
	OP=$(free_port)
	mkdir -p "$T/osrv" "$T/ocli"
	spawn obfs4_server $AT_S env TOR_PT_MANAGED_TRANSPORT_VER=1 \
	    TOR_PT_STATE_LOCATION="$T/osrv" TOR_PT_SERVER_TRANSPORTS=obfs4 \
	    TOR_PT_SERVER_BINDADDR="obfs4-$SA:$OP" \
	    TOR_PT_SERVER_TRANSPORT_OPTIONS="obfs4:iat-mode=0" \
	    TOR_PT_ORPORT="$SA:$TP" obfs4proxy
	spawn obfs4_client $AT_C env TOR_PT_MANAGED_TRANSPORT_VER=1 \
	    TOR_PT_STATE_LOCATION="$T/ocli" TOR_PT_CLIENT_TRANSPORTS=obfs4 \
	    obfs4proxy
	i=0
	until [ -s "$T/osrv/obfs4_bridgeline.txt" ] &&
	    grep -q '^CMETHOD obfs4' "$T/obfs4_client.log"; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "obfs4proxy did not start"
		sleep 0.1
	done
	CERT=$(sed -n 's/.*cert=\([^ ]*\).*/\1/p' "$T/osrv/obfs4_bridgeline.txt" | tail -n 1)
	SOCKS=$(sed -n 's/^CMETHOD obfs4 socks5 //p' "$T/obfs4_client.log")
	ARGS="cert=$CERT;iat-mode=0"
	HALF=$(( ${#ARGS} / 2 ))
	OU=$(printf %s "$ARGS" | cut -c1-$HALF)
	OPW=$(printf %s "$ARGS" | cut -c$((HALF + 1))-)
	down=$($AT_C $X run "$SOCKS" D "$N" "$OU" "$OPW" "$SA:$OP")
	echo "obfs4proxy $(rate "$down") - $(ttfb "$SOCKS" P 1 "$OU" "$OPW" \
	    "$SA:$OP")" >> "$T/rows"
	kill "$PID_obfs4_server" "$PID_obfs4_client"
else
	echo "obfs4proxy is not installed (apt-get install -y obfs4proxy)"
fi

# dust MODEL: a server in the server's namespace, a client in the
# client's; the download, its wire bytes per byte, and the first byte of
# a new stream in the warm session.
"$D" keygen -k "$T/key" > /dev/null
dust_row() {
	SP=$(free_port); CP=$(free_port)
	"$D" invite -k "$T/key" -a "$SA:$SP" -m "$1" > "$T/invite"
	spawn dserver $AT_S "$D" server -F -s "$SA:$SP" -t "$SA:$TP" \
	    -k "$T/key" -i "$T/invite"
	spawn dclient $AT_C "$D" client -F -s "127.0.0.1:$CP" -i "$T/invite"
	sleep 0.5
	down=$($AT_C $X run "127.0.0.1:$CP" D "$N")
	kill -USR1 "$PID_dserver"; sleep 0.3
	over=$(sed -n 's/.*wire bytes out \([0-9]*\) in [0-9]*; real bytes out \([0-9]*\) in.*/\1 \2/p' \
	    "$T/dserver.log" | tail -n 1 | awk '$2 > 0 { printf "%.4f", $1 / $2 }')
	echo "dust-$1 $(rate "$down") $over $(ttfb "127.0.0.1:$CP" P 1)" >> "$T/rows"
	kill "$PID_dserver" "$PID_dclient"; sleep 0.3
}
dust_row tls
dust_row ssh

echo "Over netpath: ${DELAY} ms each way, ${RATE} Mbit/s each way, MTU 1500; ${MB} MB down."
echo
echo "| path | down MB/s | wire bytes per byte | first byte of a new connection, median of 10 (ms) |"
echo "| --- | ---: | ---: | ---: |"
awk '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$T/rows"
echo
O=$(awk '$1 == "obfs4proxy" { print $2 }' "$T/rows")
if [ -n "$O" ]; then
	for m in tls ssh; do
		awk -v o="$O" -v m="dust-$m" '$1 == m {
		    printf "%s / obfs4proxy goodput: %.2fx\n", m, $2 / o }' \
		    "$T/rows"
	done
	echo "(goals: >= 0.9x; wire bytes per byte <= 1.1; first byte <= obfs4proxy's)"
fi
