#!/bin/sh
# One session per client (docs/streams.md), release build, loopback:
#   - goodput of one 100 MB download (STREAMS_BENCH_MB) from nginx-light:
#     direct, through dust client --socks / dust server --exit, and
#     through dust client -s / dust server -t (the fixed target; with
#     OLD_DUST, its -s / -t too), with
#     bench/models/uniform-bulk.json (a flow high enough not to cap it);
#   - N (STREAMS_BENCH_N, default 8) parallel downloads of 8 MiB through
#     dust client -s: the sessions and Dust connections they used, from
#     the programs' logs and SIGUSR1 counters; with OLD_DUST=PATH (a dust
#     built before the streams) the same for it, side by side.
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
MODEL=bench/models/uniform-bulk.json

PN=$(free_port)
mkdir -p "$T/www" "$T/tmp"
head -c $((MB * 1000000)) /dev/urandom > "$T/www/big.bin"
head -c $((8 << 20)) /dev/urandom > "$T/www/8m.bin"
chmod 755 "$T"
cat > "$T/nginx.conf" <<NGINX
user root root;
daemon off;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $T/tmp/cb; proxy_temp_path $T/tmp/px;
    fastcgi_temp_path $T/tmp/fc; uwsgi_temp_path $T/tmp/uw;
    scgi_temp_path $T/tmp/sc;
    server { listen 127.0.0.1:$PN; root $T/www; }
}
NGINX
spawn nginx /usr/sbin/nginx -c "$T/nginx.conf" -p "$T"
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
	spawn "c$2" "$1" client -F -v $4 "[127.0.0.1]:$CP" -i "$T/invite"
	wait_port "$SP"; wait_port "$CP"
}
stop() {
	eval "kill \$PID_s$1 \$PID_c$1"
	sleep 0.5
}

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

# parallel BIN TAG: N parallel 8 MiB downloads through -s / -t.
parallel() {
	start "$1" "$2" "-t [127.0.0.1]:$PN" -s
	s0=$(date +%s.%N)
	i=0 curls=
	while [ $i -lt "$N" ]; do
		curl -sS -m 600 -o "$T/p$i" \
		    --connect-to "::127.0.0.1:$CP" "http://127.0.0.1:$PN/8m.bin" &
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
		cmp -s "$T/p$i" "$T/www/8m.bin" && ok=$((ok + 1))
		i=$((i + 1))
	done
	echo "  $2: $ok of $N intact in $(echo "$s1 - $s0" | bc) s;" \
	    "$sess sessions (server log), $conns Dust connections (client)"
	stop "$2"
}
echo "$N parallel downloads of 8 MiB through dust client -s:"
parallel "$D" streams
if [ -n "${OLD_DUST:-}" ]; then
	parallel "$OLD_DUST" before
fi
