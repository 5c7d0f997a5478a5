#!/bin/sh
# dust client -> fault-injecting relay -> dust server: the relay
# (tests/tunnel_relay.py, seeded) resets connections (RST, data in flight
# lost) or stalls them silently at random points; 50 MB each way through
# one session must still arrive exactly (SHA-256 at both ends), the lost
# data sent again on later connections.
. tests/lib.sh
. tests/tunnel_lib.sh
MB=${TUNNEL_MB:-50}
tunnel_invite tests/models/rotate.json
tunnel_server
tunnel_relay 7
tunnel_client -c 3 -t "[127.0.0.1]:$RP" --linger 0
BYTES=$((MB * 1000000))
timeout 150 $PY tests/tunnel_peer.py client "$CP" 1 $BYTES $BYTES 2 \
    > "$T/peer.log" 2>&1 || { tail -20 "$T/peer.log" "$T/client.log"; \
    fail "transfer not exact"; }
cat "$T/peer.log"
wait_line "$T/client.log" "session #1: closed cleanly" 60
R=$(grep -c ": reset" "$T/relay.log" || true)
S=$(grep -c ": stall" "$T/relay.log" || true)
echo "relay: $R connections reset, $S stalled"
[ "$R" -ge 2 ] && [ "$S" -ge 2 ] || fail "too few faults injected"
exit 0
