/*
 * Exact (reverse arithmetic) coder: the receiver's arithmetic encoder gives
 * back exactly the uniform bits the sender's decoder read, for long random
 * streams under random packetization, any weights, and degenerate input
 * (all zeros, all ones); output bytes follow the model's weights
 * (chi-square).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/model.h"
#include "shape/exact.h"
#include "shape/shaper.h"

#include "shapetest.h"

/*
 * Receiver lag bound checked: up to 8 bytes pulled ahead, the 32-bit value
 * register, a partial byte, and pending (E3) bits: a run of k of them needs
 * k uniform bits 0111.. or 1000.. (probability 2^-k), so 24 bytes leaves
 * 88 bits, never reached with fixed seeds (odds 2^-88 per position).
 */
#define MAXLAG	24

/* check_roundtrip: recovered bytes are the uniform bytes, lag <= MAXLAG. */
static void
check_roundtrip(const struct dust_model_part * part, uint64_t seed,
    size_t wirelen)
{
	struct bytes sent, got;

	assert_int_equal(roundtrip(part, DUST_CODER_EXACT, seed, wirelen,
	    &sent, &got, NULL), 0);
	assert_true(got.len <= sent.len);
	assert_true(sent.len - got.len <= MAXLAG);
	assert_memory_equal(sent.b, got.b, got.len);
	free(sent.b);
	free(got.b);
}

/* Every built-in model, both directions, 3 seeds x 300 kB of wire. */
static void
test_roundtrip_builtin(void ** state)
{
	struct dust_model * m;
	const char * name;
	char err[256];
	size_t i;
	int dir, seed;

	(void)state;
	for (i = 0; (name = dust_model_builtin_name(i)) != NULL; i++) {
		assert_non_null(m = dust_model_builtin(name, err, sizeof(err)));
		for (dir = 0; dir < 2; dir++)
			for (seed = 0; seed < 3; seed++)
				check_roundtrip(&m->part[dir],
				    (uint64_t)(300 + 100 * i + 10 * dir + seed),
				    300000);
		dust_model_free(m);
	}
}

/* One long stream: 4 MB of http (server to client) wire bytes. */
static void
test_roundtrip_long(void ** state)
{
	struct dust_model * m;
	char err[256];

	(void)state;
	assert_non_null(m = dust_model_builtin("http", err, sizeof(err)));
	check_roundtrip(&m->part[DUST_S2C], 4242, 4 << 20);
	dust_model_free(m);
}

/* Random weight vectors of every kind: 6 kinds x 10 seeds x 50 kB. */
static void
test_roundtrip_random(void ** state)
{
	struct dust_rng_seeded r;
	struct dust_model * m;
	double w[256];
	int kind, seed;

	(void)state;
	dust_rng_seeded_u64(&r, 13);
	for (kind = 0; kind < NKINDS; kind++) {
		for (seed = 0; seed < 10; seed++) {
			random_weights(&r, kind, w);
			m = model_of_weights(w, "exact", "pre");
			check_roundtrip(&m->part[DUST_C2S],
			    (uint64_t)(3000 + 10 * kind + seed), 50000);
			check_roundtrip(&m->part[DUST_S2C],
			    (uint64_t)(4000 + 10 * kind + seed), 50000);
			dust_model_free(m);
		}
	}
}

/* A source of constant bytes (the extremes of the interval). */
static void
pull_const(void * ctx, uint8_t * buf, size_t n)
{

	memset(buf, *(const uint8_t *)ctx, n);
}

/* All-zero and all-one input decode, and come back, too. */
static void
test_extreme_input(void ** state)
{
	struct dust_model * m;
	struct dust_shaper sh;
	struct dust_deshaper de;
	struct bytes got;
	static uint8_t wire[100000];
	uint8_t fill[2] = { 0x00, 0xff };
	char err[256];
	size_t i;
	int k, dir;

	(void)state;
	assert_non_null(m = dust_model_builtin("http", err, sizeof(err)));
	for (dir = 0; dir < 2; dir++) {
		for (k = 0; k < 2; k++) {
			memset(&got, 0, sizeof(got));
			dust_shaper_init(&sh, &m->part[dir], DUST_CODER_EXACT,
			    NULL, pull_const, &fill[k]);
			dust_shaper_produce(&sh, wire, sizeof(wire));
			dust_deshaper_init(&de, &m->part[dir],
			    DUST_CODER_EXACT, sink_push, &got);
			assert_int_equal(dust_deshaper_consume(&de, wire,
			    sizeof(wire)), 0);
			assert_true(got.len + MAXLAG >=
			    dust_shaper_pulled(&sh));
			for (i = 0; i < got.len; i++)
				assert_int_equal(got.b[i], fill[k]);
			free(got.b);
		}
	}
	dust_model_free(m);
}

/*
 * Output bytes follow the model's (quantized) weights: 2^20 bytes of
 * each http part, chi-square below the 1e-4 critical value.  Against the
 * Huffman code's dyadic probabilities the same bytes fail (the test can
 * fail).
 */
static void
test_frequencies(void ** state)
{
	struct dust_model * m;
	uint64_t count[256];
	double p[256], x;
	char err[256];
	size_t i, n = 1 << 20;
	int dir, df;
	const struct dust_model_part * part;

	(void)state;
	assert_non_null(m = dust_model_builtin("http", err, sizeof(err)));
	for (dir = 0; dir < 2; dir++) {
		part = &m->part[dir];
		assert_int_equal(wire_counts(part, DUST_CODER_EXACT, 99 + dir,
		    n, count), 0);
		for (i = 0; i < 256; i++)
			p[i] = (double)part->freq[i] / DUST_EXACT_TOTAL;
		x = chi2(count, p, n, &df);
		printf("http %s: chi2 vs weights = %.1f (df %d, crit %.1f)\n",
		    dir ? "s2c" : "c2s", x, df, chi2_crit(df));
		assert_true(x < chi2_crit(df));
		dyadic_probs(part, p);
		x = chi2(count, p, n, &df);
		printf("http %s: chi2 vs 2^-len = %.1f (df %d, crit %.1f)\n",
		    dir ? "s2c" : "c2s", x, df, chi2_crit(df));
		assert_true(x > chi2_crit(df));
	}
	dust_model_free(m);
}

/* A byte of weight 0 is an error, and sticky. */
static void
test_bad_input(void ** state)
{
	struct dust_model * m;
	struct dust_deshaper d;
	struct bytes got = { NULL, 0, 0 };
	char err[256];
	const uint8_t bad[] = "GET /abc\001def";

	(void)state;
	assert_non_null(m = dust_model_builtin("http", err, sizeof(err)));
	dust_deshaper_init(&d, &m->part[DUST_C2S], DUST_CODER_EXACT,
	    sink_push, &got);
	assert_int_equal(dust_deshaper_consume(&d, bad, sizeof(bad) - 1), -1);
	assert_string_equal(dust_deshaper_error(&d),
	    "content: byte 0x01 has weight 0 in the model");
	assert_int_equal(dust_deshaper_consume(&d, bad, 5), -1);
	free(got.b);
	dust_model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_builtin),
		cmocka_unit_test(test_roundtrip_long),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_extreme_input),
		cmocka_unit_test(test_frequencies),
		cmocka_unit_test(test_bad_input),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
