"""proxymuxd's onward pacing, measured (proxy_chain.sh).  A sink on
127.0.0.1 timestamps every read; a SOCKS client sends it SIZE bytes at
once through proxymux.  proxymuxd runs with -r RATE -b BYTES, so the sink
must see chunks of at most BYTES, on the tick schedule (arrival times,
relative to the first, within TOL of a multiple of the tick), and the
transfer must take at least ceil(SIZE/BYTES) - 1 ticks.
Usage: rate.py SOCKS_PORT RATE BYTES SIZE"""
import math
import socket
import struct
import sys
import threading
import time

SOCKS, RATE, BYTES, SIZE = (int(a) for a in sys.argv[1:5])
TICK = 1.0 / RATE
TOL = 0.012              # s: an arrival this far from the schedule is late
MAX_LATE = 0.05          # at most 5% of the arrivals may be late
MAX_BIG = 0.05           # ... and at most 5% of the reads > BYTES (coalesced)

ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
sink_port = ls.getsockname()[1]
arrivals = []


def sink():
    c, _ = ls.accept()
    while True:
        d = c.recv(1 << 20)
        t = time.monotonic()
        if not d:
            break
        arrivals.append((t, len(d)))
    c.close()


th = threading.Thread(target=sink)
th.start()
c = socket.create_connection(("127.0.0.1", SOCKS), 5)
c.sendall(b"\x05\x01\x00")
assert c.recv(2) == b"\x05\x00"
c.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("127.0.0.1") +
          struct.pack(">H", sink_port))
r = b""
while len(r) < 10:
    r += c.recv(10 - len(r))
if r[1] != 0:
    sys.exit("SOCKS reply 0x%02x" % r[1])
c.sendall(bytes(range(256)) * (SIZE // 256))
c.shutdown(socket.SHUT_WR)
th.join(60)
c.close()

total = sum(n for _, n in arrivals)
t0 = arrivals[0][0]
late = 0
worst = 0.0
for t, n in arrivals:
    k = round((t - t0) / TICK)
    dev = abs((t - t0) - k * TICK)
    worst = max(worst, dev)
    if dev > TOL:
        late += 1
big = sum(1 for _, n in arrivals if n > BYTES)
span = arrivals[-1][0] - t0
need = (math.ceil(SIZE / BYTES) - 1) * TICK
print("%d bytes in %d reads over %.3f s (at least %.3f s due); largest "
      "read %d (limit %d), %d larger; %d of %d reads more than %.0f ms off "
      "the %.0f ms tick (worst %.1f ms)" % (
          total, len(arrivals), span, need, max(n for _, n in arrivals),
          BYTES, big, late, len(arrivals), TOL * 1000, TICK * 1000,
          worst * 1000))
ok = (total == SIZE and span >= need - TOL and late <= MAX_LATE *
      len(arrivals) and big <= MAX_BIG * len(arrivals) and
      max(n for _, n in arrivals) <= 2 * BYTES)
sys.exit(0 if ok else 1)
