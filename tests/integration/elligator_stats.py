"""Representatives of elligator2_key_pair look like uniform random strings.

Sample: 20,000 key pairs from the seeded generator (seed 2026) through
tests/tools/curve_tool ("keypairs").  Checks, each with its threshold:

1. Every bit position 0..255 of the representative (254 and 255, the
   padding bits, included) is set in 20000 * 1/2 = 10000 cases within
   4 sigma, sigma = sqrt(20000 / 4) = 70.7: [9717, 10283].
2. The point the representative decodes to (by the reference map of
   tests/ref/curve_ref.py) lies in the prime-order subgroup in 1/8 of the
   cases within 4 sigma, sigma = sqrt(20000 * 1/8 * 7/8) = 46.8:
   [2313, 2687].  Membership: libsodium's
   crypto_core_ed25519_is_valid_point on the Edwards y = (u-1)/(u+1)
   (through the tool), cross-checked on the first 300 points against the
   reference's own test L * P == identity.
3. The mean number of tries per key is 2 within 4 sigma (tries are
   geometric with success 1/2: variance 2, sigma of the mean 0.01):
   [1.96, 2.04].
4. Power check: the same subgroup test on 2,000 clean (ordinary X25519,
   libsodium) public keys must find every one of them in the subgroup,
   i.e. the test does see the distinguisher that dirty keys remove.
"""

import os
import random
import subprocess
import sys

import numpy

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests", "ref"))
import curve_ref as ref  # noqa: E402

TOOLS = os.environ.get("DUST_TOOLS",
                       os.path.join(ROOT, "build", "asan", "tests", "tools"))
TOOL = os.path.join(TOOLS, "curve_tool")
N = 20000
P = ref.P


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def tool(lines):
    p = subprocess.run([TOOL], input="".join(l + "\n" for l in lines),
                       capture_output=True, text=True, timeout=600)
    out = p.stdout.splitlines()
    if p.returncode != 0:
        fail("curve_tool exited %d: %s %s" % (p.returncode, out[-3:],
                                               p.stderr[-1000:]))
    return out


def edwards_y(u):
    """Edwards y of the Montgomery u, encoded (x's sign bit 0)."""
    return ((u - 1) * ref.inv(u + 1) % P).to_bytes(32, "little").hex()


def subgroup_flags(us):
    out = tool(["edvalid " + edwards_y(u) for u in us])
    if len(out) != len(us):
        fail("curve_tool gave %d answers for %d points" % (len(out), len(us)))
    return [line == "1" for line in out]


def main():
    if not os.access(TOOL, os.X_OK):
        fail("%s is not built (make BUILD=build/asan SAN=1 tests)" % TOOL)
    out = tool(["keypairs 2026 %d" % N])
    if len(out) != N:
        fail("asked for %d key pairs, got %d lines" % (N, len(out)))
    reps, tries = [], 0
    for line in out:
        rep, _sk, t = line.split()
        reps.append(bytes.fromhex(rep))
        tries += int(t)

    # 1. Bits.
    lo, hi = 9717, 10283
    bits = numpy.unpackbits(numpy.frombuffer(b"".join(reps), numpy.uint8)
                            .reshape(N, 32), axis=1, bitorder="little")
    counts = bits.sum(axis=0)         # counts[i]: how often bit i is set
    for bit in range(256):
        n = int(counts[bit])
        if not lo <= n <= hi:
            fail("bit %d of the representative is set %d times in %d, "
                 "outside [%d, %d]" % (bit, n, N, lo, hi))
    print("bits: all 256 positions set within [%d, %d] of %d" % (lo, hi, N))

    # 2. Prime-order subgroup, 1 in 8.
    us = [int.from_bytes(ref.elligator_map(r), "little") for r in reps]
    flags = subgroup_flags(us)
    for u, f in zip(us[:300], flags[:300]):
        if ref.in_prime_subgroup(u) != f:
            fail("libsodium and the reference disagree on the subgroup "
                 "of u = %064x" % u)
    n = sum(flags)
    if not 2313 <= n <= 2687:
        fail("%d of %d points in the prime-order subgroup, outside "
             "[2313, 2687] (expected 2500)" % (n, N))
    print("subgroup: %d of %d in the prime-order subgroup (expect 2500, "
          "accept [2313, 2687])" % (n, N))

    # 3. Tries.
    mean = tries / N
    if not 1.96 <= mean <= 2.04:
        fail("mean tries per key %.4f outside [1.96, 2.04]" % mean)
    print("tries: mean %.4f per key (accept [1.96, 2.04])" % mean)

    # 4. Power: clean keys are always in the subgroup.
    rng = random.Random(7)
    sks = [rng.getrandbits(256).to_bytes(32, "little") for _ in range(2000)]
    clean = tool(["base " + sk.hex() for sk in sks])
    flags = subgroup_flags([int.from_bytes(bytes.fromhex(c), "little")
                            for c in clean])
    if not all(flags):
        fail("the subgroup test misses clean X25519 keys: %d of 2000"
             % sum(flags))
    print("power: all 2000 clean X25519 keys flagged as in the subgroup")
    print("elligator_stats: pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
