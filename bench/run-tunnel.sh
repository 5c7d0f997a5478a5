#!/bin/sh
# The tunnel side by side with obfs4proxy (iat-mode 0), spiped and plain
# TCP on loopback, release build, in one run:
#   - goodput: 200 MB up, then 200 MB down, through one connection of each
#     (dust with bench/models/uniform-bulk.json, uniform content, and
#     http-bulk.json, the content and packet lengths of real bulk HTTP
#     learned from models/capture/http-bulk.sh; both with a flow high
#     enough not to cap goodput; and the built-in tls and ssh, real TLS
#     1.3 records or SSH packets sent on demand, with their wire bytes
#     per application byte);
#   - set-up latency: median time of 20 fresh connections each sending 1
#     byte to the target and getting 1 back (dust: with the built-in
#     uniform and http models, whose packet rates set it);
#   - the same through dust pt, the Tor Pluggable Transport, in the
#     harness obfs4proxy runs in (SOCKS5 with the bridge's arguments);
#   - memory per idle Dust connection and connections held by one server
#     (bench/models/idle.json; TUNNEL_BENCH_CONNS, default 10000, with
#     ulimit -n raised).
#
#   sh bench/run-tunnel.sh [BUILD]      (default build/)
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
D="$BUILD/bin/dust"
[ -x "$D" ] || { echo "run-tunnel: build first (make)"; exit 1; }
cd "$ROOT"
DUST_ROOT="$ROOT" DUST_BIN="$BUILD/bin" . tests/lib.sh
PY=/usr/bin/python3
X="$PY bench/tunnel_xfer.py"
MB=${TUNNEL_BENCH_MB:-200}
N=$((MB * 1000000))
CONNS=${TUNNEL_BENCH_CONNS:-10000}

TP=$(free_port)
spawn sink $X sink "$TP"
wait_port "$TP"
"$D" keygen -k "$T/key" > /dev/null

# rate SECONDS: MB/s for $N bytes.
rate() { awk -v s="$1" -v n="$N" 'BEGIN { printf "%.1f", n / s / 1e6 }'; }
# latency ADDR [SOCKS...]: median of 20 pings, in ms.
latency() {
	i=0; : > "$T/lat"
	while [ $i -lt 20 ]; do
		$X run "$@" >> "$T/lat"; i=$((i + 1))
	done
	sort -n "$T/lat" | sed -n 10p | awk '{ printf "%.1f", $1 * 1000 }'
}
# measure NAME ADDR [SOCKS...]: a table row.
measure() {
	name=$1; shift
	addr=$1; shift
	up=$($X run "$addr" U "$N" "$@")
	down=$($X run "$addr" D "$N" "$@")
	lat=$(latency "$addr" P 1 "$@")
	echo "$name $(rate "$up") $(rate "$down") $lat" >> "$T/rows"
}
: > "$T/rows"

# Plain TCP.
measure tcp "127.0.0.1:$TP"

# spiped.
dd if=/dev/urandom of="$T/spiped.key" bs=32 count=1 2>/dev/null
P1=$(free_port); P2=$(free_port)
spawn spiped_d spiped -F -d -s "[127.0.0.1]:$P2" -t "[127.0.0.1]:$TP" \
    -k "$T/spiped.key"
spawn spiped_e spiped -F -e -s "[127.0.0.1]:$P1" -t "[127.0.0.1]:$P2" \
    -k "$T/spiped.key"
wait_port "$P1"; wait_port "$P2"
measure spiped "127.0.0.1:$P1"

# obfs4proxy, standalone managed transports (as models/capture/obfs4.sh).
if command -v obfs4proxy > /dev/null; then
	OP=$(free_port)
	mkdir -p "$T/osrv" "$T/ocli"
	spawn obfs4_server env TOR_PT_MANAGED_TRANSPORT_VER=1 \
	    TOR_PT_STATE_LOCATION="$T/osrv" TOR_PT_SERVER_TRANSPORTS=obfs4 \
	    TOR_PT_SERVER_BINDADDR="obfs4-127.0.0.1:$OP" \
	    TOR_PT_SERVER_TRANSPORT_OPTIONS="obfs4:iat-mode=0" \
	    TOR_PT_ORPORT="127.0.0.1:$TP" obfs4proxy
	spawn obfs4_client env TOR_PT_MANAGED_TRANSPORT_VER=1 \
	    TOR_PT_STATE_LOCATION="$T/ocli" TOR_PT_CLIENT_TRANSPORTS=obfs4 \
	    obfs4proxy
	wait_port "$OP"
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
	measure obfs4proxy "$SOCKS" "$OU" "$OPW" "127.0.0.1:$OP"
else
	echo "obfs4proxy is not installed (apt-get install -y obfs4proxy)"
fi

# dust_start MODEL: start a server and a client; the client's port in CP.
dust_start() {
	SP=$(free_port); CP=$(free_port)
	"$D" invite -k "$T/key" -a "127.0.0.1:$SP" -m "$1" > "$T/invite"
	spawn dserver "$D" server -F -s "[127.0.0.1]:$SP" \
	    -t "[127.0.0.1]:$TP" -k "$T/key" -i "$T/invite"
	spawn dclient "$D" client -F -s "[127.0.0.1]:$CP" -i "$T/invite"
	wait_port "$SP"; wait_port "$CP"
}
dust_stop() { kill "$PID_dserver" "$PID_dclient"; sleep 0.3; }
# A session's connections send cover until their durations end: each
# figure gets fresh processes so that none competes with the last one's.
# Set-up latency uses the built-in uniform model (20 packets a second),
# since a Dust connection's first bytes wait for the model's packets.
dust_measure() {
	m=$1
	dust_start "bench/models/$m.json"
	up=$($X run "127.0.0.1:$CP" U "$N")
	dust_stop
	dust_start "bench/models/$m.json"
	down=$($X run "127.0.0.1:$CP" D "$N")
	dust_stop
	dust_start "$2"
	lat=$(latency "127.0.0.1:$CP" P 1)
	dust_stop
	echo "dust-$m $(rate "$up") $(rate "$down") $lat($2)" >> "$T/rows"
}
dust_measure uniform-bulk uniform
dust_measure http-bulk http

# The built-in tls and ssh models: real TLS 1.3 records (SSH binary
# packets) carrying the stream, sent on demand (docs/protocol.md, "The
# TLS format", "The SSH format").  Wire overhead: the server's wire bytes
# out per application byte out for the download, from its counters
# (SIGUSR1), in OVER_tls and OVER_ssh.
format_measure() {
	dust_start "$1"
	up=$($X run "127.0.0.1:$CP" U "$N")
	dust_stop
	dust_start "$1"
	down=$($X run "127.0.0.1:$CP" D "$N")
	kill -USR1 "$PID_dserver"; sleep 0.3
	dust_stop
	eval "OVER_$1=$(sed -n 's/.*wire bytes out \([0-9]*\) in [0-9]*; real bytes out \([0-9]*\) in.*/\1 \2/p' \
	    "$T/dserver.log" | tail -n 1 | awk '$2 > 0 { printf "%.4f", $1 / $2 }')"
	dust_start "$1"
	lat=$(latency "127.0.0.1:$CP" P 1)
	dust_stop
	echo "dust-$1 $(rate "$up") $(rate "$down") $lat($1)" >> "$T/rows"
}
format_measure tls
format_measure ssh

# dust pt, the same harness as obfs4proxy: both managed transports
# started as tor starts them (stdin not watched), the bridge's arguments
# from its SMETHOD line in the SOCKS5 username and password.  The bench
# models are "installed" for both (DUST_MODEL_DIR=bench/models).
# pt_start MODEL: start both; the SOCKS port in PSOCKS, the bridge's
# address in PADDR, the arguments split in PU and PPW.
pt_start() {
	PP=$(free_port)
	rm -rf "$T/psrv" "$T/pcli"
	spawn pt_server env DUST_MODEL_DIR="$ROOT/bench/models" \
	    TOR_PT_MANAGED_TRANSPORT_VER=1 TOR_PT_STATE_LOCATION="$T/psrv" \
	    TOR_PT_SERVER_TRANSPORTS=dust \
	    TOR_PT_SERVER_BINDADDR="dust-127.0.0.1:$PP" \
	    TOR_PT_SERVER_TRANSPORT_OPTIONS="dust:model=$1" \
	    TOR_PT_ORPORT="127.0.0.1:$TP" "$D" pt
	spawn pt_client env DUST_MODEL_DIR="$ROOT/bench/models" \
	    TOR_PT_MANAGED_TRANSPORT_VER=1 TOR_PT_STATE_LOCATION="$T/pcli" \
	    TOR_PT_CLIENT_TRANSPORTS=dust "$D" pt
	i=0
	until grep -q '^SMETHODS DONE' "$T/pt_server.log" &&
	    grep -q '^CMETHODS DONE' "$T/pt_client.log"; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "dust pt did not start"
		sleep 0.1
	done
	PSOCKS=$(sed -n 's/^CMETHOD dust socks5 //p' "$T/pt_client.log")
	PADDR="127.0.0.1:$PP"
	ARGS=$(sed -n 's/^SMETHOD dust [^ ]* ARGS://p' "$T/pt_server.log" |
	    tr , ';')
	HALF=$(( ${#ARGS} / 2 ))
	PU=$(printf %s "$ARGS" | cut -c1-$HALF)
	PPW=$(printf %s "$ARGS" | cut -c$((HALF + 1))-)
}
pt_stop() { kill "$PID_pt_server" "$PID_pt_client"; sleep 0.3; }
pt_measure() {
	pt_start "$1"
	up=$($X run "$PSOCKS" U "$N" "$PU" "$PPW" "$PADDR")
	pt_stop
	pt_start "$1"
	down=$($X run "$PSOCKS" D "$N" "$PU" "$PPW" "$PADDR")
	pt_stop
	pt_start "$2"
	lat=$(latency "$PSOCKS" P 1 "$PU" "$PPW" "$PADDR")
	pt_stop
	echo "dust-pt-$1 $(rate "$up") $(rate "$down") $lat($2)" >> "$T/rows"
}
pt_measure uniform-bulk uniform
pt_measure http-bulk http
pt_measure tls tls

echo "| path | up MB/s | down MB/s | set-up + 1-byte round trip, median of 20 (ms) |"
echo "| --- | ---: | ---: | ---: |"
awk '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$T/rows"
echo
O=$(awk '$1 == "obfs4proxy" { print ($2 + $3) / 2 }' "$T/rows")
if [ -n "$O" ]; then
	for m in uniform-bulk http-bulk tls ssh pt-uniform-bulk pt-http-bulk \
	    pt-tls; do
		awk -v o="$O" -v m="dust-$m" '$1 == m {
		    printf "%s / obfs4proxy goodput (mean of up and down): %.2fx\n",
		    m, ($2 + $3) / 2 / o }' "$T/rows"
	done
	echo "(goals: uniform >= 1.2x, http >= 0.6x, tls >= 1.5x; ssh: none set)"
fi
[ -z "${OVER_tls:-}" ] || echo "dust-tls wire bytes per application byte, ${MB} MB down: $OVER_tls (goal <= 1.03)"
[ -z "${OVER_ssh:-}" ] || echo "dust-ssh wire bytes per application byte, ${MB} MB down: $OVER_ssh"
echo

# Memory and capacity: a server holding $CONNS idle Dust connections.
# (The server and the holder are separate processes, each needs CONNS.)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((CONNS + 200)) ] || {
	echo "ulimit -n is $(ulimit -n): capacity figure skipped"; exit 0; }
SP=$(free_port)
"$D" invite -k "$T/key" -a "127.0.0.1:$SP" -m bench/models/idle.json \
    > "$T/idle.invite"
spawn server-idle "$D" server -F -n $((CONNS + 100)) \
    -s "[127.0.0.1]:$SP" -t "[127.0.0.1]:$TP" -k "$T/key" -i "$T/idle.invite"
wait_port "$SP"
set -- $($PY bench/tunnel_hold.py "$SP" "$CONNS" "$PID_server_idle")
held=$2; before=$3; after=$4
echo "| idle Dust connections held by one server | $held (asked $CONNS) |"
echo "| server memory before / after | $before KiB / $after KiB |"
awk -v b="$before" -v a="$after" -v n="$held" 'BEGIN {
    printf "| memory per idle connection | %.1f KiB |\n", (a - b) / n }'
