#ifndef DUST_EXACT_H
#define DUST_EXACT_H

#include <stddef.h>
#include <stdint.h>

#include "arith.h"
#include "huffman.h"

/*
 * The exact content coder: integer arithmetic coding (Witten, Neal and
 * Cleary 1987: low/high registers of DUST_EXACT_BITS bits, E1/E2/E3
 * scaling with pending bits; lib/shape/arith.h) used in reverse.  The sender runs the
 * arithmetic DECODER on the uniform stream, so that each output byte b has
 * probability freq[b] / DUST_EXACT_TOTAL up to the rounding of interval
 * ends (relative error below 2^-10 / freq[b]); the receiver runs the
 * ENCODER on the received bytes, which writes back exactly the bits the
 * sender read.  The symbol intervals partition [low, high] with no gap, so
 * every bit string decodes.
 *
 * The receiver lags: it knows a bit once every point of the interval
 * agrees on it, i.e. DUST_EXACT_BITS bits plus the pending (E3) bits behind
 * the sender's read position (and up to 7 bytes pulled ahead).  A pending
 * run of k bits needs k uniform bits 0111.. or 1000.., probability 2^-k:
 * the engine keeps padding flowing, so the lag resolves.
 */

#define DUST_EXACT_BITS		DUST_ARITH_BITS
#define DUST_EXACT_TOTAL	(1U << 20)	/* Sum of the frequencies. */

/* Cumulative frequencies (immutable; shared by connections). */
struct dust_exact_code {
	uint32_t cum[257];	/* cum[b] = freq[0] + ... + freq[b - 1]. */
	uint8_t start[4096];	/* Symbol search start for count >> 8. */
};

/* Sender state: the arithmetic decoder. */
struct dust_exact_shaper {
	const struct dust_exact_code * c;
	struct dust_arith_dec a;
};

/* Receiver state: the arithmetic encoder. */
struct dust_exact_deshaper {
	const struct dust_exact_code * c;
	struct dust_arith_enc a;
};

/**
 * dust_exact_build(c, freq):
 * Build the cumulative table ${c} of ${freq} (summing to
 * DUST_EXACT_TOTAL).  Return 0, or -1 if the sum is wrong or fewer than
 * two frequencies are non-zero.
 */
int dust_exact_build(struct dust_exact_code *, const uint32_t[256]);

/**
 * dust_exact_shaper_init(s, c, pull, ctx):
 * Start a sender ${s} of ${c} reading uniform bytes from ${pull}.
 */
void dust_exact_shaper_init(struct dust_exact_shaper *,
    const struct dust_exact_code *, dust_pull_fn *, void *);

/**
 * dust_exact_shape(s, out, n):
 * Write ${n} shaped bytes to ${out}, pulling uniform bytes as needed.
 */
void dust_exact_shape(struct dust_exact_shaper *, uint8_t *, size_t);

/**
 * dust_exact_deshaper_init(d, c, push, ctx):
 * Start a receiver ${d} of ${c} handing recovered bytes to ${push}.
 */
void dust_exact_deshaper_init(struct dust_exact_deshaper *,
    const struct dust_exact_code *, dust_push_fn *, void *);

/**
 * dust_exact_deshape(d, in, n, bad):
 * Recover the uniform bits behind the ${n} received bytes ${in}, pushing
 * every complete byte.  Return 0, or -1 if a byte has frequency 0 (its
 * offset stored in ${bad}; the bytes before it are recovered).
 */
int dust_exact_deshape(struct dust_exact_deshaper *, const uint8_t *, size_t,
    size_t *);

#endif /* !DUST_EXACT_H */
