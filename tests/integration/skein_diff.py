#!/usr/bin/python3
"""Differential test: libdust's Skein-256 against tests/ref/skein_ref.py.

First the Python reference (written from the Skein 1.3 paper, sharing no
code with lib/crypto/) must reproduce every line of
tests/vectors/skein256.txt and tests/vectors/skein256-stream.txt; then CASES random cases (fixed seed) go to the
C tool $DUST_TOOLS/skein_tool and each answer must equal the reference's:
plain hashes and hashes fed in chunks (message lengths 0..300 with the block
boundaries 31, 32, 33, 63, 64, 65 drawn often, output lengths 1..100),
MACs with keys of 0..80 bytes, and stream keystreams of up to 300 bytes
fetched in one call or in random cuts.  Exit 0 on success, 1 with the first
mismatch named.
"""
import os
import random
import subprocess
import sys

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
sys.path.insert(0, os.path.join(ROOT, "tests", "ref"))
import skein_ref  # noqa: E402

TOOL = os.path.join(os.environ.get("DUST_TOOLS",
                                   os.path.join(ROOT, "build/asan/tests/tools")),
                    "skein_tool")
VECTORS = os.path.join(ROOT, "tests", "vectors", "skein256.txt")
STREAM_VECTORS = os.path.join(ROOT, "tests", "vectors", "skein256-stream.txt")
CASES = 2400
SEED = 20261125
BOUNDARIES = [0, 1, 31, 32, 33, 63, 64, 65, 95, 96, 97, 255, 256, 257]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def parse_message(tok):
    if tok.startswith('"'):
        return tok[1:-1].encode()
    return bytes.fromhex(tok)


def check_vectors():
    """Every vector line must come out of the reference; returns count."""
    n = 0
    with open(VECTORS) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            kind, rest = line.split(None, 1)
            key, rest = rest.split(None, 1)
            msg_tok, digest = rest.rsplit(None, 1)
            msg = parse_message(msg_tok.strip())
            k = b"" if key == "-" else bytes.fromhex(key)
            if kind not in ("hash", "mac"):
                fail("%s:%d: unknown kind %r" % (VECTORS, lineno, kind))
            got = skein_ref.skein256(msg, len(digest) // 2, k)
            if got.hex() != digest.lower():
                fail("reference disagrees with %s:%d: got %s, want %s" %
                     (VECTORS, lineno, got.hex(), digest))
            n += 1
    if n == 0:
        fail("no vectors read from " + VECTORS)
    return n


def stream_vectors():
    """(key, iv, keystream) of each line of STREAM_VECTORS."""
    out = []
    with open(STREAM_VECTORS) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            kind, key, iv, ks = line.split()
            if kind != "stream":
                fail("%s:%d: unknown kind %r" % (STREAM_VECTORS, lineno, kind))
            key, iv, ks = map(bytes.fromhex, (key, iv, ks))
            if skein_ref.stream(key, iv, len(ks)) != ks:
                fail("reference disagrees with %s:%d" % (STREAM_VECTORS,
                                                         lineno))
            out.append((key, iv, ks))
    if not out:
        fail("no vectors read from " + STREAM_VECTORS)
    return out


def hx(b):
    return b.hex() if b else "-"


def rand_len(rng, top=300):
    if rng.random() < 0.4:
        return rng.choice(BOUNDARIES[:-3] if top < 256 else BOUNDARIES)
    return rng.randint(0, top)


def make_cases(rng):
    """Yield (command line, expected answer) pairs."""
    for i in range(CASES):
        kind = i % 5
        msg = rng.randbytes(rand_len(rng))
        if kind == 0:
            outlen = rng.choice([32, rng.randint(1, 100), 64, 33, 31])
            yield ("hash %d %s" % (outlen, hx(msg)),
                   skein_ref.skein256(msg, outlen))
        elif kind == 1:
            outlen = rng.randint(1, 100)
            chunk = rng.choice([1, 7, 31, 32, 33, rng.randint(1, 300)])
            yield ("hashinc %d %d %s" % (outlen, chunk, hx(msg)),
                   skein_ref.skein256(msg, outlen))
        elif kind == 2:
            key = rng.randbytes(rng.choice([0, 1, 16, 31, 32, 33, 64,
                                            rng.randint(0, 80)]))
            yield ("mac %s %s" % (hx(key), hx(msg)),
                   skein_ref.skein256(msg, 32, key))
        elif kind == 3:
            key = rng.randbytes(rng.randint(1, 80))
            outlen = rng.randint(1, 100)
            yield ("macn %d %s %s" % (outlen, hx(key), hx(msg)),
                   skein_ref.skein256(msg, outlen, key))
        else:
            key, iv = rng.randbytes(32), rng.randbytes(32)
            total = rand_len(rng)
            cuts, left = [], total
            while left > 0 and rng.random() < 0.7:
                c = rng.randint(0, left)
                cuts.append(c)
                left -= c
            cuts.append(left)
            yield ("streamcuts %s %s %s" % (key.hex(), iv.hex(),
                                             ",".join(map(str, cuts))),
                   skein_ref.stream(key, iv, total))


def main():
    nvec = check_vectors()
    svec = stream_vectors()
    print("reference reproduces %d vectors of %s and %d of %s" %
          (nvec, VECTORS, len(svec), STREAM_VECTORS))
    if not os.access(TOOL, os.X_OK):
        fail("no tool at %s (build it: make tests)" % TOOL)
    rng = random.Random(SEED)
    cases = list(make_cases(rng))
    # The vectors go through the C tool as well.
    with open(VECTORS) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            kind, key, rest = line.split(None, 2)
            msg_tok, digest = rest.rsplit(None, 1)
            msg = parse_message(msg_tok.strip())
            if kind == "hash":
                cmd = "hash %d %s" % (len(digest) // 2, hx(msg))
            else:
                cmd = "mac %s %s" % (key, hx(msg))
            cases.append((cmd, bytes.fromhex(digest)))
    for key, iv, ks in svec:
        cases.append(("stream %s %s %d" % (key.hex(), iv.hex(), len(ks)), ks))
    inp = "".join(c + "\n" for c, _ in cases)
    p = subprocess.run([TOOL], input=inp, capture_output=True, text=True,
                       timeout=120)
    answers = p.stdout.splitlines()
    for n, ((cmd, want), got) in enumerate(zip(cases, answers)):
        if got != hx(want):
            fail("case %d differs\n  command: %s\n  C tool:  %s\n"
                 "  want:    %s" % (n, cmd[:200], got, hx(want)))
    if len(answers) != len(cases):
        fail("tool answered %d of %d lines (exit %d): %s" %
             (len(answers), len(cases), p.returncode, p.stderr[-500:]))
    if p.returncode != 0:
        fail("tool exited %d: %s" % (p.returncode, p.stderr[-500:]))
    # Bad lines get a named error, not a crash, and a non-zero exit.
    bad = "hash 5 zz\nmac 0 -\nstream 00 00 5\nfrobnicate\nhash 99999999 -\n"
    p = subprocess.run([TOOL], input=bad, capture_output=True, text=True,
                       timeout=30)
    lines = p.stdout.splitlines()
    if (p.returncode != 1 or len(lines) != 5 or
            not all(x.startswith("error: ") for x in lines)):
        fail("tool on bad input: exit %d, answers %r" % (p.returncode, lines))
    counts = {}
    for c, _ in cases:
        counts[c.split()[0]] = counts.get(c.split()[0], 0) + 1
    print("C tool agrees with the reference on %d cases (seed %d): %s" %
          (len(cases), SEED, ", ".join("%s %d" % kv
                                       for kv in sorted(counts.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
