"""Goodput and set-up latency through a TCP path (bench/run-tunnel.sh).

  tunnel_xfer.py sink PORT [ADDR]
      Listen on ADDR (default 127.0.0.1) and PORT.  For each connection: read 1 byte of mode and 8 of length N; "U":
      read N bytes, then send 8 bytes (N) and close; "D": send N bytes
      then close; "P": ping, echo 1 byte back, then close.
  tunnel_xfer.py run HOST:PORT MODE N [USER PASS DEST]
      Do one transfer (or ping) and print the seconds it took; with
      USER PASS DEST, HOST:PORT is a SOCKS5 proxy (obfs4proxy) asked
      for DEST with that user name and password.
"""
import os
import socket
import struct
import sys
import threading
import time

BUF = memoryview(os.urandom(1 << 20))


def recv_exact(s, n):
    got = 0
    while got < n:
        d = s.recv(min(1 << 20, n - got))
        if not d:
            raise ConnectionError("short read: %d of %d" % (got, n))
        got += len(d)


def sendn(s, n):
    while n > 0:
        k = min(n, len(BUF))
        s.sendall(BUF[:k])
        n -= k


def handle(c):
    try:
        hdr = b""
        while len(hdr) < 9:
            d = c.recv(9 - len(hdr))
            if not d:
                return
            hdr += d
        mode, n = hdr[:1], struct.unpack(">Q", hdr[1:])[0]
        if mode == b"U":
            recv_exact(c, n)
            c.sendall(struct.pack(">Q", n))
        elif mode == b"D":
            sendn(c, n)
        else:
            c.sendall(b"p")
    except OSError:
        pass
    finally:
        c.close()


def sink(port, addr="127.0.0.1"):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(128)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()


def socks5(s, user, pw, dest):
    host, port = dest.rsplit(":", 1)
    s.sendall(b"\x05\x01\x02")
    if s.recv(2) != b"\x05\x02":
        raise ConnectionError("SOCKS5: no user/password method")
    u, p = user.encode(), pw.encode()
    s.sendall(b"\x01" + bytes([len(u)]) + u + bytes([len(p)]) + p)
    if s.recv(2)[1:] != b"\x00":
        raise ConnectionError("SOCKS5: authentication refused")
    s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(host) +
              struct.pack(">H", int(port)))
    r = s.recv(10)
    if len(r) < 2 or r[1] != 0:
        raise ConnectionError("SOCKS5: connect refused")


def run(addr, mode, n, socks=None):
    host, port = addr.rsplit(":", 1)
    t0 = time.monotonic()
    s = socket.create_connection((host, int(port)))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if socks:
        socks5(s, *socks)
    s.sendall(mode.encode() + struct.pack(">Q", n))
    if mode == "U":
        sendn(s, n)
        recv_exact(s, 8)
    elif mode == "D":
        recv_exact(s, n)
    else:
        recv_exact(s, 1)
    dt = time.monotonic() - t0
    s.close()
    return dt


def main():
    if sys.argv[1] == "sink":
        sink(int(sys.argv[2]), *sys.argv[3:4])
        return 0
    socks = sys.argv[5:8] if len(sys.argv) > 5 else None
    print("%.4f" % run(sys.argv[2], sys.argv[3], int(sys.argv[4]), socks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
