#!/bin/sh
# proxymux | coverpipe | spiped -e | spiped -d | coverpiped | proxymuxd,
# all real, on loopback, with curl as the SOCKS client and nginx-light
# (started here) as the destination.  Checked: 10 MiB by IP and by name
# (localhost from the hosts file; web.test from a DNS server, asked
# asynchronously) with sha256; SOCKS errors for a denied network, a
# denied port, names resolving to denied addresses, a refused port, a
# name that does not exist and one whose resolve times out; malformed
# SOCKS requests (tests/integration/proxy/socks_bad.py) with proxymux
# alive after them; proxymuxd's onward writes on its tick schedule
# (proxy/rate.py); an IPv6 destination and proxymuxd -n on a direct pair;
# compatibility with pipemux/pipemuxd; -h, --version, daemon mode with
# -p, and clean SIGTERM exits (under ASan a leak makes the exit status
# non-zero).
. tests/lib.sh
command -v spiped >/dev/null || skip "spiped not installed"
command -v curl >/dev/null || skip "curl not installed"
[ -x /usr/sbin/nginx ] || skip "nginx-light not installed"
H=tests/integration/proxy

# Programs: usage and version.
for p in proxymux proxymuxd; do
	"$DUST_BIN/$p" -h | grep -q "usage: $p" || fail "$p -h"
	"$DUST_BIN/$p" --version | grep -q "^$p [0-9]" || fail "$p --version"
	if "$DUST_BIN/$p" -Z >/dev/null 2>&1; then fail "$p -Z accepted"; fi
done
"$DUST_BIN/proxymuxd" -s "[127.0.0.1]:1" --allow 300.0.0.0/8 2>"$T/e" &&
    fail "bad --allow accepted"
grep -q -- "--allow" "$T/e" || fail "bad --allow: $(cat "$T/e")"

PN=$(free_port); PNS=$(free_port); PX=$(free_port); PD=$(free_port)
PC=$(free_port); PB=$(free_port); PA=$(free_port); PS=$(free_port)
PDNS=$(free_port); PCLOSED=$(free_port)
RATE=20 BYTES=4096

# The destination: nginx-light serving 10 MiB of seeded bytes.
mkdir -p "$T/www" "$T/tmp"
/usr/bin/python3 -c 'import random,sys; sys.stdout.buffer.write(random.Random(11).randbytes(10 << 20))' > "$T/www/10m.bin"
WANT=$(sha256sum < "$T/www/10m.bin" | cut -d' ' -f1)
printf '%1024s' '' | tr ' ' x > "$T/www/small"
chmod 755 "$T"
start_www "listen 127.0.0.1:$PN;" \
    "listen 127.0.0.1:$PNS;" \
    "listen [::1]:$PN;"
spawn dns /usr/bin/python3 "$H/dns.py" "$PDNS"
printf 'nameserver 127.0.0.1:%s\n' "$PDNS" > "$T/resolv.conf"
wait_port "$PN"

# The chain.  Only 127.0.0.1 is allowed, on the ports the test uses:
# $PNS is left out of --ports to be a denied port.  The sink of rate.py
# takes a port the kernel chooses, so all ports above 1023 but $PNS are
# allowed.
dd if=/dev/urandom of="$T/key" bs=32 count=1 2>/dev/null
lo=$((PNS - 1)) hi=$((PNS + 1))
spawn proxymuxd "$DUST_BIN/proxymuxd" -F -v -s "[127.0.0.1]:$PD" \
    -r $RATE -b $BYTES --allow 127.0.0.1/32 --timeout 2 \
    --ports "80,1024-$lo,$hi-65535" --resolv-conf "$T/resolv.conf"
spawn coverpiped "$DUST_BIN/coverpiped" -F -s "[127.0.0.1]:$PC" \
    -t "[127.0.0.1]:$PD" -r 200 -b 65536
spawn spipedd spiped -d -F -k "$T/key" -s "[127.0.0.1]:$PB" \
    -t "[127.0.0.1]:$PC"
spawn spipede spiped -e -F -k "$T/key" -s "[127.0.0.1]:$PA" \
    -t "[127.0.0.1]:$PB"
spawn coverpipe "$DUST_BIN/coverpipe" -F -s "[127.0.0.1]:$PX" \
    -t "[127.0.0.1]:$PA" -r 200 -b 65536
spawn proxymux "$DUST_BIN/proxymux" -F -v -s "[127.0.0.1]:$PS" \
    -t "[127.0.0.1]:$PX"
for p in $PD $PC $PB $PA $PX $PS; do wait_port "$p"; done
i=0
until grep -q "link .*: up" "$T/proxymux.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "proxymux link not up"
	sleep 0.1
done

# get NAME URL: download through the chain; print the sha256.
get() {
	curl -sS -m 60 --socks5-hostname "127.0.0.1:$PS" -o "$T/$1" "$2" ||
	    fail "curl $2: exit $?"
	sha256sum < "$T/$1" | cut -d' ' -f1
}
# refused URL CODE: curl must see SOCKS reply CODE.
refused() {
	if curl -sS -m 20 --socks5-hostname "127.0.0.1:$PS" -o /dev/null \
	    "$1" 2>"$T/curl.err"; then
		fail "$1 was not refused"
	fi
	grep -q "SOCKS5.*($2)" "$T/curl.err" ||
	    fail "$1: wanted SOCKS reply $2, curl said: $(cat "$T/curl.err")"
	echo "refused as wanted ($2): $1"
}

start=$(date +%s.%N)
[ "$(get ip "http://127.0.0.1:$PN/10m.bin")" = "$WANT" ] ||
    fail "10 MiB by IP: wrong sha256"
mid=$(date +%s.%N)
[ "$(get name "http://localhost:$PN/10m.bin")" = "$WANT" ] ||
    fail "10 MiB by name (localhost): wrong sha256"
[ "$(get dns "http://web.test:$PN/10m.bin")" = "$WANT" ] ||
    fail "10 MiB by name (web.test, DNS): wrong sha256"
echo "10 MiB three times intact; by IP in" \
    "$(echo "$mid - $start" | bc) s"
# Also socks5 with the name resolved by curl (an IPv4 request).
curl -sS -m 60 --socks5 "127.0.0.1:$PS" -o "$T/v4" \
    "http://localhost:$PN/10m.bin" || fail "curl --socks5"
cmp -s "$T/v4" "$T/www/10m.bin" || fail "--socks5: wrong bytes"

refused "http://10.1.2.3:80/" 2		# a private network
refused "http://127.0.0.2:$PN/" 2	# loopback beyond the --allow
refused "http://[::1]:$PN/" 2		# IPv6 loopback
refused "http://127.0.0.1:$PNS/" 2	# a port --ports leaves out
refused "http://denied.test:80/" 2	# a name resolving to 10.9.8.7
refused "http://127.0.0.1:$PCLOSED/" 5	# nothing listens there
refused "http://nx.test:80/" 4		# NXDOMAIN
refused "http://slow.test:80/" 6	# no answer within --timeout 2
grep -q "query denied.test" "$T/dns.log" || fail "denied.test not asked"

/usr/bin/python3 "$H/socks_bad.py" "$PS" || fail "malformed SOCKS requests"
alive "$PID_proxymux" || fail "proxymux died"
alive "$PID_proxymuxd" || fail "proxymuxd died"
[ "$(get after "http://127.0.0.1:$PN/10m.bin")" = "$WANT" ] ||
    fail "download after the malformed requests"

/usr/bin/python3 "$H/rate.py" "$PS" $RATE $BYTES 204800 ||
    fail "onward pacing"

# A direct pair, proxymuxd with -n 1 and ::1 allowed: an IPv6 request
# succeeds; then, while one SOCKS connection is held open, a second gets
# reply 01.
PLD=$(free_port); PLS=$(free_port)
spawn limd "$DUST_BIN/proxymuxd" -F -v -s "[127.0.0.1]:$PLD" -n 1 \
    --allow 127.0.0.1/32 --allow ::1/128
spawn lim "$DUST_BIN/proxymux" -F -v -s "[127.0.0.1]:$PLS" \
    -t "[127.0.0.1]:$PLD"
wait_port "$PLD"; wait_port "$PLS"
i=0
until grep -q "link .*: up" "$T/lim.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "limit pair: link not up"
	sleep 0.1
done
PS_SAVE=$PS PS=$PLS
[ "$(get v6 "http://[::1]:$PN/10m.bin")" = "$WANT" ] ||
    fail "10 MiB by IPv6: wrong sha256"
PS=$PS_SAVE
echo "10 MiB by IPv6 intact"
/usr/bin/python3 "$H/raw_link.py" "$PLD" "$PN" || fail "raw link to proxymuxd"
# Early data: the HTTP request in the same write as the SOCKS request
# travels in the open frame.
/usr/bin/python3 - "$PLS" "$PN" <<'PY' || fail "early data"
import socket, struct, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
c.settimeout(5)
c.sendall(b"\x05\x01\x00\x05\x01\x00\x01\x7f\x00\x00\x01" +
          struct.pack(">H", int(sys.argv[2])) + b"GET /small HTTP/1.0\r\n\r\n")
got = b""
while True:
    d = c.recv(65536)
    if not d:
        break
    got += d
ok = (got[:2] == b"\x05\x00" and got[2:4] == b"\x05\x00" and
      got[12:24] == b"HTTP/1.1 200" and got.endswith(b"x" * 1024))
print("early data: %s (%d bytes back)" % ("ok" if ok else "WRONG", len(got)))
sys.exit(0 if ok else 1)
PY
spawn hold /usr/bin/python3 -c '
import socket, struct, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"\x05\x01\x00"); assert c.recv(2) == b"\x05\x00"
c.sendall(b"\x05\x01\x00\x01\x7f\x00\x00\x01" + struct.pack(">H", int(sys.argv[2])))
r = c.recv(10); print("held, reply", r[1], flush=True); time.sleep(30)
' "$PLS" "$PN"
i=0
until grep -q "held, reply 0" "$T/hold.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "limit: first connection: $(cat "$T/hold.log")"
	sleep 0.1
done
PS=$PLS
refused "http://127.0.0.1:$PN/" 1	# beyond proxymuxd -n 1
PS=$PS_SAVE
grep -q "refused, 1 connections already" "$T/limd.log" ||
    fail "limit: no log line"
kill "$PID_hold"

# Compatibility with plain pipemux (docs/proxymux.md): proxymux against
# pipemuxd gets a close before any status, so curl sees reply 01; pipemux
# against proxymuxd (port id 1) gets EOF at once.
PPD=$(free_port); PPS=$(free_port); PPL=$(free_port)
spawn pmd "$DUST_BIN/pipemuxd" -F -s "[127.0.0.1]:$PPD" \
    -p "1:[127.0.0.1]:$PN"
spawn pxm "$DUST_BIN/proxymux" -F -v -s "[127.0.0.1]:$PPS" \
    -t "[127.0.0.1]:$PPD"
spawn pm "$DUST_BIN/pipemux" -F -t "[127.0.0.1]:$PLD" \
    -p "1:[127.0.0.1]:$PPL"
wait_port "$PPD"; wait_port "$PPS"; wait_port "$PPL"
i=0
until grep -q "link .*: up" "$T/pxm.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "proxymux-pipemuxd: link not up"
	sleep 0.1
done
PS=$PPS
refused "http://127.0.0.1:$PN/" 1	# pipemuxd knows no port id 255
PS=$PS_SAVE
sleep 0.5
/usr/bin/python3 - "$PPL" <<'PY' || fail "pipemux -> proxymuxd: no prompt EOF"
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
c.settimeout(5)
t0 = time.monotonic()
c.sendall(b"GET / HTTP/1.0\r\n\r\n")
got = c.recv(100)
print("pipemux -> proxymuxd: got %r after %.2f s" % (got, time.monotonic() - t0))
sys.exit(0 if got == b"" else 1)
PY
alive "$PID_pmd" && alive "$PID_limd" || fail "pipemuxd or proxymuxd died"

# Daemon mode with -p, then SIGTERM.
PDD=$(free_port)
"$DUST_BIN/proxymuxd" -s "[127.0.0.1]:$PDD" -p "$T/d.pid" ||
    fail "proxymuxd daemon"
i=0
until [ -s "$T/d.pid" ]; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "no pidfile"; sleep 0.1
done
# ... whose default policy refuses loopback, by address and by name.
PDS=$(free_port)
spawn dflt "$DUST_BIN/proxymux" -F -v -s "[127.0.0.1]:$PDS" \
    -t "[127.0.0.1]:$PDD"
wait_port "$PDS"
i=0
until grep -q "link .*: up" "$T/dflt.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "default policy: link not up"
	sleep 0.1
done
PS=$PDS
refused "http://127.0.0.1:$PN/" 2	# default policy: loopback
refused "http://localhost:$PN/" 2	# a name for 127.0.0.1
PS=$PS_SAVE
kill -TERM "$(cat "$T/d.pid")"
i=0
while kill -0 "$(cat "$T/d.pid")" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "daemon did not stop"; sleep 0.1
done

# Clean exits: SIGTERM, status 0 (ASan would fail it on a leak).
for p in proxymux proxymuxd; do
	eval pid=\$PID_$p
	kill -TERM "$pid"
	wait "$pid" || fail "$p exited with $?: $(tail -5 "$T/$p.log")"
done
if grep -l "Sanitizer" "$T"/*.log; then fail "sanitizer report"; fi
echo "proxy chain: all checks passed"
