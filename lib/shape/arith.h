#ifndef DUST_ARITH_H
#define DUST_ARITH_H

#include <stddef.h>
#include <stdint.h>

#include "huffman.h"

/*
 * The integer arithmetic coder shared by the exact content coder
 * (lib/shape/exact.h) and the multiset coder of a conversation's first
 * segment (lib/shape/multiset.h): Witten, Neal and Cleary (1987),
 * low/high registers of DUST_ARITH_BITS bits, E1/E2/E3 scaling with
 * pending bits, used in reverse.  The sender runs the arithmetic DECODER
 * on the uniform stream (each output symbol s has probability
 * (cum[s + 1] - cum[s]) / total up to the rounding of interval ends); the
 * receiver runs the ENCODER on the received symbols, which writes back
 * exactly the bits the sender read.  The coders differ only in their
 * frequency model (fixed, or the remaining counts of a multiset), so the
 * model is the caller's: these states hold the registers and bit buffers,
 * the inline functions below the steps.  Totals must stay at most 2^20 so
 * that range * cum fits 64 bits and no symbol interval is empty.
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

/*
 * The steps of the arithmetic coder, inline so that the exact coder's loop
 * keeps its speed.  A symbol is given by its cumulative interval [lo, hi)
 * out of ${total}.
 */

#define ARITH_TOP	((UINT64_C(1) << DUST_ARITH_BITS) - 1)
#define ARITH_HALF	(UINT64_C(1) << (DUST_ARITH_BITS - 1))
#define ARITH_Q1	(UINT64_C(1) << (DUST_ARITH_BITS - 2))
#define ARITH_Q3	(3 * ARITH_Q1)

/**
 * arith_dec_init(a, pull, ctx):
 * Start the decoder ${a} reading uniform bytes from ${pull}(${ctx}).
 */
static inline void
arith_dec_init(struct dust_arith_dec * a, dust_pull_fn * pull, void * ctx)
{

	a->pull = pull;
	a->ctx = ctx;
	a->low = 0;
	a->high = ARITH_TOP;
	a->value = 0;
	a->acc = 0;
	a->nbits = 0;
	a->pulled = 0;
}

/**
 * arith_dec_refill(a):
 * Top the input bit buffer of ${a} up to 56..63 bits.
 */
static inline void
arith_dec_refill(struct dust_arith_dec * a)
{
	uint8_t buf[8];
	unsigned int k, i;

	k = (64 - a->nbits) / 8;
	a->pull(a->ctx, buf, k);
	a->pulled += k;
	for (i = 0; i < k; i++)
		a->acc = (a->acc << 8) | buf[i];
	a->nbits += 8 * k;
}

/**
 * arith_dec_count(a, total):
 * Return the count c in 0..${total}-1 the value register points at: the
 * next symbol is the one whose [lo, hi) holds c (WNC's formula, exact).
 * The first call fills the value register.
 */
static inline uint64_t
arith_dec_count(struct dust_arith_dec * a, uint64_t total)
{

	if (a->pulled == 0) {
		arith_dec_refill(a);
		a->nbits -= DUST_ARITH_BITS;
		a->value = (a->acc >> a->nbits) & ARITH_TOP;
	}
	return (((a->value - a->low + 1) * total - 1) /
	    (a->high - a->low + 1));
}

/**
 * arith_dec_take(a, lo, hi, total):
 * Narrow ${a} to the symbol [${lo}, ${hi}) of ${total} that
 * arith_dec_count pointed at, and scale as the encoder does, reading a
 * bit per doubling.
 */
static inline void
arith_dec_take(struct dust_arith_dec * a, uint64_t lo, uint64_t hi,
    uint64_t total)
{
	uint64_t low = a->low, high = a->high, value = a->value;
	uint64_t range = high - low + 1;
	unsigned int k;

	high = low + (range * hi) / total - 1;
	low = low + (range * lo) / total;

	/*
	 * E1/E2 (the top bits of low and high agree): all k agreeing bits at
	 * once; each shifts out the top bit (E2's subtraction of HALF clears
	 * it) and reads one.  E1/E2 cannot apply after an E3 step, so E3
	 * steps come last, one by one.
	 */
	k = (unsigned int)__builtin_clzll(low ^ high) - (64 - DUST_ARITH_BITS);
	if (k > 0) {
		if (a->nbits < k)
			arith_dec_refill(a);
		a->nbits -= k;
		low = (low << k) & ARITH_TOP;
		high = ((high << k) & ARITH_TOP) | ((UINT64_C(1) << k) - 1);
		value = ((value << k) & ARITH_TOP) |
		    ((a->acc >> a->nbits) & ((UINT64_C(1) << k) - 1));
	}
	while (low >= ARITH_Q1 && high < ARITH_Q3) {
		if (a->nbits == 0)
			arith_dec_refill(a);
		a->nbits--;
		low = 2 * (low - ARITH_Q1);
		high = 2 * (high - ARITH_Q1) + 1;
		value = 2 * (value - ARITH_Q1) + ((a->acc >> a->nbits) & 1);
	}
	a->low = low;
	a->high = high;
	a->value = value;
}

/**
 * arith_enc_init(a, push, ctx):
 * Start the encoder ${a} handing recovered bytes to ${push}(${ctx}).
 */
static inline void
arith_enc_init(struct dust_arith_enc * a, dust_push_fn * push, void * ctx)
{

	a->push = push;
	a->ctx = ctx;
	a->low = 0;
	a->high = ARITH_TOP;
	a->pending = 0;
	a->acc = 0;
	a->nbits = 0;
	a->outlen = 0;
}

/**
 * arith_enc_bits(a, v, n):
 * Append the low ${n} bits of ${v} (n <= 32), most significant first.
 */
static inline void
arith_enc_bits(struct dust_arith_enc * a, uint64_t v, unsigned int n)
{

	a->acc = (a->acc << n) | (v & ((UINT64_C(1) << n) - 1));
	a->nbits += n;
	while (a->nbits >= 8) {
		a->nbits -= 8;
		a->out[a->outlen++] = (uint8_t)(a->acc >> a->nbits);
		if (a->outlen == sizeof(a->out)) {
			a->push(a->ctx, a->out, a->outlen);
			a->outlen = 0;
		}
	}
}

/**
 * arith_enc_pending(a, bit):
 * Append ${bit}, then the pending bits, which are its complement.
 */
static inline void
arith_enc_pending(struct dust_arith_enc * a, unsigned int bit)
{
	uint64_t fill = bit ? 0 : UINT64_MAX;

	arith_enc_bits(a, bit, 1);
	for (; a->pending >= 32; a->pending -= 32)
		arith_enc_bits(a, fill, 32);
	arith_enc_bits(a, fill, (unsigned int)a->pending);
	a->pending = 0;
}

/**
 * arith_enc_take(a, lo, hi, total):
 * Narrow ${a} to the symbol [${lo}, ${hi}) of ${total} (lo < hi) and
 * write the bits that every point of the interval now agrees on.
 */
static inline void
arith_enc_take(struct dust_arith_enc * a, uint64_t lo, uint64_t hi,
    uint64_t total)
{
	uint64_t low = a->low, high = a->high, range = high - low + 1, top;
	unsigned int k;

	high = low + (range * hi) / total - 1;
	low = low + (range * lo) / total;
	/*
	 * E1/E2: the k top bits low and high agree on are known; the first of
	 * them settles the pending bits.  Then E3 steps.
	 */
	k = (unsigned int)__builtin_clzll(low ^ high) - (64 - DUST_ARITH_BITS);
	if (k > 0) {
		top = low >> (DUST_ARITH_BITS - k);
		arith_enc_pending(a, (unsigned int)(top >> (k - 1)) & 1);
		arith_enc_bits(a, top, k - 1);
		low = (low << k) & ARITH_TOP;
		high = ((high << k) & ARITH_TOP) | ((UINT64_C(1) << k) - 1);
	}
	while (low >= ARITH_Q1 && high < ARITH_Q3) {
		a->pending++;
		low = 2 * (low - ARITH_Q1);
		high = 2 * (high - ARITH_Q1) + 1;
	}
	a->low = low;
	a->high = high;
}

/**
 * arith_enc_flush(a):
 * Hand the complete bytes written so far to the push callback.
 */
static inline void
arith_enc_flush(struct dust_arith_enc * a)
{

	if (a->outlen > 0) {
		a->push(a->ctx, a->out, a->outlen);
		a->outlen = 0;
	}
}

#endif /* !DUST_ARITH_H */
