"""A SOCKS5 client for tunnel_socks.sh: ask for each destination given and
print one line per request, "HOST PORT CODE" (the reply code, or -1 if the
connection closed before a reply, -2 if it was reset).  With --closer N, open N connections at
once to the first destination, which closes each at once: each must end,
within 30 s, with reply 0 then EOF or a reset, with an error reply (when
the destination's reset came before the exit saw the connect succeed)
then EOF, or with a reset before the reply was read (the kernel drops
unread bytes on a reset); print how many ended each way.

  socks_code.py SOCKS_PORT HOST PORT [HOST PORT ...]
  socks_code.py SOCKS_PORT --closer N HOST PORT
"""
import socket
import struct
import sys


def request(sport, host, port):
    """Open a SOCKS connection to host:port; return (socket, reply code)."""
    c = socket.create_connection(("127.0.0.1", sport), 10)
    c.settimeout(30)
    c.sendall(b"\x05\x01\x00")
    if c.recv(2) != b"\x05\x00":
        return c, -1
    try:
        addr = b"\x01" + socket.inet_pton(socket.AF_INET, host)
    except OSError:
        try:
            addr = b"\x04" + socket.inet_pton(socket.AF_INET6, host)
        except OSError:
            addr = b"\x03" + bytes([len(host)]) + host.encode()
    c.sendall(b"\x05\x01\x00" + addr + struct.pack(">H", port))
    r = b""
    while len(r) < 10:
        try:
            d = c.recv(10 - len(r))
        except ConnectionResetError:
            return c, -2
        if not d:
            return c, -1
        r += d
    return c, r[1]


def main():
    sport = int(sys.argv[1])
    if sys.argv[2] == "--closer":
        n, host, port = int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
        conns = [request(sport, host, port) for _ in range(n)]
        after_ok = refused = reset = 0
        for c, code in conns:
            if code == -2:
                reset += 1
                continue
            try:
                ended = code >= 0 and c.recv(100) == b""
            except ConnectionResetError:
                ended = code >= 0
            if ended and code == 0:
                after_ok += 1
            elif ended:
                refused += 1
            c.close()
        print("%d of %d ended (%d after reply 0, %d with an error reply, "
              "%d reset before it)" % (after_ok + refused + reset, n,
                                       after_ok, refused, reset), flush=True)
        sys.exit(0 if after_ok + refused + reset == n else 1)
    args = sys.argv[2:]
    for i in range(0, len(args), 2):
        c, code = request(sport, args[i], int(args[i + 1]))
        c.close()
        print(args[i], args[i + 1], code, flush=True)


main()
