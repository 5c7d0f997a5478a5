#!/bin/sh
# dust server and dust client: 50 MB each way through one Ensemble session
# whose model (tests/models/rotate.json) ends each connection after 1.5 to
# 2.5 s, so the session must Continue on new connections; SHA-256 checked
# at both ends.  The client's SIGUSR1 counters and -v session line are
# checked too (no payload in the logs).
. tests/lib.sh
. tests/tunnel_lib.sh
MB=${TUNNEL_MB:-50}
tunnel_invite tests/models/rotate.json
tunnel_server
tunnel_client
BYTES=$((MB * 1000000))
timeout 120 $PY tests/tunnel_peer.py client "$CP" 1 $BYTES $BYTES 1 \
    > "$T/peer.log" 2>&1 || { cat "$T/peer.log" "$T/client.log" | tail -20; \
    fail "transfer not exact"; }
cat "$T/peer.log"
sleep 0.5
kill -USR1 "$PID_client"
sleep 0.3
grep "session #1: closed cleanly" "$T/client.log" || fail "no clean close"
grep "session #1: closed cleanly" "$T/server.log" || fail "server: no clean close"
N=$(grep -o 'closed cleanly after [0-9]* ms, [0-9]* connections' \
    "$T/client.log" | awk '{print $6}')
echo "connections used: $N"
[ "$N" -ge 2 ] || fail "the session never changed connections"
grep "sessions 1 open 0; connections" "$T/client.log" || fail "no counters"
grep "real bytes out $((BYTES + 24)) in $((BYTES + 40))" "$T/client.log" || fail "counters wrong"
exit 0
