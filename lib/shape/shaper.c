#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dust/dist.h"
#include "dust/exact.h"
#include "dust/huffman.h"
#include "dust/model.h"
#include "dust/shaper.h"

/**
 * dust_shaper_init(s, part, coder, rng, pull, ctx):
 * Start the shaper ${s} of model part ${part} (kept, not copied) with
 * content coder ${coder} (normally ${part}->coder), sampling with ${rng}
 * (NULL: randombytes_buf) and reading uniform bytes from ${pull}(${ctx}).
 */
void
dust_shaper_init(struct dust_shaper * s, const struct dust_model_part * part,
    enum dust_coder coder, const struct dust_rng * rng, dust_pull_fn * pull,
    void * ctx)
{

	s->part = part;
	s->coder = coder;
	s->rng = rng;
	s->prefixsent = 0;
	s->rate = (uint32_t)dust_dist_sample(&part->flow, rng);
	s->elapsed = 0;
	if (coder == DUST_CODER_EXACT)
		dust_exact_shaper_init(&s->c.exact, part->exact, pull, ctx);
	else
		dust_huff_shaper_init(&s->c.huff, part->huff, pull, ctx);
}

/**
 * dust_shaper_length(s):
 * Return a sampled packet length, 1..65535.
 */
uint16_t
dust_shaper_length(struct dust_shaper * s)
{

	return ((uint16_t)dust_dist_sample(&s->part->length, s->rng));
}

/**
 * dust_shaper_count(s, ms):
 * Return how many packets to send for the ${ms} milliseconds elapsed since
 * the last call (at most 65535).
 */
uint16_t
dust_shaper_count(struct dust_shaper * s, uint16_t ms)
{
	uint64_t count = 0;
	uint32_t step, left = ms;

	while (left > 0) {
		step = 1000 - s->elapsed;
		if (step > left)
			step = left;
		/* Packets due by elapsed + step, minus those due by elapsed. */
		count += (uint64_t)s->rate * (s->elapsed + step) / 1000 -
		    (uint64_t)s->rate * s->elapsed / 1000;
		s->elapsed += step;
		left -= step;
		if (s->elapsed == 1000) {
			s->elapsed = 0;
			s->rate = (uint32_t)dust_dist_sample(&s->part->flow,
			    s->rng);
		}
	}
	return (count > 65535 ? 65535 : (uint16_t)count);
}

/**
 * dust_shaper_duration(s):
 * Return a sampled connection duration in milliseconds.
 */
uint32_t
dust_shaper_duration(struct dust_shaper * s)
{

	return ((uint32_t)dust_dist_sample(&s->part->duration, s->rng));
}

/**
 * dust_shaper_produce(s, out, n):
 * Write the next ${n} shaped bytes of the connection to ${out}.
 */
void
dust_shaper_produce(struct dust_shaper * s, uint8_t * out, size_t n)
{
	size_t k;

	/* The prefix first, verbatim: it carries no data. */
	if (s->prefixsent < s->part->prefixlen) {
		k = s->part->prefixlen - s->prefixsent;
		if (k > n)
			k = n;
		memcpy(out, s->part->prefix + s->prefixsent, k);
		s->prefixsent += k;
		out += k;
		n -= k;
	}
	if (n == 0)
		return;
	if (s->coder == DUST_CODER_EXACT)
		dust_exact_shape(&s->c.exact, out, n);
	else
		dust_huff_shape(&s->c.huff, out, n);
}

/**
 * dust_shaper_pulled(s):
 * Return how many uniform bytes ${s} has pulled so far.
 */
uint64_t
dust_shaper_pulled(const struct dust_shaper * s)
{

	if (s->coder == DUST_CODER_EXACT)
		return (s->c.exact.a.pulled);
	return (s->c.huff.pulled);
}

/**
 * dust_deshaper_init(d, part, coder, push, ctx):
 * Start the de-shaper ${d} of model part ${part} and coder ${coder},
 * handing recovered uniform bytes to ${push}(${ctx}).
 */
void
dust_deshaper_init(struct dust_deshaper * d,
    const struct dust_model_part * part, enum dust_coder coder,
    dust_push_fn * push, void * ctx)
{

	d->part = part;
	d->coder = coder;
	d->prefixseen = 0;
	d->failed = 0;
	d->error[0] = '\0';
	if (coder == DUST_CODER_EXACT)
		dust_exact_deshaper_init(&d->c.exact, part->exact, push, ctx);
	else
		dust_huff_deshaper_init(&d->c.huff, part->huff, push, ctx);
}

/**
 * dust_deshaper_consume(d, in, n):
 * Take the ${n} received bytes ${in}.  Return 0, or -1 if the stream is
 * not of the model (the prefix differs, or a byte has weight 0); the
 * error is sticky: later input is ignored and -1 returned.
 */
int
dust_deshaper_consume(struct dust_deshaper * d, const uint8_t * in,
    size_t n)
{
	const struct dust_model_part * part = d->part;
	size_t k, i, bad;
	int rc;

	if (d->failed)
		return (-1);

	/* Check and strip the prefix, however the bytes arrive. */
	if (d->prefixseen < part->prefixlen) {
		k = part->prefixlen - d->prefixseen;
		if (k > n)
			k = n;
		for (i = 0; i < k; i++) {
			if (in[i] != part->prefix[d->prefixseen + i]) {
				snprintf(d->error, sizeof(d->error),
				    "prefix: byte %zu is 0x%02x, not 0x%02x",
				    d->prefixseen + i, in[i],
				    part->prefix[d->prefixseen + i]);
				d->failed = 1;
				return (-1);
			}
		}
		d->prefixseen += k;
		in += k;
		n -= k;
	}
	if (n == 0)
		return (0);
	if (d->coder == DUST_CODER_EXACT)
		rc = dust_exact_deshape(&d->c.exact, in, n, &bad);
	else
		rc = dust_huff_deshape(&d->c.huff, in, n, &bad);
	if (rc) {
		snprintf(d->error, sizeof(d->error),
		    "content: byte 0x%02x has weight 0 in the model", in[bad]);
		d->failed = 1;
		return (-1);
	}
	return (0);
}

/**
 * dust_deshaper_error(d):
 * Return what was wrong with the input, or NULL if nothing was.
 */
const char *
dust_deshaper_error(const struct dust_deshaper * d)
{

	return (d->failed ? d->error : NULL);
}
