"""Per-connection features for the classifier: what an observer sees of a
connection without keys, as Wang et al. (CCS 2015) and later classifiers
use: the first segments' lengths and byte statistics, the packet length
histogram, packet counts and sizes, the gaps between packets, duration."""
import numpy as np

from entropy import shannon
from gfw import POPCOUNT, printable

# Packet length histogram bins (bytes), per direction.
LEN_BINS = [0, 64, 128, 256, 512, 1024, 1500, 4096, 16384, 1 << 17]

NAMES = (["first_c2s_len", "first_s2c_len", "first_entropy",
          "first_printable", "first_popcount", "duration"]
         + [f"{d}_{k}" for d in ("c2s", "s2c")
            for k in ("packets", "bytes", "mean_len", "gap_median",
                      "gap_mean")]
         + [f"{d}_len_{LEN_BINS[i]}" for d in ("c2s", "s2c")
            for i in range(len(LEN_BINS) - 1)])


def of(c):
    """The feature vector of the connection ${c}."""
    a = np.frombuffer(c.first[0], dtype=np.uint8)
    f = [c.first_len[0], c.first_len[1], shannon(a),
         float(printable(c.first[0]).mean()) if len(a) else 0.0,
         float(POPCOUNT[a].mean()) if len(a) else 0.0, c.duration]
    for d in (0, 1):
        ln = c.lengths(d)
        g = c.gaps(d)
        f += [len(ln), float(ln.sum()), float(ln.mean()) if len(ln) else 0,
              float(np.median(g)) if len(g) else 0,
              float(g.mean()) if len(g) else 0]
    for d in (0, 1):
        ln = c.lengths(d)
        h = np.histogram(ln, bins=LEN_BINS)[0]
        f += list(h / max(1, len(ln)))
    return f


def matrix(conns):
    return np.array([of(c) for c in conns], dtype=float).reshape(
        -1, len(NAMES))
