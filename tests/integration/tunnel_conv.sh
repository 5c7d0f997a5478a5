#!/bin/sh
# The tunnel in conversation mode (docs/engine.md, "Conversation mode"):
# with models/http-learned.json, each Dust connection follows one learned
# HTTP keep-alive connection's segments and closes when it is over, so a
# session hops over many short connections.  Checks: 20 kB up and 2 MB
# down through one session, SHA-256 at both ends; 4 sessions at once; the
# connections end as conversations ("conversation over"), none fails
# silently; each server step leaves as its own TCP segment (tcpdump,
# tshark); and an idle session polls (few connections) rather than
# spinning.
. tests/lib.sh
. tests/tunnel_lib.sh
command -v tshark > /dev/null || skip "tshark is not installed"
tunnel_invite models/http-learned.json
tunnel_server
tunnel_client
# The Dust hop on the wire, for the segment check below.
spawn tcpdump tcpdump -Z root -i lo -U --immediate-mode -w "$T/hop.pcap" \
    "tcp port $SP"
sleep 1
timeout 120 $PY tests/tunnel_peer.py client "$CP" 1 20000 2000000 1 \
    > "$T/peer.log" 2>&1 || { cat "$T/peer.log"; tail -20 "$T/client.log"; \
    fail "transfer not exact"; }
cat "$T/peer.log"
timeout 120 $PY tests/tunnel_peer.py client "$CP" 4 5000 500000 7 \
    > "$T/peer4.log" 2>&1 || { cat "$T/peer4.log"; tail -20 "$T/client.log"; \
    fail "4 sessions: transfer not exact"; }
cat "$T/peer4.log"
sleep 0.5
kill "$PID_tcpdump"; wait "$PID_tcpdump" 2>/dev/null || true

# Each server step leaves as a segment of its own (docs/ensemble.md,
# "Conversation mode"): at least 95% of the server's data segments have
# a length that is one of the model's server-to-client step lengths
# (merged steps would be longer, e.g. the 65,483-byte MSS).
tshark -r "$T/hop.pcap" -Y "tcp.srcport == $SP && tcp.len > 0" -T fields \
    -e tcp.len > "$T/s2c.txt" 2>/dev/null || fail "tshark cannot read the capture"
$PY - models/http-learned.json "$T/s2c.txt" <<'PYEOF' || fail "server steps merged on the wire"
import json, sys
m = json.load(open(sys.argv[1]))
steps = {s[1] for c in m["conversations"]["list"] for s in c["steps"] if s[0] == 1}
segs = [int(x) for x in open(sys.argv[2]).read().split()]
share = sum(1 for x in segs if x in steps) / max(len(segs), 1)
print("server segments: %d, of a step's length: %.1f%% (threshold 95%%)"
      % (len(segs), 100 * share))
sys.exit(0 if len(segs) >= 100 and share >= 0.95 else 1)
PYEOF
N=$(grep -c "conversation over" "$T/client.log")
echo "client connections ended as conversations: $N"
[ "$N" -ge 10 ] || fail "sessions did not hop over conversations"
grep -q "failed silently\|shaping:" "$T/client.log" "$T/server.log" &&
    grep "shaping:" "$T/client.log" "$T/server.log" | head -3
kill -USR1 "$PID_client" "$PID_server"
sleep 0.3
grep "connections" "$T/client.log" | tail -1
grep "connections" "$T/server.log" | tail -1
F=$(grep -o '([0-9]* failed silently)' "$T/server.log" | tail -1 | tr -dc 0-9)
[ "${F:-1}" -eq 0 ] || fail "$F connections failed silently on the server"

# An idle session: connections at most every POLL_MAX (1 s) after a few
# quick ones, not hundreds a second.
B=$(grep -c "conversation over" "$T/client.log")
$PY - "$CP" <<'PYEOF' &
import socket, sys, time, struct
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(struct.pack(">QQQ", 3, 10, 10) + bytes(10))
time.sleep(4)
s.close()
PYEOF
IDLE=$!
wait $IDLE
A=$(grep -c "conversation over" "$T/client.log")
echo "connections in 4 s of an idle session: $((A - B))"
[ $((A - B)) -le 20 ] || fail "an idle session spins: $((A - B)) connections in 4 s"
exit 0
