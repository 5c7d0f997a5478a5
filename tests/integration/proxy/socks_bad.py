"""Malformed SOCKS5 exchanges against proxymux (proxy_chain.sh): each
must get the reply RFC 1928 gives it (or a plain close), within 5 s,
and proxymux must stay up; then 262 silent clients test the front end's
limit and timeout (skipped with --cases-only: dust client --socks runs
the same front end, common/socksfront.c, and tunnel_socks.sh checks only
the cases).  Usage: socks_bad.py SOCKS_PORT [--cases-only]"""
import random
import socket
import sys
import time

PORT = int(sys.argv[1])
GREET = b"\x05\x01\x00"


def reply(code):
    return bytes([5, code, 0, 1, 0, 0, 0, 0, 0, 0])


# name, bytes to send, whether to half-close after, bytes expected (then EOF)
CASES = [
    ("greeting of SOCKS version 4", b"\x04\x01\x00\x50\x7f\x00\x00\x01\x00",
     False, b""),
    ("no acceptable method", b"\x05\x01\x02", False, b"\x05\xff"),
    ("BIND command", GREET + b"\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50",
     False, b"\x05\x00" + reply(0x07)),
    ("UDP ASSOCIATE command",
     GREET + b"\x05\x03\x00\x01\x7f\x00\x00\x01\x00\x50", False,
     b"\x05\x00" + reply(0x07)),
    ("address type 5", GREET + b"\x05\x01\x00\x05\x7f\x00\x00\x01\x00\x50",
     False, b"\x05\x00" + reply(0x08)),
    ("request of version 4", GREET + b"\x04\x01\x00\x01\x7f\x00\x00\x01\x00"
     b"\x50", False, b"\x05\x00" + reply(0x01)),
    ("empty domain name", GREET + b"\x05\x01\x00\x03\x00\x00\x50", False,
     b"\x05\x00" + reply(0x04)),
    ("domain name with a NUL", GREET + b"\x05\x01\x00\x03\x03a\x00b\x00\x50",
     False, b"\x05\x00" + reply(0x04)),
    ("bad command, with bytes after it",
     GREET + b"\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50" + b"x" * 5000,
     False, b"\x05\x00" + reply(0x07)),
    ("truncated greeting", b"\x05\x02\x00", True, b""),
    ("truncated request", GREET + b"\x05\x01\x00\x03\x10abc", True,
     b"\x05\x00"),
    ("64 KiB of random bytes", bytes([0x16]) +
     random.Random(3).randbytes(65535), False, b""),
]

bad = 0
for name, data, halfclose, want in CASES:
    c = socket.create_connection(("127.0.0.1", PORT), 5)
    c.settimeout(5)
    try:
        c.sendall(data)
    except OSError:
        pass  # Refused midway: what was read back still counts.
    if halfclose:
        c.shutdown(socket.SHUT_WR)
    got = b""
    ended = False
    t0 = time.monotonic()
    try:
        while True:
            d = c.recv(4096)
            if not d:
                ended = True
                break
            got += d
    except ConnectionResetError:
        ended = True
    except socket.timeout:
        pass
    c.close()
    ok = ended and got == want
    print("%-36s %s: got %r%s (%.2f s)" % (
        name, "ok" if ok else "WRONG", got[:24],
        "" if ended else ", no close", time.monotonic() - t0))
    bad += not ok

if sys.argv[2:] == ["--cases-only"]:
    sys.exit(1 if bad else 0)

# Clients that say nothing: 256 are kept in the exchange (SOCKSFRONT_MAX)
# and closed after proxymux's 10 s limit; those beyond are closed at once.
time.sleep(0.5)   # Refused clients above have finished lingering.
silent = []
for i in range(262):
    s = socket.create_connection(("127.0.0.1", PORT), 5)
    silent.append(s)
t0 = time.monotonic()
quick = 0
for s in silent[256:]:
    s.settimeout(2)
    try:
        quick += s.recv(16) == b""
    except socket.timeout:
        pass
ok = quick == 6
print("%-36s %s: %d of the 6 beyond 256 closed at once" % (
    "262 silent clients", "ok" if ok else "WRONG", quick))
bad += not ok
kept = 0
for s in silent[:256]:
    s.settimeout(max(0.1, 14 - (time.monotonic() - t0)))
    try:
        kept += s.recv(16) == b""
    except (socket.timeout, ConnectionResetError):
        pass
dt = time.monotonic() - t0
ok = kept == 256 and 9 <= dt <= 14
print("%-36s %s: %d closed, the last after %.1f s" % (
    "... the first 256", "ok" if ok else "WRONG", kept, dt))
bad += not ok
for s in silent:
    s.close()
sys.exit(1 if bad else 0)
