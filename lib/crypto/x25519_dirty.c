#include <stdint.h>

#include <sodium.h>

#include "dust/rng.h"
#include "elligator.h"

#include "elligator_ratio.h"
#include "fe25519.h"

/*
 * "Dirty" X25519 public keys: clamp(sk) B + (sk[0] & 7) T, with B the
 * base point (u = 9) and T a fixed point of order 8.
 *
 * Why: the u-coordinate that the Elligator 2 map produces from a random
 * representative lies in the prime-order subgroup only 1 time in 8.  An
 * ordinary X25519 public key always lies there, so an observer who maps
 * the representatives back and tests L P = 0 would tell them from random
 * (obfs4's keys had this flaw).  Adding a low-order point chosen by the
 * three bits that X25519 clamps away makes the key's low-order component
 * uniform, and X25519(sk', P) is unchanged: the peer's clamped scalar is a
 * multiple of 8, which kills any point of order 8.
 *
 * Which T: T0 is the point of order 8 with the smallest u-coordinate and
 * v <= (p-1)/2, G = B + T0 (the dirty base point of Monocypher 4's
 * crypto_x25519_dirty_small) and T = L G = 5 T0 (docs/elligator.md;
 * tests/ref/curve_ref.py derives them).
 *
 * How, on the twisted Edwards curve edwards25519 (-x^2 + y^2 = 1 +
 * d x^2 y^2), birationally equivalent to Curve25519 by u = (1 + y)/(1 - y)
 * (RFC 7748 section 4.1, whose map sends B to the Ed25519 base point):
 *  1. clamp(sk) B with libsodium's fixed-base multiplication
 *     (crypto_scalarmult_ed25519_base_noclamp: signed radix-16 digits and
 *     precomputed multiples of B, constant time), which returns the
 *     compressed point: y and the sign of x;
 *  2. decompress: x = sqrt((y^2 - 1) / (d y^2 + 1)) with the sign given;
 *  3. add (sk[0] & 7) T, taken from a table of the eight multiples of T
 *     by a constant-time scan, with the complete addition of Hisil, Wong,
 *     Carter, Dawson (2008, "add-2008-hwcd-3"), of which only the ratio
 *     Y3 / Z3 = H / F is needed;
 *  4. u = (1 + y3) / (1 - y3) = (F + H) / (F - H), left as a fraction for
 *     the inverse map (elligator2_rev_ratio), divided out for the key.
 */

/* d = -121665 / 121666, edwards25519's constant, little-endian. */
static const uint8_t ed_d[32] = {
	0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75,
	0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
	0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c,
	0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52
};

/*
 * s T for s = 0..7 on edwards25519, affine (x, y), little-endian, as
 * printed by tests/ref/curve_ref.py.  (u, v) -> (x, y) = (c u / v,
 * (u - 1)/(u + 1)) with c the square root of -486664 for which the
 * Montgomery base point goes to the Ed25519 base point (RFC 7748 4.1;
 * x of the latter is even), and T the point (u, v) of docs/elligator.md,
 * u(T) = 5f9c95bc..57.  The dirty-key vectors (all eight s) and the
 * differential test against tests/ref/curve_ref.py check the table.
 */
static const uint8_t low_order[8][2][32] = {
	{ /* 0 T */
	  {
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	  {
	    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 } },
	{ /* 1 T */
	  {
	    0x4a, 0xd1, 0x45, 0xc5, 0x46, 0x46, 0xa1, 0xde,
	    0x38, 0xe2, 0xe5, 0x13, 0x70, 0x3c, 0x19, 0x5c,
	    0xbb, 0x4a, 0xde, 0x38, 0x32, 0x99, 0x33, 0xe9,
	    0x28, 0x4a, 0x39, 0x06, 0xa0, 0xb9, 0xd5, 0x1f },
	  {
	    0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
	    0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
	    0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
	    0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05 } },
	{ /* 2 T */
	  {
	    0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4,
	    0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
	    0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b,
	    0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b },
	  {
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 } },
	{ /* 3 T */
	  {
	    0x4a, 0xd1, 0x45, 0xc5, 0x46, 0x46, 0xa1, 0xde,
	    0x38, 0xe2, 0xe5, 0x13, 0x70, 0x3c, 0x19, 0x5c,
	    0xbb, 0x4a, 0xde, 0x38, 0x32, 0x99, 0x33, 0xe9,
	    0x28, 0x4a, 0x39, 0x06, 0xa0, 0xb9, 0xd5, 0x1f },
	  {
	    0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f,
	    0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	    0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6,
	    0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a } },
	{ /* 4 T */
	  {
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	  {
	    0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f } },
	{ /* 5 T */
	  {
	    0xa3, 0x2e, 0xba, 0x3a, 0xb9, 0xb9, 0x5e, 0x21,
	    0xc7, 0x1d, 0x1a, 0xec, 0x8f, 0xc3, 0xe6, 0xa3,
	    0x44, 0xb5, 0x21, 0xc7, 0xcd, 0x66, 0xcc, 0x16,
	    0xd7, 0xb5, 0xc6, 0xf9, 0x5f, 0x46, 0x2a, 0x60 },
	  {
	    0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f,
	    0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	    0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6,
	    0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a } },
	{ /* 6 T */
	  {
	    0x3d, 0x5f, 0xf1, 0xb5, 0xd8, 0xe4, 0x11, 0x3b,
	    0x87, 0x1b, 0xd0, 0x52, 0xf9, 0xe7, 0xbc, 0xd0,
	    0x58, 0x28, 0x04, 0xc2, 0x66, 0xff, 0xb2, 0xd4,
	    0xf4, 0x20, 0x3e, 0xb0, 0x7f, 0xdb, 0x7c, 0x54 },
	  {
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 } },
	{ /* 7 T */
	  {
	    0xa3, 0x2e, 0xba, 0x3a, 0xb9, 0xb9, 0x5e, 0x21,
	    0xc7, 0x1d, 0x1a, 0xec, 0x8f, 0xc3, 0xe6, 0xa3,
	    0x44, 0xb5, 0x21, 0xc7, 0xcd, 0x66, 0xcc, 0x16,
	    0xd7, 0xb5, 0xc6, 0xf9, 0x5f, 0x46, 0x2a, 0x60 },
	  {
	    0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0,
	    0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
	    0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39,
	    0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05 } }
};

/*
 * dirty_ratio(n, m, sk):
 * Set ${n} / ${m} to the u-coordinate of clamp(sk) B + (sk[0] & 7) T;
 * ${m} is never 0.
 */
static void
dirty_ratio(fe25519 n, fe25519 m, const uint8_t sk[32])
{
	uint8_t k[32], ed[32], tx[32], ty[32];
	fe25519 x, y, y2, num, den, t, ypx, ymx, xy2d, a, b, c;
	unsigned int s, j, sel;
	int ok, i;

	/*
	 * 1. clamp(sk) B.  libsodium takes the scalar as it is (it clears
	 * bit 255 only, already clear) and does not reduce it mod L, which
	 * would not change the point anyway: B has order L.  It returns -1
	 * only for a zero scalar or the neutral element, and a clamped
	 * scalar, a multiple of 8 in [2^254, 2^255), is never 0 mod L
	 * (8 L > 2^255): so ok is always 0 and is not looked at.
	 */
	for (i = 0; i < 32; i++)
		k[i] = sk[i];
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
	ok = crypto_scalarmult_ed25519_base_noclamp(ed, k);
	(void)ok;

	/*
	 * 2. Decompress (RFC 8032 5.1.3): x^2 = (y^2 - 1) / (d y^2 + 1), so
	 * x = (y^2 - 1) / sqrt((y^2 - 1)(d y^2 + 1)); y^2 - 1 is not 0 (the
	 * point is neither the neutral element nor of order 2).  Then give
	 * x the sign (low bit) that bit 255 of the encoding holds.
	 */
	fe25519_frombytes(y, ed);
	fe25519_sq(y2, y);
	fe25519_set(t, 1);
	fe25519_sub(num, y2, t);
	fe25519_frombytes(den, ed_d);
	fe25519_mul(den, den, y2);
	fe25519_add(den, den, t);
	fe25519_mul(t, num, den);
	(void)fe25519_invsqrt(t, t);
	fe25519_mul(x, num, t);
	fe25519_neg(t, x);
	fe25519_cmov(x, t, (unsigned int)fe25519_is_negative(x) ^
	    (unsigned int)(ed[31] >> 7));

	/* 3. Select s T = (tx, ty), s = sk[0] & 7, reading all eight. */
	s = sk[0] & 7;
	for (i = 0; i < 32; i++)
		tx[i] = ty[i] = 0;
	for (j = 0; j < 8; j++) {
		/* sel = 0xff if j = s, else 0 (j ^ s is 0..7). */
		sel = (((j ^ s) - 1) >> 8) & 0xff;
		for (i = 0; i < 32; i++) {
			tx[i] |= (uint8_t)(sel & low_order[j][0][i]);
			ty[i] |= (uint8_t)(sel & low_order[j][1][i]);
		}
	}
	fe25519_frombytes(t, tx);
	fe25519_frombytes(c, ty);
	fe25519_add(ypx, c, t);			/* y2 + x2 */
	fe25519_sub(ymx, c, t);			/* y2 - x2 */
	fe25519_mul(xy2d, t, c);
	fe25519_frombytes(t, ed_d);
	fe25519_mul(xy2d, xy2d, t);
	fe25519_add(xy2d, xy2d, xy2d);		/* 2 d x2 y2 */

	/*
	 * add-2008-hwcd-3 with Z1 = Z2 = 1, T1 = x y:
	 *     A = (y - x)(y2 - x2)   B = (y + x)(y2 + x2)
	 *     C = T1 2 d T2          D = 2
	 *     F = D - C   G = D + C   H = B + A
	 *     Y3 = G H    Z3 = F G
	 * 4. u = (Z3 + Y3) / (Z3 - Y3) = (F + H) / (F - H) (G != 0: the
	 * addition is complete); F - H = 0 would mean y3 = 1, the neutral
	 * element, which clamp(sk) B + s T never is.
	 */
	fe25519_sub(a, y, x);
	fe25519_mul(a, a, ymx);
	fe25519_add(b, y, x);
	fe25519_mul(b, b, ypx);
	fe25519_mul(c, x, y);
	fe25519_mul(c, c, xy2d);
	fe25519_add(b, b, a);			/* H */
	fe25519_set(t, 2);
	fe25519_sub(c, t, c);			/* F */
	fe25519_add(n, c, b);
	fe25519_sub(m, c, b);

	sodium_memzero(k, sizeof(k));
	sodium_memzero(ed, sizeof(ed));
	sodium_memzero(tx, sizeof(tx));
	sodium_memzero(ty, sizeof(ty));
	sodium_memzero(&s, sizeof(s));
	fe25519_wipe(x);
	fe25519_wipe(y);
	fe25519_wipe(y2);
	fe25519_wipe(num);
	fe25519_wipe(den);
	fe25519_wipe(t);
	fe25519_wipe(ypx);
	fe25519_wipe(ymx);
	fe25519_wipe(xy2d);
	fe25519_wipe(a);
	fe25519_wipe(b);
	fe25519_wipe(c);
}

/**
 * x25519_dirty_public(u, sk):
 * The "dirty" public key of the 32-byte secret ${sk}: the u-coordinate of
 * clamp(sk)*B + (sk[0] & 7)*T, where T is a point of order 8 (fixed in
 * docs/elligator.md: Monocypher 4's construction), so that the
 * point lies in the prime-order subgroup one time in eight, as the map of
 * a random representative does.  X25519(sk, .) ignores the low-order part.
 */
void
x25519_dirty_public(uint8_t u[32], const uint8_t sk[32])
{
	fe25519 n, m;

	dirty_ratio(n, m, sk);
	fe25519_invert(m, m);
	fe25519_mul(n, n, m);
	fe25519_tobytes(u, n);
	fe25519_wipe(n);
	fe25519_wipe(m);
}

/**
 * elligator2_key_pair(rep, sk, rng):
 * Draw ephemeral key pairs from ${rng} until the dirty public key has a
 * representative; write the secret key to ${sk} and a uniformly random
 * representative of its public key to ${rep}.  Each try takes 32 bytes
 * (the secret key) then 1 byte (the tweak of elligator2_rev) from ${rng}.
 * Return the number of tries it took (about 2 on average).
 */
int
elligator2_key_pair(uint8_t rep[32], uint8_t sk[32],
    const struct dust_rng * rng)
{
	fe25519 n, m;
	uint8_t tweak;
	int tries;

	/*
	 * About half of the points have a representative.  Each try draws a
	 * fresh key and tweak, so a failure says nothing about the key kept;
	 * the number of tries is the only thing that varies in time.  The
	 * dirty key stays a fraction n / m: the inverse map needs no
	 * division (elligator2_rev_ratio), so a try costs one fixed-base
	 * multiplication and two exponentiations.
	 */
	for (tries = 1; ; tries++) {
		dust_rng_fill(rng, sk, 32);
		dust_rng_fill(rng, &tweak, 1);
		dirty_ratio(n, m, sk);
		if (elligator2_rev_ratio(rep, n, m, tweak) == 0)
			break;
	}
	fe25519_wipe(n);
	fe25519_wipe(m);
	sodium_memzero(&tweak, sizeof(tweak));
	return (tries);
}
