#!/bin/sh
# proxymux holds a SOCKS request that arrives while its link is down (the
# chain just started) for MUXCLIENT_HOLD_SECONDS (10 s), instead of
# failing it at once (man/proxymux.1, SOCKS REPLIES).
#
# 1. proxymux is started with nothing listening at its link's target; once
#    it has failed a connect, curl asks for a file from a Python HTTP
#    server on loopback; 1 s later proxymuxd is started there.  curl must
#    get the file (sha256 checked).
# 2. A second proxymux whose target never listens: a SOCKS request (a
#    Python client) must get reply 01, no sooner than 9 s (the 10 s hold,
#    less 1 s for the clocks) and no later than 30 s (a busy machine).
# Both proxymux must then exit 0 on SIGTERM (under ASan, no leak).
. tests/lib.sh
command -v curl >/dev/null || skip "curl not installed"

PW=$(free_port); PD=$(free_port); PS=$(free_port)
PNONE=$(free_port); PS2=$(free_port)

# The destination: a Python HTTP server with 1 MiB of seeded bytes.
mkdir -p "$T/www"
/usr/bin/python3 -c 'import random,sys; sys.stdout.buffer.write(random.Random(19).randbytes(1 << 20))' > "$T/www/1m.bin"
WANT=$(sha256sum < "$T/www/1m.bin" | cut -d' ' -f1)
spawn web /usr/bin/python3 -m http.server -b 127.0.0.1 -d "$T/www" "$PW"
wait_port "$PW"

# Case 2 first, in the background: it takes 10 s.
spawn never "$DUST_BIN/proxymux" -F -v -s "[127.0.0.1]:$PS2" \
    -t "[127.0.0.1]:$PNONE"
wait_port "$PS2"
spawn late /usr/bin/python3 -c '
import socket, struct, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
c.settimeout(60)
c.sendall(b"\x05\x01\x00"); assert c.recv(2) == b"\x05\x00"
t0 = time.monotonic()
c.sendall(b"\x05\x01\x00\x01\x7f\x00\x00\x01" + struct.pack(">H", int(sys.argv[2])))
r = c.recv(10)
print("reply %s after %.2f s" % (r[1] if len(r) >= 2 else "none",
    time.monotonic() - t0), flush=True)
' "$PS2" "$PW"

# Case 1.
spawn proxymux "$DUST_BIN/proxymux" -F -v -s "[127.0.0.1]:$PS" \
    -t "[127.0.0.1]:$PD"
wait_port "$PS"
i=0
until grep -q "cannot connect" "$T/proxymux.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "proxymux: no failed connect"
	sleep 0.1
done
curl -sS -m 60 --socks5-hostname "127.0.0.1:$PS" -o "$T/got" \
    "http://127.0.0.1:$PW/1m.bin" 2>"$T/curl.err" &
CURL=$!
sleep 1
spawn proxymuxd "$DUST_BIN/proxymuxd" -F -v -s "[127.0.0.1]:$PD" \
    --allow 127.0.0.1/32 --ports 1024-65535
if ! wait "$CURL"; then
	fail "curl while the link was connecting: $(cat "$T/curl.err")"
fi
[ "$(sha256sum < "$T/got" | cut -d' ' -f1)" = "$WANT" ] ||
    fail "wrong sha256 through the held request"
grep -q "SOCKS request held" "$T/proxymux.log" ||
    fail "the request was not held: $(cat "$T/proxymux.log")"
echo "case 1: a request made while the link was down got its 1 MiB intact"

# Case 2's outcome.
wait "$PID_late" || fail "SOCKS client: $(cat "$T/late.log")"
cat "$T/late.log"
/usr/bin/python3 - "$T/late.log" <<'PY' || fail "case 2: $(cat "$T/late.log")"
import re, sys
m = re.match(r"reply (\S+) after ([0-9.]+) s", open(sys.argv[1]).read())
ok = m is not None and m.group(1) == "1" and 9.0 <= float(m.group(2)) <= 30.0
sys.exit(0 if ok else 1)
PY
echo "case 2: reply 01 after the hold, as wanted"

# Clean exits.
for p in never proxymux; do
	eval "pid=\$PID_$p"
	kill -TERM "$pid"
	wait "$pid" || fail "$p exited with $?: $(tail -5 "$T/$p.log")"
done
echo "ok"
