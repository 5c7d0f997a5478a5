#ifndef DUST_MULTISET_H
#define DUST_MULTISET_H

#include <stddef.h>
#include <stdint.h>

#include "arith.h"
#include "huffman.h"

/*
 * The multiset coder (docs/engine.md, "The first segment"): shapes uniform
 * bits into a permutation of a fixed multiset of bytes, so that every
 * order-free statistic of the output (length, byte counts, entropy,
 * printable share, popcount) is exactly that of the real segment the
 * multiset was counted from.  The sender runs the arithmetic decoder
 * (lib/shape/arith.h) on the uniform stream with an adaptive model
 * whose frequencies are the counts still left (each emitted byte takes
 * one away), so the output is always a permutation of the multiset, each
 * permutation with probability about 1 / M, M = n! / prod(c_b!); the
 * receiver runs the matching encoder, which writes back the bits read.
 *
 * Every permutation has the same probability, so the bits a segment
 * carries are the same whatever the data: log2 M (the capacity) less the
 * coder's rounding (under 2^-13 bit per byte) and its lag (the receiver
 * knows a bit once every point of the final interval agrees on it: about
 * DUST_ARITH_BITS bits, more with probability 2^-k for k more).
 */

/* A multiset of bytes: n = the counts summed, 1..65535. */
struct dust_multiset {
	uint32_t n;
	uint16_t count[256];
	double capacity;	/* log2(n! / prod(count[b]!)), bits. */
};

/* Sender state. */
struct dust_ms_shaper {
	const struct dust_multiset * m;
	uint32_t tree[257];	/* Fenwick tree of the counts left. */
	uint32_t left;		/* Bytes still to produce. */
	struct dust_arith_dec a;
};

/* Receiver state. */
struct dust_ms_deshaper {
	const struct dust_multiset * m;
	uint32_t tree[257];
	uint32_t left;		/* Bytes still to come. */
	struct dust_arith_enc a;
};

/*
 * Telling a permutation's multiset among a list sorted by length (then
 * counts): the first of the list whose counts the bytes seen so far reach
 * exactly (incremental counting; a length's candidates are compared when
 * that many bytes have been seen).
 */
struct dust_ms_teller {
	uint32_t count[256];
	uint32_t len;		/* Bytes seen. */
	size_t next;		/* First candidate not yet ruled out. */
};

/**
 * dust_ms_teller_init(t):
 * Start the teller ${t} with no byte seen.
 */
void dust_ms_teller_init(struct dust_ms_teller *);

/**
 * dust_ms_teller_add(t, list, n, b, which):
 * Count the byte ${b} in ${t}, telling among the ${n} multisets ${list}
 * (sorted by length, then counts).  Return 1 if the bytes seen are now a
 * permutation of one of them (the first, stored in ${which}), -1 if they
 * can be of none any more, else 0.  Not to be called after a non-zero
 * return.
 */
int dust_ms_teller_add(struct dust_ms_teller *, const struct dust_multiset *,
    size_t, uint8_t, const struct dust_multiset **);

/**
 * dust_multiset_capacity(m):
 * Return log2(n! / prod(c_b!)) for the counts of ${m}: the bits a
 * permutation of ${m} carries before the coder's loss.
 */
double dust_multiset_capacity(const struct dust_multiset *);

/**
 * dust_ms_shaper_init(s, m, pull, ctx):
 * Start a sender ${s} of permutations of ${m} (kept, not copied) reading
 * uniform bytes from ${pull}(${ctx}).
 */
void dust_ms_shaper_init(struct dust_ms_shaper *,
    const struct dust_multiset *, dust_pull_fn *, void *);

/**
 * dust_ms_shape(s, out, n):
 * Write the next ${n} bytes of the permutation to ${out} (${n} at most
 * the bytes left; the rest are not written).  Return the bytes written.
 */
size_t dust_ms_shape(struct dust_ms_shaper *, uint8_t *, size_t);

/**
 * dust_ms_deshaper_init(d, m, push, ctx):
 * Start a receiver ${d} of permutations of ${m}, handing the recovered
 * uniform bytes to ${push}(${ctx}).
 */
void dust_ms_deshaper_init(struct dust_ms_deshaper *,
    const struct dust_multiset *, dust_push_fn *, void *);

/**
 * dust_ms_deshape(d, in, n, bad):
 * Recover the uniform bits behind the ${n} received bytes ${in}, pushing
 * every complete byte.  Return 0, or -1 if a byte is not among those left
 * (or the permutation is complete): its offset is stored in ${bad}, the
 * bytes before it are taken.
 */
int dust_ms_deshape(struct dust_ms_deshaper *, const uint8_t *, size_t,
    size_t *);

#endif /* !DUST_MULTISET_H */
