"""An independent Python implementation of the shaping coders (written
from docs/models.md, not from the C) recomputes tests/vectors/shape.txt.

It builds the code the slow, obvious way (a heap of (weight, id) nodes, a
bit-by-bit tree walk for shaping; a textbook bit-at-a-time Witten-Neal-
Cleary decoder and encoder for the exact coder) and checks, for every
line, that shaping the input gives the wire bytes and that de-shaping the
wire bytes gives back a prefix of the input.  Exit 0 on success.
"""
import heapq
import json
import math
import os
import sys

ROOT = os.environ.get("DUST_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
TOTAL = 1 << 20
MAXLEN = 16
BITS = 32


def quantize(weights):
    total = 0.0
    for w in weights:
        total += w
    p = [w / total for w in weights]
    freq = []
    for x in p:
        f = math.floor(x * TOTAL)
        if x > 0 and f == 0:
            f = 1
        freq.append(f)
    diff = TOTAL - sum(freq)
    while diff != 0:
        big = max(range(256), key=lambda i: (freq[i], -i))
        if diff > 0:
            freq[big] += diff
            diff = 0
        else:
            take = min(freq[big] - 1, -diff)
            freq[big] -= take
            diff += take
    return freq


def huffman_lengths(freq):
    heap = [(f, i) for i, f in enumerate(freq) if f > 0]
    heapq.heapify(heap)
    parent = {}
    nxt = 256
    while len(heap) > 1:
        wa, a = heapq.heappop(heap)
        wb, b = heapq.heappop(heap)
        parent[a] = parent[b] = nxt
        heapq.heappush(heap, (wa + wb, nxt))
        nxt += 1
    lens = [0] * 256
    for i in range(256):
        if freq[i] == 0:
            continue
        d, k = 0, i
        while k in parent:
            k = parent[k]
            d += 1
        lens[i] = d
    maxlen = max(lens)
    if maxlen <= MAXLEN:
        return lens
    count = [0] * (maxlen + 1)
    for l in lens:
        if l:
            count[l] += 1
    for i in range(maxlen, MAXLEN, -1):
        while count[i] > 0:
            j = i - 2
            while count[j] == 0:
                j -= 1
            count[i] -= 2
            count[i - 1] += 1
            count[j + 1] += 2
            count[j] -= 1
    order = sorted((l, b) for b, l in enumerate(lens) if l)
    new = [l for l in range(1, MAXLEN + 1) for _ in range(count[l])]
    for (l, b), n in zip(order, new):
        lens[b] = n
    return lens


def canonical(lens):
    codes = {}
    code = 0
    for l in range(1, MAXLEN + 1):
        for b in range(256):
            if lens[b] == l:
                codes[b] = format(code, "0%db" % l)
                code += 1
        code <<= 1
    return codes


def bits_of(data):
    for byte in data:
        for k in range(7, -1, -1):
            yield (byte >> k) & 1


def to_bytes(bits):
    return bytes(int("".join(map(str, bits[i:i + 8])), 2)
                 for i in range(0, len(bits) - len(bits) % 8, 8))


def huff_shape(codes, data, n):
    decode = {v: k for k, v in codes.items()}
    src = bits_of(data)
    out, cur = [], ""
    while len(out) < n:
        cur += str(next(src))
        if cur in decode:
            out.append(decode[cur])
            cur = ""
    return bytes(out)


def huff_deshape(codes, wire):
    bits = [int(c) for b in wire for c in codes[b]]
    return to_bytes(bits)


def exact_shape(freq, data, n):
    cum = [0]
    for f in freq:
        cum.append(cum[-1] + f)
    top, half, q1 = (1 << BITS) - 1, 1 << (BITS - 1), 1 << (BITS - 2)
    src = bits_of(data)
    low, high, value = 0, top, 0
    for _ in range(BITS):
        value = 2 * value + next(src)
    out = []
    while len(out) < n:
        rng = high - low + 1
        # The byte whose interval holds value.
        b = next(b for b in range(256) if freq[b] and
                 low + rng * cum[b] // TOTAL <= value <=
                 low + rng * cum[b + 1] // TOTAL - 1)
        out.append(b)
        high = low + rng * cum[b + 1] // TOTAL - 1
        low = low + rng * cum[b] // TOTAL
        while True:
            if high < half:
                pass
            elif low >= half:
                low, high, value = low - half, high - half, value - half
            elif low >= q1 and high < 3 * q1:
                low, high, value = low - q1, high - q1, value - q1
            else:
                break
            low, high, value = 2 * low, 2 * high + 1, 2 * value + next(src)
    return bytes(out)


def exact_deshape(freq, wire):
    cum = [0]
    for f in freq:
        cum.append(cum[-1] + f)
    top, half, q1 = (1 << BITS) - 1, 1 << (BITS - 1), 1 << (BITS - 2)
    low, high, pending, bits = 0, top, 0, []

    def emit(bit):
        nonlocal pending
        bits.append(bit)
        bits.extend([1 - bit] * pending)
        pending = 0

    for b in wire:
        rng = high - low + 1
        high = low + rng * cum[b + 1] // TOTAL - 1
        low = low + rng * cum[b] // TOTAL
        while True:
            if high < half:
                emit(0)
            elif low >= half:
                emit(1)
                low, high = low - half, high - half
            elif low >= q1 and high < 3 * q1:
                pending += 1
                low, high = low - q1, high - q1
            else:
                break
            low, high = 2 * low, 2 * high + 1
    return to_bytes(bits)


def main():
    parts = {}
    lines = open(os.path.join(ROOT, "tests/vectors/shape.txt")).read().split("\n")
    n = 0
    for line in lines:
        if not line or line.startswith("#"):
            continue
        name, d, coder, inhex, wirehex = line.split()
        if name not in parts:
            m = json.load(open(os.path.join(ROOT, "models", name + ".json")))
            parts[name] = {"c2s": m["client_to_server"],
                           "s2c": m["server_to_client"]}
        part = parts[name][d]
        prefix = part.get("prefix", "").encode()
        freq = quantize(part["bytes"])
        data, wire = bytes.fromhex(inhex), bytes.fromhex(wirehex)
        body = wire[len(prefix):]
        if coder == "huffman":
            codes = canonical(huffman_lengths(freq))
            got = prefix + huff_shape(codes, data, len(body))
            back = huff_deshape(codes, body)
        else:
            got = prefix + exact_shape(freq, data, len(body))
            back = exact_deshape(freq, body)
        if got != wire:
            print("FAIL shape %s %s %s\n  want %s\n  got  %s" %
                  (name, d, coder, wire.hex(), got.hex()))
            return 1
        if len(back) < 32 or back != data[:len(back)]:
            print("FAIL deshape %s %s %s" % (name, d, coder))
            return 1
        print("ok %s %s %s (%d bytes back)" % (name, d, coder, len(back)))
        n += 1
    if n != 12:
        print("FAIL: %d vectors, expected 12" % n)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
