#include <stdint.h>

#include <sodium.h>

#include "elligator.h"

#include "elligator_ratio.h"
#include "fe25519.h"

/*
 * Elligator 2 on Curve25519, v^2 = u^3 + A u^2 + u with A = 486662, from
 * Bernstein, Hamburg, Krasnova, Lange, "Elligator: elliptic-curve points
 * indistinguishable from uniform random strings" (CCS 2013), section 5,
 * with the paper's non-square u (here Z, to keep u for the coordinate)
 * set to Z = 2 and B = 1, in the convention of Monocypher 4:
 *
 * - A representative is a field element r with 0 <= r <= (p-1)/2 (the
 *   paper's "non-negative" elements), written as 32 bytes little-endian.
 *   r < 2^254, so bits 254 and 255 are free: they are random on send and
 *   ignored on receive.
 * - The map (paper 5.2) sends r to the u-coordinate only, as X25519 uses.
 * - The inverse map (paper 5.3) chooses between its two formulas with the
 *   sign of v; we have no v, so a caller-supplied tweak bit chooses.  The
 *   two choices give the two representatives of the point, so a random
 *   tweak makes the representative uniform.
 */

/* A = 486662, the Montgomery coefficient of Curve25519. */
#define CURVE25519_A	486662

/* A^2 = 236839902244 < 2^51: a field element in its lowest limb. */
static const fe25519 a_squared = { UINT64_C(236839902244), 0, 0, 0, 0 };

/**
 * elligator2_map(u, rep):
 * Map the representative ${rep} to the Curve25519 u-coordinate ${u}.
 */
void
elligator2_map(uint8_t u[32], const uint8_t rep[32])
{
	uint8_t r_bytes[32];
	fe25519 r2, d, d2, m, x, y, k, t;
	int e_square;
	size_t i;

	/* r: the representative with bits 254 and 255 ignored; r < p. */
	for (i = 0; i < 32; i++)
		r_bytes[i] = rep[i];
	r_bytes[31] &= 0x3f;
	fe25519_frombytes(t, r_bytes);
	fe25519_sq(r2, t);

	/*
	 * Paper 5.2: w = -A / d with d = 1 + Z r^2 (never 0: -1/2 is not a
	 * square), e = chi(g(w)), g(w) = w^3 + A w^2 + w; u = w if e = 1,
	 * u = -w - A = Z r^2 w if e = -1.  Substituting w:
	 *     g(w) = M / d^3,  M = -A (d^2 - A^2 d + A^2)
	 * (M is never 0: w^2 + A w + 1 has no root, A^2 - 4 not being a
	 * square).  One exponentiation gives both e and 1/d: with
	 * X = M d^3 and y = fe25519_invsqrt(X), chi(X) = chi(g(w)) and
	 *     y^2 X = 1          if e = 1:  1/d = M d^2 y^2
	 *     y^2 X = sqrt(-1)   if e = -1: 1/d = -sqrt(-1) M d^2 y^2
	 * so u = -A M d^2 y^2 k, with k = 1 if e = 1 and
	 * k = -2 sqrt(-1) r^2 if e = -1.
	 */
	fe25519_add(d, r2, r2);
	fe25519_set(t, 1);
	fe25519_add(d, d, t);			/* d = 1 + 2 r^2 */
	fe25519_sq(d2, d);
	fe25519_mul(m, d, a_squared);
	fe25519_sub(m, d2, m);
	fe25519_add(m, m, a_squared);
	fe25519_mul_small(m, m, CURVE25519_A);
	fe25519_neg(m, m);			/* M */
	fe25519_mul(x, m, d2);
	fe25519_mul(x, x, d);			/* X = M d^3 */
	e_square = fe25519_invsqrt(y, x);

	fe25519_frombytes(t, fe25519_sqrtm1_bytes);
	fe25519_mul(k, r2, t);
	fe25519_mul_small(k, k, 2);
	fe25519_neg(k, k);
	fe25519_set(t, 1);
	fe25519_cmov(k, t, (unsigned int)e_square);

	fe25519_sq(t, y);
	fe25519_mul(t, t, m);
	fe25519_mul(t, t, d2);
	fe25519_mul(t, t, k);
	fe25519_mul_small(t, t, CURVE25519_A);
	fe25519_neg(t, t);
	fe25519_tobytes(u, t);

	sodium_memzero(r_bytes, sizeof(r_bytes));
	fe25519_wipe(r2);
	fe25519_wipe(d);
	fe25519_wipe(d2);
	fe25519_wipe(m);
	fe25519_wipe(x);
	fe25519_wipe(y);
	fe25519_wipe(k);
	fe25519_wipe(t);
}

/**
 * elligator2_rev_ratio(rep, n, m, tweak):
 * Find the representative of the point of the curve whose u-coordinate is
 * ${n} / ${m} (${m} != 0), as elligator2_rev does but without checking
 * that the point is on the curve: the caller knows it is.  Return 0, or
 * -1 if the point has no representative (then ${rep} is zeroed).
 */
int
elligator2_rev_ratio(uint8_t rep[32], const fe25519 n, const fe25519 m,
    uint8_t tweak)
{
	fe25519 upa, num, t, r, neg_r;
	unsigned int ok, mask;
	size_t i;

	/*
	 * Paper 5.3: (u, v) has a representative iff u != -A and -Z u (u + A)
	 * is a square.  With s = 1 / sqrt(-2 u (u + A)):
	 *   tweak bit 0 = 0: r = u s       = sqrt(-u / (2 (u + A)))
	 *   tweak bit 0 = 1: r = (u + A) s = sqrt(-(u + A) / (2 u))
	 * (for u = 0, s = 0 and r = 0, the representative of (0, 0)).
	 * With u = n / m: -2 u (u + A) = q / m^2, q = -2 n (n + A m), so
	 * s = m / sqrt(q) up to sign, u s = n / sqrt(q) and
	 * (u + A) s = (n + A m) / sqrt(q): no division.
	 */
	fe25519_mul_small(upa, m, CURVE25519_A);
	fe25519_add(upa, upa, n);		/* n + A m */
	fe25519_mul(t, n, upa);
	fe25519_mul_small(t, t, 2);
	fe25519_neg(t, t);			/* q */
	ok = (unsigned int)fe25519_invsqrt(t, t);
	fe25519_copy(num, n);
	fe25519_cmov(num, upa, tweak & 1);
	fe25519_mul(r, num, t);

	/* Take the non-negative root, 0 <= r <= (p-1)/2: r is in the upper
	 * half exactly when 2 r mod p is odd. */
	fe25519_add(t, r, r);
	fe25519_neg(neg_r, r);
	fe25519_cmov(r, neg_r, (unsigned int)fe25519_is_negative(t));
	fe25519_tobytes(rep, r);
	rep[31] |= tweak & 0xc0;

	/* On failure, hand back zeros rather than a meaningless value. */
	mask = 0U - ok;
	for (i = 0; i < 32; i++)
		rep[i] &= (uint8_t)mask;

	fe25519_wipe(upa);
	fe25519_wipe(num);
	fe25519_wipe(t);
	fe25519_wipe(r);
	fe25519_wipe(neg_r);
	return ((int)ok - 1);
}

/**
 * elligator2_rev(rep, u, tweak):
 * Find the representative of ${u}: the low bit of ${tweak} picks which of
 * the two, its top two bits become bits 254 and 255.  Return 0, or -1 if
 * ${u} has no representative (then ${rep} is undefined; this
 * implementation zeroes it).  Bit 255 of ${u} is ignored and values >= p
 * are taken mod p, as X25519 does.  Points off the curve have no
 * representative (Monocypher would return one that maps elsewhere), so
 * on success elligator2_map(rep) = u mod p, always.
 */
int
elligator2_rev(uint8_t rep[32], const uint8_t u_bytes[32], uint8_t tweak)
{
	fe25519 u, t, one;
	unsigned int on_curve, ok, mask;
	size_t i;

	/* u: bit 255 ignored and values >= p taken mod p, as X25519 does. */
	fe25519_frombytes(u, u_bytes);
	fe25519_set(one, 1);

	/*
	 * The point must be on the curve: u^3 + A u^2 + u = u ((u + A) u + 1)
	 * a square (or 0, for u = 0).  Points of the twist have no
	 * representative; Monocypher skips this test and returns a
	 * representative that maps to another point.  It also excludes
	 * u = -A, which is on the twist (-A is not a square).
	 */
	fe25519_mul_small(t, one, CURVE25519_A);
	fe25519_add(t, t, u);
	fe25519_mul(t, t, u);
	fe25519_add(t, t, one);
	fe25519_mul(t, t, u);
	on_curve = (unsigned int)fe25519_invsqrt(t, t);

	/* rev_ratio returns 0 or -1: ok is 1 or 0. */
	ok = on_curve & (unsigned int)(elligator2_rev_ratio(rep, u, one,
	    tweak) + 1);
	mask = 0U - ok;
	for (i = 0; i < 32; i++)
		rep[i] &= (uint8_t)mask;

	fe25519_wipe(u);
	fe25519_wipe(t);
	return ((int)ok - 1);
}
