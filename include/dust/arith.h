#ifndef DUST_ARITH_H
#define DUST_ARITH_H

#include <stddef.h>
#include <stdint.h>

#include "dust/huffman.h"

/*
 * The integer arithmetic coder shared by the exact content coder
 * (include/dust/exact.h) and the multiset coder of a conversation's first
 * segment (include/dust/multiset.h): Witten, Neal and Cleary (1987),
 * low/high registers of DUST_ARITH_BITS bits, E1/E2/E3 scaling with
 * pending bits, used in reverse.  The sender runs the arithmetic DECODER
 * on the uniform stream (each output symbol s has probability
 * (cum[s + 1] - cum[s]) / total up to the rounding of interval ends); the
 * receiver runs the ENCODER on the received symbols, which writes back
 * exactly the bits the sender read.  The coders differ only in their
 * frequency model (fixed, or the remaining counts of a multiset), so the
 * model is the caller's: these states hold the registers and bit buffers,
 * and lib/shape/arith.h the steps.  Totals must stay at most 2^20 so that
 * range * cum fits 64 bits and no symbol interval is empty.
 */

#define DUST_ARITH_BITS		32

/* Sender state: the arithmetic decoder reading uniform bytes. */
struct dust_arith_dec {
	dust_pull_fn * pull;
	void * ctx;
	uint64_t low, high, value;
	uint64_t acc;		/* Input bits not yet used: low ${nbits}. */
	unsigned int nbits;
	uint64_t pulled;	/* Uniform bytes pulled so far. */
};

/* Receiver state: the arithmetic encoder writing uniform bytes. */
struct dust_arith_enc {
	dust_push_fn * push;
	void * ctx;
	uint64_t low, high;
	uint64_t pending;	/* E3 steps whose bit is not known yet. */
	uint64_t acc;		/* Output bits of an unfinished byte: */
	unsigned int nbits;	/* the low ${nbits} of ${acc}. */
	uint8_t out[256];
	size_t outlen;
};

#endif /* !DUST_ARITH_H */
