#!/bin/sh
# 200 concurrent sessions through one dust client and one dust server,
# 50 KB each way each (tests/models/light.json: 25 packets a second of 200 to 1800 bytes, connections of 1.5 to 2.5 s), every one checked (SHA-256 and lengths at both
# ends); then a server limited to 50 sessions (-S 50) refuses the rest
# with Too Many Sessions, and its client closes those connections.
. tests/lib.sh
. tests/tunnel_lib.sh
ulimit -n 8192 2>/dev/null || true
tunnel_invite tests/models/light.json
tunnel_server
tunnel_client
timeout 120 $PY tests/tunnel_peer.py client "$CP" 200 50000 50000 1000 \
    > "$T/peer.log" 2>&1 || { tail -20 "$T/peer.log"; \
    grep -h "aborted\|ensemble:" "$T/client.log" "$T/server.log" | head -20; \
    fail "not every session exact"; }
cat "$T/peer.log"
sleep 1
kill -USR1 "$PID_server"
sleep 0.3
grep "sessions 200 open 0" "$T/server.log" || fail "server counters"
[ "$(grep -c 'closed cleanly' "$T/server.log")" = 200 ] || \
    fail "not 200 clean closes on the server"

# The session limit.
kill "$PID_server"
SP2=$(free_port); CP2=$(free_port)
"$D" invite -k "$T/key" -a "127.0.0.1:$SP2" -m tests/models/light.json \
    > "$T/invite2"
spawn server2 "$D" server -F -v -S 50 -s "[127.0.0.1]:$SP2" \
    -t "[127.0.0.1]:$TP" -k "$T/key" -i "$T/invite2"
spawn client2 "$D" client -F -v -s "[127.0.0.1]:$CP2" -i "$T/invite2"
wait_port "$SP2"; wait_port "$CP2"
timeout 120 $PY tests/tunnel_peer.py client "$CP2" 80 200000 200000 5000 \
    > "$T/peer2.log" 2>&1 && fail "80 sessions passed a limit of 50"
tail -1 "$T/peer2.log"
OK=$(tail -1 "$T/peer2.log" | awk '{print $1}')
[ "$OK" -ge 50 ] || fail "fewer than 50 sessions served"
grep -q "too many sessions" "$T/server2.log" || fail "no Too Many Sessions"
grep -q "aborted: peer: too many sessions" "$T/client2.log" || \
    fail "the client did not hear Too Many Sessions"
exit 0
