#!/bin/sh
# dust client whose connects to the server fail at once backs off (100 ms,
# doubling to 5 s), and both programs end cleanly on SIGTERM and SIGINT:
#   1. ECONNREFUSED: the invite names a loopback port nobody listens on;
#      five application connections arrive together.  Over $SECS s the
#      client uses less than $CPU_MAX % of a core (CPU time from
#      /proc/PID/stat), makes at most $TRIES_MAX connects after the first
#      five (the schedule 0, 0.1, 0.3, 0.7, 1.5, 3.1, 6.3 s has 6 in 6 s,
#      one more for a slow machine) and logs at most $LINES_MAX lines
#      (two per connect, an open and an end per session, the warning).
#      Then SIGTERM ends it within 2 s with exit 0 (ASan finds no leak).
#   1b. ENETUNREACH (in a network namespace of its own holding only lo,
#      if one can be made): the same bounds, then SIGTERM.
#   2. EMFILE: the client's file limit is lowered (prlimit) to the lowest
#      free descriptor + 3, so that the application connection and the
#      session's socketpair (docs/streams.md) take the last three and
#      every connect fails in socket(); the same bounds on
#      CPU and log lines hold; then, the limit restored for ASan's leak
#      check, SIGINT ends it within 2 s with exit 0.
#   3. dust server: SIGINT while idle, and SIGTERM while a client's
#      connection is open and it is at its file limit with more
#      connections waiting in the listen queue, end it within 2 s, exit 0.
. tests/lib.sh
. tests/tunnel_lib.sh
SECS=6
CPU_MAX=10
TRIES_MAX=7
LINES_MAX=$((2 * (5 + TRIES_MAX) + 2 * 5 + 1))
command -v prlimit > /dev/null || skip "no prlimit"
tunnel_invite uniform

# cpu_ticks PID: user + system CPU time of PID, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure NAME PID: check the CPU use and log lines of the client NAME
# (process PID) over $SECS s, while application connections are open.
measure() {
	c0=$(cpu_ticks "$2")
	sleep "$SECS"
	c1=$(cpu_ticks "$2")
	hz=$(getconf CLK_TCK)
	pct=$(( (c1 - c0) * 100 / (SECS * hz) ))
	lines=$(wc -l < "$T/$1.log")
	tries=$(grep -c "cannot reach the server" "$T/$1.log" || true)
	echo "$1: ${pct}% of a core over ${SECS} s, $lines log lines," \
	    "$tries failures logged"
	[ "$pct" -lt "$CPU_MAX" ] ||
		fail "$1 used ${pct}% of a core (limit ${CPU_MAX}%)"
	[ "$lines" -le "$LINES_MAX" ] ||
		fail "$1 logged $lines lines (limit $LINES_MAX)"
}

# stop NAME PID SIGNAL: send SIGNAL to PID; it must end within 2 s, exit 0.
stop() {
	kill -s "$3" "$2"
	i=0
	while alive "$2"; do
		i=$((i + 1))
		[ $i -le 20 ] || fail "$1 still runs 2 s after SIG$3"
		sleep 0.1
	done
	rc=0; wait "$2" || rc=$?
	[ $rc -eq 0 ] || { tail -30 "$T/$1.log"; fail "$1: exit $rc after SIG$3"; }
	echo "$1: SIG$3: ended, exit 0"
}

# lowest_free PID: the lowest file descriptor PID does not use.
lowest_free() {
	$PY -c 'import os, sys
fds = set(int(f) for f in os.listdir("/proc/%s/fd" % sys.argv[1]))
print(min(set(range(len(fds) + 1)) - fds))' "$1"
}

# hold PORT N: open N connections to PORT, each sending a byte, and keep
# them open until killed (the output is "open" once they are); in the
# network namespace $AT enters ("ip netns exec NS") if set.
AT=
hold() {
	exec $AT $PY -c 'import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    for _ in range(int(sys.argv[2]))]
for c in s:
    c.send(b"x")
print("open", flush=True)
time.sleep(600)' "$1" "$2"
}

# 1. ECONNREFUSED.
tunnel_client
spawn app1 hold "$CP" 5
measure client "$PID_client"
grep -q "cannot reach the server: connect failed (Connection refused)" \
    "$T/client.log" || { cat "$T/client.log"; fail "no reason logged"; }
n=$(grep -c "connection #[0-9]*: connect failed" "$T/client.log" || true)
[ "$n" -le $((5 + TRIES_MAX)) ] ||
	fail "$n connects in ${SECS} s (limit $((5 + TRIES_MAX)))"
stop client "$PID_client" TERM

# 1b. ENETUNREACH: in a network namespace of the test's own holding only
# lo, the invite's address 192.0.2.1 (TEST-NET-1) has no route, so
# connect() fails at once and nothing can leave the namespace.
NS=dcb$$
if [ "$(id -u)" = 0 ] && ip netns add "$NS" 2> /dev/null; then
	trap 'cleanup; ip netns del "$NS" 2> /dev/null || true' EXIT
	ip -n "$NS" link set lo up
	"$D" invite -k "$T/key" -a 192.0.2.1:443 -m uniform > "$T/invite5"
	CP=$(free_port)
	spawn client5 ip netns exec "$NS" "$D" client -F -v \
	    -s "[127.0.0.1]:$CP" -i "$T/invite5"
	wait_port "$CP" 10 "ip netns exec $NS"
	AT="ip netns exec $NS"
	spawn app5 hold "$CP" 1
	AT=
	measure client5 "$PID_client5"
	grep -q "cannot reach the server: Network is unreachable" \
	    "$T/client5.log" || { cat "$T/client5.log"; fail "no ENETUNREACH"; }
	stop client5 "$PID_client5" TERM
else
	echo "note: no network namespace here: the ENETUNREACH case not run"
fi

# 2. EMFILE.
TAG=2; tunnel_client
sleep 0.5
prlimit --pid "$PID_client2" --nofile="$(( $(lowest_free "$PID_client2") + 3 )):"
spawn app2 hold "$CP" 1
measure client2 "$PID_client2"
grep -q "cannot reach the server: Too many open files" "$T/client2.log" ||
	{ cat "$T/client2.log"; fail "no EMFILE logged"; }
prlimit --pid "$PID_client2" --nofile=1024:
stop client2 "$PID_client2" INT

# 3. dust server.
TAG=3; tunnel_server
stop server3 "$PID_server3" INT
TAG=4; tunnel_server
sleep 0.5
prlimit --pid "$PID_server4" --nofile="$(( $(lowest_free "$PID_server4") + 1 )):"
spawn app4 hold "$SP" 3
sleep 1
stop server4 "$PID_server4" TERM
exit 0
