#!/usr/bin/python3
"""Throughput helper for bench/run-mux.sh.

  mux_xfer.py sink PORT             count bytes of each connection, forever
  mux_xfer.py send PORT MIB [N]     N connections at once, MIB MiB each;
                                    prints the aggregate MiB/s
"""
import socket
import sys
import threading
import time


def sink(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)

    def drain(c):
        buf = bytearray(1 << 20)
        n = 0
        while True:
            k = c.recv_into(buf)
            if not k:
                break
            n += k
        # Report the count so the sender knows every byte arrived.
        c.sendall(str(n).encode())
        c.close()
    while True:
        c, _ = ls.accept()
        threading.Thread(target=drain, args=(c,), daemon=True).start()


def send(port, mib, n):
    block = memoryview(bytes(1 << 20))
    ok = []

    def one():
        s = socket.create_connection(("127.0.0.1", port))
        for _ in range(mib):
            s.sendall(block)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            d = s.recv(64)
            if not d:
                break
            got += d
        ok.append(int(got or b"0") == mib << 20)
        s.close()
    t0 = time.time()
    ts = [threading.Thread(target=one) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.time() - t0
    if not all(ok) or len(ok) != n:
        print("ERROR: bytes lost")
        sys.exit(1)
    print("%.1f" % (n * mib / dt))


if sys.argv[1] == "sink":
    sink(int(sys.argv[2]))
else:
    send(int(sys.argv[2]), int(sys.argv[3]),
         int(sys.argv[4]) if len(sys.argv) > 4 else 1)
