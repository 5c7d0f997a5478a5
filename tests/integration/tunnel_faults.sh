#!/bin/sh
# dust client -> fault-injecting relay -> dust server: the relay
# (tests/tunnel_relay.py, seeded) resets connections (RST, data in flight
# lost) or stalls them silently at random points; 50 MB each way through
# one session must still arrive exactly (SHA-256 at both ends), the lost
# data sent again on later connections.
. tests/lib.sh
MB=${TUNNEL_MB:-50}
PY=/usr/bin/python3
D=$DUST_BIN/dust
[ -x "$D" ] || skip "no dust binary"
SP=$(free_port); TP=$(free_port); CP=$(free_port); RP=$(free_port)
"$D" keygen -k "$T/key" > /dev/null
"$D" invite -k "$T/key" -a "127.0.0.1:$SP" -m tests/models/rotate.json \
    > "$T/invite"
spawn target $PY tests/tunnel_peer.py serve "$TP"
spawn relay $PY tests/tunnel_relay.py "$RP" "$SP" 7
spawn server "$D" server -F -v -s "[127.0.0.1]:$SP" -t "[127.0.0.1]:$TP" \
    -k "$T/key" -i "$T/invite"
spawn client "$D" client -F -v -c 3 -s "[127.0.0.1]:$CP" -i "$T/invite" \
    -t "[127.0.0.1]:$RP"
wait_port "$TP"; wait_port "$SP"; wait_port "$CP"; wait_port "$RP"
BYTES=$((MB * 1000000))
timeout 150 $PY tests/tunnel_peer.py client "$CP" 1 $BYTES $BYTES 2 \
    > "$T/peer.log" 2>&1 || { tail -20 "$T/peer.log" "$T/client.log"; \
    fail "transfer not exact"; }
cat "$T/peer.log"
grep "session #1: closed cleanly" "$T/client.log" || fail "no clean close"
R=$(grep -c ": reset" "$T/relay.log" || true)
S=$(grep -c ": stall" "$T/relay.log" || true)
echo "relay: $R connections reset, $S stalled"
[ "$R" -ge 2 ] && [ "$S" -ge 2 ] || fail "too few faults injected"
exit 0
