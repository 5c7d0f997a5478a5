#!/usr/bin/python3
"""The Seattle transcript vectors, recomputed by independent references.

tests/vectors/seattle-transcript.txt and seattle-mark-transcript.txt (the
client's mark after X, docs/protocol.md "The mark") were made by libdust's
state machines.
Here it is checked from docs/spec.md §1 and §2 alone, with the
Python references that share no code with lib/ (tests/ref/curve_ref.py:
X25519, Elligator 2, dirty keys; tests/ref/skein_ref.py: Skein-256, MAC,
stream cipher): the static public key, both ephemeral keys and their
representatives, the four DH values, K, both codes, and every byte of both
streams (records decrypted, MACs and padding checked), and the mark key
and the mark.  This is what an
independent implementation written from the same pages must reproduce.
Exit 0 on success, 1 with the first mismatch named.
"""
import os
import sys

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests", "ref"))
import curve_ref  # noqa: E402
import skein_ref  # noqa: E402

VECTORS = [os.path.join(ROOT, "tests", "vectors", name)
           for name in ("seattle-transcript.txt",
                        "seattle-mark-transcript.txt")]


def load(path):
    v = {}
    for line in open(path, encoding="ascii"):
        if line.startswith("#") or " = " not in line:
            continue
        k, val = line.rstrip("\n").split(" = ", 1)
        v[k] = val[1:-1].encode() if val.startswith('"') else bytes.fromhex(val)
    return v


def check(what, got, want):
    if got != want:
        print(f"FAIL {what}: {got.hex()} != {want.hex()}")
        sys.exit(1)


def records(K, iv, wire, data):
    """Decrypt a data record carrying data, then a padding record."""
    ks = skein_ref.stream(K, iv, len(wire))
    p = bytes(a ^ b for a, b in zip(wire, ks))
    L = 1 + len(data) + 32
    check("data record LEN", p[0:2], L.to_bytes(2, "big"))
    check("data record FLAGS", p[2:3], b"\x01")
    check("data record DATA", p[3:3 + len(data)], data)
    check("data record CODE", p[3 + len(data):2 + L],
          skein_ref.skein256(p[:3 + len(data)], 32, key=K))
    check("padding record", p[2 + L:], b"\x00\x21" + bytes(33))
    return p


def mark(v, B, sid, X):
    """The mark after X (docs/protocol.md): MK, then M in the hour E."""
    E = v["mark_epoch_E"]
    check("mark epoch length", len(E).to_bytes(1, "big"), b"\x08")
    MK = skein_ref.skein256(B + sid + b"dust mark key", 32)
    check("mark key MK", MK, v["mark_key_MK"])
    M = skein_ref.skein256(X + E + b"dust mark", 32, key=MK)
    check("mark M", M, v["client_mark_M"])
    return M


def transcript(path):
    """Check the vector at path; return whether it has the mark."""
    v = load(path)
    sid, b, x, y = (v["sid"], v["server_static_secret_b"],
                    v["client_ephemeral_secret_x"],
                    v["server_ephemeral_secret_y"])
    X, Y = v["client_representative_X"], v["server_representative_Y"]
    B = curve_ref.x25519(b, curve_ref.encode(9))
    check("B", B, v["server_static_public_B"])

    # The representatives map to the dirty public keys (top bits ignored).
    check("map(X)", curve_ref.elligator_map(X), curve_ref.dirty_public(x))
    check("map(Y)", curve_ref.elligator_map(Y), curve_ref.dirty_public(y))

    # DH both ways, K, codes (docs/spec.md §1).
    uX, uY = curve_ref.elligator_map(X), curve_ref.elligator_map(Y)
    c1, c2 = curve_ref.x25519(x, uY), curve_ref.x25519(x, B)
    s1, s2 = curve_ref.x25519(y, uX), curve_ref.x25519(b, uX)
    check("DH(x,Y) = DH(y,X)", c1, s1)
    check("DH(x,B) = DH(b,X)", c2, s2)
    K = skein_ref.skein256(c1 + c2 + sid + X + Y + b"ntor", 32)
    check("K", K, v["shared_key_K"])
    conf = skein_ref.skein256(sid + Y + X + b"ntor" + b"server", 32, key=K)
    cc = skein_ref.skein256(sid + X + Y + b"ntor" + b"client", 32, key=K)
    check("confirmation", conf, v["server_confirmation"])
    check("CC", cc, v["client_code_CC"])

    # Records (docs/spec.md §2), and the streams as a whole.
    cw = v["client_data_record"] + v["client_padding_record"]
    sw = v["server_data_record"] + v["server_padding_record"]
    records(K, v["client_iv"], cw, v["client_data"])
    records(K, v["server_iv"], sw, v["server_data"])
    # With the mark: X || M, and no filler before the server's code.
    marked = "client_mark_M" in v
    M = mark(v, B, sid, X) if marked else b""
    filler = b"" if marked else v["server_filler"]
    check("client stream", v["client_stream"],
          X + M + cc + v["client_iv"] + cw)
    check("server stream", v["server_stream"],
          Y + filler + conf + v["server_iv"] + sw)
    return marked


def main():
    for path in VECTORS:
        marked = transcript(path)
        print(f"{os.path.basename(path)}: every value recomputed by the "
              f"references{' (mark included)' if marked else ''}")


if __name__ == "__main__":
    main()
