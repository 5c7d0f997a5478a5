#ifndef DUST_THREEFISH256_H
#define DUST_THREEFISH256_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Threefish-256 (Skein 1.3, section 3.3) and the block step of UBI
 * chaining (section 3.4), internal to libdust's Skein-256 (skein.c).
 * Words are 64-bit, read from bytes little-endian (the paper's ToInt and
 * BytesToWords).
 */

/* Tweak bits in the high word T[1] (Skein 1.3 section 3.4). */
#define SKEIN_T1_FIRST		((uint64_t)1 << 62)	/* bit 126 */
#define SKEIN_T1_FINAL		((uint64_t)1 << 63)	/* bit 127 */
#define SKEIN_T1_TYPE(t)	((uint64_t)(t) << 56)	/* bits 120..125 */

/* Type values (Skein 1.3 section 3.5.1). */
#define SKEIN_TYPE_KEY		0
#define SKEIN_TYPE_CFG		4
#define SKEIN_TYPE_NONCE	20
#define SKEIN_TYPE_MSG		48
#define SKEIN_TYPE_OUT		63

/**
 * threefish256_encrypt(out, key, tweak, in):
 * Encrypt the block ${in} (4 words) with Threefish-256 under the 4-word
 * ${key} and 2-word ${tweak}; write the 4 ciphertext words to ${out}
 * (which may be ${in}).
 */
void threefish256_encrypt(uint64_t[4], const uint64_t[4],
    const uint64_t[2], const uint64_t[4]);

/**
 * threefish256_ubi(h, tweak, in, nblocks, step):
 * UBI block step (Skein 1.3 section 3.4) over ${nblocks} 32-byte blocks
 * read from ${in}: for each block M, add ${step} to the 96-bit position in
 * ${tweak}, set h = E(h, tweak, M) xor M, then clear the First bit.  The
 * caller sets the type, First and Final bits; ${step} is 32 except for a
 * final partial block.
 */
void threefish256_ubi(uint64_t[4], uint64_t[2], const uint8_t *, size_t,
    uint64_t);

/**
 * threefish256_ctr8(out, key, tweak, i0):
 * Encrypt the eight blocks (i0 + j, 0, 0, 0), j = 0..7, under ${key} and
 * ${tweak}; block j's words go to out[4j .. 4j + 3].  Return 1, or 0 (and
 * nothing written) if the CPU has no 8-lane vectors: the caller then
 * encrypts one block at a time.
 */
int threefish256_ctr8(uint64_t[32], const uint64_t[4], const uint64_t[2],
    uint64_t);

/**
 * threefish256_ubi8(h, tweak, in, nblocks, step):
 * threefish256_ubi on eight chaining values at once: lane j has the
 * chaining value h[4j .. 4j + 3] and reads its ${nblocks} blocks from
 * ${in}[j]; all lanes share ${tweak} (their messages have the same
 * length).  Return 1, or 0 (nothing done) if the CPU has no 8-lane
 * vectors.
 */
int threefish256_ubi8(uint64_t[32], uint64_t[2], const uint8_t * const[8],
    size_t, uint64_t);

/**
 * load64_le(p):
 * Return the 8 bytes at ${p} read as a little-endian word (the paper's
 * ToInt).
 */
static inline uint64_t
load64_le(const uint8_t * p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
	v = __builtin_bswap64(v);
#endif
	return (v);
}

/**
 * store64_le(p, v):
 * Write ${v} to ${p} as 8 little-endian bytes (the paper's ToBytes).
 */
static inline void
store64_le(uint8_t * p, uint64_t v)
{

#if defined(__BYTE_ORDER__) && (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, 8);
}

#endif /* !DUST_THREEFISH256_H */
