/*
 * The TLS format's framing (lib/format/tlswire.c) on arbitrary peer bytes,
 * through the engine with the built-in "tls" model.  The first input byte
 * chooses the side and the sizes of the pieces the rest arrives in:
 * - a client that has sent its ClientHello reads the bytes as the server's
 *   flight and records;
 * - a server that does not require the mark (so that a ClientHello of the
 *   template, which the seed corpus holds, gets it past the hello) reads
 *   them as the client's hello and records.
 * No crash, hang or leak; the state is never unauthenticated on a client;
 * and a failed side makes its alert (24 bytes) and then is done.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dust/engine.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dust_model * model;

/* drain(e): make what ${e} has to send; a failed one sends its alert. */
static void
drain(struct dust_engine * e)
{
	static uint8_t pkt[65535];
	uint16_t len;
	int failed = dust_engine_state(e) == DUST_ENGINE_FAILED;

	while (dust_packet_count(e, 1) > 0) {
		if ((len = dust_encoded_ready(e)) == 0)
			abort();
		dust_get_encoded(e, pkt, len);
		if (failed && (len != 24 || !dust_engine_done(e)))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	static const uint8_t key[32] = { 0x40, 1, 2, 3 };
	static const uint8_t sid[7] = { 0, 127, 0, 0, 1, 0x1f, 0x90 };
	struct dust_rng_seeded r;
	struct dust_engine * e;
	size_t piece;
	int server;

	if (model == NULL &&
	    (model = dust_model_builtin("tls", NULL, 0)) == NULL)
		abort();
	if (len < 1)
		return (0);
	server = data[0] & 1;
	piece = 1 + (data[0] >> 1) * 64;
	dust_rng_seeded_u64(&r, 1);
	e = server ? dust_engine_server_new(model, key, sid, sizeof(sid),
	    NULL, &r.rng) : dust_engine_client_new(model, key, sid,
	    sizeof(sid), &r.rng);
	if (e == NULL)
		abort();
	drain(e);
	for (data++, len--; len > 0; data += piece, len -= piece) {
		if (piece > len)
			piece = len;
		if (dust_put_encoded(e, data, (uint16_t)piece))
			abort();
		if (!server &&
		    dust_engine_state(e) == DUST_ENGINE_UNAUTHENTICATED)
			abort();
		drain(e);
	}
	dust_rng_seeded_wipe(&r);
	dust_engine_free(e);
	return (0);
}
