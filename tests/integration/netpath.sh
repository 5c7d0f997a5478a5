#!/bin/sh
# netpath (tests/tools/netpath.c), the path emulator for tests and
# measurements: two network namespaces joined by netpath -d 20.
#   - a TCP handshake takes one round trip: 40 ms (38 to 80 accepted);
#   - 2 MB cross intact, in segments of at most 1448 payload bytes
#     (MTU 1500; the segment sizes are checked if tcpdump is present);
#   - SIGTERM ends netpath with its counts and exit status 0;
#   - a bad delay or a namespace that does not exist is an error naming it.
# Needs root, /dev/net/tun and ip netns; skipped otherwise.
. tests/lib.sh
PY=/usr/bin/python3
NP=$DUST_TOOLS/netpath
[ "$(id -u)" = 0 ] || skip "not root"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
ip netns list > /dev/null 2>&1 || skip "no ip netns"
[ -x "$NP" ] || fail "$NP is not built"
A=dnp$$a
B=dnp$$b
np_cleanup() {
	cleanup
	ip netns del "$A" 2> /dev/null || true
	ip netns del "$B" 2> /dev/null || true
}
trap np_cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$A" 2> /dev/null || skip "cannot create a network namespace"
ip netns add "$B" || fail "ip netns add $B"

# Errors.
"$NP" -d x "$A" 10.99.0.1 "$B" 10.99.0.2 2> "$T/err" && fail "-d x accepted"
grep "bad delay: -d x" "$T/err" || fail "no clear error for -d x"
"$NP" "nosuch$$" 10.99.0.1 "$B" 10.99.0.2 2> "$T/err" &&
	fail "a missing namespace accepted"
grep "cannot open /run/netns/nosuch$$: No such file" "$T/err" ||
	fail "no clear error for a missing namespace"

spawn netpath "$NP" -d 20 -p "$T/netpath.pid" "$A" 10.99.0.1 "$B" 10.99.0.2
i=0
until grep -q "netpath: ready" "$T/netpath.log"; do
	alive "$PID_netpath" || { cat "$T/netpath.log"; fail "netpath died"; }
	i=$((i + 1))
	[ $i -lt 50 ] || fail "netpath not ready after 5 s"
	sleep 0.1
done
[ "$(cat "$T/netpath.pid")" = "$PID_netpath" ] || fail "wrong pid file"
ip -n "$A" link show np0 | grep "mtu 1500" || fail "np0 in $A: no mtu 1500"
ip -n "$B" link show np0 | grep "mtu 1500" || fail "np0 in $B: no mtu 1500"

if command -v tcpdump > /dev/null; then
	spawn tcpdump ip netns exec "$B" tcpdump -Z root -i np0 -nn -U \
	    -w "$T/np0.pcap" tcp
	i=0
	until grep -q "listening on" "$T/tcpdump.log"; do
		i=$((i + 1))
		[ $i -lt 50 ] || fail "tcpdump does not start"
		sleep 0.1
	done
fi

# A sink in B: answers each connection with the sha256 of what it read.
cat > "$T/sink.py" <<'PYEOF'
import hashlib, socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.99.0.2", 5000))
s.listen(16)
while True:
    c, _ = s.accept()
    h = hashlib.sha256()
    while True:
        d = c.recv(65536)
        if not d:
            break
        h.update(d)
    c.sendall(h.hexdigest().encode())
    c.close()
PYEOF
spawn sink ip netns exec "$B" $PY "$T/sink.py"
i=0
until [ -n "$(ip netns exec "$B" ss -Hltn 'sport = :5000')" ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "the sink does not listen"
	sleep 0.1
done

ip netns exec "$A" $PY - <<'PYEOF' || fail "the path's delay or data"
import hashlib, os, socket, sys, time
rtts = []
for i in range(3):
    t = time.monotonic()
    s = socket.create_connection(("10.99.0.2", 5000), timeout=5)
    rtts.append((time.monotonic() - t) * 1000)
    s.shutdown(socket.SHUT_WR)
    s.recv(100)
    s.close()
print("handshakes: %s ms" % " ".join("%.2f" % r for r in rtts))
if not 38 <= min(rtts) < 80:
    sys.exit("handshake round trip out of [38, 80) ms")
data = os.urandom(2000000)
s = socket.create_connection(("10.99.0.2", 5000), timeout=10)
t = time.monotonic()
s.sendall(data)
s.shutdown(socket.SHUT_WR)
got = s.recv(100).decode()
print("2 MB in %.2f s" % (time.monotonic() - t))
if got != hashlib.sha256(data).hexdigest():
    sys.exit("sha256 differs: %s" % got)
PYEOF

if [ -n "${PID_tcpdump:-}" ]; then
	sleep 0.2
	kill "$PID_tcpdump"
	wait "$PID_tcpdump" || true
	big=$(tcpdump -r "$T/np0.pcap" -nn 2> /dev/null |
	    sed -n 's/.* length \([0-9]*\)$/\1/p' | sort -n | tail -n 1)
	echo "largest TCP payload on np0: $big bytes"
	[ -n "$big" ] && [ "$big" -le 1448 ] && [ "$big" -ge 1400 ] ||
		fail "largest TCP payload on np0: ${big:-none}, want 1400..1448"
fi

kill "$PID_netpath"
rc=0
wait "$PID_netpath" || rc=$?
cat "$T/netpath.log"
[ $rc = 0 ] || fail "netpath exited with $rc"
grep -q "netpath: $A->$B [1-9][0-9]* packets 0 dropped, $B->$A [1-9]" \
    "$T/netpath.log" || fail "no counts from netpath"
exit 0
