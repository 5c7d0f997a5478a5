#!/usr/bin/python3
"""The Seattle transcript vector, recomputed by independent references.

tests/vectors/seattle-transcript.txt was made by libdust's state machines.
Here it is checked from docs/spec.md §1 and §2 alone, with the
Python references that share no code with lib/ (tests/ref/curve_ref.py:
X25519, Elligator 2, dirty keys; tests/ref/skein_ref.py: Skein-256, MAC,
stream cipher): the static public key, both ephemeral keys and their
representatives, the four DH values, K, both codes, and every byte of both
streams (records decrypted, MACs and padding checked).  This is what an
independent implementation written from the same pages must reproduce.
Exit 0 on success, 1 with the first mismatch named.
"""
import os
import sys

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests", "ref"))
import curve_ref  # noqa: E402
import skein_ref  # noqa: E402

VECTOR = os.path.join(ROOT, "tests", "vectors", "seattle-transcript.txt")


def load():
    v = {}
    for line in open(VECTOR, encoding="ascii"):
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


def main():
    v = load()
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
    check("client stream", v["client_stream"], X + cc + v["client_iv"] + cw)
    check("server stream", v["server_stream"],
          Y + v["server_filler"] + conf + v["server_iv"] + sw)
    print("seattle transcript: every value recomputed by the references")


if __name__ == "__main__":
    main()
