#!/usr/bin/python3
"""The TLS format's transcript vector, recomputed by independent references.

tests/vectors/tls-format-transcript.txt was made by libdust (the engine with
a TLS-format model, tests/unit/test_tlswire.c).  Here it is checked from the
text of docs/protocol.md ("Keys as points", "The TLS format", "The mark",
"The streams", "Records") alone, with the Python references that share no
code with lib/ (tests/ref/curve_ref.py, tests/ref/skein_ref.py) and a TLS
parser of its own:
  - the ClientHello is one handshake record; its key_share x25519 entry is
    X = X25519(x, 9), its random the mark of X in the hour E, its session
    id 32 bytes;
  - the ServerHello's key_share is Y = X25519(y, 9), its session id the
    client's; a ChangeCipherSpec follows, then application_data records;
  - K from X25519(x, Y), X25519(x, B), the SID, X and Y;
  - the server's records' bodies, in order, are confirmation || IV_s ||
    Seattle records (padding, then "hello, client"), MACs and zeros
    checked; the client's ChangeCipherSpec is followed by a Finished-sized
    record (hash + 21 bytes for the suite), and the client's bodies are
    CC || IV_c || records carrying "hello, server".
Exit 0 on success, 1 with the first mismatch named.
"""
import os
import sys

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests", "ref"))
import curve_ref  # noqa: E402
import skein_ref  # noqa: E402

VECTOR = os.path.join(ROOT, "tests", "vectors", "tls-format-transcript.txt")


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def check(what, got, want):
    if got != want:
        fail("%s: %s != %s" % (what, got.hex(), want.hex()))


def records(wire):
    """The TLS records of ${wire}: (type, body) pairs."""
    out, off = [], 0
    while off < len(wire):
        if len(wire) - off < 5 or wire[off + 1:off + 3] != b"\x03\x03" and \
                not (off == 0 and wire[1:3] == b"\x03\x01"):
            fail("record header at %d" % off)
        n = int.from_bytes(wire[off + 3:off + 5], "big")
        out.append((wire[off], wire[off + 5:off + 5 + n]))
        off += 5 + n
    if off != len(wire):
        fail("records overrun the wire")
    return out


def hello(body, client):
    """random, session id, suite (server) and the x25519 key share of a
    ClientHello or ServerHello handshake message ${body}."""
    if body[0] != (1 if client else 2):
        fail("handshake type %d" % body[0])
    if int.from_bytes(body[1:4], "big") != len(body) - 4:
        fail("handshake length")
    p = 6
    random = body[p:p + 32]
    p += 32
    sid = body[p + 1:p + 1 + body[p]]
    p += 1 + body[p]
    if client:
        p += 2 + int.from_bytes(body[p:p + 2], "big")   # cipher suites
        p += 1 + body[p]                               # compression
        suite = None
    else:
        suite = int.from_bytes(body[p:p + 2], "big")
        p += 3
    end = p + 2 + int.from_bytes(body[p:p + 2], "big")
    p += 2
    key = None
    while p < end:
        t = int.from_bytes(body[p:p + 2], "big")
        n = int.from_bytes(body[p + 2:p + 4], "big")
        ext = body[p + 4:p + 4 + n]
        p += 4 + n
        if t != 0x33:
            continue
        q = 2 if client else 0
        while q < len(ext):
            g = int.from_bytes(ext[q:q + 2], "big")
            k = int.from_bytes(ext[q + 2:q + 4], "big")
            if g == 0x1d:
                key = ext[q + 4:q + 4 + k]
            q += 4 + k
    if p != end or end != len(body) or key is None or len(key) != 32:
        fail("hello extensions or x25519 key share")
    return random, sid, suite, key


def seattle_records(K, iv, stream, want):
    """Decrypt the Seattle records of ${stream}: padding, and one data
    record carrying ${want}."""
    ks = skein_ref.stream(K, iv, len(stream))
    p = bytes(a ^ b for a, b in zip(stream, ks))
    off, data = 0, b""
    while off < len(p):
        n = int.from_bytes(p[off:off + 2], "big")
        rec = p[off + 2:off + 2 + n]
        if n < 33 or len(rec) != n:
            fail("Seattle record LEN %d at %d" % (n, off))
        if rec[0] == 1:
            check("data record MAC", rec[1 + len(rec) - 33:],
                  skein_ref.skein256(p[off:off + 2] + rec[:-32], 32, key=K))
            data += rec[1:-32]
        elif rec[0] == 0:
            check("padding record", rec, bytes(n))
        else:
            fail("Seattle record FLAGS %d" % rec[0])
        off += 2 + n
    check("data", data, want)


def keys(path):
    """The transcript vector at ${path}: a dict of its values, and of what
    docs/protocol.md derives from them: B, X, Y (X25519 of the secrets with
    the base point), M (the mark of X in the hour E), K (the DH values
    checked both ways), conf and cc (the server's and the client's
    codes)."""
    v = {}
    for line in open(path, encoding="ascii"):
        if not line.startswith("#"):
            k, val = line.rstrip("\n").split(" = ", 1)
            v[k] = bytes.fromhex(val)
    sid, b, x, y, E = (v["sid"], v["server_static_secret_b"],
                       v["client_ephemeral_secret_x"],
                       v["server_ephemeral_secret_y"], v["mark_epoch_E"])
    base = curve_ref.encode(9)
    B = curve_ref.x25519(b, base)
    X, Y = curve_ref.x25519(x, base), curve_ref.x25519(y, base)
    MK = skein_ref.skein256(B + sid + b"dust mark key", 32)
    dh1, dh2 = curve_ref.x25519(x, Y), curve_ref.x25519(x, B)
    check("X25519(x, Y) = X25519(y, X)", dh1, curve_ref.x25519(y, X))
    check("X25519(x, B) = X25519(b, X)", dh2, curve_ref.x25519(b, X))
    K = skein_ref.skein256(dh1 + dh2 + sid + X + Y + b"ntor", 32)
    v.update(B=B, X=X, Y=Y, K=K,
             M=skein_ref.skein256(X + E + b"dust mark", 32, key=MK),
             conf=skein_ref.skein256(sid + Y + X + b"ntorserver", 32, key=K),
             cc=skein_ref.skein256(sid + X + Y + b"ntorclient", 32, key=K))
    return v


def main():
    v = keys(VECTOR)
    X, Y, K = v["X"], v["Y"], v["K"]

    ch = records(v["client_hello"])
    if len(ch) != 1 or ch[0][0] != 22:
        fail("the client's first flight is not one handshake record")
    crandom, csid, _, ckey = hello(ch[0][1], True)
    check("ClientHello key share = X25519(x, 9)", ckey, X)
    check("ClientHello random = the mark", crandom, v["M"])
    if len(csid) != 32:
        fail("session id of %d bytes" % len(csid))

    sf = records(v["server_flight"])
    if [t for t, _ in sf[:2]] != [22, 20] or sf[1][1] != b"\x01" or \
            any(t != 23 for t, _ in sf[2:]) or len(sf) < 3:
        fail("server flight record types %s" % [t for t, _ in sf])
    _, ssid, suite, skey = hello(sf[0][1], False)
    check("ServerHello key share = X25519(y, 9)", skey, Y)
    check("ServerHello session id echo", ssid, csid)

    sbodies = b"".join(body for _, body in sf[2:])
    sr = records(v["server_records"])
    if any(t != 23 for t, _ in sr):
        fail("server record types")
    sstream = sbodies + b"".join(body for _, body in sr)
    check("server stream starts with the confirmation", sstream[:32],
          v["conf"])
    seattle_records(K, sstream[32:64], sstream[64:], b"hello, client")

    cf = records(v["client_flight"])
    if [t for t, _ in cf[:1]] != [20] or cf[0][1] != b"\x01" or \
            any(t != 23 for t, _ in cf[1:]) or len(cf) < 2:
        fail("client flight record types %s" % [t for t, _ in cf])
    hashlen = 48 if suite == 0x1302 else 32
    if len(cf[1][1]) != hashlen + 4 + 1 + 16:
        fail("Finished record of %d bytes for suite %04x" %
             (len(cf[1][1]), suite))
    cstream = b"".join(body for _, body in cf[1:])
    check("client stream starts with CC", cstream[:32], v["cc"])
    seattle_records(K, cstream[32:64], cstream[64:], b"hello, server")
    print("tls-format-transcript.txt: every value recomputed by the "
          "references (suite %04x, %d server handshake records)" %
          (suite, len(sf) - 2))


if __name__ == "__main__":
    main()
