"""Both ends of the tunnel tests' application traffic (not a test itself).

  tunnel_peer.py serve PORT
      The target: for each connection, read a 24-byte header (seed, bytes
      up, bytes down), send `down` bytes drawn from seed*2+1 while hashing
      what comes up, and after the client's EOF send SHA-256 of it and its
      length (40 bytes), then close.

  tunnel_peer.py client PORT SESSIONS UP DOWN SEED
      Open SESSIONS connections at once, each sending UP bytes drawn from
      its seed*2 and then EOF, and check that exactly DOWN bytes of the
      target's stream came back, then the right trailer.  Print a line per
      failure and a summary; exit 0 only if every session was exact.
"""
import asyncio
import hashlib
import random
import struct
import sys

CHUNK = 1 << 16


def stream(seed, n):
    """The n bytes of stream ${seed}, in chunks."""
    rng = random.Random(seed)
    while n > 0:
        k = min(n, CHUNK)
        yield rng.randbytes(k)
        n -= k


async def handle(reader, writer):
    try:
        seed, up, down = struct.unpack(">QQQ", await reader.readexactly(24))

        async def send():
            for chunk in stream(seed * 2 + 1, down):
                writer.write(chunk)
                await writer.drain()

        async def recv():
            h, n = hashlib.sha256(), 0
            while True:
                d = await reader.read(CHUNK)
                if not d:
                    return h.digest(), n
                h.update(d)
                n += len(d)

        _, (digest, n) = await asyncio.gather(send(), recv())
        writer.write(digest + struct.pack(">Q", n))
        await writer.drain()
        writer.close()
    except (ConnectionError, asyncio.IncompleteReadError):
        writer.close()


async def serve(port):
    server = await asyncio.start_server(handle, "127.0.0.1", port,
                                        limit=CHUNK * 4, backlog=1024)
    async with server:
        await server.serve_forever()


async def one(port, seed, up, down):
    """One session; return None if exact, else what went wrong."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                   limit=CHUNK * 4)
    upload = hashlib.sha256()

    async def send():
        writer.write(struct.pack(">QQQ", seed, up, down))
        for chunk in stream(seed * 2, up):
            upload.update(chunk)
            writer.write(chunk)
            await writer.drain()
        writer.write_eof()

    async def recv():
        h, n, tail = hashlib.sha256(), 0, b""
        while True:
            d = await reader.read(CHUNK)
            if not d:
                break
            if n + len(d) > down:
                cut = max(down - n, 0)
                tail += d[cut:]
                d = d[:cut]
            h.update(d)
            n += len(d)
        return h.digest(), n, tail

    try:
        _, (digest, n, tail) = await asyncio.gather(send(), recv())
    except ConnectionError as e:
        return "connection failed: %s" % e
    writer.close()
    want = hashlib.sha256()
    for chunk in stream(seed * 2 + 1, down):
        want.update(chunk)
    if n != down:
        return "%d bytes down instead of %d" % (n, down)
    if digest != want.digest():
        return "bytes down differ (sha256)"
    if len(tail) != 40:
        return "trailer of %d bytes instead of 40" % len(tail)
    if tail[:32] != upload.digest() or struct.unpack(">Q", tail[32:])[0] != up:
        return "target got %d bytes up, or not the ones sent" % \
            struct.unpack(">Q", tail[32:])[0]
    return None


async def client(port, sessions, up, down, seed):
    results = await asyncio.gather(*[one(port, seed + i, up, down)
                                     for i in range(sessions)],
                                   return_exceptions=True)
    bad = 0
    for i, r in enumerate(results):
        if r is not None:
            bad += 1
            print("session %d: %s" % (i, r))
    print("%d of %d sessions exact (%d bytes up, %d down each)" %
          (sessions - bad, sessions, up, down))
    return 1 if bad else 0


def main():
    if sys.argv[1] == "serve":
        asyncio.run(serve(int(sys.argv[2])))
        return 0
    port, sessions, up, down, seed = map(int, sys.argv[2:7])
    return asyncio.run(client(port, sessions, up, down, seed))


if __name__ == "__main__":
    sys.exit(main())
