/*
 * A seeded generator that counts the calls made to it (header-only: each
 * test is one binary built from one .c file), for the tests of what a
 * session or an engine draws from its rng.
 */
#ifndef COUNTRNG_H
#define COUNTRNG_H

#include <stddef.h>
#include <stdint.h>

#include "dust/rng.h"

struct counting {
	struct dust_rng rng;
	struct dust_rng_seeded src;
	size_t calls;
};

/* counting_fill(ctx, buf, len): count a call, fill from the seed. */
static inline void
counting_fill(void * ctx, uint8_t * buf, size_t len)
{
	struct counting * c = ctx;

	c->calls++;
	dust_rng_fill(&c->src.rng, buf, len);
}

/* counting_init(c, seed): a counting rng of seed ${seed}, no calls yet. */
static inline void
counting_init(struct counting * c, uint64_t seed)
{

	dust_rng_seeded_u64(&c->src, seed);
	c->rng.fill = counting_fill;
	c->rng.ctx = c;
	c->calls = 0;
}

#endif /* !COUNTRNG_H */
