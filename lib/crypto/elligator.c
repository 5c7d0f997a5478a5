#include <stdint.h>

#include <sodium.h>

#include "dust/elligator.h"

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

/**
 * elligator2_map(u, rep):
 * Map the representative ${rep} to the Curve25519 u-coordinate ${u}.
 */
void
elligator2_map(uint8_t u[32], const uint8_t rep[32])
{
	uint8_t r_bytes[32];
	fe25519 r, d, w, g, t, a, alt;
	int e_square;
	size_t i;

	/* r: the representative with bits 254 and 255 ignored; r < p. */
	for (i = 0; i < 32; i++)
		r_bytes[i] = rep[i];
	r_bytes[31] &= 0x3f;
	fe25519_frombytes(r, r_bytes);

	/* w = -A / (1 + Z r^2): the paper's v.  1 + 2 r^2 is never 0 as
	 * -1/2 is not a square mod p. */
	fe25519_sq(d, r);
	fe25519_add(d, d, d);
	fe25519_set(t, 1);
	fe25519_add(d, d, t);
	fe25519_invert(d, d);
	fe25519_set(a, CURVE25519_A);
	fe25519_mul(w, a, d);
	fe25519_neg(w, w);

	/* g = w^3 + A w^2 + w = w ((w + A) w + 1), and e = chi(g).  g is
	 * never 0 (w != 0, and w^2 + A w + 1 has no root: A^2 - 4 is not a
	 * square), so "square or zero" below means e = 1. */
	fe25519_add(g, w, a);
	fe25519_mul(g, g, w);
	fe25519_add(g, g, t);
	fe25519_mul(g, g, w);
	e_square = fe25519_invsqrt(t, g);

	/* u = e w - (1 - e) A / 2: w if e = 1, -w - A if e = -1. */
	fe25519_neg(alt, w);
	fe25519_sub(alt, alt, a);
	fe25519_cmov(alt, w, (unsigned int)e_square);
	fe25519_tobytes(u, alt);

	sodium_memzero(r_bytes, sizeof(r_bytes));
	fe25519_wipe(r);
	fe25519_wipe(d);
	fe25519_wipe(w);
	fe25519_wipe(g);
	fe25519_wipe(t);
	fe25519_wipe(alt);
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
	fe25519 u, upa, t, r, neg_r, a;
	unsigned int on_curve, is_square, ok, mask;
	size_t i;

	/* u: bit 255 ignored and values >= p taken mod p, as X25519 does. */
	fe25519_frombytes(u, u_bytes);
	fe25519_set(a, CURVE25519_A);
	fe25519_add(upa, u, a);

	/*
	 * The point must be on the curve: u^3 + A u^2 + u = u ((u + A) u + 1)
	 * a square (or 0, for u = 0).  Points of the twist have no
	 * representative; Monocypher skips this test and returns a
	 * representative that maps to another point.  It also excludes
	 * u = -A, which is on the twist (-A is not a square).
	 */
	fe25519_mul(t, upa, u);
	fe25519_set(r, 1);
	fe25519_add(t, t, r);
	fe25519_mul(t, t, u);
	on_curve = (unsigned int)fe25519_invsqrt(r, t);

	/*
	 * Paper 5.3: (u, v) has a representative iff u != -A and -Z u (u + A)
	 * is a square.  With s = 1 / sqrt(-2 u (u + A)):
	 *   tweak bit 0 = 0: r = u s       = sqrt(-u / (2 (u + A)))
	 *   tweak bit 0 = 1: r = (u + A) s = sqrt(-(u + A) / (2 u))
	 * (for u = 0, s = 0 and r = 0, the representative of (0, 0)).
	 */
	fe25519_mul(t, u, upa);
	fe25519_mul_small(t, t, 2);
	fe25519_neg(t, t);
	is_square = (unsigned int)fe25519_invsqrt(t, t);
	fe25519_cmov(u, upa, tweak & 1);
	fe25519_mul(r, u, t);

	/* Take the non-negative root, 0 <= r <= (p-1)/2: r is in the upper
	 * half exactly when 2 r mod p is odd. */
	fe25519_add(t, r, r);
	fe25519_neg(neg_r, r);
	fe25519_cmov(r, neg_r, (unsigned int)fe25519_is_negative(t));
	fe25519_tobytes(rep, r);
	rep[31] |= tweak & 0xc0;

	/* On failure, hand back zeros rather than a meaningless value. */
	ok = on_curve & is_square;
	mask = 0U - ok;
	for (i = 0; i < 32; i++)
		rep[i] &= (uint8_t)mask;

	fe25519_wipe(u);
	fe25519_wipe(upa);
	fe25519_wipe(t);
	fe25519_wipe(r);
	fe25519_wipe(neg_r);
	return ((int)ok - 1);
}
