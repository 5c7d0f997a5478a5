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
	unsigned int sym, k;
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

		/*
		 * Scale as the encoder does, reading a bit per doubling.
		 * E1/E2 (the top bits of low and high agree): all k agreeing
		 * bits at once; each shifts out the top bit (E2's subtraction
		 * of HALF clears it) and reads one.  E1/E2 cannot apply after
		 * an E3 step, so E3 steps come last, one by one.
		 */
		k = (unsigned int)__builtin_clzll(low ^ high) -
		    (64 - DUST_EXACT_BITS);
		if (k > 0) {
			if (s->nbits < k)
				refill(s);
			s->nbits -= k;
			low = (low << k) & TOP;
			high = ((high << k) & TOP) | ((UINT64_C(1) << k) - 1);
			value = ((value << k) & TOP) |
			    ((s->acc >> s->nbits) & ((UINT64_C(1) << k) - 1));
		}
		while (low >= Q1 && high < Q3) {
			if (s->nbits == 0)
				refill(s);
			s->nbits--;
			low = 2 * (low - Q1);
			high = 2 * (high - Q1) + 1;
			value = 2 * (value - Q1) + ((s->acc >> s->nbits) & 1);
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

/* Append the low ${n} bits of ${v} (n <= 32), most significant first. */
static inline void
put_nbits(struct dust_exact_deshaper * d, uint64_t v, unsigned int n)
{

	d->acc = (d->acc << n) | (v & ((UINT64_C(1) << n) - 1));
	d->nbits += n;
	while (d->nbits >= 8) {
		d->nbits -= 8;
		d->out[d->outlen++] = (uint8_t)(d->acc >> d->nbits);
		if (d->outlen == sizeof(d->out)) {
			d->push(d->ctx, d->out, d->outlen);
			d->outlen = 0;
		}
	}
}

/* Append ${bit}, then the pending bits, which are its complement. */
static void
put_pending(struct dust_exact_deshaper * d, unsigned int bit)
{
	uint64_t fill = bit ? 0 : UINT64_MAX;

	put_nbits(d, bit, 1);
	for (; d->pending >= 32; d->pending -= 32)
		put_nbits(d, fill, 32);
	put_nbits(d, fill, (unsigned int)d->pending);
	d->pending = 0;
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
	uint64_t low = d->low, high = d->high, range, top;
	unsigned int sym, k;
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
		/*
		 * E1/E2: the k top bits low and high agree on are known; the
		 * first of them settles the pending bits.  Then E3 steps.
		 */
		k = (unsigned int)__builtin_clzll(low ^ high) -
		    (64 - DUST_EXACT_BITS);
		if (k > 0) {
			top = low >> (DUST_EXACT_BITS - k);
			put_pending(d, (unsigned int)(top >> (k - 1)) & 1);
			put_nbits(d, top, k - 1);
			low = (low << k) & TOP;
			high = ((high << k) & TOP) | ((UINT64_C(1) << k) - 1);
		}
		while (low >= Q1 && high < Q3) {
			d->pending++;
			low = 2 * (low - Q1);
			high = 2 * (high - Q1) + 1;
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
