/*
 * Moving wire bytes between engines in the engine tests (header-only:
 * each test is one binary built from one .c file).
 */
#ifndef ENGINETEST_H
#define ENGINETEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dust/engine.h"
#include "dust/rng.h"

#include "shapetest.h"

/*
 * engine_deliver(e, w, off, max): give the bytes of ${w} from ${*off} on
 * to ${e}, at most ${max} at a time, moving ${*off} to the end.
 */
static inline void
engine_deliver(struct dust_engine * e, const struct bytes * w, size_t * off,
    size_t max)
{
	size_t n;

	while (*off < w->len) {
		n = w->len - *off < max ? w->len - *off : max;
		assert_int_equal(dust_put_encoded(e, w->b + *off, (uint16_t)n),
		    0);
		*off += n;
	}
}

/* engine_drain(e, wire): everything ${e} has to send now, onto ${wire}. */
static inline void
engine_drain(struct dust_engine * e, struct bytes * wire)
{
	uint8_t pkt[65535];
	uint16_t len;

	while (dust_packet_count(e, 1) > 0) {
		len = dust_encoded_ready(e);
		assert_true(len > 0);
		dust_get_encoded(e, pkt, len);
		bytes_add(wire, pkt, len);
	}
}

/*
 * engine_talk(from, to, w, data): ${from} sends ${data} (a string, or
 * NULL for what it has to send anyway) as the wire bytes ${w}, which ${to}
 * gets whole, and reads ${data} from.
 */
static inline void
engine_talk(struct dust_engine * from, struct dust_engine * to,
    struct bytes * w, const char * data)
{
	uint8_t buf[64];
	size_t off = 0;

	if (data != NULL)
		assert_int_equal(dust_put_decoded(from, (const uint8_t *)data,
		    (uint16_t)strlen(data)), 0);
	engine_drain(from, w);
	engine_deliver(to, w, &off, 100);
	if (data != NULL) {
		assert_int_equal(dust_decoded_ready(to), strlen(data));
		assert_int_equal(dust_get_decoded(to, buf, strlen(data)), 0);
		assert_memory_equal(buf, data, strlen(data));
	}
}

/*
 * engine_first32(seed, o): the first 32 bytes a generator of ${seed}
 * gives: the ephemeral secret of an engine made with it.
 */
static inline void
engine_first32(uint64_t seed, uint8_t o[32])
{
	struct dust_rng_seeded r;

	dust_rng_seeded_u64(&r, seed);
	dust_rng_fill(&r.rng, o, 32);
}

#endif /* !ENGINETEST_H */
