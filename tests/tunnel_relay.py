"""A TCP relay that breaks connections (for the tunnel tests; not a test).

  tunnel_relay.py LISTEN_PORT TARGET_PORT SEED [CUT_MIN CUT_MAX [BYTES_MAX]]

Each connection is relayed both ways; after a random time in
[CUT_MIN, CUT_MAX] seconds (default 0.2 to 1.5) it meets its fate, drawn
with the seeded generator: 40% reset (both sockets closed with SO_LINGER
0, so both ends see RST, whatever is in flight lost), 30% silent stall
(nothing more is forwarded, both sockets stay open until their owners
close them), 30% left alone.  With BYTES_MAX, half of the connections
meet their fate (a reset or a stall, half each) sooner, in the middle of
a byte stream: once one direction (drawn) has carried N bytes, N drawn
log-uniformly in [1, BYTES_MAX], exactly N of them forwarded; small N
land in the Seattle handshake and the first Ensemble messages.  A line
per connection goes to stdout.
"""
import math
import random
import selectors
import socket
import struct
import sys
import time


def rst(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        s.close()
    except OSError:
        pass


def main():
    lport, tport, seed = map(int, sys.argv[1:4])
    cmin = float(sys.argv[4]) if len(sys.argv) > 4 else 0.2
    cmax = float(sys.argv[5]) if len(sys.argv) > 5 else 1.5
    bmax = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    rng = random.Random(seed)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(512)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    pairs = {}              # socket -> its peer
    fate = {}               # id -> (deadline, kind, a, b)
    early = {}              # id -> [socket whose bytes count, left, kind]
    stalled = set()
    n = 0

    def reset_pair(a, b):
        for x in (a, b):
            if x in pairs:
                sel.unregister(x)
                del pairs[x]
                rst(x)

    while True:
        now = time.monotonic()
        timeout = min([f[0] for f in fate.values()], default=now + 1) - now
        for key, _ in sel.select(max(timeout, 0)):
            s = key.fileobj
            if s is ls:
                try:
                    a, _ = ls.accept()
                except OSError:
                    continue
                b = socket.socket()
                try:
                    b.connect(("127.0.0.1", tport))
                except OSError:
                    rst(a)
                    continue
                n += 1
                kind = rng.choices(["reset", "stall", "none"],
                                   [4, 3, 3])[0]
                fate[n] = (now + rng.uniform(cmin, cmax), kind, a, b)
                line = "connection %d: %s" % (n, kind)
                if bmax and rng.random() < 0.5:
                    left = int(math.exp(rng.uniform(0, math.log(bmax))))
                    src = rng.choice([a, b])
                    ekind = rng.choice(["reset", "stall"])
                    early[n] = [src, left, ekind]
                    line += "; %s after %d bytes %s" % (
                        ekind, left, "up" if src is a else "down")
                print(line, flush=True)
                pairs[a], pairs[b] = b, a
                for x in (a, b):
                    x.setblocking(False)
                    sel.register(x, selectors.EVENT_READ, n)
                continue
            peer = pairs.get(s)
            if peer is None:
                continue
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if not d:
                # An end closed: reset both (the relay keeps no half-open).
                reset_pair(s, peer)
                fate.pop(key.data, None)
                early.pop(key.data, None)
                continue
            if key.data in stalled:
                continue
            e = early.get(key.data)
            hit = None
            if e is not None and e[0] is s:
                if len(d) >= e[1]:
                    d, hit = d[:e[1]], e[2]
                    del early[key.data]
                else:
                    e[1] -= len(d)
            try:
                peer.setblocking(True)
                peer.sendall(d)
                peer.setblocking(False)
            except OSError:
                pass
            if hit == "reset":
                reset_pair(s, peer)
                fate.pop(key.data, None)
            elif hit == "stall":
                stalled.add(key.data)
                fate.pop(key.data, None)
        now = time.monotonic()
        for cid, (deadline, kind, a, b) in list(fate.items()):
            if deadline > now:
                continue
            del fate[cid]
            if kind == "reset" and a in pairs:
                reset_pair(a, b)
            elif kind == "stall":
                stalled.add(cid)


if __name__ == "__main__":
    main()
