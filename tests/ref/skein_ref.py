#!/usr/bin/python3
"""Skein-256 reference, written from the Skein 1.3 paper alone.

A plain, slow transcription for differential tests of lib/crypto/skein.c:
integers of any size, no unrolling, no shared code with the C version.
Section numbers refer to "The Skein Hash Function Family", version 1.3
(Ferguson, Lucks, Schneier, Whiting, Bellare, Kohno, Callas, Walker, 2010).

Functions:
  threefish256(key, tweak, plaintext) -> ciphertext       (section 3.3)
  ubi(g, msg, ts) -> g'                                  (section 3.4)
  skein256(msg, outlen, key=b"") -> bytes                (sections 3.5, 3.5.2)
  stream(key, iv, n) -> first n keystream bytes          (docs/spec.md 2.2)
"""

MASK = (1 << 64) - 1
NW = 4                      # words in a Threefish-256 block
NR = 72                     # rounds (section 3.3)
C240 = 0x1BD11BDAA9FC1A22   # key schedule constant (section 3.3.2)

# R_{d,j}: rotation constants for Nw = 4 (Table 4, section 3.3.1).
ROT = [(14, 16), (52, 57), (23, 40), (5, 37),
       (25, 33), (46, 12), (58, 22), (32, 32)]
# pi: word permutation for Nw = 4 (Table 3, section 3.3.1).
PERM = [0, 3, 2, 1]

# Type values (Table 6, section 3.5.1).
T_KEY, T_CFG, T_PRS, T_PK, T_KDF, T_NON, T_MSG, T_OUT = \
    0, 4, 8, 12, 16, 20, 48, 63


def to_int(b):
    """ToInt: bytes, least significant byte first."""
    return int.from_bytes(b, "little")


def to_bytes(v, n):
    """ToBytes(v, n): n bytes, least significant first."""
    return v.to_bytes(n, "little")


def words(b):
    """BytesToWords: 64-bit little-endian words."""
    return [to_int(b[8 * i:8 * i + 8]) for i in range(len(b) // 8)]


def unwords(w):
    """WordsToBytes."""
    return b"".join(to_bytes(x, 8) for x in w)


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & MASK


def mix(x0, x1, r):
    """MIX (section 3.3.1): y0 = x0 + x1, y1 = (x1 <<< r) xor y0."""
    y0 = (x0 + x1) & MASK
    return y0, rotl(x1, r) ^ y0


def threefish256(key, tweak, plaintext):
    """Threefish-256 encryption of a 32-byte block (section 3.3)."""
    k = words(key)
    t = words(tweak)
    # Key schedule (section 3.3.2): extended key word and tweak word.
    k.append(C240 ^ k[0] ^ k[1] ^ k[2] ^ k[3])
    t.append(t[0] ^ t[1])

    def subkey(s):
        return [k[s % 5],
                (k[(s + 1) % 5] + t[s % 3]) & MASK,
                (k[(s + 2) % 5] + t[(s + 1) % 3]) & MASK,
                (k[(s + 3) % 5] + s) & MASK]

    v = words(plaintext)
    for d in range(NR):
        if d % 4 == 0:      # subkey injection every fourth round
            ks = subkey(d // 4)
            e = [(v[i] + ks[i]) & MASK for i in range(NW)]
        else:
            e = v
        f = []
        for j in range(NW // 2):
            f.extend(mix(e[2 * j], e[2 * j + 1], ROT[d % 8][j]))
        v = [f[PERM[i]] for i in range(NW)]
    ks = subkey(NR // 4)
    return unwords([(v[i] + ks[i]) & MASK for i in range(NW)])


def ubi(g, msg, ts):
    """UBI(G, M, Ts) for a message of whole bytes (section 3.4).

    Ts is the 128-bit starting tweak (the type in bits 120..125).  The
    message is padded with zeros to whole blocks, at least one block; the
    tweak of block i carries the number of message bytes processed so far
    including this block, the First bit (126) for i = 0 and the Final bit
    (127) for the last block.
    """
    nm = len(msg)
    nblocks = max(1, (nm + 31) // 32)
    padded = msg + bytes(nblocks * 32 - nm)
    for i in range(nblocks):
        m = padded[32 * i:32 * i + 32]
        tweak = ts + min(nm, (i + 1) * 32)
        if i == 0:
            tweak += 1 << 126
        if i == nblocks - 1:
            tweak += 1 << 127
        c = threefish256(g, to_bytes(tweak, 16), m)
        g = bytes(a ^ b for a, b in zip(c, m))
    return g


def config(outbits):
    """The 32-byte configuration string C (section 3.5.2): schema "SHA3",
    version 1, output length in bits, tree parameters 0 (sequential)."""
    return (b"SHA3" + to_bytes(1, 2) + to_bytes(0, 2) +
            to_bytes(outbits, 8) + bytes([0, 0, 0]) + bytes(13))


def output(g, nbytes):
    """Output(G, No) (section 3.5.3): UBI(G, ToBytes(i, 8), Tout 2^120)
    for i = 0, 1, 2, ..., concatenated and truncated."""
    out = b""
    i = 0
    while len(out) < nbytes:
        out += ubi(g, to_bytes(i, 8), T_OUT << 120)
        i += 1
    return out[:nbytes]


def skein256(msg, outlen, key=b""):
    """Skein-256 with outlen bytes of output; a non-empty key makes it
    Skein-MAC ("Full Skein", section 3.5: K' = UBI(0, K, Tkey 2^120)
    before the configuration UBI; K' = 0 when there is no key)."""
    g = bytes(32)
    if key:
        g = ubi(g, key, T_KEY << 120)
    g = ubi(g, config(outlen * 8), T_CFG << 120)
    g = ubi(g, msg, T_MSG << 120)
    return output(g, outlen)


def stream(key, iv, n):
    """The stream cipher of docs/spec.md §2.2: G = UBI(Key: K) ->
    UBI(Config: output length field 2^64 - 1) -> UBI(Nonce: IV) ->
    UBI(Message: empty); keystream block i = 32-byte output UBI of G over i
    as 8 bytes little-endian (section 3.5.3, Tout)."""
    g = ubi(bytes(32), key, T_KEY << 120)
    g = ubi(g, config(MASK), T_CFG << 120)
    g = ubi(g, iv, T_NON << 120)
    g = ubi(g, b"", T_MSG << 120)
    return output(g, n)


if __name__ == "__main__":
    import sys
    # Usage: skein_ref.py HEXMSG [OUTLEN] -> hex digest.
    m = bytes.fromhex(sys.argv[1]) if len(sys.argv) > 1 else b""
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    print(skein256(m, n).hex())
