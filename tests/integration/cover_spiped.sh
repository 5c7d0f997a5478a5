#!/bin/sh
# coverpipe | spiped -e | spiped -d | coverpiped | echo, all real, on
# loopback; tcpdump records the encrypted hop (spiped -e -> spiped -d).
# Checks: data echoed intact (120 000 seeded random bytes), and after the
# spiped handshake every data-carrying TCP segment of the hop, both ways,
# idle (2 s) and busy (~3 s at the 40 x 1022 B/s ceiling), is exactly
# 1060 bytes (one spiped packet per 1024-byte block); each direction
# carries 60 +- 3 such segments in an idle 1.5 s window (40 a second).
# Any size that is not 1060 fails, with one exception, counted and capped:
# when spiped falls behind (an overloaded machine) it writes two packets
# back to back and TCP may carry them as one 2120-byte segment; at most 1%
# of segments may be such whole multiples of 1060.
. tests/lib.sh
command -v spiped >/dev/null || skip "spiped not installed"
command -v tcpdump >/dev/null || skip "tcpdump not installed"
command -v tshark >/dev/null || skip "tshark not installed"
[ "$(id -u)" = 0 ] || skip "tcpdump needs root"

PE=$(free_port); PD=$(free_port); PC=$(free_port); PB=$(free_port)
PA=$(free_port)
dd if=/dev/urandom of="$T/key" bs=32 count=1 2>/dev/null

spawn echo /usr/bin/python3 -c '
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
def serve(c):
    while True:
        d = c.recv(65536)
        if not d: break
        c.sendall(d)
    c.shutdown(socket.SHUT_WR)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$PE"
wait_port "$PE"
spawn tcpdump tcpdump -i lo -w "$T/hop.pcap" -U "tcp port $PC"
i=0
until grep -q "listening on" "$T/tcpdump.log"; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "tcpdump did not start"
	sleep 0.1
done
spawn coverpiped "$DUST_BIN/coverpiped" -F -v -s "[127.0.0.1]:$PD" \
    -t "[127.0.0.1]:$PE"
spawn spipedd spiped -d -F -k "$T/key" -s "[127.0.0.1]:$PC" \
    -t "[127.0.0.1]:$PD"
spawn spipede spiped -e -F -k "$T/key" -s "[127.0.0.1]:$PB" \
    -t "[127.0.0.1]:$PC"
spawn coverpipe "$DUST_BIN/coverpipe" -F -v -s "[127.0.0.1]:$PA" \
    -t "[127.0.0.1]:$PB"
for p in $PD $PC $PB $PA; do wait_port "$p"; done

# The client: idle, busy, idle, then a half-close; the echo must match.
/usr/bin/python3 - "$PA" > "$T/client.out" <<'PY' || fail "client: $(cat "$T/client.out")"
import random, socket, sys, threading, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
msg = random.Random(7).randbytes(120000)
got = bytearray()
def reader():
    while True:
        d = c.recv(65536)
        if not d:
            break
        got.extend(d)
t = threading.Thread(target=reader); t.start()
time.sleep(2.5)                        # idle
c.sendall(msg)                         # busy
while len(got) < len(msg) and t.is_alive():
    time.sleep(0.05)
time.sleep(1.0)                        # idle again
c.shutdown(socket.SHUT_WR)
t.join(10)
print("echoed", len(got), "intact" if bytes(got) == msg else "CORRUPT")
sys.exit(0 if bytes(got) == msg else 1)
PY
cat "$T/client.out"
sleep 0.5
kill -INT "$PID_tcpdump"; wait "$PID_tcpdump" 2>/dev/null || true

tshark -r "$T/hop.pcap" -T fields -e frame.time_relative -e tcp.srcport \
    -e tcp.len -e tcp.flags.fin > "$T/hop.txt" 2>/dev/null ||
    fail "tshark could not read the capture"
/usr/bin/python3 - "$T/hop.txt" "$PC" <<'PY' || fail "hop segment sizes"
import sys
rows = [l.split("\t") for l in open(sys.argv[1]) if l.strip()]
server = sys.argv[2]
dirs = {"enc->dec": [], "dec->enc": []}
for t, sport, ln, fin in rows:
    if int(ln) > 0:
        d = "dec->enc" if sport == server else "enc->dec"
        dirs[d].append((float(t), int(ln)))
ok = True
for d, segs in dirs.items():
    # spiped's handshake: the segments before the first 1060-byte one.
    first = next(i for i, (_, n) in enumerate(segs) if n == 1060)
    hs = [n for _, n in segs[:first]]
    data = segs[first:]
    bad = [n for _, n in data if n % 1060 != 0]
    merged = [n for _, n in data if n != 1060 and n % 1060 == 0]
    t0 = data[0][0]
    idle = sum(1 for t, _ in data if t0 + 0.5 <= t < t0 + 2.0)
    print("%s: handshake segments %s, then %d segments, sizes %s; "
          "%d in idle 1.5 s window" % (d, hs, len(data),
          sorted(set(n for _, n in data)), idle))
    if bad or len(data) < 150:
        ok = False
        print("  FAIL: segments not all 1060 bytes: %s" % bad[:10])
    if merged:
        print("  note: %d segment(s) of merged packets %s" % (len(merged),
              merged[:5]))
    if len(merged) > len(data) // 100:
        ok = False
        print("  FAIL: more than 1% merged segments")
    if not 57 <= idle <= 63:
        ok = False
        print("  FAIL: idle rate not 40 +- 2 per second")
sys.exit(0 if ok else 1)
PY
grep -q "end of stream both ways" "$T/coverpipe.log" ||
    fail "coverpipe did not close cleanly: $(cat "$T/coverpipe.log")"
for p in $PID_coverpipe $PID_coverpiped; do
	alive "$p" || fail "a cover process died"
done
echo PASS
