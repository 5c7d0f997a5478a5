#include <stdint.h>

#include <sodium.h>

#include "dust/elligator.h"
#include "dust/rng.h"

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
 * How: let T0 be the point of order 8 with the smallest u-coordinate and
 * v <= (p-1)/2 (tests/ref/curve_ref.py derives it: u(2 T0) = 1 gives
 * u + 1/u = 2 +- 2 sqrt(A + 2)), and G = B + T0, a point of order 8 L.
 * We take T = L G = 5 T0 (L = 5 mod 8).  For any k,
 *     k G = (k mod L) B + (k mod 8) T0,
 * so with k = clamp(sk) + s L, s = sk[0] & 7:
 *     k G = clamp(sk) B + (5 s mod 8) T0 = clamp(sk) B + s T.
 * One constant-time Montgomery ladder over the 256-bit k (k < 2^255 +
 * 7 L < 2^256) on u(G) therefore gives the dirty key.  This is the same
 * construction as Monocypher 4's crypto_x25519_dirty_small, whose dirty
 * base point has this u-coordinate: its keys and ours should be equal.
 */

/* u(G), G = B + T0, little-endian (printed by tests/ref/curve_ref.py). */
static const uint8_t dirty_base_u[32] = {
	0xd8, 0x86, 0x1a, 0xa2, 0x78, 0x7a, 0xd9, 0x26,
	0x8b, 0x74, 0x74, 0xb6, 0x82, 0xe3, 0xbe, 0xc3,
	0xce, 0x36, 0x9a, 0x1e, 0x5e, 0x31, 0x47, 0xa2,
	0x6d, 0x37, 0x7c, 0xfd, 0x20, 0xb5, 0xdf, 0x75
};

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const uint8_t order_l[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10
};

/*
 * ladder(out, k, u):
 * RFC 7748 section 5: the u-coordinate of k (u, .) for the 256-bit
 * little-endian scalar ${k}, in constant time (conditional swaps by mask,
 * same operations for every bit).  Returns 0 for the identity.
 */
static void
ladder(uint8_t out[32], const uint8_t k[32], const uint8_t u[32])
{
	fe25519 x1, x2, z2, x3, z3, a, aa, b, bb, e, c, d, da, cb;
	unsigned int swap = 0, bit;
	int t;

	fe25519_frombytes(x1, u);
	fe25519_set(x2, 1);
	fe25519_set(z2, 0);
	fe25519_copy(x3, x1);
	fe25519_set(z3, 1);

	for (t = 255; t >= 0; t--) {
		bit = (k[t >> 3] >> (t & 7)) & 1;
		swap ^= bit;
		fe25519_cswap(x2, x3, swap);
		fe25519_cswap(z2, z3, swap);
		swap = bit;

		fe25519_add(a, x2, z2);		/* A = x2 + z2 */
		fe25519_sq(aa, a);		/* AA = A^2 */
		fe25519_sub(b, x2, z2);		/* B = x2 - z2 */
		fe25519_sq(bb, b);		/* BB = B^2 */
		fe25519_sub(e, aa, bb);		/* E = AA - BB */
		fe25519_add(c, x3, z3);		/* C = x3 + z3 */
		fe25519_sub(d, x3, z3);		/* D = x3 - z3 */
		fe25519_mul(da, d, a);		/* DA = D * A */
		fe25519_mul(cb, c, b);		/* CB = C * B */
		fe25519_add(x3, da, cb);
		fe25519_sq(x3, x3);		/* x3 = (DA + CB)^2 */
		fe25519_sub(z3, da, cb);
		fe25519_sq(z3, z3);
		fe25519_mul(z3, z3, x1);	/* z3 = x1 (DA - CB)^2 */
		fe25519_mul(x2, aa, bb);	/* x2 = AA BB */
		fe25519_mul_small(z2, e, 121665);
		fe25519_add(z2, z2, aa);
		fe25519_mul(z2, z2, e);		/* z2 = E (AA + a24 E) */
	}
	fe25519_cswap(x2, x3, swap);
	fe25519_cswap(z2, z3, swap);

	fe25519_invert(z2, z2);
	fe25519_mul(x2, x2, z2);
	fe25519_tobytes(out, x2);

	fe25519_wipe(x2);
	fe25519_wipe(z2);
	fe25519_wipe(x3);
	fe25519_wipe(z3);
	fe25519_wipe(a);
	fe25519_wipe(aa);
	fe25519_wipe(b);
	fe25519_wipe(bb);
	fe25519_wipe(e);
	fe25519_wipe(c);
	fe25519_wipe(d);
	fe25519_wipe(da);
	fe25519_wipe(cb);
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
	uint8_t k[32];
	uint32_t s, carry;
	size_t i;

	/* k = clamp(sk) + s L, s = sk[0] & 7; s L < 2^256 - 2^255. */
	s = sk[0] & 7;
	for (i = 0; i < 32; i++)
		k[i] = sk[i];
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
	carry = 0;
	for (i = 0; i < 32; i++) {
		carry += k[i] + s * order_l[i];
		k[i] = (uint8_t)carry;
		carry >>= 8;
	}

	ladder(u, k, dirty_base_u);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(&s, sizeof(s));
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
	uint8_t u[32];
	uint8_t tweak;
	int tries;

	/*
	 * About half of the points have a representative.  Each try draws a
	 * fresh key and tweak, so a failure says nothing about the key kept;
	 * the number of tries is the only thing that varies in time.
	 */
	for (tries = 1; ; tries++) {
		dust_rng_fill(rng, sk, 32);
		dust_rng_fill(rng, &tweak, 1);
		x25519_dirty_public(u, sk);
		if (elligator2_rev(rep, u, tweak) == 0)
			break;
	}
	sodium_memzero(u, sizeof(u));
	sodium_memzero(&tweak, sizeof(tweak));
	return (tries);
}
