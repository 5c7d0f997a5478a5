"""Independent big-integer reference for Curve25519 and Elligator 2.

Written for the tests from the formulas (RFC 7748; Bernstein, Hamburg,
Krasnova, Lange, "Elligator: elliptic-curve points indistinguishable from
uniform random strings", 2013, section 5), with plain Python integers and
nothing shared with the C code in lib/crypto/.  It is deliberately slow and
obvious: affine or textbook formulas, Python's pow() for exponentiation.

Run it as a program to print the constants the C code uses (the order-8
point T, the dirty base point G = B + T, sqrt(-1)) with their derivation.
"""

import sys

P = 2**255 - 19
A = 486662
Z = 2                       # Elligator 2's non-square (Monocypher 4)
L = 2**252 + 27742317777372353535851937790883648493   # prime subgroup order

# RFC 7748, section 4.1: the base point B of Curve25519.
B_U = 9
B_V = 14781619447589544791020593568409986887264606134616475288964881837755586237401


def inv(x):
    """1/x mod p (Fermat); 0 for 0."""
    return pow(x % P, P - 2, P)


def chi(x):
    """Legendre symbol: 0, 1 or -1."""
    x %= P
    if x == 0:
        return 0
    return 1 if pow(x, (P - 1) // 2, P) == 1 else -1


SQRT_M1 = pow(2, (P - 1) // 4, P)   # 2 is a non-square, so this is sqrt(-1)
assert SQRT_M1 * SQRT_M1 % P == P - 1


def sqrt(x):
    """Some square root of x, or None if x is not a square (p = 5 mod 8)."""
    x %= P
    if chi(x) == -1:
        return None
    r = pow(x, (P + 3) // 8, P)
    if r * r % P != x:
        r = r * SQRT_M1 % P
    assert r * r % P == x
    return r


def is_negative(x):
    """The Elligator paper's sign: x is 'negative' if x mod p > (p-1)/2."""
    return x % P > (P - 1) // 2


def curve_rhs(u):
    """u^3 + A u^2 + u: v^2 for the point with u-coordinate u."""
    return (u * u * u + A * u * u + u) % P


def decode_u(b):
    """u-coordinate from 32 bytes: bit 255 ignored, then reduced mod p."""
    return (int.from_bytes(b, "little") & (2**255 - 1)) % P


def decode_rep(b):
    """Representative from 32 bytes: bits 254 and 255 ignored."""
    return int.from_bytes(b, "little") & (2**254 - 1)


def encode(x):
    return (x % P).to_bytes(32, "little")


# ----- Elligator 2, paper section 5.2 (map) and 5.3 (inverse) -----

def elligator_map(rep_bytes):
    """Paper 5.2 with u = Z = 2, B = 1:
    v = -A / (1 + Z r^2); e = chi(v^3 + A v^2 + v);
    x = e v - (1 - e) A / 2, i.e. x = v if e = 1, x = -v - A if e = -1."""
    r = decode_rep(rep_bytes)
    d = (1 + Z * r * r) % P
    assert d != 0             # -1/Z is not a square
    v = -A * inv(d) % P
    e = chi(curve_rhs(v))
    assert e != 0             # v^2 + A v + 1 has no root: A^2 - 4 non-square
    x = v if e == 1 else (-v - A) % P
    return encode(x)


def elligator_rev(u_bytes, tweak):
    """Paper 5.3, x-only as Monocypher's crypto_elligator_rev: the point
    (x, y) has a representative iff x != -A and -Z x (x + A) is a square
    (and it is on the curve).  The paper picks the root by the sign of y;
    without y, the tweak's low bit picks it:
        bit 0 = 0: r = sqrt(-x / (Z (x + A)))
        bit 0 = 1: r = sqrt(-(x + A) / (Z x))
    r is taken non-negative (0 <= r <= (p-1)/2); the tweak's bits 6 and 7
    become bits 254 and 255.  Returns None if there is no representative.
    Points off the curve (on the twist) have none: we reject them, where
    Monocypher would return a representative that does not map back."""
    x = decode_u(u_bytes)
    if chi(curve_rhs(x)) == -1:
        return None           # not on the curve
    if (x + A) % P == 0:
        return None           # never reached: -A is not on the curve
    if chi(-Z * x * (x + A)) == -1:
        return None
    if x == 0:
        r = 0
    elif tweak & 1 == 0:
        r = sqrt(-x * inv(Z * (x + A)))
    else:
        r = sqrt(-(x + A) * inv(Z * x))
    if is_negative(r):
        r = P - r
    return (r | ((tweak & 0xc0) << 248)).to_bytes(32, "little")


# ----- Montgomery curve, affine, with v (textbook group law) -----

def m_add(p1, p2):
    """Affine addition on v^2 = u^3 + A u^2 + u; None is the identity."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (u1, v1), (u2, v2) = p1, p2
    if u1 == u2 and (v1 + v2) % P == 0:
        return None
    if u1 == u2:
        lam = (3 * u1 * u1 + 2 * A * u1 + 1) * inv(2 * v1) % P
    else:
        lam = (v2 - v1) * inv(u2 - u1) % P
    u3 = (lam * lam - A - u1 - u2) % P
    v3 = (lam * (u1 - u3) - v1) % P
    return (u3, v3)


def m_mul(k, pt):
    """k * pt by double-and-add (affine; slow, used for constants only)."""
    acc = None
    while k:
        if k & 1:
            acc = m_add(acc, pt)
        pt = m_add(pt, pt)
        k >>= 1
    return acc


def m_order(pt):
    """Order of a point of small order (divides 8)."""
    n, q = 1, pt
    while q is not None:
        q = m_add(q, pt)
        n += 1
        assert n <= 8
    return n


def derive_t():
    """The fixed point T of order 8.

    The only points of order 4 are (1, +-sqrt(A + 2)) (A + 2 is a square,
    A - 2 is not, so u = -1 is not on the curve).  A point of order 8 halves
    one of them: u(2T) = (u^2 - 1)^2 / (4 u (u^2 + A u + 1)) = 1.  Dividing
    by u^2 and writing s = u + 1/u gives s^2 - 4 = 4 (s + A), so
    s = 2 +- 2 sqrt(A + 2), and u is a root of u^2 - s u + 1 = 0.  Of the
    roots that lie on the curve we take the smallest, and the
    non-negative (even-looking, <= (p-1)/2) v."""
    cands = []
    h = sqrt(A + 2)
    for s in ((2 + 2 * h) % P, (2 - 2 * h) % P):
        disc = sqrt(s * s - 4)
        if disc is None:
            continue
        for u in ((s + disc) * inv(2) % P, (s - disc) * inv(2) % P):
            if chi(curve_rhs(u)) == 1:
                cands.append(u)
    u = min(cands)
    v = sqrt(curve_rhs(u))
    if is_negative(v):
        v = P - v
    t = (u, v)
    assert m_order(t) == 8
    return t


T0 = derive_t()
G = m_add((B_U, B_V), T0)         # the dirty base point, of order 8 L
# The low-order point of the dirty keys: T = L G = L T0 = 5 T0 (L = 5 mod
# 8).  With it, clamp(sk) B + s T = (clamp(sk) + s L) G, the scalar the C
# code feeds its ladder.  G's u-coordinate is the one of Monocypher 4's
# crypto_x25519_dirty_small, which uses the same scalar, so the dirty keys
# should agree with Monocypher's.
T = m_mul(5, T0)
assert m_order(T) == 8 and T == m_mul(L, G)

# ----- x-only Montgomery ladder (RFC 7748, section 5) -----


def ladder(k, u):
    """u-coordinate of k * (u, .) by the RFC 7748 ladder, any k >= 0."""
    x1, x2, z2, x3, z3 = u % P, 1, 0, u % P, 1
    for t in reversed(range(max(k.bit_length(), 1))):
        if (k >> t) & 1:
            x2, z2, x3, z3 = x3, z3, x2, z2
        a, b = (x2 + z2) % P, (x2 - z2) % P
        aa, bb = a * a % P, b * b % P
        e = (aa - bb) % P
        c, d = (x3 + z3) % P, (x3 - z3) % P
        da, cb = d * a % P, c * b % P
        x3, z3 = (da + cb) ** 2 % P, x1 * (da - cb) ** 2 % P
        x2, z2 = aa * bb % P, e * (aa + 121665 * e) % P
        if (k >> t) & 1:
            x2, z2, x3, z3 = x3, z3, x2, z2
    return x2 * inv(z2) % P, z2 % P


def in_prime_subgroup(u):
    """True if the point(s) with u-coordinate u have order dividing L:
    L * P is the identity, i.e. the ladder ends with Z = 0."""
    return ladder(L, u)[1] == 0


def clamp(sk):
    k = int.from_bytes(sk, "little")
    k &= ~7
    k &= ~(1 << 255)
    k |= 1 << 254
    return k


def x25519(sk, u_bytes):
    return encode(ladder(clamp(sk), decode_u(u_bytes))[0])


# ----- Edwards25519, extended coordinates, for the dirty keys -----
# Montgomery (u, v) -> Edwards (x, y) = (sqrt(-(A+2)) u / v, (u-1)/(u+1))
# is a group isomorphism (RFC 7748, section 4.1); with complete Edwards
# addition we compute clamp(sk) * B + (sk[0] & 7) * T directly, without
# the ladder's scalar trick that the C code uses.

ED_D = -121665 * inv(121666) % P
ED_K = 2 * ED_D % P
SQRT_MA2 = sqrt(-(A + 2))


def to_edwards(pt):
    u, v = pt
    x = SQRT_MA2 * u * inv(v) % P
    y = (u - 1) * inv(u + 1) % P
    assert (-x * x + y * y - 1 - ED_D * x * x * y * y) % P == 0
    return (x, y, 1, x * y % P)


def e_add(p1, p2):
    """add-2008-hwcd-3, complete for a = -1 (edwards25519)."""
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * ED_K * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


E_ID = (0, 1, 1, 0)
_B_ED = to_edwards((B_U, B_V))
_T_ED = to_edwards(T)
_B_POW = []                      # 2^i B, i = 0..255
_q = _B_ED
for _i in range(256):
    _B_POW.append(_q)
    _q = e_add(_q, _q)


def e_to_u(pt):
    x, y, z, t = pt
    # u = (1 + y) / (1 - y) = (z + y) / (z - y)
    return (z + y) * inv(z - y) % P


def dirty_public(sk):
    """u(clamp(sk) B + (sk[0] & 7) T), by Edwards arithmetic."""
    k = clamp(sk)
    acc = E_ID
    for i in range(256):
        if (k >> i) & 1:
            acc = e_add(acc, _B_POW[i])
    for _ in range(sk[0] & 7):
        acc = e_add(acc, _T_ED)
    return encode(e_to_u(acc))


def low_order_table():
    """s T for s = 0..7 as affine Edwards (x, y) in the RFC 7748 / RFC 8032
    sign convention, where the Ed25519 base point has an even x: the table
    of lib/crypto/x25519_dirty.c.  to_edwards above may pick the other
    square root of -(A + 2), i.e. the map that negates every x; the group
    law is the same either way, so only the sign of x is adjusted here."""
    flip = _B_ED[0] % 2 == 1
    rows, acc = [], E_ID
    for _ in range(8):
        x, y, z, _t = acc
        zi = inv(z)
        x, y = x * zi % P, y * zi % P
        rows.append(((-x) % P if flip else x, y))
        acc = e_add(acc, _T_ED)
    return rows


def main():
    def hx(x):
        return encode(x).hex()
    print("T0 (order 8): u =", hx(T0[0]))
    print("              v =", hx(T0[1]))
    print("G = B + T0:   u =", hx(G[0]))
    print("T = L G = 5 T0: u =", hx(T[0]))
    print("                v =", hx(T[1]))
    print("order(T) =", m_order(T), " 8*G != O:", m_mul(8, G) is not None)
    print("sqrt(-1)      =", hx(SQRT_M1))
    print("edwards25519 d =", hx(ED_D))
    for s, (x, y) in enumerate(low_order_table()):
        print("%d T (Edwards): x = %s" % (s, hx(x)))
        print("               y = %s" % hx(y))
    print("L mod 8 =", L % 8, " 1/L mod 8 =", pow(L, -1, 8))
    return 0


if __name__ == "__main__":
    sys.exit(main())
