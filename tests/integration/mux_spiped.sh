# pipemux and pipemuxd through real spiped (the chain of the man pages,
# without coverpipe): pipemux -> spiped -e -> spiped -d -> pipemuxd -> echo.
# 4 connections at once, 5 MiB each way, sha256 checked; then SIGTERM.
. tests/lib.sh
command -v spiped >/dev/null || skip "spiped is not installed"
PY=/usr/bin/python3
dd if=/dev/urandom of="$T/key" bs=32 count=1 2>/dev/null
E=$(free_port); D=$(free_port); SD=$(free_port); SE=$(free_port); L=$(free_port)

cat > "$T/echo.py" <<'EOF'
import socket, sys, threading
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
def echo(c):
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.shutdown(socket.SHUT_WR)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
EOF
spawn echo $PY "$T/echo.py" "$E"
spawn pipemuxd "$DUST_BIN/pipemuxd" -F -v -s "[127.0.0.1]:$D" \
    -p "1:[127.0.0.1]:$E"
spawn spiped_d spiped -F -d -s "[127.0.0.1]:$SD" -t "[127.0.0.1]:$D" \
    -k "$T/key"
spawn spiped_e spiped -F -e -s "[127.0.0.1]:$SE" -t "[127.0.0.1]:$SD" \
    -k "$T/key"
wait_port "$E"; wait_port "$D"; wait_port "$SD"; wait_port "$SE"
spawn pipemux "$DUST_BIN/pipemux" -F -v -t "[127.0.0.1]:$SE" \
    -p "1:[127.0.0.1]:$L"
wait_port "$L"
sleep 0.5

$PY - "$L" <<'EOF' || { tail -5 "$T/pipemux.log" "$T/pipemuxd.log"; fail "transfer"; }
import hashlib, random, socket, sys, threading
port = int(sys.argv[1])
res = {}
def one(seed):
    data = random.Random(seed).randbytes(5 << 20)
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.settimeout(60)
    got = []
    def reader():
        while True:
            d = s.recv(65536)
            if not d:
                break
            got.append(d)
    t = threading.Thread(target=reader)
    t.start()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    t.join()
    res[seed] = hashlib.sha256(b"".join(got)).digest() == \
        hashlib.sha256(data).digest()
ts = [threading.Thread(target=one, args=(i,)) for i in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
print("transfers:", res)
sys.exit(0 if len(res) == 4 and all(res.values()) else 1)
EOF

for p in pipemux pipemuxd; do
	eval "pid=\$PID_$p"
	kill -TERM "$pid"
	rc=0; wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "$p exit status $rc after SIGTERM"
done
echo "ok: 4 x 5 MiB through pipemux, spiped -e, spiped -d, pipemuxd"
