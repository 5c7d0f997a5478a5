"""Differential test: lib/crypto (through tests/tools/curve_tool) against
the independent big-integer reference tests/ref/curve_ref.py.

1. The reference must reproduce every line of the published vectors
   (tests/vectors/elligator2-map.txt, elligator2-inverse.txt) first:
   otherwise a disagreement below would not say who is wrong.
2. The reference's X25519 must agree with libsodium (through the tool).
3. Then, with a fixed seed: 10,000 random inputs each for the map, the
   inverse map (half on points that are images of the map, half on random
   bytes, random tweaks) and the dirty keys, 2,000 for each field
   operation, plus the edges 0, 1, (p-1)/2, (p+1)/2, p-1 and the
   encodings >= p (p, p+1, 2^255-1) with and without bits 254/255 set.
The first mismatch ends the test with the command, the expected and the
received answer.
"""

import os
import random
import subprocess
import sys

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests", "ref"))
import curve_ref as ref  # noqa: E402

TOOLS = os.environ.get("DUST_TOOLS",
                       os.path.join(ROOT, "build", "asan", "tests", "tools"))
TOOL = os.path.join(TOOLS, "curve_tool")
SEED = 20261125
N = 10000
N_FIELD = 2000
P = ref.P


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def hx(n):
    return n.to_bytes(32, "little").hex()


def check_vectors():
    n = 0
    path = os.path.join(ROOT, "tests", "vectors", "elligator2-map.txt")
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        r, u = line.split()
        got = ref.elligator_map(bytes.fromhex(r)).hex()
        if got != u:
            fail("reference map disagrees with %s: %s -> %s, want %s"
                 % (path, r, got, u))
        n += 1
    path = os.path.join(ROOT, "tests", "vectors", "elligator2-inverse.txt")
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        u, t, status, r = line.split()
        got = ref.elligator_rev(bytes.fromhex(u), int(t, 16))
        want = None if status == "fail" else bytes.fromhex(r)
        if got != want:
            fail("reference rev disagrees with %s: %s %s -> %s, want %s"
                 % (path, u, t, got and got.hex(), r))
        n += 1
    print("reference agrees with %d vector lines" % n)


EDGES = [0, 1, (P - 1) // 2, (P + 1) // 2, P - 1, P, P + 1, 2**255 - 1,
         2**254 - 1, 2**254, 486662, P - 486662]
EDGES += [e | (1 << 255) for e in EDGES] + [e | (1 << 254) for e in EDGES]
EDGES += [e | (3 << 254) for e in EDGES] + [2**256 - 1]
EDGES = sorted(set(e & (2**256 - 1) for e in EDGES))
TWEAKS = [0x00, 0x01, 0x40, 0x81, 0xc0, 0xff]


def field_cases(rng):
    """(command, expected answer or a checking function) pairs."""
    cases = []
    vals = EDGES + [rng.getrandbits(256) for _ in range(N_FIELD)]
    for i, x in enumerate(vals):
        y = vals[(i * 7 + 3) % len(vals)]
        a, b = ref.decode_u(x.to_bytes(32, "little")), \
            ref.decode_u(y.to_bytes(32, "little"))
        cases.append(("canon %s" % hx(x), hx(a)))
        cases.append(("add %s %s" % (hx(x), hx(y)), hx((a + b) % P)))
        cases.append(("sub %s %s" % (hx(x), hx(y)), hx((a - b) % P)))
        cases.append(("mul %s %s" % (hx(x), hx(y)), hx(a * b % P)))
        cases.append(("neg %s" % hx(x), hx(-a % P)))
        cases.append(("sq %s" % hx(x), hx(a * a % P)))
        cases.append(("inv %s" % hx(x), hx(ref.inv(a))))
        cases.append(("pow22523 %s" % hx(x), hx(pow(a, 2**252 - 3, P))))
        cases.append(("isneg %s" % hx(x), str(a & 1)))
        cases.append(("iszero %s" % hx(x), str(int(a == 0))))

        def check_isr(got, a=a):
            if ref.chi(a) == -1:
                return got == "0"
            parts = got.split()
            if len(parts) != 2 or parts[0] != "1":
                return False
            s = int.from_bytes(bytes.fromhex(parts[1]), "little")
            return s < P and (s * s * a % P == 1 if a else s == 0)
        cases.append(("invsqrt %s" % hx(x), check_isr))
    return cases


def elligator_cases(rng):
    cases = []
    reps = EDGES + [rng.getrandbits(256) for _ in range(N)]
    for r in reps:
        rb = r.to_bytes(32, "little")
        cases.append(("map %s" % rb.hex(), ref.elligator_map(rb).hex()))
    us = [(e, t) for e in EDGES for t in TWEAKS]
    for i in range(N):
        if i % 2:
            u = rng.getrandbits(256)
        else:
            u = int.from_bytes(ref.elligator_map(
                rng.getrandbits(256).to_bytes(32, "little")), "little")
            u |= rng.getrandbits(1) << 255    # ignored by rev
        us.append((u, rng.getrandbits(8)))
    for u, t in us:
        ub = u.to_bytes(32, "little")
        want = ref.elligator_rev(ub, t)
        cases.append(("rev %s %02x" % (ub.hex(), t),
                      "fail" if want is None else want.hex()))
    return cases


def dirty_cases(rng):
    cases = []
    sks = [bytes(32), bytes([0xff] * 32)]
    sks += [bytes([j]) + bytes(31) for j in range(8)]
    sks += [rng.getrandbits(256).to_bytes(32, "little") for _ in range(N)]
    for sk in sks:
        cases.append(("dirty %s" % sk.hex(), ref.dirty_public(sk).hex()))
    # The reference's X25519 ladder and base point against libsodium.
    for _ in range(300):
        sk = rng.getrandbits(256).to_bytes(32, "little")
        u = rng.getrandbits(256).to_bytes(32, "little")
        want = ref.x25519(sk, u)
        cases.append(("x25519 %s %s" % (sk.hex(), u.hex()),
                      "zero" if want == bytes(32) else want.hex()))
        cases.append(("base %s" % sk.hex(), ref.x25519(sk, ref.encode(9))
                      .hex()))
    return cases


def run(cases, what):
    text = "".join(c + "\n" for c, _ in cases)
    p = subprocess.run([TOOL], input=text, capture_output=True, text=True,
                       timeout=600)
    lines = p.stdout.splitlines()
    for (cmd, want), got in zip(cases, lines):
        ok = want(got) if callable(want) else got == want
        if not ok:
            fail("%s: curve_tool disagrees with the reference\n"
                 "  command:   %s\n  reference: %s\n  curve_tool: %s"
                 % (what, cmd, "(a property)" if callable(want) else want,
                    got))
    if p.returncode != 0 or len(lines) != len(cases):
        fail("%s: curve_tool exited %d after %d of %d answers; stderr: %s"
             % (what, p.returncode, len(lines), len(cases),
                p.stderr[-2000:]))
    print("%s: %d commands agree" % (what, len(cases)))


def main():
    if not os.access(TOOL, os.X_OK):
        fail("%s is not built (make BUILD=build/asan SAN=1 tests)" % TOOL)
    check_vectors()
    rng = random.Random(SEED)
    run(field_cases(rng), "field")
    run(elligator_cases(rng), "elligator")
    run(dirty_cases(rng), "dirty keys")
    print("curve_diff: all agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
