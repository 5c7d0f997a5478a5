#!/bin/sh
# 200 concurrent connections through one dust client and one dust server,
# 1 KB each way each (tests/models/light.json: 25 packets a second of 200
# to 1800 bytes, connections of 1.5 to 2.5 s), every one checked (SHA-256
# and lengths at both ends), all streams of ONE session (docs/streams.md),
# whose connections the model's rate bounds: about 20 KB/s each way for
# all of them together (each connection was a session of its own before,
# with connections of its own: 50 KB each way each took no longer);
# then a server limited to one session (-S 1) serves a first client and
# refuses a second one's session with Too Many Sessions, whose client
# closes its connections.
. tests/lib.sh
. tests/tunnel_lib.sh
ulimit -n 8192 2>/dev/null || true
tunnel_invite tests/models/light.json
tunnel_server
tunnel_client
timeout 120 $PY tests/tunnel_peer.py client "$CP" 200 1000 1000 1000 \
    > "$T/peer.log" 2>&1 || { tail -20 "$T/peer.log"; \
    grep -h "aborted\|ensemble:" "$T/client.log" "$T/server.log" | head -20; \
    fail "not every session exact"; }
cat "$T/peer.log"
sleep 1
kill -USR1 "$PID_server"
sleep 0.3
grep "sessions 1 open 1" "$T/server.log" || fail "server counters"
[ "$(grep -c 'session #[0-9]*: opened' "$T/server.log")" = 1 ] ||
    fail "not one session on the server"
if grep "aborted" "$T/server.log"; then fail "a session aborted"; fi

# The session limit: the first client's session (kept, --linger) holds
# the only place; the second client's is refused.
kill "$PID_server"
SP2=$(free_port); CP2=$(free_port); CP3=$(free_port)
"$D" invite -k "$T/key" -a "127.0.0.1:$SP2" -m tests/models/light.json \
    > "$T/invite2"
spawn server2 "$D" server -F -v -S 1 -s "[127.0.0.1]:$SP2" \
    -t "[127.0.0.1]:$TP" -k "$T/key" -i "$T/invite2"
spawn client2 "$D" client -F -v -s "[127.0.0.1]:$CP2" -i "$T/invite2"
spawn client3 "$D" client -F -v -s "[127.0.0.1]:$CP3" -i "$T/invite2"
wait_port "$SP2"; wait_port "$CP2"; wait_port "$CP3"
timeout 120 $PY tests/tunnel_peer.py client "$CP2" 10 5000 5000 5000 \
    > "$T/peer2.log" 2>&1 || fail "the first client: $(tail -1 "$T/peer2.log")"
timeout 120 $PY tests/tunnel_peer.py client "$CP3" 10 5000 5000 6000 \
    > "$T/peer3.log" 2>&1 && fail "a second session passed a limit of 1"
tail -n 1 "$T/peer2.log" "$T/peer3.log"
grep -q "too many sessions" "$T/server2.log" || fail "no Too Many Sessions"
grep -q "aborted: peer: too many sessions" "$T/client3.log" || \
    fail "the client did not hear Too Many Sessions"
exit 0
