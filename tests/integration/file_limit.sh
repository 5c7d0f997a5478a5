#!/bin/sh
# The file limit and -n (progopts_files):
#   - dust server with its default -n 10000 (2 descriptors each, plus 16)
#     under a hard limit of 256 warns once, naming both numbers, lowers -n
#     to (256 - 16) / 2 = 120, raises its soft limit from 128 to 256, and
#     holds at most 120 connections (130 are made);
#   - dust server -n 50 under soft 64, hard 1000 raises its soft limit to
#     50 * 2 + 16 = 116, without a warning;
#   - pipemuxd -n 500 (1 descriptor each) under hard 256 lowers -n to 240.
. tests/lib.sh
. tests/tunnel_lib.sh
tunnel_invite tests/models/long.json
TP=$(free_port)

# limits PID: the soft and hard "Max open files" of PID.
limits() { awk '/^Max open files/ { print $4, $5 }' "/proc/$1/limits"; }

spawn server sh -c 'ulimit -S -n 128 && ulimit -H -n 256 && exec "$0" "$@"' \
    "$D" server -F -v -s "[127.0.0.1]:$SP" -t "[127.0.0.1]:$TP" \
    -k "$T/key" -i "$T/invite"
wait_port "$SP"
want="-n 10000 needs 20016 open files, but the hard limit is 256: -n lowered to 120"
grep -qF -- "$want" "$T/server.log" || fail "no warning '$want'"
[ "$(grep -c "open files" "$T/server.log")" = 1 ] || fail "more than one warning"
[ "$(limits "$PID_server")" = "256 256" ] ||
	fail "soft limit not raised: $(limits "$PID_server")"
$PY - "$SP" <<'PYEOF' || fail "the lowered -n was not held"
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1])))
         for _ in range(130)]
time.sleep(2)
PYEOF
grep -qF -- "-n 120 reached (connections): not accepting more" "$T/server.log" ||
	fail "the server did not stop at 120 connections"
kill "$PID_server"

SP=$(free_port)
spawn server2 sh -c 'ulimit -S -n 64 && ulimit -H -n 1000 && exec "$0" "$@"' \
    "$D" server -F -n 50 -s "[127.0.0.1]:$SP" -t "[127.0.0.1]:$TP" \
    -k "$T/key" -i "$T/invite"
wait_port "$SP"
[ "$(limits "$PID_server2")" = "116 1000" ] ||
	fail "soft limit for -n 50: $(limits "$PID_server2"), not 116 1000"
! grep -q "open files" "$T/server2.log" || fail "a warning for -n 50"

MP=$(free_port)
spawn pipemuxd sh -c 'ulimit -n 256 && exec "$0" "$@"' \
    "$DUST_BIN/pipemuxd" -F -n 500 -s "[127.0.0.1]:$MP" \
    -p "1:[127.0.0.1]:$TP"
wait_port "$MP"
want="-n 500 needs 516 open files, but the hard limit is 256: -n lowered to 240"
grep -qF -- "$want" "$T/pipemuxd.log" || fail "pipemuxd: no warning '$want'"
echo "ok: -n lowered to fit the hard limit, soft limit raised to what -n needs"
exit 0
