"""The host-level behaviour of Dust's connections (the "hosts" object
`dust model learn` read from a capture of them) against the model's
(docs/models.md): print both, and exit 1 unless the connections with the
model's process keep to it (tests/integration/tunnel_hosts.sh states the
thresholds).

    compare.py MODEL DUST_LEARNED [BEFORE_LEARNED]
"""
import json
import math
import sys


def points(d):
    """The values of the empirical distribution d, each repeated."""
    out = []
    for v, w in d["points"]:
        out += [v] * int(w)
    return sorted(out)


def quantile(xs, q):
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def describe(name, h, seconds=None):
    gaps = points(h["start_gap"])
    conc = points(h["concurrency"])
    print("%s: %d connections; start gaps (ms) p10 %d, median %d, p90 %d; "
          "at once: median %d, max %d; closes %s" % (
              name, h["connections"], quantile(gaps, 0.1),
              quantile(gaps, 0.5), quantile(gaps, 0.9),
              quantile(conc, 0.5), conc[-1],
              ", ".join("%s %.2f" % kv for kv in h["close"].items())))
    return gaps, conc


def main():
    model = json.load(open(sys.argv[1]))["hosts"]
    dust = json.load(open(sys.argv[2]))["hosts"]
    lgaps, lconc = describe("learned client", model)
    dgaps, dconc = describe("Dust with it", dust)
    if len(sys.argv) > 3:
        describe("Dust without it", json.load(open(sys.argv[3]))["hosts"])
    ok = True
    # One more: a connection the client closed with packets still queued
    # in its socket sends its FIN after them, which may follow the next
    # connection's SYN by a millisecond (seen with tests/models/light.json).
    if dconc[-1] > lconc[-1] + 1:
        print("FAIL: %d connections at once, the learned client had %d at "
              "most" % (dconc[-1], lconc[-1]))
        ok = False
    if len(dgaps) < 10:
        print("FAIL: %d gaps: too few to judge" % len(dgaps))
        return 1
    p10 = quantile(lgaps, 0.1)
    short = sum(1 for g in dgaps if g < p10) / len(dgaps)
    limit = 0.10 + 3 * math.sqrt(0.10 * 0.90 / len(dgaps))
    print("share of Dust's gaps below the learned p10 (%d ms): %.3f "
          "(limit %.3f, %d gaps)" % (p10, short, limit, len(dgaps)))
    if short > limit:
        print("FAIL: Dust starts connections sooner than the learned client")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
