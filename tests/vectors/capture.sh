# What the scripts that capture test vectors share (make-tls13-hellos.sh,
# make-ssh-hellos.sh): source it after tests/lib.sh ($T, spawn, free_port,
# fail).  A relay (tests/vectors/relay.py) on 127.0.0.1 passes each
# connection to the server and writes what each side sent to $T/flights,
# a line a connection; the script names each connection in $T/names.

# start_relay DPORT MODE: start the relay to 127.0.0.1:DPORT, keeping all
# bytes or the first flights (MODE all or first); its port is in $RPORT.
start_relay() {
	RPORT=$(free_port)
	spawn relay /usr/bin/python3 "$DUST_ROOT/tests/vectors/relay.py" \
	    "$RPORT" "$1" "$T/flights" "$2"
	until grep -q "relay: ready" "$T/relay.log"; do sleep 0.1; done
}

# flights_wait K: wait until the relay has written K connections.
flights_wait() {
	w=0
	while [ "$(cat "$T/flights" 2>/dev/null | wc -l)" -lt "$1" ]; do
		w=$((w + 1))
		[ $w -lt 100 ] || fail "the relay did not record connection $1"
		sleep 0.1
	done
}

# flights_named NAME: name the connection the relay has just written.
flights_named() {
	echo "$1" >> "$T/names"
}

# flights_print: the vectors, "NAME client HEX" then "NAME server HEX" of
# each connection, in the format tests/unit/tlsvec.h reads.
flights_print() {
	paste -d' ' "$T/names" "$T/flights" | while read -r name c s; do
		echo "$name client $c"
		echo "$name server $s"
	done
}
