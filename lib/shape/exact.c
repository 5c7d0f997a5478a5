#include <stdint.h>
#include <string.h>

#include "dust/exact.h"

#define TOP	((UINT64_C(1) << DUST_EXACT_BITS) - 1)
#define HALF	(UINT64_C(1) << (DUST_EXACT_BITS - 1))
#define Q1	(UINT64_C(1) << (DUST_EXACT_BITS - 2))
#define Q3	(3 * Q1)
#define T	((uint64_t)DUST_EXACT_TOTAL)

/**
 * dust_exact_build(c, freq):
 * Build the cumulative table ${c} of ${freq} (summing to
 * DUST_EXACT_TOTAL).  Return 0, or -1 if the sum is wrong or fewer than
 * two frequencies are non-zero.
 */
int
dust_exact_build(struct dust_exact_code * c, const uint32_t freq[256])
{
	uint64_t sum = 0;
	unsigned int i, nz = 0, s;

	for (i = 0; i < 256; i++) {
		c->cum[i] = (uint32_t)sum;
		sum += freq[i];
		nz += (freq[i] > 0);
	}
	if (sum != T || nz < 2)
		return (-1);
	c->cum[256] = (uint32_t)sum;

	/* start[j]: the symbol whose interval holds count j << 8. */
	for (i = 0, s = 0; i < 4096; i++) {
		while (c->cum[s + 1] <= (i << 8))
			s++;
		c->start[i] = (uint8_t)s;
	}
	return (0);
}

/**
 * dust_exact_shaper_init(s, c, pull, ctx):
 * Start a sender ${s} of ${c} reading uniform bytes from ${pull}.
 */
void
dust_exact_shaper_init(struct dust_exact_shaper * s,
    const struct dust_exact_code * c, dust_pull_fn * pull, void * ctx)
{

	s->c = c;
	s->pull = pull;
	s->ctx = ctx;
	s->low = 0;
	s->high = TOP;
	s->value = 0;
	s->acc = 0;
	s->nbits = 0;
	s->pulled = 0;
}

/* Top the input bit buffer up to 56..63 bits. */
static void
refill(struct dust_exact_shaper * s)
{
	uint8_t buf[8];
	unsigned int k, i;

	k = (64 - s->nbits) / 8;
	s->pull(s->ctx, buf, k);
	s->pulled += k;
	for (i = 0; i < k; i++)
		s->acc = (s->acc << 8) | buf[i];
	s->nbits += 8 * k;
}

/**
 * dust_exact_shape(s, out, n):
 * Write ${n} shaped bytes to ${out}, pulling uniform bytes as needed.
 */
void
dust_exact_shape(struct dust_exact_shaper * s, uint8_t * out, size_t n)
{
	const uint32_t * cum = s->c->cum;
	uint64_t low = s->low, high = s->high, value = s->value;
	uint64_t range, count;
	unsigned int sym;
	size_t i;

	/* The first DUST_EXACT_BITS input bits fill the value register. */
	if (s->pulled == 0 && n > 0) {
		refill(s);
		s->nbits -= DUST_EXACT_BITS;
		value = (s->acc >> s->nbits) & TOP;
	}
	for (i = 0; i < n; i++) {
		/*
		 * The symbol whose interval [low + floor(range * cum[b] / T),
		 * low + floor(range * cum[b + 1] / T) - 1] holds value: the
		 * largest b with cum[b] <= count (WNC's formula, exact).
		 */
		range = high - low + 1;
		count = ((value - low + 1) * T - 1) / range;
		sym = s->c->start[count >> 8];
		while (cum[sym + 1] <= count)
			sym++;
		out[i] = (uint8_t)sym;
		high = low + (range * cum[sym + 1]) / T - 1;
		low = low + (range * cum[sym]) / T;

		/* Scale as the encoder does, reading a bit per doubling. */
		for (;;) {
			if (high < HALF) {
				/* E1: nothing to subtract. */
			} else if (low >= HALF) {
				low -= HALF;
				high -= HALF;
				value -= HALF;
			} else if (low >= Q1 && high < Q3) {
				low -= Q1;
				high -= Q1;
				value -= Q1;
			} else
				break;
			if (s->nbits == 0)
				refill(s);
			s->nbits--;
			low = 2 * low;
			high = 2 * high + 1;
			value = 2 * value + ((s->acc >> s->nbits) & 1);
		}
	}
	s->low = low;
	s->high = high;
	s->value = value;
}

/**
 * dust_exact_deshaper_init(d, c, push, ctx):
 * Start a receiver ${d} of ${c} handing recovered bytes to ${push}.
 */
void
dust_exact_deshaper_init(struct dust_exact_deshaper * d,
    const struct dust_exact_code * c, dust_push_fn * push, void * ctx)
{

	d->c = c;
	d->push = push;
	d->ctx = ctx;
	d->low = 0;
	d->high = TOP;
	d->pending = 0;
	d->acc = 0;
	d->nbits = 0;
	d->outlen = 0;
}

/* Append one recovered bit. */
static inline void
put_bit(struct dust_exact_deshaper * d, unsigned int bit)
{

	d->acc = (d->acc << 1) | bit;
	if (++d->nbits == 8) {
		d->out[d->outlen++] = (uint8_t)d->acc;
		d->acc = 0;
		d->nbits = 0;
		if (d->outlen == sizeof(d->out)) {
			d->push(d->ctx, d->out, d->outlen);
			d->outlen = 0;
		}
	}
}

/* Append ${bit}, then the pending bits, which are its complement. */
static void
put_bits(struct dust_exact_deshaper * d, unsigned int bit)
{

	put_bit(d, bit);
	for (; d->pending > 0; d->pending--)
		put_bit(d, !bit);
}

/**
 * dust_exact_deshape(d, in, n, bad):
 * Recover the uniform bits behind the ${n} received bytes ${in}, pushing
 * every complete byte.  Return 0, or -1 if a byte has frequency 0 (its
 * offset stored in ${bad}; the bytes before it are recovered).
 */
int
dust_exact_deshape(struct dust_exact_deshaper * d, const uint8_t * in,
    size_t n, size_t * bad)
{
	const uint32_t * cum = d->c->cum;
	uint64_t low = d->low, high = d->high, range;
	unsigned int sym;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		sym = in[i];
		if (cum[sym + 1] == cum[sym]) {
			*bad = i;
			rc = -1;
			break;
		}
		range = high - low + 1;
		high = low + (range * cum[sym + 1]) / T - 1;
		low = low + (range * cum[sym]) / T;
		for (;;) {
			if (high < HALF) {
				put_bits(d, 0);
			} else if (low >= HALF) {
				put_bits(d, 1);
				low -= HALF;
				high -= HALF;
			} else if (low >= Q1 && high < Q3) {
				d->pending++;
				low -= Q1;
				high -= Q1;
			} else
				break;
			low = 2 * low;
			high = 2 * high + 1;
		}
	}
	d->low = low;
	d->high = high;
	if (d->outlen > 0) {
		d->push(d->ctx, d->out, d->outlen);
		d->outlen = 0;
	}
	return (rc);
}
