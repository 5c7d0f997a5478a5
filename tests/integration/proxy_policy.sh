#!/bin/sh
# proxymuxd refuses, before any connect, the exit host's own addresses
# and the benchmarking network 198.18.0.0/15, directly and inside the
# IPv6 forms that embed an IPv4 address.  Everything runs in a network
# namespace made here, whose loopback carries two more addresses of the
# host, 192.0.2.77 and 2001:db8::77 (refused: own), and 192.0.2.78
# (opened with --allow 192.0.2.78/32, to show that a connect to such an
# address is seen).  A SOCKS client asks proxymux for each; checked:
#   - the SOCKS reply code (02 refused; a connect that was tried would get
#     00 from the listener, or 03 where the namespace has no route);
#   - a listener on the own addresses' port accepts nothing, while the
#     allowed 192.0.2.78 is reached once (00);
#   - with strace, proxymuxd's connect() calls: one to 192.0.2.78, none
#     to any refused address;
#   - proxymuxd's log names the deciding rule.
# Needs root and ip netns; skipped otherwise.  strace is optional.
. tests/lib.sh
PY=/usr/bin/python3
[ "$(id -u)" = 0 ] || skip "not root"
ip netns list > /dev/null 2>&1 || skip "no ip netns"
NS=dpp$$
pp_cleanup() {
	cleanup
	ip netns del "$NS" 2> /dev/null || true
}
trap pp_cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS" 2> /dev/null || skip "cannot create a network namespace"
IN="ip netns exec $NS"
ip -n "$NS" link set lo up
ip -n "$NS" addr add 192.0.2.77/32 dev lo
ip -n "$NS" addr add 192.0.2.78/32 dev lo
ip -n "$NS" addr add 2001:db8::77/128 dev lo nodad

# Ports: the namespace is empty, so any will do.
PD=8005 PS=1080 PL=8080

# The listener: one line in accepts.log for each connection it accepts.
cat > "$T/listen.py" <<'PYEOF'
import selectors, socket, sys
sel = selectors.DefaultSelector()
for fam, host in ((socket.AF_INET, "192.0.2.77"), (socket.AF_INET, "192.0.2.78"),
                  (socket.AF_INET6, "2001:db8::77")):
    s = socket.socket(fam)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(sys.argv[1])))
    s.listen(16)
    sel.register(s, selectors.EVENT_READ)
log = open(sys.argv[2], "a", buffering=1)
while True:
    for key, _ in sel.select():
        c, peer = key.fileobj.accept()
        log.write("%s\n" % key.fileobj.getsockname()[0])
        c.close()
PYEOF
: > "$T/accepts.log"
spawn listen $IN $PY "$T/listen.py" "$PL" "$T/accepts.log"

STRACE=
if command -v strace > /dev/null; then
	# LeakSanitizer cannot run under ptrace: leaks are checked elsewhere.
	STRACE="env ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=connect -e signal=none -o $T/connects"
fi
spawn proxymuxd $IN $STRACE "$DUST_BIN/proxymuxd" -F -v \
    -s "[127.0.0.1]:$PD" --allow 192.0.2.78/32 --timeout 5
spawn proxymux $IN "$DUST_BIN/proxymux" -F -v -s "[127.0.0.1]:$PS" \
    -t "[127.0.0.1]:$PD"
wait_port "$PL" 10 "$IN"; wait_port "$PD" 10 "$IN"; wait_port "$PS" 10 "$IN"
i=0
until grep -q "link .*: up" "$T/proxymux.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "link not up"
	sleep 0.1
done
grep -q "refusing this host's [0-9]* own addresses" "$T/proxymuxd.log" ||
    fail "proxymuxd did not read its own addresses: $(cat "$T/proxymuxd.log")"
# Under strace (which ignores SIGTERM with -o), signal proxymuxd itself.
PDPID=$PID_proxymuxd
if [ -n "$STRACE" ]; then
	PDPID=$(pgrep -P "$PID_proxymuxd" -x proxymuxd) ||
	    fail "proxymuxd is not running under strace"
	PIDS="$PDPID $PIDS"
fi

# socks ADDRESS: print the SOCKS reply code (two hex digits) for a
# CONNECT to ADDRESS, port $PL, through proxymux.
cat > "$T/socks.py" <<'PYEOF'
import ipaddress, socket, struct, sys
a = ipaddress.ip_address(sys.argv[2])
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
c.settimeout(10)
c.sendall(b"\x05\x01\x00")
assert c.recv(2) == b"\x05\x00"
atyp = b"\x01" if a.version == 4 else b"\x04"
c.sendall(b"\x05\x01\x00" + atyp + a.packed + struct.pack(">H", int(sys.argv[3])))
r = c.recv(2)
assert len(r) == 2 and r[0] == 5, r
print("%02x" % r[1])
PYEOF
socks() { $IN $PY "$T/socks.py" "$PS" "$1" "$PL"; }

# The allowed own address first: a connect is made and seen.
[ "$(socks 192.0.2.78)" = 00 ] || fail "192.0.2.78 (--allow): not 00"
i=0
until grep -qx 192.0.2.78 "$T/accepts.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "192.0.2.78: no accept seen"
	sleep 0.1
done

# Refused: own addresses, the benchmarking network, and both inside the
# IPv6 forms (mapped, compatible, NAT64 /96 and /48, 6to4, Teredo client).
for a in 192.0.2.77 2001:db8::77 ::ffff:192.0.2.77 ::192.0.2.77 \
    64:ff9b::192.0.2.77 64:ff9b:1:c000:2:4d00:: 2002:c000:24d::1 \
    2001:0:4136:e378:8000:63bf:3fff:fdb2 198.18.0.1 198.19.255.254 \
    64:ff9b::198.18.0.1 ::ffff:198.18.0.1; do
	code=$(socks "$a") || fail "$a: no SOCKS reply"
	[ "$code" = 02 ] || fail "$a: reply $code, not 02 (refused)"
	echo "$a: refused (02)"
done
grep -q "192.0.2.77.*refused by policy (own address)" "$T/proxymuxd.log" ||
    fail "no 'own address' refusal logged"
grep -q "198.18.0.1.*refused by policy (198.18.0.0/15)" "$T/proxymuxd.log" ||
    fail "no 198.18.0.0/15 refusal logged"

# Nothing reached the listener but the allowed address.
sleep 0.5
[ "$(grep -cvx 192.0.2.78 "$T/accepts.log")" = 0 ] ||
    fail "refused addresses were connected to: $(cat "$T/accepts.log")"
[ "$(grep -cx 192.0.2.78 "$T/accepts.log")" = 1 ] ||
    fail "192.0.2.78 accepted $(grep -cx 192.0.2.78 "$T/accepts.log") times"

# SIGTERM: a clean exit (under ASan a leak makes the status non-zero).
kill "$PDPID"
wait "$PID_proxymuxd" || fail "proxymuxd exit status $?"
if [ -n "$STRACE" ]; then
	grep -q 'connect(.*"192.0.2.78"' "$T/connects" ||
	    fail "strace saw no connect to 192.0.2.78: $(cat "$T/connects")"
	if grep -E 'connect\(.*"(192\.0\.2\.77|2001:db8::77|::ffff:|::192|64:ff9b|2002:|2001::|198\.1[89]\.)' \
	    "$T/connects"; then
		fail "proxymuxd tried to connect to a refused address"
	fi
	echo "strace: $(grep -c 'connect(' "$T/connects") connect() calls, none to a refused address"
fi
echo "proxy_policy: ok"
