"""A TCP relay that breaks connections (for the tunnel tests; not a test).

  tunnel_relay.py LISTEN_PORT TARGET_PORT SEED [CUT_MIN CUT_MAX]

Each connection is relayed both ways; after a random time in
[CUT_MIN, CUT_MAX] seconds (default 0.2 to 1.5) it meets its fate, drawn
with the seeded generator: 40% reset (both sockets closed with SO_LINGER
0, so both ends see RST, whatever is in flight lost), 30% silent stall
(nothing more is forwarded, both sockets stay open until their owners
close them), 30% left alone.  A line per connection goes to stdout.
"""
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
    stalled = set()
    n = 0
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
                print("connection %d: %s" % (n, kind), flush=True)
                pairs[a], pairs[b] = b, a
                for x in (a, b):
                    x.setblocking(False)
                    sel.register(x, selectors.EVENT_READ, n)
                continue
            peer = pairs.get(s)
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if not d:
                # An end closed: reset both (the relay keeps no half-open).
                for x in (s, peer):
                    if x in pairs:
                        sel.unregister(x)
                        del pairs[x]
                        rst(x)
                fate.pop(key.data, None)
                continue
            if key.data in stalled:
                continue
            try:
                peer.setblocking(True)
                peer.sendall(d)
                peer.setblocking(False)
            except OSError:
                pass
        now = time.monotonic()
        for cid, (deadline, kind, a, b) in list(fate.items()):
            if deadline > now:
                continue
            del fate[cid]
            if kind == "reset" and a in pairs:
                for x in (a, b):
                    sel.unregister(x)
                    del pairs[x]
                    rst(x)
            elif kind == "stall":
                stalled.add(cid)


if __name__ == "__main__":
    main()
