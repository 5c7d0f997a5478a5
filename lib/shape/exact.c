#include <stdint.h>
#include <string.h>

#include "exact.h"

#include "arith.h"

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
	arith_dec_init(&s->a, pull, ctx);
}

/**
 * dust_exact_shape(s, out, n):
 * Write ${n} shaped bytes to ${out}, pulling uniform bytes as needed.
 */
void
dust_exact_shape(struct dust_exact_shaper * s, uint8_t * out, size_t n)
{
	const uint32_t * cum = s->c->cum;
	uint64_t count;
	unsigned int sym;
	size_t i;

	for (i = 0; i < n; i++) {
		/* The largest b with cum[b] <= count. */
		count = arith_dec_count(&s->a, T);
		sym = s->c->start[count >> 8];
		while (cum[sym + 1] <= count)
			sym++;
		out[i] = (uint8_t)sym;
		arith_dec_take(&s->a, cum[sym], cum[sym + 1], T);
	}
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
	arith_enc_init(&d->a, push, ctx);
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
		arith_enc_take(&d->a, cum[sym], cum[sym + 1], T);
	}
	arith_enc_flush(&d->a);
	return (rc);
}
