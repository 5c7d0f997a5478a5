"""The GFW's rules for fully encrypted traffic (Wu et al., "How the Great
Firewall of China Detects and Blocks Fully Encrypted Traffic", USENIX
Security 2023, section 4): a connection is exempt from blocking if the
first data packet from the client satisfies any of

  Ex1  average popcount per byte <= 3.4 or >= 4.6
  Ex2  the first 6 bytes are printable ASCII (0x20-0x7e)
  Ex3  more than 50% of the bytes are printable
  Ex4  more than 20 contiguous bytes are printable
  Ex5  it starts like TLS ([\\x16-\\x17]\\x03[\\x00-\\x09]) or HTTP
       ("GET ", "PUT ", "POST ", "HEAD ")

and is blocked (with probability ~26% in the paper; here counted as
"not exempt") otherwise.  The censor applies them to the first packet; we
use the first data-carrying TCP segment from the client.
"""
import numpy as np

POPCOUNT = np.array([bin(i).count("1") for i in range(256)])


def printable(b):
    a = np.frombuffer(b, dtype=np.uint8)
    return (a >= 0x20) & (a <= 0x7e)


def longest_run(mask):
    best = run = 0
    for m in mask:
        run = run + 1 if m else 0
        best = max(best, run)
    return best


def rules(b):
    """Return the list of exemption rules (names) the packet ${b} meets."""
    if len(b) == 0:
        return ["empty"]
    a = np.frombuffer(b, dtype=np.uint8)
    pr = printable(b)
    out = []
    pc = POPCOUNT[a].mean()
    if pc <= 3.4 or pc >= 4.6:
        out.append("Ex1")
    if len(b) >= 6 and pr[:6].all():
        out.append("Ex2")
    if pr.mean() > 0.5:
        out.append("Ex3")
    if longest_run(pr) > 20:
        out.append("Ex4")
    if (len(b) >= 3 and b[0] in (0x16, 0x17) and b[1] == 0x03
            and b[2] <= 0x09) or b[:4] in (b"GET ", b"PUT ") or \
            b[:5] in (b"POST ", b"HEAD "):
        out.append("Ex5")
    return out


def evaluate(conns):
    """Apply the rules to each connection's first client segment.  Return
    a dict: n, blocked (fraction not exempt), per-rule fractions, and the
    average popcount of each first segment."""
    n = len(conns)
    per = {r: 0 for r in ("Ex1", "Ex2", "Ex3", "Ex4", "Ex5")}
    blocked = 0
    popc = []
    for c in conns:
        r = rules(c.first[0])
        for x in r:
            if x in per:
                per[x] += 1
        if not r:
            blocked += 1
        a = np.frombuffer(c.first[0], dtype=np.uint8)
        popc.append(float(POPCOUNT[a].mean()) if len(a) else 0.0)
    return {"n": n, "blocked": blocked / n if n else float("nan"),
            "exempt": 1 - blocked / n if n else float("nan"),
            "rules": {k: v / n if n else float("nan")
                      for k, v in per.items()},
            "popcount": popc}
