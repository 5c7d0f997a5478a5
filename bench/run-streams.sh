#!/bin/sh
# One session per client (docs/streams.md), release build, loopback:
#   - goodput of one 100 MB download (STREAMS_BENCH_MB) from nginx-light:
#     direct, through dust client --socks / dust server --exit, and
#     through dust client -s / dust server -t (the fixed target; with
#     OLD_DUST, its -s / -t too), with
#     bench/models/uniform-bulk.json (a flow high enough not to cap it);
#   - N (STREAMS_BENCH_N, default 8) parallel downloads of
#     STREAMS_BENCH_KB KiB (default 8192) through dust client -s: the
#     sessions and Dust connections they used, from the programs' logs and
#     SIGUSR1 counters; with OLD_DUST=PATH (a dust built before the
#     streams) the same for it, side by side.  STREAMS_BENCH_MODEL sets
#     the model (default bench/models/uniform-bulk.json),
#     STREAMS_BENCH_CLIENT_ARGS more options of both clients (e.g. -c 8);
#     with STREAMS_BENCH_MB=0 the goodput part is left out;
#   - time to the first byte of a new application connection: the median
#     of 20 connections each sending 1 byte to bench/tunnel_xfer.py's sink
#     and getting 1 back, direct and through dust client -s (a warm
#     session: one connection before the 20) with the built-in models
#     uniform and http (STREAMS_BENCH_LAT_MODELS); with OLD_DUST, each
#     connection there is a new session on a new Dust connection.
#
#   sh bench/run-streams.sh [BUILD]      (default build/)
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
D="$BUILD/bin/dust"
[ -x "$D" ] || { echo "run-streams: build first (make)"; exit 1; }
[ -x /usr/sbin/nginx ] || { echo "run-streams: needs nginx-light"; exit 1; }
cd "$ROOT"
DUST_ROOT="$ROOT" DUST_BIN="$BUILD/bin" . tests/lib.sh
PY=/usr/bin/python3
MB=${STREAMS_BENCH_MB:-100}
N=${STREAMS_BENCH_N:-8}
KB=${STREAMS_BENCH_KB:-8192}
MODEL=${STREAMS_BENCH_MODEL:-bench/models/uniform-bulk.json}

PN=$(free_port)
mkdir -p "$T/www" "$T/tmp"
head -c $((MB * 1000000)) /dev/urandom > "$T/www/big.bin"
head -c $((KB * 1024)) /dev/urandom > "$T/www/par.bin"
chmod 755 "$T"
start_www "listen 127.0.0.1:$PN;"
wait_port "$PN"
"$D" keygen -k "$T/key" > /dev/null

# get URL [CURL ARGS...]: download URL, print its seconds.
get() {
	url=$1; shift
	curl -sS -m 600 "$@" -o /dev/null -w '%{time_total}\n' "$url"
}
# rate SECONDS: MB/s for $MB MB.
rate() { awk -v s="$1" -v n="$MB" 'BEGIN { printf "%.1f", n / s }'; }

# start BIN TAG SERVER_ARGS CLIENT_MODE: a dust server and client.
start() {
	SP=$(free_port); CP=$(free_port)
	"$1" invite -k "$T/key" -a "127.0.0.1:$SP" -m "$MODEL" > "$T/invite"
	# shellcheck disable=SC2086
	spawn "s$2" "$1" server -F -v -s "[127.0.0.1]:$SP" $3 -k "$T/key" \
	    -i "$T/invite"
	# shellcheck disable=SC2086
	spawn "c$2" "$1" client -F -v ${STREAMS_BENCH_CLIENT_ARGS:-} $4 \
	    "[127.0.0.1]:$CP" -i "$T/invite"
	wait_port "$SP"; wait_port "$CP"
}
stop() {
	eval "kill \$PID_s$1 \$PID_c$1"
	sleep 0.5
}

if [ "$MB" -gt 0 ]; then
echo "goodput, one download of $MB MB (MB/s):"
t=$(get "http://127.0.0.1:$PN/big.bin")
echo "  direct                        $(rate "$t")"
start "$D" socks "--exit --allow 127.0.0.1/32" --socks
t=$(get "http://127.0.0.1:$PN/big.bin" --socks5 "127.0.0.1:$CP")
echo "  dust --socks / --exit         $(rate "$t")"
stop socks
start "$D" fixed "-t [127.0.0.1]:$PN" -s
t=$(get "http://127.0.0.1:$PN/big.bin" --connect-to "::127.0.0.1:$CP")
echo "  dust -s / -t (fixed target)   $(rate "$t")"
stop fixed
if [ -n "${OLD_DUST:-}" ]; then
	start "$OLD_DUST" oldfixed "-t [127.0.0.1]:$PN" -s
	t=$(get "http://127.0.0.1:$PN/big.bin" --connect-to "::127.0.0.1:$CP")
	echo "  OLD_DUST -s / -t              $(rate "$t")"
	stop oldfixed
fi
fi

# parallel BIN TAG: N parallel 8 MiB downloads through -s / -t.
parallel() {
	start "$1" "$2" "-t [127.0.0.1]:$PN" -s
	s0=$(date +%s.%N)
	i=0 curls=
	while [ $i -lt "$N" ]; do
		curl -sS -m 600 -o "$T/p$i" \
		    --connect-to "::127.0.0.1:$CP" "http://127.0.0.1:$PN/par.bin" &
		curls="$curls $!"
		i=$((i + 1))
	done
	for p in $curls; do wait "$p" || true; done
	s1=$(date +%s.%N)
	sleep 1
	eval "kill -USR1 \$PID_c$2"
	sleep 0.5
	sess=$(grep -c "session #[0-9]*: opened" "$T/s$2.log" || true)
	conns=$(grep "connections [0-9]* open" "$T/c$2.log" | tail -1 |
	    sed 's/.*connections \([0-9]*\) open.*/\1/')
	ok=0; i=0
	while [ $i -lt "$N" ]; do
		cmp -s "$T/p$i" "$T/www/par.bin" && ok=$((ok + 1))
		i=$((i + 1))
	done
	echo "  $2: $ok of $N intact in $(echo "$s1 - $s0" | bc) s;" \
	    "$sess sessions (server log), $conns Dust connections (client)"
	stop "$2"
}
echo "$N parallel downloads of $KB KiB through dust client -s ($MODEL):"
parallel "$D" streams
if [ -n "${OLD_DUST:-}" ]; then
	parallel "$OLD_DUST" before
fi

# Time to the first byte of a new application connection.
XF="$PY bench/tunnel_xfer.py"
XP=$(free_port)
spawn xsink $XF sink "$XP"
wait_port "$XP"
# ping ADDR: median of 20 fresh connections' 1-byte round trips, in ms.
ping() {
	i=0; : > "$T/lat"
	while [ $i -lt 20 ]; do
		$XF run "$1" P 1 >> "$T/lat"; i=$((i + 1))
	done
	sort -n "$T/lat" | sed -n 10p | awk '{ printf "%.1f", $1 * 1000 }'
}
echo "a new connection's first byte back (median of 20, ms):"
echo "  direct TCP                    $(ping "127.0.0.1:$XP")"
for m in ${STREAMS_BENCH_LAT_MODELS:-uniform http}; do
	MODEL=$m
	start "$D" "lat$m" "-t [127.0.0.1]:$XP" -s
	$XF run "127.0.0.1:$CP" P 1 > /dev/null
	printf '  %-30s%s\n' "dust -m $m, warm session" "$(ping "127.0.0.1:$CP")"
	stop "lat$m"
	if [ -n "${OLD_DUST:-}" ]; then
		start "$OLD_DUST" "oldlat$m" "-t [127.0.0.1]:$XP" -s
		printf '  %-30s%s\n' "OLD_DUST -m $m" "$(ping "127.0.0.1:$CP")"
		stop "oldlat$m"
	fi
done
