/*
 * The first segment in conversation mode (docs/engine.md, "The first
 * segment"): back to back, the client's first step is a permutation of
 * its conversation's multiset and data flows both ways, whichever of the
 * conversations is drawn (two of them a permutation apart but for one
 * byte, so a naive server would misread one in 20); the server tells the
 * multiset however TCP splits the segment (1-byte pieces, whole, merged
 * with the client's next step); a prober's bytes (random, or a
 * permutation in the wrong order) fail the server silently while it
 * follows some conversation; the "first" field's errors name the field.
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

#include "shape/multiset.h"

#include "convtest.h"

#define MAXSTEP	16

/*
 * A: 25 letters x 4 (410 bits); B: A and one 'a' more (a permutation of
 * B ends with 'a' 5 times in 101: its first 100 bytes are then A's
 * counts); C: 50 digits and letters x 2 (474 bits), two client steps back
 * to back; D: no "first" (not followed); E: 6.6 bits (not followed).
 */
#define FMT \
    "{\"idle_ms\": 5000, \"list\": [" \
    "{\"steps\": [[0, 100, 0], [1, 1200, 1], [0, 250, 2], [1, 2500, 0]], " \
    "\"first\": %s}," \
    "{\"steps\": [[0, 101, 0], [1, 900, 0], [0, 250, 0], [1, 700, 0]], " \
    "\"first\": %s}," \
    "{\"steps\": [[0, 100, 0], [0, 60, 0], [1, 1460, 2], [1, 1460, 0], " \
    "[0, 200, 7], [1, 2000, 0]], \"first\": %s}," \
    "[[0, 100, 0], [1, 500, 0], [0, 150, 0], [1, 500, 0]]," \
    "{\"steps\": [[0, 100, 0], [1, 500, 0], [0, 150, 0], [1, 500, 0]], " \
    "\"first\": [[97, 99], [98, 1]]}]}"

static struct dust_model * model;
static uint8_t srv_b[32], srv_B[32], sid[SEATTLE_SID_MAX];
static size_t sidlen;

/* pairs(out, base, k, c): "[[base, c], ... k values]" into ${out}. */
static void
pairs(char * out, int base, int k, int c)
{
	int i;

	out += sprintf(out, "[");
	for (i = 0; i < k; i++)
		out += sprintf(out, "%s[%d, %d]", i ? ", " : "", base + i, c);
	sprintf(out, "]");
}

/* setup(state): the model, the server's keys and identifier. */
static int
setup(void ** state)
{
	static char a[1024], b[1024], c[1024], text[8192];

	(void)state;
	pairs(a, 'a', 25, 4);
	pairs(b, 'a', 25, 4);
	b[6] = '5';			/* "[[97, 4]" -> "[[97, 5]" */
	pairs(c, '0', 50, 2);
	snprintf(text, sizeof(text), FMT, a, b, c);
	model = conv_fixture(text, srv_b, srv_B, sid, &sidlen);
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

/* How the client's bytes reach the server. */
enum split { WHOLE, BYTES, MERGED };

/* One connection's record. */
struct run {
	uint16_t len[2][MAXSTEP];	/* Packet lengths each way. */
	size_t n[2];
	uint8_t first[65535];		/* The client's first packet. */
	size_t up, down;		/* Application bytes delivered. */
};

/*
 * send(e, ms, dir, r, out, outlen): ${e}'s packets of ${ms} ms, their
 * lengths to ${r}, their bytes appended to ${out}.
 */
static void
send(struct dust_engine * e, uint16_t ms, int dir, struct run * r,
    uint8_t * out, size_t * outlen)
{
	uint16_t n, len;

	for (n = dust_packet_count(e, ms); n > 0; n--) {
		len = dust_encoded_ready(e);
		assert_true(r->n[dir] < MAXSTEP);
		r->len[dir][r->n[dir]++] = len;
		dust_get_encoded(e, out + *outlen, len);
		if (dir == DUST_C2S && r->n[dir] == 1)
			memcpy(r->first, out + *outlen, len);
		*outlen += len;
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

/* deliver(e, buf, n, split): hand ${n} bytes to ${e}, cut per ${split}. */
static void
deliver(struct dust_engine * e, const uint8_t * buf, size_t n,
    enum split split)
{
	size_t i;

	if (split == BYTES) {
		for (i = 0; i < n; i++)
			assert_int_equal(dust_put_encoded(e, buf + i, 1), 0);
	} else if (n > 0)
		assert_int_equal(dust_put_encoded(e, buf, (uint16_t)n), 0);
}

/*
 * connect(seed, split, r): a client and a server back to back, 40 bytes
 * up and 500 down; the client's bytes cut per ${split} (MERGED: held for
 * 3 ms, so that steps sent together arrive as one piece).  Return the
 * conversation drawn.
 */
static const struct dust_conv *
connect(uint64_t seed, enum split split, struct run * r)
{
	static uint8_t up[1 << 16], down[1 << 16];
	struct dust_rng_seeded rng;
	struct dust_engine * c, * s;
	uint8_t data[500] = { 0 };
	size_t uplen = 0, downlen = 0, ms, i;
	const struct dust_conv * conv = NULL;
	uint32_t count[256] = { 0 };

	memset(r, 0, sizeof(*r));
	dust_rng_seeded_u64(&rng, seed);
	assert_non_null(c = dust_engine_client_new(model, srv_B, sid, sidlen,
	    &rng.rng));
	assert_non_null(s = dust_engine_server_new(model, srv_b, sid, sidlen,
	    NULL, &rng.rng));
	assert_int_equal(dust_put_decoded(c, data, 40), 0);
	assert_int_equal(dust_put_decoded(s, data, 500), 0);
	for (ms = 0; ms < 200; ms++) {
		send(c, 1, DUST_C2S, r, up, &uplen);
		if (split != MERGED || ms % 3 == 2) {
			deliver(s, up, uplen, split);
			uplen = 0;
		}
		send(s, 1, DUST_S2C, r, down, &downlen);
		deliver(c, down, downlen, WHOLE);
		downlen = 0;
		r->up += drain(s);
		r->down += drain(c);
		if (dust_engine_done(c) && dust_engine_done(s))
			break;
	}
	assert_true(ms < 200);
	assert_int_equal(dust_engine_state(c), DUST_ENGINE_ESTABLISHED);
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_ESTABLISHED);

	/* The first packet is a permutation of a followed conversation's. */
	assert_true(r->n[DUST_C2S] > 0);
	for (i = 0; i < r->len[DUST_C2S][0]; i++)
		count[r->first[i]]++;
	for (i = 0; i < model->conv->ndrawn && conv == NULL; i++) {
		const struct dust_conv * k =
		    &model->conv->list[model->conv->drawn[i]];
		size_t b, same = (k->first->n == r->len[DUST_C2S][0]);

		for (b = 0; b < 256 && same; b++)
			same = (count[b] == k->first->count[b]);
		if (same)
			conv = k;
	}
	assert_non_null(conv);
	dust_engine_free(c);
	dust_engine_free(s);
	return (conv);
}

/* expect(r, c): ${r}'s lengths are ${c}'s steps each way. */
static void
expect(const struct run * r, const struct dust_conv * c)
{
	size_t j, m[2] = { 0, 0 };

	for (j = 0; j < c->nsteps; j++) {
		assert_true(m[c->step[j].dir] < r->n[c->step[j].dir]);
		assert_int_equal(r->len[c->step[j].dir][m[c->step[j].dir]++],
		    c->step[j].len);
	}
	assert_int_equal(m[0], r->n[0]);
	assert_int_equal(m[1], r->n[1]);
}

/*
 * Which conversations are followed: A, B, C (D has no "first", E too
 * small a capacity), three distinct multisets in all (D's is none).
 */
static void
test_load(void ** state)
{

	(void)state;
	assert_int_equal(model->conv->ndrawn, 3);
	assert_int_equal(model->conv->nusable, 3);
	assert_int_equal(model->conv->nfirsts, 4);
	assert_int_equal(model->conv->maxfirst, 101);
	assert_null(model->conv->list[3].first);
	assert_true(model->conv->list[0].first->capacity > 400);
}

/*
 * Back to back, 60 connections, whole packets: the conversation's steps,
 * its multiset, 40 bytes up and 500 down; A, B and C all drawn.
 */
static void
test_agree(void ** state)
{
	static struct run r;
	const struct dust_conv * conv;
	size_t i, seen[3] = { 0 };

	(void)state;
	for (i = 0; i < 60; i++) {
		conv = connect(2000 + i, WHOLE, &r);
		expect(&r, conv);
		assert_int_equal(r.up, 40);
		assert_int_equal(r.down, 500);
		seen[conv - model->conv->list]++;
	}
	for (i = 0; i < 3; i++)
		assert_true(seen[i] > 0);
}

/* The server tells the segment in 1-byte pieces, and merged (C). */
static void
test_splits(void ** state)
{
	static struct run r;
	const struct dust_conv * conv;
	size_t i, merged = 0;

	(void)state;
	for (i = 0; i < 12; i++) {
		conv = connect(3000 + i, BYTES, &r);
		expect(&r, conv);
		assert_int_equal(r.up, 40);
		assert_int_equal(r.down, 500);
	}
	for (i = 0; i < 12; i++) {
		conv = connect(4000 + i, MERGED, &r);
		expect(&r, conv);
		assert_int_equal(r.up, 40);
		assert_int_equal(r.down, 500);
		merged += (conv == &model->conv->list[2]);
	}
	assert_true(merged > 0);
}

/*
 * check_prober(junk, n, why, seed): the server given ${n} bytes ${junk}
 * (and 2000 random bytes more, so that no step waits for the client's)
 * fails (its reason starting with ${why}, if not NULL), never
 * establishes, and sends one followed conversation's server steps.
 * Return 1 if it failed because the conversation drawn has another
 * multiset.
 */
static int
check_prober(const uint8_t * junk, size_t n, const char * why,
    uint64_t seed)
{
	const char * other = "shaping: first segment: not a permutation";
	static struct run r;
	static uint8_t out[1 << 16], more[2000];
	struct dust_rng_seeded rng;
	struct dust_engine * s;
	size_t outlen, ms, k, j, m;
	int match = 0, same;

	memset(&r, 0, sizeof(r));
	dust_rng_seeded_u64(&rng, seed);
	assert_non_null(s = dust_engine_server_new(model, srv_b, sid, sidlen,
	    NULL, &rng.rng));
	assert_int_equal(dust_put_encoded(s, junk, (uint16_t)n), 0);
	dust_rng_fill(&rng.rng, more, sizeof(more));
	assert_int_equal(dust_put_encoded(s, more, sizeof(more)), 0);
	for (ms = 0; ms < 100 && !dust_engine_done(s); ms++) {
		outlen = 0;
		send(s, 1, DUST_S2C, &r, out, &outlen);
	}
	assert_true(dust_engine_done(s));
	assert_int_not_equal(dust_engine_state(s), DUST_ENGINE_ESTABLISHED);
	if (why != NULL) {
		assert_int_equal(dust_engine_state(s), DUST_ENGINE_FAILED);
		assert_non_null(dust_engine_failure(s));
		assert_memory_equal(dust_engine_failure(s), why, strlen(why));
	}
	assert_true(r.n[DUST_S2C] > 0);
	for (k = 0; k < model->conv->ndrawn; k++) {
		const struct dust_conv * c =
		    &model->conv->list[model->conv->drawn[k]];

		for (j = 0, m = 0, same = 1; j < c->nsteps; j++)
			if (c->step[j].dir == DUST_S2C)
				same &= (m < r.n[DUST_S2C] &&
				    r.len[DUST_S2C][m++] == c->step[j].len);
		match |= (same && m == r.n[DUST_S2C]);
	}
	assert_true(match);
	match = (dust_engine_failure(s) != NULL &&
	    strncmp(dust_engine_failure(s), other, strlen(other)) == 0);
	dust_engine_free(s);
	return (match);
}

/*
 * Probers: 102 random bytes (more than the longest multiset: told as
 * none); a permutation of A in sorted order (told as A, but its "key"
 * draws A only one time in three: at least one of 8 such fails so).
 */
static void
test_prober(void ** state)
{
	struct dust_rng_seeded rng;
	uint8_t junk[102];
	size_t i, j;
	int other = 0;

	(void)state;
	for (i = 0; i < 8; i++) {
		dust_rng_seeded_u64(&rng, 60 + i);
		dust_rng_fill(&rng.rng, junk, sizeof(junk));
		(void)check_prober(junk, sizeof(junk), "shaping: first "
		    "segment: its 101 bytes are a permutation of none",
		    90 + i);
	}
	for (i = 0; i < 8; i++) {
		/* Letters in a rotated order, each 4 times. */
		for (j = 0; j < 100; j++)
			junk[j] = (uint8_t)('a' + (j / 4 + i) % 25);
		other += check_prober(junk, 100, NULL, 70 + i);
	}
	/* Odds of none: (1/3)^8 = 1.5e-4 (fixed seeds). */
	assert_true(other > 0);
}

/* load_err(first, want): a conversation with ${first}: error ${want}. */
static void
load_err(const char * conv, const char * want)
{
	struct dust_model * m;
	char err[256];

	assert_null(m = conv_model(conv, err, sizeof(err)));
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\", want \"%s\"", err, want);
}

/* The "first" field's errors. */
static void
test_parse_errors(void ** state)
{

	(void)state;
	load_err("{\"list\": [{\"first\": [[1, 2]]}]}",
	    "conversations.list[0].steps: missing");
	load_err("{\"list\": [{\"steps\": [[0, 2, 0]], \"x\": 1}]}",
	    "conversations.list[0].x: unknown field");
	load_err("{\"list\": [{\"steps\": [[0, 2, 0]], \"first\": 3}]}",
	    "conversations.list[0].first: must be a non-empty array");
	load_err("{\"list\": [{\"steps\": [[0, 2, 0]], \"first\": [1]}]}",
	    "conversations.list[0].first[0]: must be a [byte, count] pair");
	load_err("{\"list\": [{\"steps\": [[0, 2, 0]], "
	    "\"first\": [[1.5, 2]]}]}",
	    "conversations.list[0].first[0][0]: must be an integer");
	load_err("{\"list\": [{\"steps\": [[0, 2, 0]], "
	    "\"first\": [[256, 2]]}]}",
	    "conversations.list[0].first[0][0]: bytes must be 0..255");
	load_err("{\"list\": [{\"steps\": [[0, 2, 0]], "
	    "\"first\": [[1, 0]]}]}",
	    "conversations.list[0].first[0][1]: counts must be 1..65535");
	load_err("{\"list\": [{\"steps\": [[0, 2, 0]], "
	    "\"first\": [[1, 1], [1, 1]]}]}",
	    "conversations.list[0].first[1][0]: byte 1 listed twice");
	load_err("{\"list\": [{\"steps\": [[0, 3, 0]], "
	    "\"first\": [[1, 1], [2, 1]]}]}",
	    "conversations.list[0].first: the counts sum to 2, not the "
	    "first step's length 3");
	load_err("{\"list\": [{\"steps\": [[1, 2, 0]], "
	    "\"first\": [[1, 1], [2, 1]]}]}",
	    "conversations.list[0].first: the first step must be the "
	    "client's");
	/* Loads, but nothing carries 288 bits: none usable. */
	load_err("{\"list\": [{\"steps\": [[0, 2, 0], [1, 9, 0], [0, 5, 0]], "
	    "\"first\": [[1, 1], [2, 1]]}]}",
	    "none of the 1 is usable (a usable one has a first segment");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_agree),
		cmocka_unit_test(test_splits),
		cmocka_unit_test(test_prober),
		cmocka_unit_test(test_parse_errors),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
