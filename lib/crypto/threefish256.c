/*
 * Threefish-256, the tweakable block cipher under Skein-256.
 *
 * Reference: "The Skein Hash Function Family", version 1.3 (2010),
 * section 3.3.  Nw = 4 words, Nr = 72 rounds, a subkey every fourth round.
 * The rounds are written out in full (macros below) so that every rotation
 * constant, word pair and subkey index is a compile-time constant: the
 * compiler keeps the state, key and tweak in registers.
 */
#include <stdint.h>
#include <string.h>

#include "threefish256.h"

/* C240 of the key schedule (section 3.3.2). */
#define C240	0x1BD11BDAA9FC1A22ULL

#define ROTL64(x, r)	(((x) << (r)) | ((x) >> (64 - (r))))

/*
 * MIX (section 3.3.1): y0 = x0 + x1, y1 = (x1 <<< R) xor y0, in place.
 */
#define MIX(a, b, r) do {						\
	a += b;								\
	b = ROTL64(b, r) ^ a;						\
} while (0)

/*
 * Two rounds.  Round d mixes the pairs (e0, e1) and (e2, e3), then permutes
 * the words by pi = (0, 3, 2, 1) (Table 3).  Rather than move words we
 * rename them: after pi the next round's pairs are (x0, x3) and (x2, x1),
 * and pi applied twice is the identity, so every even round sees the
 * words in their original places again.  ra, rb, rc, rd are R_{d,0},
 * R_{d,1}, R_{d+1,0}, R_{d+1,1} of Table 4.
 */
#define ROUND2(ra, rb, rc, rd) do {					\
	MIX(x0, x1, ra); MIX(x2, x3, rb);				\
	MIX(x0, x3, rc); MIX(x2, x1, rd);				\
} while (0)

/*
 * Subkey injection s (section 3.3.2):
 *   k_{s,0} = k_{(s+0) mod 5}
 *   k_{s,1} = k_{(s+1) mod 5} + t_{s mod 3}
 *   k_{s,2} = k_{(s+2) mod 5} + t_{(s+1) mod 3}
 *   k_{s,3} = k_{(s+3) mod 5} + s
 * where k_4 = C240 xor k_0 xor ... xor k_3 and t_2 = t_0 xor t_1.
 */
#define KS(i)	(i == 0 ? k0 : i == 1 ? k1 : i == 2 ? k2 : i == 3 ? k3 : k4)
#define TS(i)	(i == 0 ? t0 : i == 1 ? t1 : t2)
#define INJECT(s) do {							\
	x0 += KS((s) % 5);						\
	x1 += KS(((s) + 1) % 5) + TS((s) % 3);				\
	x2 += KS(((s) + 2) % 5) + TS(((s) + 1) % 3);			\
	x3 += KS(((s) + 3) % 5) + (uint64_t)(s);			\
} while (0)

/*
 * Eight rounds 8i .. 8i+7 with the subkeys 2i and 2i+1 injected before
 * rounds 8i and 8i+4.  Rotation constants R_{d,j} for Nw = 4 (Table 4):
 *   d = 0: 14 16   d = 1: 52 57   d = 2: 23 40   d = 3:  5 37
 *   d = 4: 25 33   d = 5: 46 12   d = 6: 58 22   d = 7: 32 32
 */
#define EIGHT_ROUNDS(s) do {						\
	INJECT(s);							\
	ROUND2(14, 16, 52, 57);						\
	ROUND2(23, 40, 5, 37);						\
	INJECT((s) + 1);						\
	ROUND2(25, 33, 46, 12);						\
	ROUND2(58, 22, 32, 32);						\
} while (0)

/*
 * The whole cipher on the locals x0..x3 (state), k0..k4, t0..t2:
 * 72 rounds = 9 x 8, then the final subkey 18 (c = v_72 + k_18).
 */
#define THREEFISH256_ROUNDS() do {					\
	EIGHT_ROUNDS(0);  EIGHT_ROUNDS(2);  EIGHT_ROUNDS(4);		\
	EIGHT_ROUNDS(6);  EIGHT_ROUNDS(8);  EIGHT_ROUNDS(10);		\
	EIGHT_ROUNDS(12); EIGHT_ROUNDS(14); EIGHT_ROUNDS(16);		\
	INJECT(18);							\
} while (0)

/**
 * threefish256_encrypt(out, key, tweak, in):
 * Encrypt the block ${in} (4 words) with Threefish-256 under the 4-word
 * ${key} and 2-word ${tweak}; write the 4 ciphertext words to ${out}
 * (which may be ${in}).
 */
void
threefish256_encrypt(uint64_t out[4], const uint64_t key[4],
    const uint64_t tweak[2], const uint64_t in[4])
{
	uint64_t k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3];
	uint64_t k4 = C240 ^ k0 ^ k1 ^ k2 ^ k3;
	uint64_t t0 = tweak[0], t1 = tweak[1], t2 = t0 ^ t1;
	uint64_t x0 = in[0], x1 = in[1], x2 = in[2], x3 = in[3];

	THREEFISH256_ROUNDS();
	out[0] = x0;
	out[1] = x1;
	out[2] = x2;
	out[3] = x3;
}

/**
 * threefish256_ubi(h, tweak, in, nblocks, step):
 * UBI block step (Skein 1.3 section 3.4) over ${nblocks} 32-byte blocks
 * read from ${in}: for each block M, add ${step} to the 96-bit position in
 * ${tweak}, set h = E(h, tweak, M) xor M, then clear the First bit.  The
 * caller sets the type, First and Final bits; ${step} is 32 except for a
 * final partial block.
 */
void
threefish256_ubi(uint64_t h[4], uint64_t tweak[2], const uint8_t * in,
    size_t nblocks, uint64_t step)
{
	uint64_t k0 = h[0], k1 = h[1], k2 = h[2], k3 = h[3], k4;
	uint64_t t0 = tweak[0], t1 = tweak[1], t2;
	uint64_t m0, m1, m2, m3, x0, x1, x2, x3;

	for (; nblocks > 0; nblocks--, in += 32) {
		/* Position: bytes processed so far, this block included. */
		t0 += step;
		t1 += (t0 < step);	/* carry into bits 64..95 */
		t2 = t0 ^ t1;
		k4 = C240 ^ k0 ^ k1 ^ k2 ^ k3;
		x0 = m0 = load64_le(in);
		x1 = m1 = load64_le(in + 8);
		x2 = m2 = load64_le(in + 16);
		x3 = m3 = load64_le(in + 24);

		THREEFISH256_ROUNDS();

		/* Feed-forward: G_{i+1} = E(G_i, T_i, M_i) xor M_i. */
		k0 = x0 ^ m0;
		k1 = x1 ^ m1;
		k2 = x2 ^ m2;
		k3 = x3 ^ m3;
		t1 &= ~SKEIN_T1_FIRST;
	}
	h[0] = k0;
	h[1] = k1;
	h[2] = k2;
	h[3] = k3;
	tweak[0] = t0;
	tweak[1] = t1;
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
/*
 * Eight blocks at once in the 64-bit lanes of AVX-512 registers: the same
 * rounds on vectors (GCC's and clang's vector extensions; a scalar operand
 * is broadcast to every lane, and the rotations become vprolq).
 */
typedef uint64_t v8u64 __attribute__((vector_size(64)));

/* Encrypt (i0 + j, 0, 0, 0), j = 0..7, in the lanes; words to ${out}. */
__attribute__((target("avx512f")))
static void
ctr8_avx512(uint64_t out[32], const uint64_t key[4], const uint64_t tweak[2],
    uint64_t i0)
{
	uint64_t k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3];
	uint64_t k4 = C240 ^ k0 ^ k1 ^ k2 ^ k3;
	uint64_t t0 = tweak[0], t1 = tweak[1], t2 = t0 ^ t1;
	v8u64 x0 = { i0, i0 + 1, i0 + 2, i0 + 3, i0 + 4, i0 + 5, i0 + 6,
	    i0 + 7 };
	v8u64 x1 = { 0 }, x2 = { 0 }, x3 = { 0 };
	int j;

	THREEFISH256_ROUNDS();
	for (j = 0; j < 8; j++) {
		out[4 * j] = x0[j];
		out[4 * j + 1] = x1[j];
		out[4 * j + 2] = x2[j];
		out[4 * j + 3] = x3[j];
	}
}

/*
 * UBI over eight messages of the same length at once: the chaining values
 * differ per lane (so do the key words), the tweak is the same for all.
 */
__attribute__((target("avx512f")))
static void
ubi8_avx512(uint64_t h[32], uint64_t tweak[2], const uint8_t * const in[8],
    size_t nblocks, uint64_t step)
{
	v8u64 k0, k1, k2, k3, k4, m0, m1, m2, m3, x0, x1, x2, x3;
	uint64_t t0 = tweak[0], t1 = tweak[1], t2;
	size_t b;
	int j;

	for (j = 0; j < 8; j++) {
		k0[j] = h[4 * j];
		k1[j] = h[4 * j + 1];
		k2[j] = h[4 * j + 2];
		k3[j] = h[4 * j + 3];
	}
	for (b = 0; b < nblocks; b++) {
		t0 += step;
		t1 += (t0 < step);
		t2 = t0 ^ t1;
		k4 = C240 ^ k0 ^ k1 ^ k2 ^ k3;
		for (j = 0; j < 8; j++) {
			m0[j] = load64_le(in[j] + 32 * b);
			m1[j] = load64_le(in[j] + 32 * b + 8);
			m2[j] = load64_le(in[j] + 32 * b + 16);
			m3[j] = load64_le(in[j] + 32 * b + 24);
		}
		x0 = m0;
		x1 = m1;
		x2 = m2;
		x3 = m3;
		THREEFISH256_ROUNDS();
		k0 = x0 ^ m0;
		k1 = x1 ^ m1;
		k2 = x2 ^ m2;
		k3 = x3 ^ m3;
		t1 &= ~SKEIN_T1_FIRST;
	}
	for (j = 0; j < 8; j++) {
		h[4 * j] = k0[j];
		h[4 * j + 1] = k1[j];
		h[4 * j + 2] = k2[j];
		h[4 * j + 3] = k3[j];
	}
	tweak[0] = t0;
	tweak[1] = t1;
}

/* 1 if the CPU has AVX-512F (asked once). */
static int
have_avx512(void)
{
	static int have = -1;

	if (have == -1) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("avx512f") ? 1 : 0;
	}
	return (have);
}

/**
 * threefish256_ubi8(h, tweak, in, nblocks, step):
 * threefish256_ubi on eight chaining values at once: lane j has the
 * chaining value h[4j .. 4j + 3] and reads its ${nblocks} blocks from
 * ${in}[j]; all lanes share ${tweak} (their messages have the same
 * length).  Return 1, or 0 (nothing done) if the CPU has no 8-lane
 * vectors.
 */
int
threefish256_ubi8(uint64_t h[32], uint64_t tweak[2],
    const uint8_t * const in[8], size_t nblocks, uint64_t step)
{

	if (!have_avx512())
		return (0);
	ubi8_avx512(h, tweak, in, nblocks, step);
	return (1);
}

/**
 * threefish256_ctr8(out, key, tweak, i0):
 * Encrypt the eight blocks (i0 + j, 0, 0, 0), j = 0..7, under ${key} and
 * ${tweak}; block j's words go to out[4j .. 4j + 3].  Return 1, or 0 (and
 * nothing written) if the CPU has no 8-lane vectors: the caller then
 * encrypts one block at a time.
 */
int
threefish256_ctr8(uint64_t out[32], const uint64_t key[4],
    const uint64_t tweak[2], uint64_t i0)
{
	if (!have_avx512())
		return (0);
	ctr8_avx512(out, key, tweak, i0);
	return (1);
}
#else
/**
 * threefish256_ctr8(out, key, tweak, i0):
 * Encrypt the eight blocks (i0 + j, 0, 0, 0), j = 0..7, under ${key} and
 * ${tweak}; block j's words go to out[4j .. 4j + 3].  Return 1, or 0 (and
 * nothing written) if the CPU has no 8-lane vectors: the caller then
 * encrypts one block at a time.
 */
int
threefish256_ctr8(uint64_t out[32], const uint64_t key[4],
    const uint64_t tweak[2], uint64_t i0)
{

	(void)out;
	(void)key;
	(void)tweak;
	(void)i0;
	return (0);
}

/**
 * threefish256_ubi8(h, tweak, in, nblocks, step):
 * threefish256_ubi on eight chaining values at once: lane j has the
 * chaining value h[4j .. 4j + 3] and reads its ${nblocks} blocks from
 * ${in}[j]; all lanes share ${tweak} (their messages have the same
 * length).  Return 1, or 0 (nothing done) if the CPU has no 8-lane
 * vectors.
 */
int
threefish256_ubi8(uint64_t h[32], uint64_t tweak[2],
    const uint8_t * const in[8], size_t nblocks, uint64_t step)
{

	(void)h;
	(void)tweak;
	(void)in;
	(void)nblocks;
	(void)step;
	return (0);
}
#endif
