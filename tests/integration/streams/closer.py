"""A destination that closes every connection it accepts at once (for
tunnel_socks.sh): alternately with a FIN and with a reset.  One line per
connection in its log.  Usage: closer.py PORT"""
import socket
import struct
import sys

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
n = 0
while True:
    c, _ = s.accept()
    n += 1
    if n % 2 == 0:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
    c.close()
    print("closed", n, "reset" if n % 2 == 0 else "fin", flush=True)
