# Shared by the capture scripts (models/capture/*.sh): source it after
# setting OUT (the capture file to write) and N (connections).  It reuses
# tests/lib.sh (scratch folder $T, spawn, free_port, wait_port, cleanup of
# every process started) and adds a web root and tcpdump control.
: "${DUST_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$DUST_ROOT/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "capturing on lo needs root"
[ -x /usr/bin/tcpdump ] || skip "tcpdump is not installed"

# The network between the client's programs and the server's: loopback,
# or, with $PATH_DELAY_MS set, two network namespaces joined by
# tests/tools/netpath (one-way delay $PATH_DELAY_MS ms, MTU 1500, real-time
# scheduled with -R so that its jitter stays near 50 us on a busy
# machine; with $PATH_RATE_MBIT also a link of that rate each way), so
# that TCP sees a round trip and 1448-byte segments as on a real path.  Run a client's program as `$AT_CLIENT prog`, a server's as
# `$AT_SERVER prog` (empty on loopback); the server's address is $SRV;
# tcpdump captures on $CAP_IF, beside the client (where a censor near its
# users would look).
SRV=127.0.0.1
CAP_IF=lo
AT_CLIENT=""
AT_SERVER=""
if [ -n "${PATH_DELAY_MS:-}" ]; then
	NETPATH=${NETPATH:-$DUST_ROOT/build/tests/tools/netpath}
	[ -x "$NETPATH" ] || skip "no $NETPATH (make tests)"
	NS_C=dustc$$
	NS_S=dusts$$
	ip netns add "$NS_C" && ip netns add "$NS_S" ||
		skip "cannot make network namespaces"
	trap 'cleanup; ip netns del "$NS_C"; ip netns del "$NS_S"' EXIT INT TERM
	spawn netpath "$NETPATH" -R -d "$PATH_DELAY_MS" \
	    ${PATH_RATE_MBIT:+-r "$PATH_RATE_MBIT"} \
	    "$NS_C" 10.77.0.1 "$NS_S" 10.77.0.2
	i=0
	until grep -q "netpath: ready" "$T/netpath.log"; do
		i=$((i + 1))
		[ $i -lt 50 ] || fail "netpath: $(cat "$T/netpath.log")"
		sleep 0.1
	done
	SRV=10.77.0.2
	CAP_IF=np0
	AT_CLIENT="ip netns exec $NS_C"
	AT_SERVER="ip netns exec $NS_S"
fi

# make_www DIR: files of varied sizes and kinds: text pages (from the
# licence texts) and binary blobs (random: compressed or encrypted media).
make_www() {
	mkdir -p "$1"
	chmod 755 "$T" "$1"	# nginx's workers run as nobody.
	cat /usr/share/common-licenses/* > "$T/text"
	i=0
	for size in 120 300 700 1200 2500 4000 6000 9000 14000 20000 \
	    30000 45000 64000 90000 130000 200000; do
		head -c "$size" "$T/text" > "$1/page$i.html"
		head -c "$size" /dev/urandom > "$1/blob$i.bin"
		i=$((i + 1))
	done
	NFILES=$i
}

# pick_file: print a path of the web root, chosen at random.
pick_file() {
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	if [ $((r % 3)) -eq 0 ]; then k=blob; else k=page; fi
	echo "$k$(( (r / 3) % NFILES )).$([ $k = blob ] && echo bin || echo html)"
}

# rand: the next value 0..32767 (in $R) of a fixed-seed linear
# congruential generator, seeded by $HTTP_SEED (POSIX sh has no seeded
# $RANDOM).
r=${HTTP_SEED:-1}
rand() {
	r=$(( (r * 1103515245 + 12345) % 2147483648 ))
	R=$(( r / 65536 ))
}

# browse BASE I [CURL_OPTION...]: connection number I as a browser keeps
# it alive: one curl run of k requests (k from 1 to 6, drawn by rand) on
# one connection to the URL BASE, for random pages or blobs of the web
# root, the last of them one time in five a POST of a small form (curl
# --next on the same connection), with one of a few User-Agent strings,
# and "Host: www.example.com" as a browser sends it for a site on the
# default port (so that the capture's random port does not show in the
# requests: two captures would differ by its digits alone).  Each request
# gets the CURL_OPTIONs (--next resets them).
browse() {
	base=$1
	conn=$2
	shift 2
	case $((conn % 4)) in
	0) ua="curl/7.88.1" ;;
	1) ua="Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0" ;;
	2) ua="Wget/1.21.3" ;;
	3) ua="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36" ;;
	esac
	rand
	k=$((1 + R % 6))
	nopt=$#
	j=0
	while [ $j -lt "$k" ]; do
		[ $j -eq 0 ] || set -- "$@" --next
		# The per-request options: the first $nopt arguments, again.
		o=0
		for a in "$@"; do
			[ $o -lt "$nopt" ] || break
			set -- "$@" "$a"
			o=$((o + 1))
		done
		set -- "$@" -s -o /dev/null -A "$ua" -H "Host: www.example.com"
		if [ $((conn % 5)) -eq 4 ] && [ $((j + 1)) -eq "$k" ]; then
			set -- "$@" -d "name=user$conn&text=hello+world+$conn" \
			    "$base/post"
		else
			set -- "$@" "$base/$(pick_file)"
		fi
		j=$((j + 1))
	done
	shift "$nopt"
	$AT_CLIENT curl "$@"
}

# browse_pages BASE N [CURL_OPTION...]: N connections (browse BASE I
# CURL_OPTION... for I = 0..N-1), one after another; with HTTP_PARALLEL=P
# (default 1) as a browser loads pages: P connections at once, then a
# pause (think time) of 0 to HTTP_THINK_MS ms (default 0) drawn by rand
# before the next P, so that the capture holds a host's connection
# process (a model's "hosts" object: start gaps, connections at once) as
# well as its connections.  Each parallel connection draws on from a seed
# of its own.
browse_pages() {
	_base=$1
	_n=$2
	shift 2
	_p=${HTTP_PARALLEL:-1}
	_think=${HTTP_THINK_MS:-0}
	_i=0
	while [ $_i -lt "$_n" ]; do
		_j=0
		_pids=""
		while [ $_j -lt "$_p" ] && [ $_i -lt "$_n" ]; do
			if [ "$_p" -eq 1 ]; then
				browse "$_base" "$_i" "$@" || fail "curl failed"
			else
				r=$((r + _i))
				browse "$_base" "$_i" "$@" > /dev/null &
				_pids="$_pids $!"
			fi
			_i=$((_i + 1))
			_j=$((_j + 1))
		done
		for _pid in $_pids; do
			wait "$_pid" || fail "curl failed"
		done
		if [ "$_think" -gt 0 ]; then
			rand
			sleep "$(awk -v ms=$((R % (_think + 1))) \
			    'BEGIN { printf "%.3f", ms / 1000 }')"
		fi
	done
}

# start_tcpdump PORT: capture TCP port PORT on $CAP_IF into $OUT, with a
# 32 MiB buffer (with the default 2 MiB, tcpdump missed about one segment
# in 70 of the tunnel's bursts over netpath, which doubles a gap).  tcpdump says
# "listening" a little before its filter sees packets: UDP datagrams to
# the port (no TCP connection, so no part of any model) probe until one is
# in the file.
start_tcpdump() {
	rm -f "$OUT"
	spawn tcpdump $AT_CLIENT tcpdump -Z root -B 32768 -i "$CAP_IF" -U \
	    --immediate-mode -w "$OUT" \
	    "port $1"
	i=0
	until [ "$(stat -c %s "$OUT" 2>/dev/null || echo 0)" -gt 24 ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "tcpdump did not start: $(cat "$T/tcpdump.log")"
		$AT_CLIENT /usr/bin/python3 -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"probe",
    (sys.argv[2], int(sys.argv[1])))' "$1" "$SRV"
		sleep 0.1
	done
}

# stop_tcpdump: let the last packets in, then end the capture.
stop_tcpdump() {
	sleep 0.5
	kill "$PID_tcpdump"
	wait "$PID_tcpdump" 2>/dev/null || true
	echo "$(basename "$0"): $(grep -h 'packets captured' "$T/tcpdump.log") -> $OUT"
}

# start_nginx PORT [SSL]: nginx serving $T/www on $SRV:PORT, over TLS
# (a throwaway self-signed certificate, or the one in $TLS_DIR) if SSL is
# "ssl".
start_nginx() {
	listen="$SRV:$1"
	tls=""
	if [ "${2:-}" = ssl ]; then
		# $TLS_DIR (if set) keeps one certificate for several captures:
		# a fresh one per capture changes the length of the server's
		# first flight by a byte or so (its ECDSA signature), which a
		# classifier then finds between two captures of the same thing.
		if [ -n "${TLS_DIR:-}" ] && [ -s "$TLS_DIR/cert.pem" ]; then
			cp "$TLS_DIR/key.pem" "$TLS_DIR/cert.pem" "$T/"
		else
			openssl req -x509 -newkey ec \
			    -pkeyopt ec_paramgen_curve:P-256 -nodes \
			    -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
			    -subj "/CN=localhost" 2>/dev/null
			[ -z "${TLS_DIR:-}" ] ||
				cp "$T/key.pem" "$T/cert.pem" "$TLS_DIR/"
		fi
		listen="$listen ssl"
		tls="ssl_certificate $T/cert.pem; ssl_certificate_key $T/key.pem; ssl_protocols TLSv1.3;"
	fi
	cat > "$T/nginx.conf" <<EOC
daemon off;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $T/nginx-tmp;
	server { listen $listen; root $T/www; $tls
		location /post { return 200 "ok\n"; }
		location /upload/ { dav_methods PUT; client_max_body_size 0; } }
}
EOC
	spawn nginx $AT_SERVER /usr/sbin/nginx -c "$T/nginx.conf" -p "$T"
	wait_port "$1" 10 "$AT_SERVER"
}
