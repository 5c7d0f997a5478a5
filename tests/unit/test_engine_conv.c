/*
 * The engine in conversation mode: a client and a server engine back to
 * back (1 ms ticks, every packet delivered at once) follow the same
 * conversation, chosen from the handshake's seed: each side's packet
 * lengths are exactly the conversation's steps of its direction, data
 * flows both ways, every usable conversation gets drawn and no other; a
 * client that keeps its recent draws draws others (the server follows).
 * A prober's random bytes make the server follow some conversation; a
 * replayed client stream the original's; silence sends nothing and ends
 * after idle_ms.  Sub-millisecond gaps are followed to the microsecond
 * (dust_packet_count_us).  And dust_engine_done / _next_due in per-packet
 * mode, in ms and in microseconds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/conversation.h"
#include "dust/engine.h"
#include "dust/keyfile.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"
#include "seattle/machine.h"

#include "convtest.h"

#define NCONV	4	/* Usable conversations of the test model. */
#define MAXSTEP	16

/* Four usable conversations told apart by their first length; one not. */
static const char * convs =
    "{\"idle_ms\": 5000, \"list\": ["
    "[[0, 100, 0], [1, 1200, 1], [0, 150, 2], [1, 2500, 0], [0, 120, 0], "
    "[1, 800, 3]],"
    "[[0, 101, 0], [1, 1200, 1], [0, 150, 2], [1, 2500, 0], [0, 120, 0], "
    "[1, 800, 3]],"
    "[[1, 100, 0], [0, 100, 0], [1, 100, 0], [0, 100, 0]],"
    "[[0, 102, 1], [1, 3000, 0], [1, 1000, 0], [0, 130, 4], [0, 140, 0], "
    "[1, 900, 0], [0, 99, 0]],"
    "[[0, 103, 0], [0, 60, 0], [1, 1460, 2], [1, 1460, 0], [0, 200, 7], "
    "[1, 2000, 0]]]}";

static struct dust_model * model;
static uint8_t srv_b[32], srv_B[32], sid[SEATTLE_SID_MAX];
static size_t sidlen;

/* One side's packet lengths. */
struct lens {
	uint16_t len[MAXSTEP];
	size_t n;
};

/* setup(state): the model, the server's keys and identifier. */
static int
setup(void ** state)
{

	(void)state;
	model = conv_fixture(convs, srv_b, srv_B, sid, &sidlen);
	return (model == NULL ? -1 : 0);
}

/* teardown(state): free the model. */
static int
teardown(void ** state)
{

	(void)state;
	dust_model_free(model);
	return (0);
}

/*
 * send(e, ms, peer, l, wire, wirelen): ${e}'s packets of ${ms} ms, handed
 * to ${peer} (if not NULL), their lengths to ${l}, their bytes appended to
 * ${wire} (if not NULL).
 */
static void
send(struct dust_engine * e, uint16_t ms, struct dust_engine * peer,
    struct lens * l, uint8_t * wire, size_t * wirelen)
{
	static uint8_t pkt[65535];
	uint16_t n, len;

	for (n = dust_packet_count(e, ms); n > 0; n--) {
		len = dust_encoded_ready(e);
		assert_true(len >= 1);
		assert_true(l->n < MAXSTEP);
		l->len[l->n++] = len;
		dust_get_encoded(e, pkt, len);
		if (wire != NULL) {
			memcpy(wire + *wirelen, pkt, len);
			*wirelen += len;
		}
		if (peer != NULL)
			assert_int_equal(dust_put_encoded(peer, pkt, len), 0);
	}
}

/* drain(e): read what ${e} received; return how many bytes. */
static size_t
drain(struct dust_engine * e)
{
	uint8_t buf[65535];
	uint16_t n = dust_decoded_ready(e);

	assert_int_equal(dust_get_decoded(e, buf, n), 0);
	return (n);
}

/* expect(l, c, dir): ${l} are the lengths of ${c}'s steps of ${dir}. */
static void
expect(const struct lens * l, const struct dust_conv * c, int dir)
{
	size_t i, k = 0;

	for (i = 0; i < c->nsteps; i++) {
		if (c->step[i].dir != dir)
			continue;
		assert_true(k < l->n);
		assert_int_equal(l->len[k], c->step[i].len);
		k++;
	}
	assert_int_equal(k, l->n);
}

/* find(first): the conversation whose first step has ${first} bytes. */
static const struct dust_conv *
find(uint16_t first)
{
	size_t i;

	for (i = 0; i < model->conv->n; i++)
		if (model->conv->list[i].step[0].dir == DUST_C2S &&
		    model->conv->list[i].step[0].len == first)
			return (&model->conv->list[i]);
	fail_msg("no conversation starts with %u bytes", first);
	return (NULL);
}

/*
 * connect_pair(c, s): run the client ${c} and the server ${s} back to
 * back until both are done (40 bytes up, 500 down); check that they
 * followed one conversation, its steps each way, and carried all the
 * data; free both and return the conversation.
 */
static const struct dust_conv *
connect_pair(struct dust_engine * c, struct dust_engine * s)
{
	struct lens lc, ls;
	const struct dust_conv * conv;
	uint8_t data[500] = { 0 };
	size_t up = 0, down = 0, ms;

	assert_int_equal(dust_put_decoded(c, data, 40), 0);
	assert_int_equal(dust_put_decoded(s, data, 500), 0);
	memset(&lc, 0, sizeof(lc));
	memset(&ls, 0, sizeof(ls));
	for (ms = 0; ms < 100; ms++) {
		send(c, 1, s, &lc, NULL, NULL);
		send(s, 1, c, &ls, NULL, NULL);
		up += drain(s);
		down += drain(c);
		if (dust_engine_done(c) && dust_engine_done(s))
			break;
	}
	assert_true(ms < 100);
	assert_true(lc.n > 0);
	conv = find(lc.len[0]);
	expect(&lc, conv, DUST_C2S);
	expect(&ls, conv, DUST_S2C);
	assert_int_equal(up, 40);
	assert_int_equal(down, 500);
	assert_int_equal(dust_engine_state(c), DUST_ENGINE_ESTABLISHED);
	dust_engine_free(c);
	dust_engine_free(s);
	return (conv);
}

/*
 * Back to back, 40 connections: the same conversation each way, data
 * both ways (40 bytes up, 500 down, all of it: each conversation has
 * room for them once the server has the client's code), every usable one
 * drawn.
 */
static void
test_agree(void ** state)
{
	struct dust_rng_seeded r;
	struct dust_engine * c, * s;
	const struct dust_conv * conv;
	size_t seen[NCONV] = { 0 }, i;

	(void)state;
	for (i = 0; i < 40; i++) {
		dust_rng_seeded_u64(&r, 1000 + i);
		assert_non_null(c = dust_engine_client_new(model, srv_B, sid,
		    sidlen, &r.rng));
		assert_non_null(s = dust_engine_server_new(model, srv_b, sid,
		    sidlen, NULL, &r.rng));
		conv = connect_pair(c, s);
		seen[conv->step[0].len - 100]++;
	}
	for (i = 0; i < NCONV; i++)
		assert_true(seen[i] > 0);
}

/*
 * repeats(recent): 40 connections as test_agree's (the same seeds), the
 * client made with dust_engine_client_new_fresh and ${recent}; return how
 * many drew one of the two conversations drawn before it.
 */
static size_t
repeats(struct dust_conv_recent * recent)
{
	struct dust_rng_seeded r;
	struct dust_engine * c, * s;
	const struct dust_conv * conv, * last[2] = { NULL, NULL };
	size_t i, n = 0;

	for (i = 0; i < 40; i++) {
		dust_rng_seeded_u64(&r, 1000 + i);
		assert_non_null(c = dust_engine_client_new_fresh(model, srv_B,
		    sid, sidlen, &r.rng, recent));
		assert_non_null(s = dust_engine_server_new(model, srv_b, sid,
		    sidlen, NULL, &r.rng));
		conv = connect_pair(c, s);
		if (conv == last[0] || conv == last[1])
			n++;
		last[1] = last[0];
		last[0] = conv;
	}
	return (n);
}

/*
 * A client that keeps its recent draws (half of the 4 usable
 * conversations) never draws one of its last two again, and its server
 * still follows it; without the record the same seeds do (a draw of 4
 * repeats one of the last two about 7 times in 16).
 */
static void
test_fresh(void ** state)
{
	struct dust_conv_recent * recent;

	(void)state;
	assert_true(repeats(NULL) > 0);
	assert_non_null(recent = dust_conv_recent_new(model->conv));
	assert_int_equal(repeats(recent), 0);
	dust_conv_recent_free(recent);
}

/*
 * A prober's random bytes: the server follows some conversation (its
 * lengths are one conversation's server steps, all of them once the
 * prober has sent 2000 bytes), and never establishes.
 */
static void
test_prober(void ** state)
{
	struct dust_rng_seeded r;
	struct dust_engine * s;
	struct lens ls;
	uint8_t junk[2000];
	size_t i, k, ms;
	int match;

	(void)state;
	for (i = 0; i < 10; i++) {
		dust_rng_seeded_u64(&r, 50 + i);
		dust_rng_fill(&r.rng, junk, sizeof(junk));
		assert_non_null(s = dust_engine_server_new(model, srv_b, sid,
		    sidlen, NULL, &r.rng));
		memset(&ls, 0, sizeof(ls));
		assert_int_equal(dust_put_encoded(s, junk, sizeof(junk)), 0);
		for (ms = 0; ms < 100 && !dust_engine_done(s); ms++)
			send(s, 1, NULL, &ls, NULL, NULL);
		assert_true(dust_engine_done(s));
		assert_true(ls.n > 0);
		for (match = 0, k = 0; k < model->conv->ndrawn; k++) {
			const struct dust_conv * c =
			    &model->conv->list[model->conv->drawn[k]];
			size_t j, m = 0, same = 1;

			for (j = 0; j < c->nsteps; j++)
				if (c->step[j].dir == DUST_S2C)
					same &= (m < ls.n &&
					    ls.len[m++] == c->step[j].len);
			match |= (same && m == ls.n);
		}
		assert_true(match);
		/* No code among its chunks: not established. */
		assert_int_equal(dust_engine_state(s),
		    DUST_ENGINE_HANDSHAKING);
		dust_engine_free(s);
	}
}

/*
 * A replayed client stream: a second server (whose replay filter has seen
 * the key, so it fails) sends the same lengths as the first.
 */
static void
test_replay(void ** state)
{
	struct dust_rng_seeded r;
	struct seattle_replay * filter;
	struct dust_engine * c, * s, * s2;
	struct lens lc, ls, ls2;
	static uint8_t wire[65536];
	size_t wirelen = 0, ms;

	(void)state;
	dust_rng_seeded_u64(&r, 77);
	assert_non_null(filter = seattle_replay_new(16, &r.rng));
	assert_non_null(c = dust_engine_client_new(model, srv_B, sid, sidlen,
	    &r.rng));
	assert_non_null(s = dust_engine_server_new(model, srv_b, sid, sidlen,
	    filter, &r.rng));
	memset(&lc, 0, sizeof(lc));
	memset(&ls, 0, sizeof(ls));
	memset(&ls2, 0, sizeof(ls2));
	for (ms = 0; ms < 100 && !(dust_engine_done(c) &&
	    dust_engine_done(s)); ms++) {
		send(c, 1, s, &lc, wire, &wirelen);
		send(s, 1, c, &ls, NULL, NULL);
	}
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_ESTABLISHED);
	assert_non_null(s2 = dust_engine_server_new(model, srv_b, sid, sidlen,
	    filter, &r.rng));
	assert_int_equal(dust_put_encoded(s2, wire, (uint16_t)wirelen), 0);
	for (ms = 0; ms < 100 && !dust_engine_done(s2); ms++)
		send(s2, 1, NULL, &ls2, NULL, NULL);
	assert_int_equal(dust_engine_state(s2), DUST_ENGINE_FAILED);
	assert_string_equal(dust_engine_failure(s2), "client key replayed");
	assert_int_equal(ls2.n, ls.n);
	assert_memory_equal(ls2.len, ls.len, ls.n * sizeof(ls.len[0]));
	dust_engine_free(c);
	dust_engine_free(s);
	dust_engine_free(s2);
	seattle_replay_free(filter);
}

/*
 * seattle_conversation_seed: the client's (at creation) equals the
 * server's (once X has arrived, not before); each is taken once; a client
 * that did not take it before the server's key arrived cannot any more,
 * nor a server that was not asked for it before X arrived.
 */
static void
test_seed(void ** state)
{
	struct dust_rng_seeded r;
	struct seattle * c, * s, * c2;
	uint8_t cs[32], ss[32], buf[64];

	(void)state;
	dust_rng_seeded_u64(&r, 3);
	assert_non_null(c = seattle_client_new(srv_B, sid, sidlen, &r.rng));
	assert_non_null(s = seattle_server_new(srv_b, sid, sidlen, NULL,
	    &r.rng));
	assert_int_equal(seattle_conversation_seed(s, ss), -1);
	assert_int_equal(seattle_conversation_seed(c, cs), 0);
	assert_int_equal(seattle_conversation_seed(c, buf), -1);
	seattle_pull(c, buf, 31);
	assert_int_equal(seattle_push(s, buf, 31), 0);
	assert_int_equal(seattle_conversation_seed(s, ss), -1);
	seattle_pull(c, buf, 1);
	assert_int_equal(seattle_push(s, buf, 1), 0);
	assert_int_equal(seattle_conversation_seed(s, ss), 0);
	assert_memory_equal(cs, ss, 32);
	assert_int_equal(seattle_conversation_seed(s, ss), -1);

	/* Another client's seed differs. */
	assert_non_null(c2 = seattle_client_new(srv_B, sid, sidlen, &r.rng));
	seattle_pull(s, buf, 32);			/* Y */
	assert_int_equal(seattle_push(c2, buf, 32), 0);
	assert_int_equal(seattle_conversation_seed(c2, buf), -1);
	seattle_free(c2);
	assert_non_null(c2 = seattle_client_new(srv_B, sid, sidlen, &r.rng));
	assert_int_equal(seattle_conversation_seed(c2, buf), 0);
	assert_memory_not_equal(buf, cs, 32);
	seattle_free(c2);

	/* A server not asked before X arrived does not compute it. */
	seattle_free(s);
	assert_non_null(s = seattle_server_new(srv_b, sid, sidlen, NULL,
	    &r.rng));
	assert_non_null(c2 = seattle_client_new(srv_B, sid, sidlen, &r.rng));
	seattle_pull(c2, buf, 32);
	assert_int_equal(seattle_push(s, buf, 32), 0);
	assert_int_equal(seattle_conversation_seed(s, ss), -1);
	seattle_free(c2);
	seattle_free(c);
	seattle_free(s);
}

/* Silence: a server sends nothing and is done after idle_ms (5000). */
static void
test_silence(void ** state)
{
	struct dust_engine * s, * c;
	struct dust_rng_seeded r;

	(void)state;
	dust_rng_seeded_u64(&r, 5);
	assert_non_null(s = dust_engine_server_new(model, srv_b, sid, sidlen,
	    NULL, &r.rng));
	assert_int_equal(dust_engine_next_due(s), 5000);
	assert_int_equal(dust_engine_duration(s), 5000);
	assert_int_equal(dust_packet_count(s, 4999), 0);
	assert_int_equal(dust_engine_done(s), 0);
	assert_int_equal(dust_engine_next_due(s), 1);
	assert_int_equal(dust_packet_count(s, 1), 0);
	assert_int_equal(dust_engine_done(s), 1);
	assert_int_equal(dust_engine_next_due(s), UINT32_MAX);
	assert_int_equal(dust_encoded_ready(s), 0);
	dust_engine_free(s);

	/* A client whose server never answers: its first step, then idle. */
	assert_non_null(c = dust_engine_client_new(model, srv_B, sid, sidlen,
	    &r.rng));
	assert_true(dust_packet_count(c, 10) >= 1);	/* Sent at 0 or 1. */
	assert_true(dust_encoded_ready(c) >= 100);
	while (dust_encoded_ready(c) != 0)
		;
	assert_int_equal(dust_packet_count(c, 4989), 0);
	assert_int_equal(dust_engine_done(c), 0);
	assert_int_equal(dust_packet_count(c, 2), 0);
	assert_int_equal(dust_engine_done(c), 1);
	dust_engine_free(c);
}

/* Per-packet mode: next_due follows the flow, done the duration. */
static void
test_per_packet(void ** state)
{
	struct dust_model * m;
	struct dust_engine * c;
	struct dust_rng_seeded r;
	char err[256];
	uint32_t d;

	(void)state;
	dust_rng_seeded_u64(&r, 9);
	assert_non_null(m = dust_model_builtin("cover", err, sizeof(err)));
	assert_non_null(c = dust_engine_client_new(m, srv_B, sid, sidlen,
	    &r.rng));
	/* cover: 40 packets a second, one every 25 ms; a day long. */
	assert_int_equal(dust_engine_next_due(c), 25);
	assert_int_equal(dust_packet_count(c, 24), 0);
	assert_int_equal(dust_engine_next_due(c), 1);
	assert_int_equal(dust_packet_count(c, 1), 1);
	assert_int_equal(dust_engine_next_due(c), 25);
	assert_int_equal(dust_engine_done(c), 0);
	dust_engine_free(c);
	dust_model_free(m);

	assert_non_null(m = dust_model_builtin("http", err, sizeof(err)));
	assert_non_null(c = dust_engine_client_new(m, srv_B, sid, sidlen,
	    &r.rng));
	d = dust_engine_duration(c);
	while (d > 60000) {
		dust_packet_count(c, 60000);
		d -= 60000;
	}
	dust_packet_count(c, (uint16_t)(d - 1));
	assert_int_equal(dust_engine_done(c), 0);
	dust_packet_count(c, 1);
	assert_int_equal(dust_engine_done(c), 1);
	dust_engine_free(c);
	dust_model_free(m);
}

/* One conversation with loopback gaps (ms, fractional). */
static const char * convs_us =
    "{\"idle_ms\": 5000, \"list\": ["
    "[[0, 100, 0.25], [1, 1200, 0.08], [0, 150, 0.3], [1, 2500, 0.012], "
    "[1, 800, 0.5]]]}";

/* When each step of convs_us is due (us from the start). */
static const uint64_t convs_us_at[5] = { 250, 330, 630, 642, 1142 };

/*
 * run_us(e, at): run the client and server ${e}[0], ${e}[1] back to back
 * on a microsecond clock, each packet delivered at once, waking at the
 * earlier of their dust_engine_next_due_us; write when each packet left
 * to ${at} (at most 5) and return how many did.
 */
static size_t
run_us(struct dust_engine * e[2], uint64_t at[5])
{
	static uint8_t pkt[65535];
	uint64_t now = 0, wait, w;
	uint16_t due[2], len;
	size_t n = 0, rounds = 0;
	int k;

	while (!dust_engine_done(e[0]) || !dust_engine_done(e[1])) {
		assert_true(rounds++ < 20);
		wait = dust_engine_next_due_us(e[0]);
		if ((w = dust_engine_next_due_us(e[1])) < wait)
			wait = w;
		now += wait;
		/* Both clocks move before any byte arrives. */
		for (k = 0; k < 2; k++)
			due[k] = dust_packet_count_us(e[k], (uint32_t)wait);
		for (k = 0; k < 2; k++) {
			for (; due[k] > 0; due[k]--) {
				len = dust_encoded_ready(e[k]);
				assert_true(len >= 1 && n < 5);
				at[n++] = now;
				dust_get_encoded(e[k], pkt, len);
				assert_int_equal(dust_put_encoded(e[1 - k],
				    pkt, len), 0);
			}
		}
	}
	return (n);
}

/* Gaps below a millisecond: every step leaves at its microsecond. */
static void
test_us(void ** state)
{
	struct dust_model * m;
	struct dust_engine * e[2];
	struct dust_rng_seeded r;
	uint8_t b[32], B[32], id[SEATTLE_SID_MAX];
	uint64_t at[5];
	size_t idlen = 0, i;

	(void)state;
	assert_non_null(m = conv_fixture(convs_us, b, B, id, &idlen));
	dust_rng_seeded_u64(&r, 11);
	assert_non_null(e[0] = dust_engine_client_new(m, B, id, idlen,
	    &r.rng));
	assert_non_null(e[1] = dust_engine_server_new(m, b, id, idlen, NULL,
	    &r.rng));
	/* The ms view rounds up, so a ms timer finds the step due. */
	assert_int_equal(dust_engine_next_due_us(e[0]), 250);
	assert_int_equal(dust_engine_next_due(e[0]), 1);
	assert_int_equal(run_us(e, at), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(at[i], convs_us_at[i]);
	assert_int_equal(dust_engine_next_due_us(e[0]), UINT64_MAX);
	assert_int_equal(dust_engine_next_due(e[1]), UINT32_MAX);
	dust_engine_free(e[0]);
	dust_engine_free(e[1]);

	/* The seed's ms calls on the same engine: due within the 1st ms. */
	assert_non_null(e[0] = dust_engine_client_new(m, B, id, idlen,
	    &r.rng));
	assert_int_equal(dust_packet_count_us(e[0], 200), 0);
	assert_int_equal(dust_engine_next_due_us(e[0]), 50);
	assert_int_equal(dust_packet_count(e[0], 1), 1);
	assert_int_equal(dust_encoded_ready(e[0]), 100);
	dust_engine_free(e[0]);
	dust_model_free(m);
}

/* Per-packet mode on a microsecond clock: whole ms, the rest kept. */
static void
test_per_packet_us(void ** state)
{
	struct dust_model * m;
	struct dust_engine * c;
	struct dust_rng_seeded r;
	char err[256];

	(void)state;
	dust_rng_seeded_u64(&r, 9);
	assert_non_null(m = dust_model_builtin("cover", err, sizeof(err)));
	assert_non_null(c = dust_engine_client_new(m, srv_B, sid, sidlen,
	    &r.rng));
	/* cover: one packet every 25 ms. */
	assert_int_equal(dust_engine_next_due_us(c), 25000);
	assert_int_equal(dust_packet_count_us(c, 24500), 0);
	assert_int_equal(dust_engine_next_due_us(c), 500);
	assert_int_equal(dust_engine_next_due(c), 1);
	assert_int_equal(dust_packet_count_us(c, 499), 0);
	assert_int_equal(dust_packet_count_us(c, 1), 1);
	assert_int_equal(dust_engine_next_due_us(c), 25000);
	/* A ms call after a sub-ms rest: the rest still counts. */
	assert_int_equal(dust_packet_count_us(c, 600), 0);
	assert_int_equal(dust_packet_count(c, 24), 0);
	assert_int_equal(dust_engine_next_due_us(c), 400);
	assert_int_equal(dust_packet_count_us(c, 400), 1);
	dust_engine_free(c);
	dust_model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agree),
		cmocka_unit_test(test_fresh),
		cmocka_unit_test(test_prober),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_per_packet),
		cmocka_unit_test(test_us),
		cmocka_unit_test(test_per_packet_us),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
