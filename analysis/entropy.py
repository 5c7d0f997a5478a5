"""Entropy tests of the kind that found obfs4 (Wang et al., "Seeing through
Network-Protocol Obfuscation", CCS 2015, section 5): does the client's
first data segment look like uniform random bytes?

Three tests on each connection's first client segment of n bytes:

  ks      Kolmogorov-Smirnov of its byte values against the uniform
          distribution on 0..255 (each byte b taken as b + U[0,1), a
          continuous uniform on [0,256) exactly when the bytes are uniform;
          the jitter has a fixed seed);
  shannon its Shannon entropy (bits per byte) against the distribution of
          the entropy of n uniform random bytes (SIMS draws, fixed seed),
          one-sided: the p-value is the share of draws at or below it;
  block   the mean Shannon entropy of its 64-byte blocks (first 1024
          bytes), against the same mean for uniform bytes (SIMS draws).

A segment "looks uniform" when every test has p > ALPHA; a detector that
flags such connections is what caught obfs4.  Segments shorter than
MIN_LEN bytes are too short to test and count as not uniform.
"""
import numpy as np
from scipy import stats

ALPHA = 0.01
SIMS = 1000
BLOCK = 64
BLOCK_SPAN = 1024
MIN_LEN = 16
_cache = {}


def shannon(a):
    if len(a) == 0:
        return 0.0
    c = np.bincount(a, minlength=256)
    p = c[c > 0] / len(a)
    return float(-(p * np.log2(p)).sum())


def block_entropy(a):
    a = a[:BLOCK_SPAN]
    nb = len(a) // BLOCK
    if nb == 0:
        return shannon(a)
    return float(np.mean([shannon(a[i * BLOCK:(i + 1) * BLOCK])
                          for i in range(nb)]))


def _null(n):
    """Entropy and block entropy of SIMS draws of n uniform bytes."""
    if n not in _cache:
        rng = np.random.default_rng(20151012 + n)
        draws = rng.integers(0, 256, size=(SIMS, n), dtype=np.uint8)
        _cache[n] = (np.array([shannon(d) for d in draws]),
                     np.array([block_entropy(d) for d in draws]))
    return _cache[n]


def tests(b):
    """p-values of the three tests for the bytes ${b}."""
    a = np.frombuffer(b, dtype=np.uint8)
    if len(a) < MIN_LEN:
        return {"ks": 0.0, "shannon": 0.0, "block": 0.0,
                "entropy": shannon(a)}
    jitter = np.random.default_rng(7).random(len(a))
    ks = stats.kstest(a + jitter, stats.uniform(0, 256).cdf).pvalue
    n = min(len(a), 4096)
    h, hb = shannon(a), block_entropy(a)
    nh, nhb = _null(n)
    return {"ks": float(ks),
            "shannon": float((np.sum(nh <= h) + 1) / (SIMS + 1)),
            "block": float((np.sum(nhb <= hb) + 1) / (SIMS + 1)),
            "entropy": h}


def evaluate(conns):
    """Run the tests on every connection's first client segment; return
    the share passing each test and the share looking uniform."""
    res = [tests(c.first[0]) for c in conns]
    n = len(res)
    if n == 0:
        return {"n": 0}
    out = {"n": n, "entropy": [r["entropy"] for r in res]}
    for t in ("ks", "shannon", "block"):
        out[t] = sum(r[t] > ALPHA for r in res) / n
    out["uniform"] = sum(all(r[t] > ALPHA for t in ("ks", "shannon",
                                                    "block"))
                         for r in res) / n
    return out
