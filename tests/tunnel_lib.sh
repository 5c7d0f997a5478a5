# Set-up the tunnel tests share; source it after tests/lib.sh.  Skips the
# test if there is no dust binary.
PY=/usr/bin/python3
D=$DUST_BIN/dust
[ -x "$D" ] || skip "no dust binary"

# tunnel_invite MODEL: a server key in $T/key, and in $T/invite an invite
# for it with the model MODEL and a server on $SP (a free port).
tunnel_invite() {
	SP=$(free_port)
	[ -f "$T/key" ] || "$D" keygen -k "$T/key" > /dev/null
	"$D" invite -k "$T/key" -a "127.0.0.1:$SP" -m "$1" > "$T/invite"
}

# tunnel_server [OPTION...]: tests/tunnel_peer.py's target on $TP and a
# dust server (-F -v and OPTIONs) on $SP that connects to it, logs in
# $T/target$TAG.log and $T/server$TAG.log.
tunnel_server() {
	TP=$(free_port)
	spawn "target$TAG" $PY tests/tunnel_peer.py serve "$TP"
	spawn "server$TAG" "$D" server -F -v "$@" -s "[127.0.0.1]:$SP" \
	    -t "[127.0.0.1]:$TP" -k "$T/key" -i "$T/invite"
	wait_port "$TP"; wait_port "$SP"
}

# tunnel_client [OPTION...]: a dust client (-F -v and OPTIONs) on $CP (a
# free port), log in $T/client$TAG.log.
tunnel_client() {
	CP=$(free_port)
	spawn "client$TAG" "$D" client -F -v "$@" -s "[127.0.0.1]:$CP" \
	    -i "$T/invite"
	wait_port "$CP"
}

# tunnel_relay SEED [CUT_MIN CUT_MAX [BYTES_MAX]]: tests/tunnel_relay.py
# on $RP (a free port) in front of the server, log in $T/relay$TAG.log.
tunnel_relay() {
	RP=$(free_port)
	spawn "relay$TAG" $PY tests/tunnel_relay.py "$RP" "$SP" "$@"
	wait_port "$RP"
}
TAG=

# wait_line FILE PATTERN [SECONDS]: wait until a line of FILE matches the
# grep pattern PATTERN, up to SECONDS (default 20; a client closes its
# session once it has carried no stream for --linger ms, then Close is
# exchanged on the model's connections); print the line, or fail.
wait_line() {
	_i=0
	until grep "$2" "$1"; do
		_i=$((_i + 1))
		[ $_i -lt $(( ${3:-20} * 10 )) ] ||
		    fail "$1: no line matching '$2' within ${3:-20} s"
		sleep 0.1
	done
}
