#include <stdint.h>

#include <sodium.h>

#include "fe25519.h"

/*
 * GF(2^255 - 19) with five 51-bit limbs; see fe25519.h for the bounds.
 * Reduction uses 2^255 = 19 (mod p): a carry out of the top limb comes
 * back into the bottom one multiplied by 19.
 */

typedef unsigned __int128 u128;

#define MASK51	((UINT64_C(1) << 51) - 1)

/* sqrt(-1) = 2^((p-1)/4) mod p (2 is not a square mod p), canonical. */
const uint8_t fe25519_sqrtm1_bytes[32] = {
	0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4,
	0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
	0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b,
	0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b
};

/* Little-endian loads and stores. */
static uint64_t
load64_le(const uint8_t * p)
{
	uint64_t x = 0;
	int i;

	for (i = 7; i >= 0; i--)
		x = (x << 8) | p[i];
	return (x);
}

static void
store64_le(uint8_t * p, uint64_t x)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

/* Carry each limb into the next; the top limb's carry wraps times 19. */
static void
fe_carry(fe25519 h)
{
	uint64_t c;
	int i;

	for (i = 0; i < 4; i++) {
		c = h[i] >> 51;
		h[i] &= MASK51;
		h[i + 1] += c;
	}
	c = h[4] >> 51;
	h[4] &= MASK51;
	h[0] += 19 * c;
}

/**
 * fe25519_frombytes(h, s):
 * Set ${h} to the little-endian number ${s} with bit 255 ignored (as
 * X25519 does); values from p to 2^255 - 1 are taken mod p.
 */
void
fe25519_frombytes(fe25519 h, const uint8_t s[32])
{

	/* Limb i holds bits 51 i .. 51 i + 50; bit 255 falls off limb 4. */
	h[0] = load64_le(s) & MASK51;
	h[1] = (load64_le(s + 6) >> 3) & MASK51;
	h[2] = (load64_le(s + 12) >> 6) & MASK51;
	h[3] = (load64_le(s + 19) >> 1) & MASK51;
	h[4] = (load64_le(s + 24) >> 12) & MASK51;
	/* Values >= p are not reduced here: every operation works mod p. */
}

/**
 * fe25519_tobytes(s, h):
 * Write the canonical encoding of ${h} (0 <= value < p, little-endian,
 * bit 255 clear) to ${s}.
 */
void
fe25519_tobytes(uint8_t s[32], const fe25519 f)
{
	fe25519 h;
	uint64_t q;
	int i;

	/* Two carries: limbs below 2^51 except h[0] < 2^51 + 19; h < 2p. */
	fe25519_copy(h, f);
	fe_carry(h);
	fe_carry(h);

	/* q = floor((h + 19) / 2^255): 1 if h >= p, else 0. */
	q = (h[0] + 19) >> 51;
	for (i = 1; i < 5; i++)
		q = (h[i] + q) >> 51;

	/* h - q p = h + 19 q - q 2^255: add 19 q, carry, drop bit 255. */
	h[0] += 19 * q;
	for (i = 0; i < 4; i++) {
		h[i + 1] += h[i] >> 51;
		h[i] &= MASK51;
	}
	h[4] &= MASK51;

	store64_le(s, h[0] | h[1] << 51);
	store64_le(s + 8, h[1] >> 13 | h[2] << 38);
	store64_le(s + 16, h[2] >> 26 | h[3] << 25);
	store64_le(s + 24, h[3] >> 39 | h[4] << 12);
	fe25519_wipe(h);
}

/**
 * fe25519_set(h, n):
 * Set ${h} to the small integer ${n}.
 */
void
fe25519_set(fe25519 h, uint32_t n)
{

	h[0] = n;
	h[1] = h[2] = h[3] = h[4] = 0;
}

/**
 * fe25519_copy(h, f):
 * Set ${h} to ${f}.
 */
void
fe25519_copy(fe25519 h, const fe25519 f)
{
	int i;

	for (i = 0; i < 5; i++)
		h[i] = f[i];
}

/**
 * fe25519_add(h, f, g):
 * Set ${h} to ${f} + ${g}.
 */
void
fe25519_add(fe25519 h, const fe25519 f, const fe25519 g)
{
	int i;

	for (i = 0; i < 5; i++)
		h[i] = f[i] + g[i];
	fe_carry(h);
}

/**
 * fe25519_sub(h, f, g):
 * Set ${h} to ${f} - ${g}.
 */
void
fe25519_sub(fe25519 h, const fe25519 f, const fe25519 g)
{
	/* 4p, limb by limb: each limb exceeds 2^52 > g[i], so no borrow. */
	static const uint64_t four_p[5] = {
		4 * (MASK51 - 18), 4 * MASK51, 4 * MASK51, 4 * MASK51,
		4 * MASK51
	};
	int i;

	for (i = 0; i < 5; i++)
		h[i] = f[i] + four_p[i] - g[i];
	fe_carry(h);
}

/**
 * fe25519_neg(h, f):
 * Set ${h} to -${f}.
 */
void
fe25519_neg(fe25519 h, const fe25519 f)
{
	fe25519 zero = {0, 0, 0, 0, 0};

	fe25519_sub(h, zero, f);
}

/*
 * fe_reduce_wide(h, r0, r1, r2, r3, r4):
 * Reduce the five 128-bit column sums of a product (column i has weight
 * 2^(51 i)) into ${h}, limbs below 2^51 + 2^10.  Carries are taken in two
 * chains side by side, 0 -> 1 -> 2 -> 3 and 3 -> 4 -> 0 -> 1 (times 19
 * from 4 to 0), then 3 -> 4 once more: four steps deep instead of the six
 * of a single chain, which the squarings of an exponentiation wait on.
 * For inputs below 2^52 the columns are below 2^111, so the carry out of
 * column 4 is below 2^56 and 19 times it fits 64 bits; the carry from
 * column 2 into limb 3 (below 2^59) is carried on at the end.
 */
static inline void
fe_reduce_wide(fe25519 h, u128 r0, u128 r1, u128 r2, u128 r3, u128 r4)
{
	uint64_t c3 = (uint64_t)(r3 >> 51), c4;

	r1 += (uint64_t)(r0 >> 51);
	h[0] = (uint64_t)r0 & MASK51;
	h[3] = (uint64_t)r3 & MASK51;
	r4 += c3;
	r2 += (uint64_t)(r1 >> 51);
	h[1] = (uint64_t)r1 & MASK51;
	c4 = (uint64_t)(r4 >> 51);
	h[4] = (uint64_t)r4 & MASK51;
	h[0] += 19 * c4;
	h[3] += (uint64_t)(r2 >> 51);
	h[2] = (uint64_t)r2 & MASK51;
	h[1] += h[0] >> 51;
	h[0] &= MASK51;
	h[4] += h[3] >> 51;
	h[3] &= MASK51;
}

/**
 * fe25519_mul(h, f, g):
 * Set ${h} to ${f} * ${g}.  ${h} may alias ${f} or ${g}.
 */
void
fe25519_mul(fe25519 h, const fe25519 f, const fe25519 g)
{
	uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
	uint64_t g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4];
	uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3,
	    g4_19 = 19 * g4;
	u128 r0, r1, r2, r3, r4;

	/* Schoolbook; a term of weight 2^(51 (i + j)) with i + j >= 5 is
	 * worth 19 times the same term at weight 2^(51 (i + j - 5)). */
	r0 = (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 +
	    (u128)f3 * g2_19 + (u128)f4 * g1_19;
	r1 = (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 +
	    (u128)f3 * g3_19 + (u128)f4 * g2_19;
	r2 = (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 +
	    (u128)f3 * g4_19 + (u128)f4 * g3_19;
	r3 = (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 +
	    (u128)f3 * g0 + (u128)f4 * g4_19;
	r4 = (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 +
	    (u128)f3 * g1 + (u128)f4 * g0;
	fe_reduce_wide(h, r0, r1, r2, r3, r4);
}

/*
 * fe_sqn(h, f, n):
 * Set ${h} to ${f}^(2^n), n >= 1: n squarings with the limbs kept in
 * registers between them (an exponentiation is mostly runs of these).
 * Each squaring is fe25519_mul(h, f, f) with the equal cross terms paired
 * (15 products instead of 25), then fe_reduce_wide's carries.
 */
static void
fe_sqn(fe25519 h, const fe25519 f, int n)
{
	fe25519 g;
	uint64_t d0, d1, f3_19, f3_38, f4_19, f4_38;

	fe25519_copy(g, f);
	do {
		d0 = 2 * g[0];
		d1 = 2 * g[1];
		f3_19 = 19 * g[3];
		f3_38 = 38 * g[3];
		f4_19 = 19 * g[4];
		f4_38 = 38 * g[4];
		fe_reduce_wide(g,
		    (u128)g[0] * g[0] + (u128)g[1] * f4_38 +
		    (u128)g[2] * f3_38,
		    (u128)d0 * g[1] + (u128)g[2] * f4_38 +
		    (u128)g[3] * f3_19,
		    (u128)d0 * g[2] + (u128)g[1] * g[1] +
		    (u128)g[3] * f4_38,
		    (u128)d0 * g[3] + (u128)d1 * g[2] + (u128)g[4] * f4_19,
		    (u128)d0 * g[4] + (u128)d1 * g[3] + (u128)g[2] * g[2]);
	} while (--n > 0);
	fe25519_copy(h, g);
	fe25519_wipe(g);
}

/**
 * fe25519_sq(h, f):
 * Set ${h} to ${f}^2.
 */
void
fe25519_sq(fe25519 h, const fe25519 f)
{

	fe_sqn(h, f, 1);
}

/**
 * fe25519_mul_small(h, f, n):
 * Set ${h} to ${f} * ${n} for a small constant ${n} < 2^20.
 */
void
fe25519_mul_small(fe25519 h, const fe25519 f, uint32_t n)
{

	fe_reduce_wide(h, (u128)f[0] * n, (u128)f[1] * n, (u128)f[2] * n,
	    (u128)f[3] * n, (u128)f[4] * n);
}

/*
 * Set ${t250} to z^(2^250 - 1) and ${z11} to z^11: the common start of
 * the exponentiations by p - 2 and (p - 5) / 8 (the addition chain of
 * curve25519's reference code, exponents in the comments).
 */
static void
fe_pow2250m1(fe25519 t250, fe25519 z11, const fe25519 z)
{
	fe25519 t0, t1, t2;

	fe25519_sq(t0, z);			/* 2 */
	fe_sqn(t1, t0, 2);			/* 8 */
	fe25519_mul(t1, t1, z);			/* 9 */
	fe25519_mul(z11, t0, t1);		/* 11 */
	fe25519_sq(t0, z11);			/* 22 */
	fe25519_mul(t0, t0, t1);		/* 31 = 2^5 - 1 */
	fe_sqn(t1, t0, 5);
	fe25519_mul(t0, t1, t0);		/* 2^10 - 1 */
	fe_sqn(t1, t0, 10);
	fe25519_mul(t1, t1, t0);		/* 2^20 - 1 */
	fe_sqn(t2, t1, 20);
	fe25519_mul(t1, t2, t1);		/* 2^40 - 1 */
	fe_sqn(t1, t1, 10);
	fe25519_mul(t0, t1, t0);		/* 2^50 - 1 */
	fe_sqn(t1, t0, 50);
	fe25519_mul(t1, t1, t0);		/* 2^100 - 1 */
	fe_sqn(t2, t1, 100);
	fe25519_mul(t1, t2, t1);		/* 2^200 - 1 */
	fe_sqn(t1, t1, 50);
	fe25519_mul(t250, t1, t0);		/* 2^250 - 1 */
	fe25519_wipe(t0);
	fe25519_wipe(t1);
	fe25519_wipe(t2);
}

/**
 * fe25519_invert(h, f):
 * Set ${h} to 1 / ${f} = ${f}^(p-2) (0 if ${f} is 0).
 */
void
fe25519_invert(fe25519 h, const fe25519 f)
{
	fe25519 t, z11;

	fe_pow2250m1(t, z11, f);
	fe_sqn(t, t, 5);			/* 2^255 - 2^5 */
	fe25519_mul(h, t, z11);			/* 2^255 - 21 = p - 2 */
	fe25519_wipe(t);
	fe25519_wipe(z11);
}

/**
 * fe25519_pow22523(h, f):
 * Set ${h} to ${f}^((p-5)/8) = ${f}^(2^252 - 3).
 */
void
fe25519_pow22523(fe25519 h, const fe25519 f)
{
	fe25519 t, z11;

	fe_pow2250m1(t, z11, f);
	fe_sqn(t, t, 2);			/* 2^252 - 4 */
	fe25519_mul(h, t, f);			/* 2^252 - 3 */
	fe25519_wipe(t);
	fe25519_wipe(z11);
}

/* Return 1 if the 32-byte strings ${a} and ${b} are equal, else 0. */
static int
bytes_equal(const uint8_t a[32], const uint8_t b[32])
{
	uint32_t acc = 0;
	int i;

	for (i = 0; i < 32; i++)
		acc |= (uint32_t)(a[i] ^ b[i]);
	/* acc is 0..255: acc - 1 wraps to 2^32 - 1 only for 0. */
	return ((int)(((acc - 1) >> 8) & 1));
}

/**
 * fe25519_invsqrt(h, f):
 * If ${f} is a non-zero square, set ${h} to a square root of 1/${f} and
 * return 1.  If ${f} is 0, set ${h} to 0 and return 1.  Otherwise (${f}
 * is not a square) set ${h} to a square root of sqrt(-1)/${f} (so that
 * ${h}^2 ${f} = sqrt(-1), as in fe25519_sqrtm1_bytes) and return 0.
 * The sign of the root is not specified.
 */
int
fe25519_invsqrt(fe25519 h, const fe25519 f)
{
	static const uint8_t zero[32] = {0}, one[32] = {1};
	uint8_t c[32], nc[32];
	fe25519 y, check, t;
	int is_one, is_minus_one, is_zero, is_minus_i;

	/*
	 * y = f^((3p - 7)/8) = (f^3)^((p-5)/8) * f, since
	 * 3 (p - 5)/8 + 1 = (3p - 7)/8.  Then y^2 f = f^((3p - 3)/4) is the
	 * cube of f^((p-1)/4), a fourth root of unity: +-1 when f is a
	 * non-zero square, +-sqrt(-1) when it is not, 0 when f = 0.
	 * Multiplying y by sqrt(-1) negates y^2 f: done when y^2 f is -1
	 * (then y^2 f becomes 1) or -sqrt(-1) (then it becomes sqrt(-1)).
	 */
	fe25519_sq(t, f);
	fe25519_mul(t, t, f);			/* f^3 */
	fe25519_pow22523(y, t);
	fe25519_mul(y, y, f);
	fe25519_sq(check, y);
	fe25519_mul(check, check, f);

	/* Compare y^2 f with 0, 1, -1 and -sqrt(-1) on canonical bytes. */
	fe25519_tobytes(c, check);
	fe25519_neg(check, check);
	fe25519_tobytes(nc, check);
	is_zero = bytes_equal(c, zero);
	is_one = bytes_equal(c, one);
	is_minus_one = bytes_equal(nc, one);
	is_minus_i = bytes_equal(nc, fe25519_sqrtm1_bytes);

	fe25519_frombytes(t, fe25519_sqrtm1_bytes);
	fe25519_mul(t, y, t);
	fe25519_cmov(y, t, (unsigned int)(is_minus_one | is_minus_i));
	fe25519_copy(h, y);

	sodium_memzero(c, sizeof(c));
	sodium_memzero(nc, sizeof(nc));
	fe25519_wipe(y);
	fe25519_wipe(t);
	fe25519_wipe(check);
	return (is_one | is_minus_one | is_zero);
}

/**
 * fe25519_cmov(f, g, b):
 * Set ${f} to ${g} if ${b} is 1, leave it if ${b} is 0.
 */
void
fe25519_cmov(fe25519 f, const fe25519 g, unsigned int b)
{
	uint64_t mask = (uint64_t)0 - (uint64_t)(b & 1);
	int i;

	for (i = 0; i < 5; i++)
		f[i] ^= mask & (f[i] ^ g[i]);
}

/**
 * fe25519_cswap(f, g, b):
 * Swap ${f} and ${g} if ${b} is 1, leave them if ${b} is 0.
 */
void
fe25519_cswap(fe25519 f, fe25519 g, unsigned int b)
{
	uint64_t mask = (uint64_t)0 - (uint64_t)(b & 1);
	uint64_t x;
	int i;

	for (i = 0; i < 5; i++) {
		x = mask & (f[i] ^ g[i]);
		f[i] ^= x;
		g[i] ^= x;
	}
}

/**
 * fe25519_is_zero(f):
 * Return 1 if ${f} is 0 mod p, else 0.
 */
int
fe25519_is_zero(const fe25519 f)
{
	uint8_t s[32];
	uint32_t acc = 0;
	int i;

	fe25519_tobytes(s, f);
	for (i = 0; i < 32; i++)
		acc |= s[i];
	sodium_memzero(s, sizeof(s));
	/* acc is 0..255: acc - 1 wraps to 2^32 - 1 only for 0. */
	return ((int)(((acc - 1) >> 8) & 1));
}

/**
 * fe25519_is_equal(f, g):
 * Return 1 if ${f} = ${g} mod p, else 0.
 */
int
fe25519_is_equal(const fe25519 f, const fe25519 g)
{
	fe25519 d;
	int r;

	fe25519_sub(d, f, g);
	r = fe25519_is_zero(d);
	fe25519_wipe(d);
	return (r);
}

/**
 * fe25519_is_negative(f):
 * Return the low bit of the canonical encoding of ${f} (RFC 8032's sign).
 */
int
fe25519_is_negative(const fe25519 f)
{
	uint8_t s[32];
	int r;

	fe25519_tobytes(s, f);
	r = s[0] & 1;
	sodium_memzero(s, sizeof(s));
	return (r);
}

/**
 * fe25519_wipe(f):
 * Overwrite ${f} with zeros, in a way the compiler keeps.
 */
void
fe25519_wipe(fe25519 f)
{

	sodium_memzero(f, sizeof(fe25519));
}
