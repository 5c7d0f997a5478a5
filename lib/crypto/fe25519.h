#ifndef DUST_FE25519_H
#define DUST_FE25519_H

#include <stdint.h>

/*
 * Arithmetic in GF(p), p = 2^255 - 19, in constant time.
 *
 * An element is five unsigned 64-bit limbs of radix 2^51:
 *     x = f[0] + f[1] 2^51 + f[2] 2^102 + f[3] 2^153 + f[4] 2^204  (mod p).
 * The representation is not unique: every function returns limbs below
 * 2^51 + 2^17 ("carried") and accepts limbs below 2^52, so that a product
 * of two limbs, times 19, summed five times, fits an unsigned __int128
 * (5 * 19 * 2^104 < 2^112).
 * Only fe25519_tobytes produces the canonical value (0 <= x < p).
 *
 * Nothing here branches on, or indexes memory with, the value of an
 * element; conditional moves take a flag that is 0 or 1 and turn it into
 * a mask.
 */
typedef uint64_t fe25519[5];

/* sqrt(-1) = 2^((p-1)/4) mod p, the canonical 32 bytes little-endian. */
extern const uint8_t fe25519_sqrtm1_bytes[32];

/**
 * fe25519_frombytes(h, s):
 * Set ${h} to the little-endian number ${s} with bit 255 ignored (as
 * X25519 does); values from p to 2^255 - 1 are taken mod p.
 */
void fe25519_frombytes(fe25519, const uint8_t[32]);

/**
 * fe25519_tobytes(s, h):
 * Write the canonical encoding of ${h} (0 <= value < p, little-endian,
 * bit 255 clear) to ${s}.
 */
void fe25519_tobytes(uint8_t[32], const fe25519);

/**
 * fe25519_set(h, n):
 * Set ${h} to the small integer ${n}.
 */
void fe25519_set(fe25519, uint32_t);

/**
 * fe25519_copy(h, f):
 * Set ${h} to ${f}.
 */
void fe25519_copy(fe25519, const fe25519);

/**
 * fe25519_add(h, f, g):
 * Set ${h} to ${f} + ${g}.
 */
void fe25519_add(fe25519, const fe25519, const fe25519);

/**
 * fe25519_sub(h, f, g):
 * Set ${h} to ${f} - ${g}.
 */
void fe25519_sub(fe25519, const fe25519, const fe25519);

/**
 * fe25519_neg(h, f):
 * Set ${h} to -${f}.
 */
void fe25519_neg(fe25519, const fe25519);

/**
 * fe25519_mul(h, f, g):
 * Set ${h} to ${f} * ${g}.  ${h} may alias ${f} or ${g}.
 */
void fe25519_mul(fe25519, const fe25519, const fe25519);

/**
 * fe25519_sq(h, f):
 * Set ${h} to ${f}^2.
 */
void fe25519_sq(fe25519, const fe25519);

/**
 * fe25519_mul_small(h, f, n):
 * Set ${h} to ${f} * ${n} for a small constant ${n} < 2^20.
 */
void fe25519_mul_small(fe25519, const fe25519, uint32_t);

/**
 * fe25519_invert(h, f):
 * Set ${h} to 1 / ${f} = ${f}^(p-2) (0 if ${f} is 0).
 */
void fe25519_invert(fe25519, const fe25519);

/**
 * fe25519_pow22523(h, f):
 * Set ${h} to ${f}^((p-5)/8) = ${f}^(2^252 - 3).
 */
void fe25519_pow22523(fe25519, const fe25519);

/**
 * fe25519_invsqrt(h, f):
 * If ${f} is a non-zero square, set ${h} to a square root of 1/${f} and
 * return 1.  If ${f} is 0, set ${h} to 0 and return 1.  Otherwise (${f}
 * is not a square) set ${h} to a square root of sqrt(-1)/${f} (so that
 * ${h}^2 ${f} = sqrt(-1), as in fe25519_sqrtm1_bytes) and return 0.
 * The sign of the root is not specified.
 */
int fe25519_invsqrt(fe25519, const fe25519);

/**
 * fe25519_cmov(f, g, b):
 * Set ${f} to ${g} if ${b} is 1, leave it if ${b} is 0.
 */
void fe25519_cmov(fe25519, const fe25519, unsigned int);

/**
 * fe25519_cswap(f, g, b):
 * Swap ${f} and ${g} if ${b} is 1, leave them if ${b} is 0.
 */
void fe25519_cswap(fe25519, fe25519, unsigned int);

/**
 * fe25519_is_zero(f):
 * Return 1 if ${f} is 0 mod p, else 0.
 */
int fe25519_is_zero(const fe25519);

/**
 * fe25519_is_equal(f, g):
 * Return 1 if ${f} = ${g} mod p, else 0.
 */
int fe25519_is_equal(const fe25519, const fe25519);

/**
 * fe25519_is_negative(f):
 * Return the low bit of the canonical encoding of ${f} (RFC 8032's sign).
 */
int fe25519_is_negative(const fe25519);

/**
 * fe25519_wipe(f):
 * Overwrite ${f} with zeros, in a way the compiler keeps.
 */
void fe25519_wipe(fe25519);

#endif /* !DUST_FE25519_H */
