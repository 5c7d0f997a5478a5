#!/usr/bin/python3
"""Gaps between data segments, by the directions of the two segments, of
the connections of a `dust model check` report (its observed.json, or
against.json with --against): what the classifier's timing features are
made of, told apart by step type.

    conv_gaps.py REPORT_DIR [observed|against]

prints one JSON object: for each turn ("c2s-s2c": a server segment after
a client one, and so on) the number of gaps and their median in ms, and
"s2c_burst_fast": the share of server-after-server gaps under 0.1 ms (a
sender that writes a burst at once, as nginx does)."""
import json
import sys

import numpy as np

NAMES = {(0, 0): "c2s-c2s", (0, 1): "c2s-s2c", (1, 0): "s2c-c2s",
         (1, 1): "s2c-s2c"}


def gaps(conns):
    """The gaps (ms) of ${conns}, by (previous, next) direction."""
    out = {k: [] for k in NAMES}
    for c in conns:
        p = c["pkts"]
        for a, b in zip(p, p[1:]):
            out[(a[1], b[1])].append((b[0] - a[0]) * 1000)
    return out


def main():
    which = sys.argv[2] if len(sys.argv) > 2 else "observed"
    with open(f"{sys.argv[1]}/{which}.json") as f:
        d = json.load(f)
    g = gaps(d["conns"] if isinstance(d, dict) else d)
    res = {NAMES[k]: {"n": len(v),
                      "median_ms": float(np.median(v)) if v else None}
           for k, v in g.items()}
    burst = np.array(g[(1, 1)])
    res["s2c_burst_fast"] = float((burst < 0.1).mean()) if len(burst) else 0
    print(json.dumps(res))


if __name__ == "__main__":
    main()
