/*
 * The engine with the mark (docs/protocol.md, "The mark"): a marked
 * client and a server requiring the mark exchange data for every
 * built-in model; the server sends nothing before the mark verified; a
 * client without the mark, a replayed first flight, random bytes and
 * bytes the model's de-shaper rejects leave the server
 * DUST_ENGINE_UNAUTHENTICATED, silent for good; a server that does not
 * require the mark still talks to a marked client (the mark is filler to
 * it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/engine.h"
#include "dust/keyfile.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"

#include "enginetest.h"
#include "servertest.h"
#include "shapetest.h"

/* 2026-01-01 00:00 UTC, in hours. */
#define HOUR	(1767225600 / 3600)

static uint8_t srv_b[32], srv_B[32], sid[SEATTLE_SID_MAX], MK[32];
static size_t sidlen;

/* setup(state): the server's key pair, identifier and mark key. */
static int
setup(void ** state)
{

	(void)state;
	server_identity(srv_b, srv_B, sid, &sidlen, 31, 192, 0, 2, 1, 443);
	dust_engine_mark_key(MK, srv_B, sid, sidlen);
	return (0);
}

/* One side's wire output for ${ms} of time, appended to ${wire}. */
static void
tick(struct dust_engine * e, uint16_t ms, struct bytes * wire)
{
	uint8_t pkt[65535];
	uint16_t n, len;

	for (n = dust_packet_count(e, ms); n > 0; n--) {
		len = dust_encoded_ready(e);
		dust_get_encoded(e, pkt, len);
		bytes_add(wire, pkt, len);
	}
}

/*
 * pair_model(m, name, marked, replay, cw, total): a client of the model
 * ${m} (freed here; ${name} for logs), marked if ${marked}, and a server
 * requiring the mark (filter ${replay}) run for up to 60 s of simulated
 * time, the client sending ${total} bytes, the server echoing; the
 * client's wire is kept in ${cw}.  Return the bytes echoed back.
 */
static size_t
pair_model(struct dust_model * m, const char * name, int marked,
    struct seattle_replay * replay, struct bytes * cw, size_t total)
{
	struct dust_engine * c, * s;
	struct dust_rng_seeded rc, rs;
	struct bytes sw = { NULL, 0, 0 };
	uint8_t buf[65535];
	size_t coff = 0, soff = 0, recvd = 0;
	unsigned long ms;
	uint16_t n;

	dust_rng_seeded_u64(&rc, 1);
	dust_rng_seeded_u64(&rs, 2);
	if (marked)
		c = dust_engine_client_new_marked(m, srv_B, sid, sidlen,
		    &rc.rng, NULL, HOUR);
	else
		c = dust_engine_client_new(m, srv_B, sid, sidlen, &rc.rng);
	assert_non_null(c);
	assert_non_null(s = dust_engine_server_new_marked(m, srv_b, sid,
	    sidlen, replay, &rs.rng, MK, HOUR));
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_AWAITING_MARK);
	memset(buf, 'd', total);
	assert_int_equal(dust_put_decoded(c, buf, (uint16_t)total), 0);
	for (ms = 0; recvd < total && ms < 60000; ms += 10) {
		tick(c, 10, cw);
		tick(s, 10, &sw);
		/* Before the server's key and mark are in, it is silent. */
		if (coff < 64)
			assert_int_equal(sw.len, 0);
		engine_deliver(s, cw, &coff, 7);
		engine_deliver(c, &sw, &soff, 3000);
		while ((n = dust_decoded_ready(s)) > 0) {
			assert_int_equal(dust_get_decoded(s, buf, n), 0);
			assert_int_equal(dust_put_decoded(s, buf, n), 0);
		}
		if ((n = dust_decoded_ready(c)) > 0) {
			assert_int_equal(dust_get_decoded(c, buf, n), 0);
			recvd += n;
		}
		if (dust_engine_state(s) == DUST_ENGINE_UNAUTHENTICATED)
			break;
	}
	if (dust_engine_state(s) == DUST_ENGINE_UNAUTHENTICATED) {
		/* Silent for good: nothing is due however long we wait. */
		assert_int_equal(dust_packet_count(s, 60000), 0);
		assert_int_equal(sw.len, 0);
		printf("%s: unauthenticated: %s\n", name,
		    dust_engine_failure(s));
	} else
		assert_int_equal(dust_engine_state(s),
		    DUST_ENGINE_ESTABLISHED);
	free(sw.b);
	dust_engine_free(c);
	dust_engine_free(s);
	dust_model_free(m);
	return (recvd);
}

/* pair(name, ...): pair_model with the built-in model ${name}. */
static size_t
pair(const char * name, int marked, struct seattle_replay * replay,
    struct bytes * cw, size_t total)
{
	struct dust_model * m;
	char err[256];

	assert_non_null(m = dust_model_builtin(name, err, sizeof(err)));
	return (pair_model(m, name, marked, replay, cw, total));
}

/*
 * A conversation model whose client's first step is a permutation of a
 * first segment (models/http-learned.json): the segment carries the key
 * and the mark, so the server has them with the client's first step.
 */
static void
conversation(void ** state)
{
	struct dust_model * m;
	struct bytes cw = { NULL, 0, 0 };
	const char * root = getenv("DUST_ROOT");
	char path[4096], err[256];
	FILE * f;
	char * text;
	long len;

	(void)state;
	snprintf(path, sizeof(path), "%s/models/http-learned.json",
	    root != NULL ? root : ".");
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_true((len = ftell(f)) > 0);
	rewind(f);
	assert_non_null(text = malloc((size_t)len));
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_non_null(m = dust_model_parse(text, (size_t)len, err,
	    sizeof(err)));
	free(text);
	assert_int_equal(pair_model(m, "http-learned", 1, NULL, &cw, 100),
	    100);
	free(cw.b);
}

/* A marked client talks to a server requiring the mark; a replay not. */
static void
marked_and_replayed(void ** state)
{
	static const char * names[] = { "uniform", "cover", "http" };
	struct seattle_replay * replay;
	struct dust_model * m;
	struct dust_engine * s;
	struct dust_rng_seeded rs;
	struct bytes cw;
	size_t i, off;
	char err[256];

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_non_null(replay = seattle_replay_new(64, NULL));
		memset(&cw, 0, sizeof(cw));
		assert_int_equal(pair(names[i], 1, replay, &cw, 1000), 1000);
		/* The same first flight again: a replay. */
		assert_non_null(m = dust_model_builtin(names[i], err,
		    sizeof(err)));
		dust_rng_seeded_u64(&rs, 5);
		assert_non_null(s = dust_engine_server_new_marked(m, srv_b,
		    sid, sidlen, replay, &rs.rng, MK, HOUR));
		off = 0;
		engine_deliver(s, &cw, &off, 1000);
		assert_int_equal(dust_engine_state(s),
		    DUST_ENGINE_UNAUTHENTICATED);
		assert_non_null(strstr(dust_engine_failure(s), "replay"));
		assert_int_equal(dust_packet_count(s, 10000), 0);
		dust_engine_free(s);
		dust_model_free(m);
		seattle_replay_free(replay);
		free(cw.b);
	}
}

/* A client without the mark is unauthenticated: nothing comes back. */
static void
unmarked(void ** state)
{
	struct bytes cw = { NULL, 0, 0 };

	(void)state;
	assert_int_equal(pair("uniform", 0, NULL, &cw, 100), 0);
	free(cw.b);
}

/* Random bytes, and bytes out of the http model's framing. */
static void
strangers(void ** state)
{
	struct dust_model * m;
	struct dust_engine * s;
	struct dust_rng_seeded rs, junk;
	uint8_t b[200];
	char err[256];

	(void)state;
	dust_rng_seeded_u64(&junk, 9);
	dust_rng_fill(&junk.rng, b, sizeof(b));
	assert_non_null(m = dust_model_builtin("uniform", err, sizeof(err)));
	dust_rng_seeded_u64(&rs, 5);
	assert_non_null(s = dust_engine_server_new_marked(m, srv_b, sid,
	    sidlen, NULL, &rs.rng, MK, HOUR));
	/* 63 bytes: still waiting, silent. */
	assert_int_equal(dust_put_encoded(s, b, 63), 0);
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_AWAITING_MARK);
	assert_int_equal(dust_packet_count(s, 10000), 0);
	assert_int_equal(dust_put_encoded(s, b + 63, 1), 0);
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_UNAUTHENTICATED);
	dust_engine_free(s);
	dust_model_free(m);

	/* The http model's client sends a fixed prefix first. */
	assert_non_null(m = dust_model_builtin("http", err, sizeof(err)));
	assert_non_null(s = dust_engine_server_new_marked(m, srv_b, sid,
	    sidlen, NULL, &rs.rng, MK, HOUR));
	assert_int_equal(dust_put_encoded(s, (const uint8_t *)"\x01", 1), 0);
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_UNAUTHENTICATED);
	printf("http, one stray byte: %s\n", dust_engine_failure(s));
	dust_engine_free(s);
	dust_model_free(m);
}

/* A server that does not check marks takes the mark for filler. */
static void
mark_is_filler(void ** state)
{
	struct dust_model * m;
	struct dust_engine * c, * s;
	struct dust_rng_seeded rc, rs;
	struct bytes cw = { NULL, 0, 0 }, sw = { NULL, 0, 0 };
	uint8_t buf[100];
	size_t coff = 0, soff = 0;
	unsigned long ms;
	char err[256];

	(void)state;
	assert_non_null(m = dust_model_builtin("uniform", err, sizeof(err)));
	dust_rng_seeded_u64(&rc, 1);
	dust_rng_seeded_u64(&rs, 2);
	assert_non_null(c = dust_engine_client_new_marked(m, srv_B, sid,
	    sidlen, &rc.rng, NULL, HOUR));
	assert_non_null(s = dust_engine_server_new(m, srv_b, sid, sidlen,
	    NULL, &rs.rng));
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(dust_put_decoded(c, buf, sizeof(buf)), 0);
	for (ms = 0; dust_decoded_ready(s) < sizeof(buf) && ms < 20000;
	    ms += 10) {
		tick(c, 10, &cw);
		tick(s, 10, &sw);
		engine_deliver(s, &cw, &coff, 3000);
		engine_deliver(c, &sw, &soff, 3000);
	}
	assert_int_equal(dust_decoded_ready(s), sizeof(buf));
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_ESTABLISHED);
	free(cw.b);
	free(sw.b);
	dust_engine_free(c);
	dust_engine_free(s);
	dust_model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(marked_and_replayed),
		cmocka_unit_test(unmarked),
		cmocka_unit_test(strangers),
		cmocka_unit_test(mark_is_filler),
		cmocka_unit_test(conversation),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
