/*
 * Conversations (include/dust/conversation.h, convsched.h): the model
 * field loads and every bad value is refused with a message naming it;
 * which conversations are usable; the index drawn from a seed is uniform
 * and deterministic; the schedule gates steps on the peer's bytes and the
 * gaps, ends when everything is sent and received or after idle_ms.
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
#include "dust/model.h"
#include "shape/convsched.h"

#include "convtest.h"

/* A good field: two usable, two not (server first; one client turn). */
static const char * good =
    "{\"list\": ["
    "[[0, 200, 0.4], [1, 1000, 1.5], [0, 150, 5], [1, 3000, 0]],"
    "[[1, 100, 0], [0, 100, 0], [1, 100, 0], [0, 100, 0]],"
    "[[0, 300, 0], [1, 100, 0], [1, 100, 0]],"
    "[[0, 48, 0], [1, 1, 0], [0, 1, 59999.5]]]}";

/* The good field loads as written. */
static void
test_parse_good(void ** state)
{
	struct dust_model * m;
	char err[256];

	(void)state;
	m = conv_model(good, err, sizeof(err));
	if (m == NULL)
		fail_msg("%s", err);
	assert_non_null(m->conv);
	assert_int_equal(m->conv->idle_ms, DUST_CONV_IDLE_DEFAULT);
	assert_int_equal(m->conv->n, 4);
	assert_int_equal(m->conv->list[0].nsteps, 4);
	/* Gaps in microseconds, as written (not rounded to ms). */
	assert_int_equal(m->conv->list[0].step[0].gap_us, 400);
	assert_int_equal(m->conv->list[0].step[1].gap_us, 1500);
	assert_int_equal(m->conv->list[0].step[1].dir, DUST_S2C);
	assert_int_equal(m->conv->list[0].step[3].len, 3000);
	assert_int_equal(m->conv->list[3].step[2].gap_us, 59999500);
	/* 0 and 3 (48 bytes = 48 * 8 / 8: exactly enough) are usable. */
	assert_int_equal(m->conv->nusable, 2);
	assert_int_equal(m->conv->ndrawn, 2);
	assert_int_equal(m->conv->drawn[0], 0);
	assert_int_equal(m->conv->drawn[1], 3);
	dust_model_free(m);

	/* "draw": "all" adds the single-turn one (2), not the server's. */
	m = conv_model("{\"draw\": \"all\", \"list\": ["
	    "[[0, 200, 0], [1, 1000, 1], [0, 150, 5]],"
	    "[[1, 100, 0], [0, 100, 0], [1, 100, 0], [0, 100, 0]],"
	    "[[0, 300, 0], [1, 100, 0], [1, 100, 0]]]}", err, sizeof(err));
	if (m == NULL)
		fail_msg("%s", err);
	assert_int_equal(m->conv->nusable, 1);
	assert_int_equal(m->conv->ndrawn, 2);
	assert_int_equal(m->conv->drawn[1], 2);
	dust_model_free(m);

	m = conv_model("{\"idle_ms\": 5000, \"list\": [[[0, 60, 0], "
	    "[1, 10, 0], [0, 10, 0]]]}", err, sizeof(err));
	if (m == NULL)
		fail_msg("%s", err);
	assert_int_equal(m->conv->idle_ms, 5000);
	assert_int_equal(m->conv->list[0].has_close, 0);
	dust_model_free(m);

	/* A close: the client first, 0.2196 ms after the last step. */
	m = conv_model("{\"list\": [{\"steps\": [[0, 60, 0], [1, 10, 0], "
	    "[0, 10, 0]], \"close\": [0, 0.2196]}]}", err, sizeof(err));
	if (m == NULL)
		fail_msg("%s", err);
	assert_int_equal(m->conv->list[0].has_close, 1);
	assert_int_equal(m->conv->list[0].close_dir, DUST_C2S);
	assert_int_equal(m->conv->list[0].close_gap_us, 220);
	dust_model_free(m);

	/* Without the field: per-packet mode. */
	m = dust_model_builtin("http", err, sizeof(err));
	assert_null(m->conv);
	dust_model_free(m);
}

/* Each bad field and its message. */
static void
test_parse_errors(void ** state)
{
	static const char * const cases[][2] = {
	    { "[]", "conversations: must be an object" },
	    { "{\"colour\": 1}", "conversations.colour: unknown field" },
	    { "{\"idle_ms\": \"a\", \"list\": []}",
	      "conversations.idle_ms: must be a number" },
	    { "{\"idle_ms\": 0}",
	      "conversations.idle_ms: must be an integer 1..2147483647 (ms)" },
	    { "{\"idle_ms\": 1.5}",
	      "conversations.idle_ms: must be an integer 1..2147483647 (ms)" },
	    { "{}", "conversations.list: missing" },
	    { "{\"draw\": 1}", "conversations.draw: must be a string" },
	    { "{\"draw\": \"some\"}", "conversations.draw: unknown value "
	      "\"some\" (usable or all)" },
	    { "{\"list\": []}", "conversations.list: must be a non-empty "
	      "array of conversations" },
	    { "{\"list\": {}}", "conversations.list: must be a non-empty "
	      "array of conversations" },
	    { "{\"list\": [[]]}",
	      "conversations.list[0]: must be a non-empty array of steps" },
	    { "{\"list\": [[[0, 100]]]}", "conversations.list[0][0]: must be "
	      "a [dir, len, gap_ms] triple" },
	    { "{\"list\": [[[0, 100, \"a\"]]]}",
	      "conversations.list[0][0][2]: must be a number" },
	    { "{\"list\": [[[0, 100, 0]], [[0, 100, 0], [2, 1, 0]]]}",
	      "conversations.list[1][1][0]: directions must be 0 (client to "
	      "server) or 1" },
	    { "{\"list\": [[[0, 0, 0]]]}", "conversations.list[0][0][1]: "
	      "lengths must be integers 1..65535" },
	    { "{\"list\": [[[0, 65536, 0]]]}", "conversations.list[0][0][1]: "
	      "lengths must be integers 1..65535" },
	    { "{\"list\": [[[0, 1.5, 0]]]}", "conversations.list[0][0][1]: "
	      "lengths must be integers 1..65535" },
	    { "{\"list\": [[[0, 100, -1]]]}", "conversations.list[0][0][2]: "
	      "gaps must be 0..2147483647 ms" },
	    { "{\"list\": [[[0, 100, 3e9]]]}", "conversations.list[0][0][2]: "
	      "gaps must be 0..2147483647 ms" },
	    /* Rounded to whole us (59999.5 ms is below the limit). */
	    { "{\"list\": [[[0, 100, 0], [1, 9, 59999.9996]]]}",
	      "conversations.list[0][1][2]: a gap of 60000 ms is not below "
	      "idle_ms (60000)" },
	    { "{\"idle_ms\": 10, \"list\": [[[0, 100, 10]]]}",
	      "conversations.list[0][0][2]: a gap of 10 ms is not below "
	      "idle_ms (10)" },
	    { "{\"list\": [{\"steps\": [[0, 100, 0]], \"close\": 1}]}",
	      "conversations.list[0].close: must be a [dir, gap_ms] pair of "
	      "numbers" },
	    { "{\"list\": [{\"steps\": [[0, 100, 0]], \"close\": [0]}]}",
	      "conversations.list[0].close: must be a [dir, gap_ms] pair of "
	      "numbers" },
	    { "{\"list\": [{\"steps\": [[0, 100, 0]], \"close\": [2, 0]}]}",
	      "conversations.list[0].close[0]: directions must be 0 (client "
	      "to server) or 1" },
	    { "{\"list\": [{\"steps\": [[0, 100, 0]], "
	      "\"close\": [0, -0.5]}]}",
	      "conversations.list[0].close[1]: gaps must be 0..2147483647 ms" },
	    { "{\"idle_ms\": 10, \"list\": [{\"steps\": [[0, 100, 0]], "
	      "\"close\": [1, 10]}]}",
	      "conversations.list[0].close[1]: a gap of 10 ms is not below "
	      "idle_ms (10)" },
	    { "{\"list\": [[[0, 47, 0], [1, 1, 0], [0, 1, 0]], "
	      "[[1, 100, 0], [0, 100, 0]], [[0, 100, 0], [0, 100, 0]]]}",
	      "conversations.list: none of the 3 is usable (a usable one "
	      "starts with a client step of at least 48 bytes and has a "
	      "client step after a server step)" },
	};
	struct dust_model * m;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = conv_model(cases[i][0], err, sizeof(err));
		if (m != NULL)
			fail_msg("case %zu loaded", i);
		assert_string_equal(err, cases[i][1]);
	}
}

/* Too many conversations, too many steps. */
static void
test_parse_bounds(void ** state)
{
	struct dust_model * m;
	char err[256], * t;
	size_t i, off;

	(void)state;
	assert_non_null(t = malloc(70000 * 16));
	off = (size_t)sprintf(t, "{\"list\": [");
	for (i = 0; i <= DUST_CONV_MAX; i++)
		off += (size_t)sprintf(t + off, "%s[[0, 100, 0]]", i ? "," : "");
	sprintf(t + off, "]}");
	assert_null(m = conv_model(t, err, sizeof(err)));
	assert_string_equal(err, "conversations.list: at most 4096 "
	    "conversations");

	off = (size_t)sprintf(t, "{\"list\": [[");
	for (i = 0; i <= DUST_CONV_STEPS_MAX; i++)
		off += (size_t)sprintf(t + off, "%s[0,1,0]", i ? "," : "");
	sprintf(t + off, "]]}");
	assert_null(m = conv_model(t, err, sizeof(err)));
	assert_string_equal(err, "conversations.list[0]: at most 65536 "
	    "steps");
	free(t);
}

/* Followable, usable, neither. */
static void
test_class(void ** state)
{
	struct dust_conv_step s[3] = { { 0, 100, 0 }, { 0, 10, 1 },
	    { 0, 10, 0 } };
	struct dust_conv c = { .step = s, .nsteps = 3 };

	(void)state;
	assert_int_equal(dust_conv_class(&c, 100), DUST_CONV_DATA);
	assert_int_equal(dust_conv_class(&c, 101), DUST_CONV_NONE);
	s[2].dir = DUST_S2C;
	assert_int_equal(dust_conv_class(&c, 1), DUST_CONV_COVER);
	s[1].dir = DUST_C2S;
	s[2].dir = DUST_C2S;
	assert_int_equal(dust_conv_class(&c, 1), DUST_CONV_COVER);
	s[0].dir = DUST_S2C;
	assert_int_equal(dust_conv_class(&c, 1), DUST_CONV_NONE);
}

/*
 * dust_conv_index: the same seed, the same index; 60000 seeds over 6
 * indices pass chi-square below the 0.001 critical value (5 d.o.f.:
 * 20.52).
 */
static void
test_index(void ** state)
{
	uint8_t seed[32] = { 0 };
	size_t count[6] = { 0 }, i, k;
	double chi = 0, e = 60000 / 6.0;

	(void)state;
	for (i = 0; i < 60000; i++) {
		seed[0] = (uint8_t)i;
		seed[1] = (uint8_t)(i >> 8);
		seed[2] = (uint8_t)(i >> 16);
		k = dust_conv_index(seed, 6);
		assert_true(k < 6);
		assert_int_equal(dust_conv_index(seed, 6), k);
		count[k]++;
	}
	for (k = 0; k < 6; k++)
		chi += (count[k] - e) * (count[k] - e) / e;
	if (chi > 20.52)
		fail_msg("chi-square %.2f over 6 indices", chi);
	assert_int_equal(dust_conv_index(seed, 1), 0);
}

/* Microseconds in ${ms} milliseconds: the schedule's unit. */
#define MS(ms)	((uint64_t)(ms) * 1000)

/* A conversation: C0 S1 S2 C3 S4. */
static struct dust_conv_step steps[5] = {
	{ MS(10), 100, DUST_C2S }, { MS(5), 200, DUST_S2C },
	{ 0, 300, DUST_S2C }, { MS(20), 50, DUST_C2S }, { 0, 10, DUST_S2C } };
static const struct dust_conv conv5 = { .step = steps, .nsteps = 5 };

/*
 * A record of recent draws keeps half as many as are drawn from (of 4
 * usable conversations: 2), the last ones: the oldest goes when a third
 * comes, and one noted twice counts once.
 */
static void
test_recent(void ** state)
{
	struct dust_model * m;
	struct dust_conv_recent * r;
	const struct dust_conv * l;
	char err[256];

	(void)state;
	assert_non_null(m = conv_model("{\"list\": ["
	    "[[0, 60, 0], [1, 9, 0], [0, 1, 0]], [[0, 61, 0], [1, 9, 0], "
	    "[0, 1, 0]], [[0, 62, 0], [1, 9, 0], [0, 1, 0]], [[0, 63, 0], "
	    "[1, 9, 0], [0, 1, 0]]]}", err, sizeof(err)));
	assert_int_equal(m->conv->ndrawn, 4);
	l = m->conv->list;
	assert_non_null(r = dust_conv_recent_new(m->conv));
	assert_false(dust_conv_recent_has(r, &l[0]));
	dust_conv_recent_add(r, &l[0]);
	dust_conv_recent_add(r, &l[1]);
	dust_conv_recent_add(r, &l[1]);
	assert_true(dust_conv_recent_has(r, &l[0]));
	assert_true(dust_conv_recent_has(r, &l[1]));
	dust_conv_recent_add(r, &l[2]);
	assert_false(dust_conv_recent_has(r, &l[0]));
	assert_true(dust_conv_recent_has(r, &l[1]));
	assert_true(dust_conv_recent_has(r, &l[2]));
	dust_conv_recent_add(r, &l[3]);
	assert_false(dust_conv_recent_has(r, &l[1]));
	assert_true(dust_conv_recent_has(r, &l[3]));
	dust_conv_recent_free(r);
	dust_model_free(m);
}

/* The client's side: gaps, gating on the server's bytes, done. */
static void
test_sched_client(void ** state)
{
	struct dust_convsched cs;

	(void)state;
	dust_convsched_init(&cs, 1000, DUST_C2S);
	dust_convsched_start(&cs, &conv5);
	assert_int_equal(dust_convsched_next_due_us(&cs), MS(10));
	assert_int_equal(dust_convsched_length(&cs), 0);
	assert_int_equal(dust_convsched_count_us(&cs, MS(9)), 0);
	assert_int_equal(dust_convsched_count_us(&cs, MS(1)), 1);
	assert_int_equal(dust_convsched_next_due_us(&cs), 0);
	assert_int_equal(dust_convsched_length(&cs), 100);
	assert_int_equal(dust_convsched_length(&cs), 0);
	/* Waiting for 500 server bytes: the timer is the idle limit. */
	assert_int_equal(dust_convsched_next_due_us(&cs), MS(1000));
	assert_int_equal(dust_convsched_count_us(&cs, MS(5)), 0);
	dust_convsched_received(&cs, 499);
	assert_int_equal(dust_convsched_count_us(&cs, MS(100)), 0);
	assert_int_equal(dust_convsched_next_due_us(&cs), MS(1000 - 100));
	dust_convsched_received(&cs, 1);	/* t = 115 */
	assert_int_equal(dust_convsched_next_due_us(&cs), MS(20));
	assert_int_equal(dust_convsched_count_us(&cs, MS(19)), 0);
	assert_int_equal(dust_convsched_count_us(&cs, MS(1)), 1);
	assert_int_equal(dust_convsched_length(&cs), 50);
	assert_int_equal(dust_convsched_done(&cs), 0);
	dust_convsched_received(&cs, 10);
	assert_int_equal(dust_convsched_done(&cs), 1);
	assert_int_equal(dust_convsched_next_due_us(&cs), UINT64_MAX);
	assert_int_equal(dust_convsched_duration(&cs), 35 + 1000);
}

/* The server's side: nothing before the client's bytes; 0 gaps at once. */
static void
test_sched_server(void ** state)
{
	struct dust_convsched cs;

	(void)state;
	dust_convsched_init(&cs, 1000, DUST_S2C);
	assert_int_equal(dust_convsched_count_us(&cs, MS(30)), 0);
	dust_convsched_received(&cs, 60);	/* The seed comes now. */
	dust_convsched_start(&cs, &conv5);
	assert_int_equal(dust_convsched_count_us(&cs, MS(20)), 0);
	dust_convsched_received(&cs, 40);	/* t = 50: all of C0 */
	assert_int_equal(dust_convsched_next_due_us(&cs), MS(5));
	assert_int_equal(dust_convsched_count_us(&cs, MS(4)), 0);
	assert_int_equal(dust_convsched_count_us(&cs, MS(1)), 2);
	assert_int_equal(dust_convsched_length(&cs), 200);
	assert_int_equal(dust_convsched_length(&cs), 300);
	dust_convsched_received(&cs, 50);
	assert_int_equal(dust_convsched_count_us(&cs, 0), 1);
	assert_int_equal(dust_convsched_length(&cs), 10);
	assert_int_equal(dust_convsched_done(&cs), 1);
}

/* A coarse clock does not stretch the gaps; idle ends a silent one. */
static void
test_sched_coarse_idle(void ** state)
{
	struct dust_conv_step s[4] = { { MS(10), 60, DUST_C2S },
	    { MS(10), 60, DUST_C2S }, { MS(10), 60, DUST_C2S },
	    { 0, 1, DUST_S2C } };
	struct dust_conv c = { .step = s, .nsteps = 4 };
	struct dust_convsched cs;

	(void)state;
	dust_convsched_init(&cs, 1000, DUST_C2S);
	dust_convsched_start(&cs, &c);
	/* Due at 10 and 20; the first two not taken yet. */
	assert_int_equal(dust_convsched_count_us(&cs, MS(25)), 2);
	assert_int_equal(dust_convsched_next_due_us(&cs), 0);
	assert_int_equal(dust_convsched_length(&cs), 60);
	assert_int_equal(dust_convsched_length(&cs), 60);
	assert_int_equal(dust_convsched_next_due_us(&cs), MS(5)); /* 30 */
	assert_int_equal(dust_convsched_count_us(&cs, MS(5)), 1);
	while (dust_convsched_length(&cs) != 0)
		;
	/* The server never answers: done 1000 ms after the last step. */
	assert_int_equal(dust_convsched_count_us(&cs, MS(999)), 0);
	assert_int_equal(dust_convsched_done(&cs), 0);
	assert_int_equal(dust_convsched_next_due_us(&cs), MS(1));
	assert_int_equal(dust_convsched_count_us(&cs, MS(1)), 0);
	assert_int_equal(dust_convsched_done(&cs), 1);

	/* A server that never learns its conversation. */
	dust_convsched_init(&cs, 1000, DUST_S2C);
	assert_int_equal(dust_convsched_next_due_us(&cs), MS(1000));
	assert_int_equal(dust_convsched_count_us(&cs, MS(999)), 0);
	assert_int_equal(dust_convsched_done(&cs), 0);
	assert_int_equal(dust_convsched_count_us(&cs, MS(1)), 0);
	assert_int_equal(dust_convsched_done(&cs), 1);
	assert_int_equal(dust_convsched_duration(&cs), 1000);
}

/*
 * The close: the side that closed the real connection first closes its
 * gap after the last event, the other waits for it; unknown: at once.
 */
static void
test_sched_close(void ** state)
{
	struct dust_conv_step s[2] = { { 50, 60, DUST_C2S },
	    { 120, 900, DUST_S2C } };
	struct dust_conv c = { .step = s, .nsteps = 2, .has_close = 1,
	    .close_dir = DUST_C2S, .close_gap_us = 300 };
	struct dust_convsched cl, sv;

	(void)state;
	dust_convsched_init(&cl, 1000, DUST_C2S);
	dust_convsched_start(&cl, &c);
	dust_convsched_init(&sv, 1000, DUST_S2C);
	dust_convsched_start(&sv, &c);
	assert_int_equal(dust_convsched_count_us(&cl, 50), 1);
	assert_int_equal(dust_convsched_length(&cl), 60);
	dust_convsched_received(&sv, 60);
	assert_int_equal(dust_convsched_count_us(&sv, 120), 1);
	assert_int_equal(dust_convsched_length(&sv), 900);
	assert_int_equal(dust_convsched_done(&sv), 1);
	/* The server closed second: it waits for the client. */
	assert_true(dust_convsched_close_us(&sv) == UINT64_MAX);
	/* The client, 500 us after its step: the answer arrives at 500. */
	(void)dust_convsched_count_us(&cl, 450);
	dust_convsched_received(&cl, 900);
	assert_int_equal(dust_convsched_done(&cl), 1);
	assert_int_equal(dust_convsched_close_us(&cl), 300);
	(void)dust_convsched_count_us(&cl, 299);
	assert_int_equal(dust_convsched_close_us(&cl), 1);
	(void)dust_convsched_count_us(&cl, 1);
	assert_int_equal(dust_convsched_close_us(&cl), 0);

	/* Unknown close: at once. */
	c.has_close = 0;
	assert_int_equal(dust_convsched_close_us(&sv), 0);
}

/*
 * Gaps of microseconds (loopback think times): steps come due to the
 * microsecond, the peer's arrival anchors a sub-ms gap, a coarse call
 * releases steps at their own due times, the duration rounds up to ms.
 */
static void
test_sched_us(void ** state)
{
	struct dust_conv_step s[4] = { { 50, 60, DUST_C2S },
	    { 120, 60, DUST_C2S }, { 30, 10, DUST_S2C },
	    { 250, 60, DUST_C2S } };
	struct dust_conv c = { .step = s, .nsteps = 4 };
	struct dust_convsched cs;

	(void)state;
	dust_convsched_init(&cs, 1000, DUST_C2S);
	dust_convsched_start(&cs, &c);
	assert_int_equal(dust_convsched_next_due_us(&cs), 50);
	assert_int_equal(dust_convsched_count_us(&cs, 49), 0);
	assert_int_equal(dust_convsched_next_due_us(&cs), 1);
	assert_int_equal(dust_convsched_count_us(&cs, 1), 1);
	assert_int_equal(dust_convsched_length(&cs), 60);
	assert_int_equal(dust_convsched_next_due_us(&cs), 120);
	assert_int_equal(dust_convsched_count_us(&cs, 119), 0);
	assert_int_equal(dust_convsched_count_us(&cs, 1), 1);	/* t = 170 */
	assert_int_equal(dust_convsched_length(&cs), 60);
	/* The server's 10 bytes: the idle limit until they come at 245. */
	assert_int_equal(dust_convsched_next_due_us(&cs), MS(1000));
	assert_int_equal(dust_convsched_count_us(&cs, 75), 0);
	dust_convsched_received(&cs, 10);
	assert_int_equal(dust_convsched_next_due_us(&cs), 250);
	assert_int_equal(dust_convsched_count_us(&cs, 249), 0);
	assert_int_equal(dust_convsched_count_us(&cs, 1), 1);
	assert_int_equal(dust_convsched_length(&cs), 60);
	assert_int_equal(dust_convsched_done(&cs), 1);
	/* 450 us of gaps and the idle limit, rounded up. */
	assert_int_equal(dust_convsched_duration(&cs), 1001);

	/*
	 * The server's bytes in early: one 1 ms tick releases all three (at
	 * 50, 170 and 420), each gap counted from the step before it, not
	 * from the tick.
	 */
	dust_convsched_init(&cs, 1000, DUST_C2S);
	dust_convsched_start(&cs, &c);
	dust_convsched_received(&cs, 10);
	assert_int_equal(dust_convsched_count_us(&cs, 419), 2);
	assert_int_equal(dust_convsched_count_us(&cs, 1), 1);
	dust_convsched_init(&cs, 1000, DUST_C2S);
	dust_convsched_start(&cs, &c);
	dust_convsched_received(&cs, 10);
	assert_int_equal(dust_convsched_count_us(&cs, MS(1)), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_class),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_recent),
		cmocka_unit_test(test_sched_client),
		cmocka_unit_test(test_sched_server),
		cmocka_unit_test(test_sched_coarse_idle),
		cmocka_unit_test(test_sched_us),
		cmocka_unit_test(test_sched_close),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
