/*
 * The model loader on arbitrary bytes: it must load or refuse with a
 * message, never crash, hang or leak.  A model that loads is exercised a
 * little: samples in range, a short shape/de-shape round trip.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/conversation.h"
#include "dust/dist.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "shape/convsched.h"
#include "shape/shaper.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Uniform bytes: a seeded generator. */
static void
pull(void * ctx, uint8_t * buf, size_t n)
{

	dust_rng_fill(ctx, buf, n);
}

/* Recovered bytes must be what was pulled: compare as they come. */
struct check {
	struct dust_rng_seeded rng;
	int bad;
};

/* push(ctx, buf, n): abort (later) unless ${buf} is what was pulled. */
static void
push(void * ctx, const uint8_t * buf, size_t n)
{
	struct check * c = ctx;
	uint8_t want[256];
	size_t k;

	while (n > 0) {
		k = n < sizeof(want) ? n : sizeof(want);
		dust_rng_fill(&c->rng.rng, want, k);
		if (memcmp(want, buf, k) != 0)
			c->bad = 1;
		buf += k;
		n -= k;
	}
}

/* take(cs, peer): hand ${cs}'s due steps to ${peer}. */
static void
take(struct dust_convsched * cs, struct dust_convsched * peer)
{
	uint16_t n;

	while ((n = dust_convsched_length(cs)) != 0)
		dust_convsched_received(peer, n);
}

/*
 * conversations(set, data, len): the conversation a seed of the input
 * draws is drawable, and two schedules back to back (bytes delivered at
 * once) follow it to its end.
 */
static void
conversations(const struct dust_convset * set, const uint8_t * data,
    size_t len)
{
	struct dust_convsched c, s;
	const struct dust_conv * conv;
	uint8_t seed[32] = { 0 };
	size_t rounds = 0;
	uint64_t t, u;

	if (set->nusable == 0 || set->ndrawn < set->nusable)
		abort();
	memcpy(seed, data, len < 32 ? len : 32);
	conv = dust_conv_draw(set, seed);
	if (dust_conv_class(conv, 0) == DUST_CONV_NONE)
		abort();
	dust_convsched_init(&c, set->idle_ms, DUST_C2S);
	dust_convsched_init(&s, set->idle_ms, DUST_S2C);
	dust_convsched_start(&c, conv);
	dust_convsched_start(&s, conv);
	while (!dust_convsched_done(&c) || !dust_convsched_done(&s)) {
		if (rounds++ > 2 * conv->nsteps + 4)
			abort();	/* Each round releases a step. */
		t = dust_convsched_next_due_us(&c);
		u = dust_convsched_next_due_us(&s);
		t = t < u ? t : u;
		(void)dust_convsched_count_us(&c, t);
		(void)dust_convsched_count_us(&s, t);
		take(&c, &s);
		take(&s, &c);
	}
	/* Ended by the conversation, not by idleness. */
	if (c.next != conv->nsteps || s.next != conv->nsteps)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	struct dust_model * m;
	struct dust_rng_seeded r, src;
	struct check chk;
	struct dust_shaper s;
	struct dust_deshaper d;
	uint8_t wire[512];
	char err[256];
	int dir, i;

	if ((m = dust_model_parse((const char *)data, len, err,
	    sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort();	/* A refusal must say why. */
		return (0);
	}
	dust_rng_seeded_u64(&r, 1);
	for (dir = 0; dir < 2; dir++) {
		struct dust_model_part * p = &m->part[dir];

		dust_rng_seeded_u64(&src, 2);
		dust_rng_seeded_u64(&chk.rng, 2);
		chk.bad = 0;
		dust_shaper_init(&s, p, p->coder, &r.rng, pull, &src.rng);
		for (i = 0; i < 4; i++) {
			uint16_t l = dust_shaper_length(&s);
			uint32_t t = dust_shaper_duration(&s);

			if (l < p->length.min || l > p->length.max ||
			    t < p->duration.min || t > p->duration.max)
				abort();
			(void)dust_shaper_count(&s, 1500);
		}
		dust_shaper_produce(&s, wire, sizeof(wire));
		dust_deshaper_init(&d, p, p->coder, push, &chk);
		if (dust_deshaper_consume(&d, wire, sizeof(wire)) != 0 ||
		    chk.bad)
			abort();
	}
	if (m->conv != NULL)
		conversations(m->conv, data, len);
	dust_model_free(m);
	return (0);
}
