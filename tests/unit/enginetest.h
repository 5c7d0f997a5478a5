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
#include "vectorfile.h"

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

/*
 * engine_vector_keys(out, size, len, sid, sidlen, b, cseed, sseed, hour):
 * Append to the transcript text ${out} (${*len} bytes in ${size}) what a
 * reference needs to recompute a format's transcript: the server
 * identifier ${sid}, the server's static secret ${b}, the client's and
 * the server's ephemeral secrets (the first draws of generators ${cseed}
 * and ${sseed}) and the mark's hour ${hour}.
 */
static inline void
engine_vector_keys(char * out, size_t size, size_t * len,
    const uint8_t * sid, size_t sidlen, const uint8_t b[32], uint64_t cseed,
    uint64_t sseed, uint64_t hour)
{
	uint8_t x[32], y[32], E[8];
	int i;

	engine_first32(cseed, x);
	engine_first32(sseed, y);
	for (i = 0; i < 8; i++)
		E[i] = (uint8_t)(hour >> (56 - 8 * i));
	vector_hex(out, size, len, "sid", sid, sidlen);
	vector_hex(out, size, len, "server_static_secret_b", b, 32);
	vector_hex(out, size, len, "client_ephemeral_secret_x", x, 32);
	vector_hex(out, size, len, "server_ephemeral_secret_y", y, 32);
	vector_hex(out, size, len, "mark_epoch_E", E, 8);
}

#endif /* !ENGINETEST_H */
