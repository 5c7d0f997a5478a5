#!/bin/sh
# Limits and failures an operator meets:
#   - dust server -n 3 holds at most 3 connections at once (logs that it
#     stopped accepting) and accepts again when one ends;
#   - a dust client whose server does not answer resets the application
#     connection after its reconnect attempts (7 in about 6 s), logging
#     why.
. tests/lib.sh
. tests/tunnel_lib.sh
TP=$(free_port); CP=$(free_port)
tunnel_invite tests/models/long.json
spawn server "$D" server -F -v -n 3 -s "[127.0.0.1]:$SP" \
    -t "[127.0.0.1]:$TP" -k "$T/key" -i "$T/invite"
wait_port "$SP"
$PY - "$SP" "$PID_server" <<'PYEOF' || fail "connection limit"
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
def held():
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n - 1    # the listening socket
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(5)]
time.sleep(1)
print("held with 5 connecting: %d" % held())
if held() != 3:
    sys.exit(1)
socks[0].close()
time.sleep(1)
print("held after one closed: %d" % held())
if held() != 3:
    sys.exit(1)
PYEOF
grep -qF -- "-n 3 reached (connections): not accepting more" "$T/server.log" ||
	fail "the server did not log its limit"

# A client whose server is gone.
kill "$PID_server"
spawn client "$D" client -F -v -s "[127.0.0.1]:$CP" -i "$T/invite"
wait_port "$CP"
$PY - "$CP" <<'PYEOF' || fail "the application connection was not closed"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(20)
t0 = time.monotonic()
try:
    d = s.recv(1)
except (ConnectionResetError, socket.timeout) as e:
    d = e
dt = time.monotonic() - t0
print("application connection ended after %.1f s: %r" % (dt, d))
sys.exit(0 if dt < 15 and not isinstance(d, socket.timeout) else 1)
PYEOF
grep "cannot reach the server" "$T/client.log" || fail "no reason logged"
exit 0
