#!/bin/sh
# One session per client (issue #17; docs/streams.md): curl through
# `dust client --socks` and `dust server --exit` (tests/models/rotate.json:
# uniform content, Dust connections of 1.5 to 2.5 s) to nginx-light on
# loopback, all real.  Checked:
#   1. $N parallel downloads of 8 MiB (seeded bytes), by IPv4 address, by
#      IPv6 address and by names the server resolves (localhost from its
#      hosts file; web.test from a DNS server the test starts, which the
#      client's host never asks), each checked by sha256;
#   2. meanwhile, $NCLOSE streams to a destination that closes each at
#      once (half with a FIN, half with a reset) each get reply 00 then
#      their close, and disturb nothing;
#   3. all of it went through ONE session: one "session #1: opened" in
#      each log, no other session, none aborted; the Dust connections it
#      used are counted (SIGUSR1);
#   4. denied destinations get SOCKS reply 02 (a private network,
#      loopback beyond --allow, a port --ports leaves out, a name that
#      resolves to a private address), and with strace (if installed) the
#      server made no connect() to any of them;
#   5. malformed SOCKS requests (tests/integration/proxy/socks_bad.py)
#      get their reply or a close, the client stays up; a download after
#      all that, on the same session;
#   6. the fixed target (-t, beside --exit on the same server) through a
#      second client (-s): nginx closes an idle keep-alive connection
#      (keepalive_timeout 1s) and the next request, on a new connection,
#      is answered in the same session, none aborted;
#   7. clean SIGTERM exits (ASan: a leak makes the status non-zero).
. tests/lib.sh
. tests/tunnel_lib.sh
command -v curl > /dev/null || skip "curl not installed"
[ -x /usr/sbin/nginx ] || skip "nginx-light not installed"
H=tests/integration/streams
N=${STREAMS_N:-8}
NCLOSE=20

PN=$(free_port); PNS=$(free_port); PCL=$(free_port); PDNS=$(free_port)
mkdir -p "$T/www" "$T/tmp"
$PY -c 'import random,sys; sys.stdout.buffer.write(random.Random(17).randbytes(8 << 20))' > "$T/www/8m.bin"
WANT=$(sha256sum < "$T/www/8m.bin" | cut -d' ' -f1)
chmod 755 "$T"
start_www "listen 127.0.0.1:$PN; listen [::1]:$PN; keepalive_timeout 1s;" \
    "listen 127.0.0.1:$PNS; keepalive_timeout 1s;"
spawn dns $PY tests/integration/proxy/dns.py "$PDNS"
spawn closer $PY "$H/closer.py" "$PCL"
printf 'nameserver 127.0.0.1:%s\n' "$PDNS" > "$T/resolv.conf"
wait_port "$PN"; wait_port "$PCL"

# The server: an exit only (no -t), loopback allowed, $PNS left out of
# --ports; under strace if there is one.
tunnel_invite tests/models/rotate.json
STRACE=
if command -v strace > /dev/null; then
	# LeakSanitizer cannot run under ptrace: leaks are checked elsewhere.
	STRACE="env ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=connect -e signal=none -o $T/connects"
fi
lo=$((PNS - 1)) hi=$((PNS + 1))
spawn server $STRACE "$D" server -F -v -s "[127.0.0.1]:$SP" --exit \
    -t "[127.0.0.1]:$PN" \
    -k "$T/key" -i "$T/invite" --allow 127.0.0.1/32 --allow ::1/128 \
    --ports "80,1024-$lo,$hi-65535" --resolv-conf "$T/resolv.conf" \
    --timeout 5
wait_port "$SP"
SPID=$PID_server
if [ -n "$STRACE" ]; then
	SPID=$(pgrep -P "$PID_server" -x dust) ||
	    fail "dust server is not running under strace"
	PIDS="$SPID $PIDS"
fi
CP=$(free_port)
spawn client "$D" client -F -v --socks "[127.0.0.1]:$CP" -i "$T/invite" \
    --linger 600000
wait_port "$CP"

# get NAME URL: download through the tunnel into $T/NAME.
get() {
	curl -sS -m 120 --socks5-hostname "127.0.0.1:$CP" -o "$T/$1" "$2" \
	    2> "$T/$1.err" || echo "curl $2: exit $?: $(cat "$T/$1.err")" \
	    > "$T/$1.err"
}

# 1 and 2: the parallel downloads, and the closing streams beside them.
start=$(date +%s.%N)
i=0
while [ $i -lt "$N" ]; do
	case $((i % 4)) in
	0) url="http://127.0.0.1:$PN/8m.bin" ;;
	1) url="http://[::1]:$PN/8m.bin" ;;
	2) url="http://localhost:$PN/8m.bin" ;;
	3) url="http://web.test:$PN/8m.bin" ;;
	esac
	get "dl$i" "$url" &
	eval "DL$i=\$!"
	i=$((i + 1))
done
sleep 0.5
$PY "$H/socks_code.py" "$CP" --closer "$NCLOSE" 127.0.0.1 "$PCL" \
    > "$T/closer_client.log" 2>&1 || fail "closing streams: $(cat "$T/closer_client.log")"
i=0
while [ $i -lt "$N" ]; do
	eval "wait \$DL$i"
	[ -s "$T/dl$i.err" ] && fail "download $i: $(cat "$T/dl$i.err")"
	[ "$(sha256sum < "$T/dl$i" | cut -d' ' -f1)" = "$WANT" ] ||
	    fail "download $i: wrong sha256"
	i=$((i + 1))
done
end=$(date +%s.%N)
echo "$N downloads of 8 MiB intact in $(echo "$end - $start" | bc) s;" \
    "$(cat "$T/closer_client.log") streams closed by their destination"
[ "$(grep -c '^closed' "$T/closer.log")" = "$NCLOSE" ] ||
    fail "the closer saw $(grep -c '^closed' "$T/closer.log") connections"
grep -q "query web.test" "$T/dns.log" || fail "web.test: the server's DNS was not asked"
grep -q "SOCKS destination web.test:$PN" "$T/server.log" ||
    fail "web.test was not sent as a name"

# 4: denied destinations.  A connect would have been answered 00 ($PNS:
# nginx listens there), 05 (nothing listens on 127.0.0.2) or 03, 04, 06
# (no route to 10.0.0.0/8).
$PY "$H/socks_code.py" "$CP" 10.1.2.3 80 127.0.0.2 "$PN" \
    127.0.0.1 "$PNS" denied.test 80 > "$T/denied.log" ||
    fail "denied requests: $(cat "$T/denied.log")"
cat "$T/denied.log"
[ "$(awk '$3 != 2' "$T/denied.log" | wc -l)" = 0 ] &&
    [ "$(wc -l < "$T/denied.log")" = 4 ] || fail "not every denial got 02"
grep -q "query denied.test" "$T/dns.log" || fail "denied.test not asked"

# Malformed SOCKS requests (proxymux's cases): each its reply or a close.
$PY tests/integration/proxy/socks_bad.py "$CP" --cases-only > "$T/bad.log" 2>&1 ||
    fail "malformed SOCKS requests: $(cat "$T/bad.log")"
alive "$PID_client" || fail "the client died"

# 5: the same session still carries a download.
get after "http://127.0.0.1:$PN/8m.bin"
[ -s "$T/after.err" ] && fail "download after: $(cat "$T/after.err")"
[ "$(sha256sum < "$T/after" | cut -d' ' -f1)" = "$WANT" ] ||
    fail "download after: wrong sha256"

# 3: one session.
kill -USR1 "$PID_client"
sleep 0.5
grep "sessions .* open .*; connections" "$T/client.log" | tail -1
for side in client server; do
	n=$(grep -c "session #[0-9]*: opened" "$T/$side.log" || true)
	# (client2 below opens the server's second session)
	[ "$n" = 1 ] || fail "$side: $n sessions opened, not 1"
	if grep "aborted" "$T/$side.log"; then fail "$side: a session aborted"; fi
done
grep -q "sessions 1 open 1; connections" "$T/client.log" ||
    fail "client counters: not one session"
conns=$(grep "sessions 1 open 1; connections" "$T/client.log" | tail -1 |
    sed 's/.*connections \([0-9]*\) open.*/\1/')
echo "one session, $conns Dust connections for $((N + 1 + NCLOSE + 4)) streams"

# 6: the fixed target, and nginx closing an idle keep-alive connection.
CP2=$(free_port)
spawn client2 "$D" client -F -v -s "[127.0.0.1]:$CP2" -i "$T/invite"
wait_port "$CP2"
$PY - "$CP2" > "$T/keepalive.log" 2>&1 <<'PYEOF' || fail "keep-alive: $(cat "$T/keepalive.log")"
import socket, sys, time
def get(c):
    c.sendall(b"GET /8m.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-999\r\n\r\n")
    got = b""
    while not (b"\r\n\r\n" in got and len(got.split(b"\r\n\r\n", 1)[1]) >= 1000):
        d = c.recv(65536)
        if not d:
            raise SystemExit("closed before the answer")
        got += d
    assert got.startswith(b"HTTP/1.1 206"), got[:40]
for i in range(2):
    c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
    c.settimeout(30)
    get(c)
    t0 = time.monotonic()
    end = c.recv(100)
    print("request %d answered; nginx closed the idle connection after "
          "%.1f s (%r)" % (i + 1, time.monotonic() - t0, end))
    assert end == b""
    c.close()
PYEOF
cat "$T/keepalive.log"
[ "$(grep -c "session #[0-9]*: opened" "$T/client2.log")" = 1 ] ||
    fail "client2: not one session"
if grep "aborted" "$T/client2.log" "$T/server.log"; then
	fail "a session aborted"
fi

# 7: clean exits (a leak under ASan makes the status non-zero).
kill "$PID_client" "$PID_client2"
wait "$PID_client" || fail "client exit status $?"
wait "$PID_client2" || fail "client2 exit status $?"
kill "$SPID"
wait "$PID_server" || fail "server exit status $?"
if [ -n "$STRACE" ]; then
	grep -q "connect(.*htons($PN).*\"127.0.0.1\"" "$T/connects" ||
	    fail "strace saw no connect to nginx: $(head -5 "$T/connects")"
	if grep -E 'connect\(.*"(10\.1\.2\.3|127\.0\.0\.2|10\.9\.8\.7)"' \
	    "$T/connects" || grep "htons($PNS)" "$T/connects"; then
		fail "the server tried to connect to a denied destination"
	fi
	echo "strace: no connect() to a denied destination"
fi
if grep -l "Sanitizer" "$T"/*.log; then fail "sanitizer report"; fi
exit 0
