#!/bin/sh
# dust server and dust client: 50 MB each way through one Ensemble session
# whose model (tests/models/rotate.json) ends each connection after 1.5 to
# 2.5 s, so the session must Continue on new connections; SHA-256 checked
# at both ends.  The client's SIGUSR1 counters and -v session line are
# checked too (no payload in the logs).  The connection is one stream of
# the session (docs/streams.md); the client closes the session once it
# carries no stream (--linger 0).
. tests/lib.sh
. tests/tunnel_lib.sh
MB=${TUNNEL_MB:-50}
tunnel_invite tests/models/rotate.json
tunnel_server
tunnel_client --linger 0
BYTES=$((MB * 1000000))
timeout 120 $PY tests/tunnel_peer.py client "$CP" 1 $BYTES $BYTES 1 \
    > "$T/peer.log" 2>&1 || { cat "$T/peer.log" "$T/client.log" | tail -20; \
    fail "transfer not exact"; }
cat "$T/peer.log"
wait_line "$T/client.log" "session #1: closed cleanly"
wait_line "$T/server.log" "session #1: closed cleanly"
kill -USR1 "$PID_client"
sleep 0.3
N=$(grep -o 'closed cleanly after [0-9]* ms, [0-9]* connections' \
    "$T/client.log" | awk '{print $6}')
echo "connections used: $N"
[ "$N" -ge 2 ] || fail "the session never changed connections"
grep "sessions 1 open 0; connections" "$T/client.log" || fail "no counters"
# The application bytes the session carried: the stream's bytes (its
# header of 24 and trailer of 40 bytes included) and its frames (4 bytes
# a frame of at most 32,767 bytes, credit, open and close: under 0.2%).
set -- $(sed -n 's/.*real bytes out \([0-9]*\) in \([0-9]*\);.*/\1 \2/p' \
    "$T/client.log" | tail -1)
echo "session bytes: $1 out, $2 in, for $((BYTES + 24)) and $((BYTES + 40))"
[ "$1" -ge $((BYTES + 24)) ] && [ "$1" -le $((BYTES + BYTES / 500)) ] &&
    [ "$2" -ge $((BYTES + 40)) ] && [ "$2" -le $((BYTES + BYTES / 500)) ] ||
    fail "counters wrong"
exit 0
