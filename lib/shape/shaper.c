#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dust/dist.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "exact.h"
#include "huffman.h"
#include "multiset.h"
#include "shaper.h"

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
	s->firstleft = 0;
	s->carry = 0;
	s->keyused = 0;
	s->pull = pull;
	s->ctx = ctx;
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
	if (s->firstleft > 0 && n > 0) {
		k = dust_ms_shape(&s->first, out, n);
		s->firstleft -= (uint32_t)k;
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
 * Return how many uniform bytes ${s} has pulled so far (a first segment's
 * included; not its rng bits).
 */
uint64_t
dust_shaper_pulled(const struct dust_shaper * s)
{

	if (s->coder == DUST_CODER_EXACT)
		return (s->carry + s->c.exact.a.pulled);
	return (s->carry + s->c.huff.pulled);
}

/*
 * first_pull(ctx, buf, n): the first segment's uniform bits: the stream
 * bytes it carries, then the bits of its own rng.
 */
static void
first_pull(void * ctx, uint8_t * buf, size_t n)
{
	struct dust_shaper * s = ctx;
	size_t k = s->carry - s->keyused;

	if (k > n)
		k = n;
	memcpy(buf, s->key + s->keyused, k);
	s->keyused += k;
	if (n > k)
		dust_rng_fill(&s->tail.rng, buf + k, n - k);
}

/*
 * first_start(s, m, seed): start the first segment's coder of ${m} from
 * the stream bytes held and the rng bits of ${seed}.
 */
static void
first_start(struct dust_shaper * s, const struct dust_multiset * m,
    const uint8_t seed[32])
{

	s->keyused = 0;
	dust_rng_seeded_init(&s->tail, seed);
	dust_ms_shaper_init(&s->first, m, first_pull, s);
}

/* What a first segment's permutation carries back. */
struct carried {
	uint8_t buf[64];
	size_t len, want;
};

/* carried_push(ctx, buf, n): keep the bytes wanted, drop the rest. */
static void
carried_push(void * ctx, const uint8_t * buf, size_t n)
{
	struct carried * c = ctx;
	size_t k = c->want - c->len;

	if (k > n)
		k = n;
	memcpy(c->buf + c->len, buf, k);
	c->len += k;
}

/*
 * first_ok(s, set, m): does the permutation the coder of ${s} makes give
 * the stream bytes back, and is it told as ${m} among set->firsts (no
 * shorter one matches its first bytes)?
 */
static int
first_ok(struct dust_shaper * s, const struct dust_convset * set,
    const struct dust_multiset * m)
{
	struct dust_ms_teller t;
	struct dust_ms_deshaper d;
	struct carried c = { .len = 0, .want = s->carry };
	const struct dust_multiset * which = NULL;
	uint8_t buf[256];
	size_t k, i, bad;
	int rc = 0, ok;

	dust_ms_teller_init(&t);
	dust_ms_deshaper_init(&d, m, carried_push, &c);
	while (rc == 0 && (k = dust_ms_shape(&s->first, buf, sizeof(buf))) >
	    0) {
		(void)dust_ms_deshape(&d, buf, k, &bad);
		for (i = 0; i < k && rc == 0; i++)
			rc = dust_ms_teller_add(&t, set->firsts, set->nfirsts,
			    buf[i], &which);
	}
	ok = (rc == 1 && which == m && c.len == c.want &&
	    sodium_memcmp(c.buf, s->key, c.want) == 0);
	sodium_memzero(&c, sizeof(c));
	sodium_memzero(&d, sizeof(d));
	return (ok);
}

/**
 * dust_shaper_first(s, set, m, carry):
 * Make the bytes after the prefix (none produced yet) a permutation of
 * ${m}, one of set->firsts (${set} kept, not copied), carrying the next
 * ${carry} bytes (at most 64) of the uniform stream, the rest of its
 * capacity being bits of the shaper's rng: bits drawn again (up to
 * DUST_FIRST_TRIES times) while the receiver would not get the stream
 * bytes back (the coder's lag) or would tell the permutation as another of
 * set->firsts (a shorter one that its first bytes are a permutation of).
 * Return 0, or -1 if every draw would fail (it is sent all the same).
 */
int
dust_shaper_first(struct dust_shaper * s, const struct dust_convset * set,
    const struct dust_multiset * m, size_t carry)
{
	uint8_t seed[32];
	int i, ok = 0;

	s->carry = carry < sizeof(s->key) ? carry : sizeof(s->key);
	s->pull(s->ctx, s->key, s->carry);
	/*
	 * Redrawing changes no order-free statistic.  What it decides is the
	 * last bytes' order (the key's bits come first, the rng's decide the
	 * rest), which is what a misreading or a key cut short depends on.
	 */
	for (i = 0; i < DUST_FIRST_TRIES && !ok; i++) {
		dust_rng_fill(s->rng, seed, sizeof(seed));
		first_start(s, m, seed);
		ok = first_ok(s, set, m);
	}
	first_start(s, m, seed);
	sodium_memzero(seed, sizeof(seed));
	s->firstleft = m->n;
	return (ok ? 0 : -1);
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
	d->push = push;
	d->ctx = ctx;
	d->set = NULL;
	d->matched = NULL;
	if (coder == DUST_CODER_EXACT)
		dust_exact_deshaper_init(&d->c.exact, part->exact, push, ctx);
	else
		dust_huff_deshaper_init(&d->c.huff, part->huff, push, ctx);
}

/**
 * dust_deshaper_first(d, set, buf, carry):
 * Expect the bytes after the prefix (none received yet) to be a
 * permutation of one of the multisets of ${set} (kept, not copied; at
 * least one) carrying ${carry} stream bytes, keeping them in ${buf}
 * (set->maxfirst bytes, the caller's) until told.  The first multiset (by
 * length) whose counts the bytes received reach exactly is the one; if
 * none can be any more, the stream fails ("first segment: ...").
 */
void
dust_deshaper_first(struct dust_deshaper * d, const struct dust_convset * set,
    uint8_t * buf, size_t carry)
{

	d->set = set;
	d->firstbuf = buf;
	dust_ms_teller_init(&d->teller);
	/* What struct carried holds (the engine's is a 32-byte key). */
	d->carry = carry < 64 ? carry : 64;
	d->matched = NULL;
}

/**
 * dust_deshaper_matched(d):
 * Return the multiset (in the set given to dust_deshaper_first) the first
 * segment was told to be a permutation of, or NULL while not known.
 */
const struct dust_multiset *
dust_deshaper_matched(const struct dust_deshaper * d)
{

	return (d->matched);
}

/**
 * dust_deshaper_fail(d, why):
 * Fail ${d} (if it has not failed yet) for the reason ${why}: later input
 * is ignored.
 */
void
dust_deshaper_fail(struct dust_deshaper * d, const char * why)
{

	if (d->failed)
		return;
	snprintf(d->error, sizeof(d->error), "%s", why);
	d->failed = 1;
}

/*
 * told(d, m): the first segment (in d->firstbuf) is a permutation of
 * ${m}: push the stream bytes it carries.  Return 0 or -1 (failed).
 */
static int
told(struct dust_deshaper * d, const struct dust_multiset * m)
{
	struct dust_ms_deshaper ms;
	struct carried c = { .len = 0, .want = d->carry };
	size_t bad;

	d->matched = m;
	dust_ms_deshaper_init(&ms, m, carried_push, &c);
	(void)dust_ms_deshape(&ms, d->firstbuf, m->n, &bad);
	if (c.len < c.want) {
		snprintf(d->error, sizeof(d->error), "first segment: "
		    "carries %zu of %zu key bytes", c.len, c.want);
		d->failed = 1;
	} else
		d->push(d->ctx, c.buf, c.len);
	/* The segment is no secret (it is on the wire); the key may be. */
	sodium_memzero(&c, sizeof(c));
	sodium_memzero(&ms, sizeof(ms));
	return (d->failed ? -1 : 0);
}

/*
 * tell_first(d, in, n): take bytes of the first segment from the ${n}
 * bytes ${in} until it is told which multiset it is a permutation of.
 * Return the bytes taken, or (size_t)-1 if the stream failed.
 */
static size_t
tell_first(struct dust_deshaper * d, const uint8_t * in, size_t n)
{
	const struct dust_multiset * m = NULL;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		d->firstbuf[d->teller.len] = in[i];
		rc = dust_ms_teller_add(&d->teller, d->set->firsts,
		    d->set->nfirsts, in[i], &m);
		if (rc == 1)
			return (told(d, m) ? (size_t)-1 : i + 1);
		if (rc == -1) {
			snprintf(d->error, sizeof(d->error), "first segment: "
			    "its %u bytes are a permutation of none of the "
			    "model's %zu", (unsigned)d->teller.len,
			    d->set->nfirsts);
			d->failed = 1;
			return ((size_t)-1);
		}
	}
	return (n);
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
	if (d->set != NULL && d->matched == NULL && n > 0) {
		if ((k = tell_first(d, in, n)) == (size_t)-1)
			return (-1);
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
