#!/bin/sh
# Extend end to end (issue #5: a session "Extends when sequence numbers
# run out"): dust client and dust server with -m 16 (at most 16
# application bytes per Data message, an operator option) carry
# EXTEND_KB kB each way through one session, so each direction sends more
# than 65,536 Data messages and the 16-bit sequence numbers wrap; the
# session must move to new IDs (Extend at 49,152 messages under one ID)
# and deliver both streams exactly (SHA-256 at both ends), over more than
# one connection (tests/models/rotate.json: 1.5 to 2.5 s each).  Run twice:
# straight, and through tests/tunnel_relay.py, which resets and stalls
# connections (seeded), so Extend requests and their Okays are lost with
# connections and Data in flight under old IDs is sent again.
. tests/lib.sh
. tests/tunnel_lib.sh
KB=${EXTEND_KB:-4000}
CHUNK=16
BYTES=$((KB * 1000))
# Each Data message holds at most CHUNK bytes: this many at least.
MSGS=$(( (BYTES + CHUNK - 1) / CHUNK ))
[ "$MSGS" -gt 65536 ] || fail "EXTEND_KB=$KB is too small to wrap"
echo "at least $MSGS Data messages each way"

# run TAG [RELAY_SEED]: one session, straight or through the relay.
run() {
	TAG=_$1
	tunnel_invite tests/models/rotate.json
	tunnel_server -m $CHUNK
	TO=$SP
	if [ $# -gt 1 ]; then
		tunnel_relay "$2" 0.1 0.6
		TO=$RP
	fi
	tunnel_client -c 3 -m $CHUNK -t "[127.0.0.1]:$TO" --linger 0
	s0=$(date +%s)
	timeout 60 $PY tests/tunnel_peer.py client "$CP" 1 $BYTES $BYTES 3 \
	    > "$T/peer_$1.log" 2>&1 || { tail -n 20 "$T/peer_$1.log" \
	    "$T/client_$1.log"; fail "$1: transfer not exact"; }
	echo "$1: $(cat "$T/peer_$1.log") in $(( $(date +%s) - s0 )) s"
	for side in client server; do
		L=$(wait_line "$T/${side}_$1.log" "session #1: closed cleanly" 60)
		E=$(echo "$L" | sed -n 's/.* \([0-9]*\) extends$/\1/p')
		echo "$1: $side: $L"
		# No ID may carry more than 65,536 message numbers.
		[ "${E:-0}" -ge $((MSGS / 65536)) ] ||
		    fail "$1: $side: $E extends for $MSGS messages"
	done
	N=$(grep -o 'closed cleanly after [0-9]* ms, [0-9]* connections' \
	    "$T/client_$1.log" | awk '{print $6}')
	[ "$N" -ge 2 ] || fail "$1: the session never changed connections"
	kill "$(eval echo \$PID_client_$1)" "$(eval echo \$PID_server_$1)"
}

run straight
if [ "${EXTEND_RELAY:-1}" = 1 ]; then
	# Twice the bytes through the relay: it cuts each connection within
	# 0.6 s, so the faults injected grow with the transfer's length (4
	# MB took 5 s, 5 connections and 4 faults once the tunnel got faster;
	# 8 MB gives about 10).
	BYTES=$((2 * BYTES))
	run relay 11
	R=$(grep -c ": reset" "$T/relay_relay.log" || true)
	S=$(grep -c ": stall" "$T/relay_relay.log" || true)
	echo "relay: $R connections reset, $S stalled"
	[ "$R" -ge 2 ] && [ "$S" -ge 1 ] || fail "too few faults injected"
fi
exit 0
