/*
 * Reverse Huffman coder: canonical code properties, the tie-break, the
 * length limit, exact round trips under random packetization, and output
 * byte frequencies (chi-square against 2^-len).
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
#include "shape/huffman.h"
#include "shape/shaper.h"

#include "shapetest.h"

/* Equal weights: every codeword is 8 bits long and equal to its byte. */
static void
test_equal_weights_identity(void ** state)
{
	static struct dust_huff_code c;
	uint32_t freq[256];
	char err[256];
	struct dust_model * m;
	struct bytes sent, got, wire;
	int i;

	(void)state;
	for (i = 0; i < 256; i++)
		freq[i] = 7;
	assert_int_equal(dust_huff_build(&c, freq), 0);
	for (i = 0; i < 256; i++) {
		assert_int_equal(c.len[i], 8);
		assert_int_equal(c.code[i], i);
	}

	/* The built-in "uniform" model: wire bytes == uniform bytes. */
	assert_non_null(m = dust_model_builtin("uniform", err, sizeof(err)));
	assert_int_equal(roundtrip(&m->part[DUST_C2S], DUST_CODER_HUFFMAN, 1,
	    100000, &sent, &got, &wire), 0);
	assert_true(sent.len >= wire.len);
	assert_memory_equal(sent.b, wire.b, wire.len);
	free(sent.b);
	free(got.b);
	free(wire.b);
	dust_model_free(m);
}

/*
 * The documented tie-break: merge the two nodes of smallest (weight, id),
 * leaves' ids being their bytes, internal nodes' 256, 257, ...
 */
static void
test_tie_break(void ** state)
{
	static struct dust_huff_code c;
	uint32_t freq[256];

	(void)state;
	/* Bytes 0, 1, 2 of weight 1: 0+1 merge first, so 2 is short. */
	memset(freq, 0, sizeof(freq));
	freq[0] = freq[1] = freq[2] = 1;
	assert_int_equal(dust_huff_build(&c, freq), 0);
	assert_int_equal(c.len[2], 1);
	assert_int_equal(c.code[2], 0);		/* 0 */
	assert_int_equal(c.len[0], 2);
	assert_int_equal(c.code[0], 2);		/* 10 */
	assert_int_equal(c.len[1], 2);
	assert_int_equal(c.code[1], 3);		/* 11 */

	/* Weights 2, 1, 1: node (1+2) ties with leaf 0; the leaf goes first. */
	freq[0] = 2;
	assert_int_equal(dust_huff_build(&c, freq), 0);
	assert_int_equal(c.len[0], 1);
	assert_int_equal(c.len[1], 2);
	assert_int_equal(c.len[2], 2);

	/*
	 * Five equal weights on bytes 10..14: (10,11) -> 256, (12,13) -> 257,
	 * (14,256) -> 258, (257,258) -> root: 10, 11 get 3 bits, 12..14 get 2;
	 * canonical: 12 = 00, 13 = 01, 14 = 10, 10 = 110, 11 = 111.
	 */
	memset(freq, 0, sizeof(freq));
	freq[10] = freq[11] = freq[12] = freq[13] = freq[14] = 1;
	assert_int_equal(dust_huff_build(&c, freq), 0);
	assert_int_equal(c.len[12], 2);
	assert_int_equal(c.code[12], 0);
	assert_int_equal(c.code[13], 1);
	assert_int_equal(c.code[14], 2);
	assert_int_equal(c.len[10], 3);
	assert_int_equal(c.code[10], 6);
	assert_int_equal(c.code[11], 7);

	/* One byte alone has no code. */
	memset(freq, 0, sizeof(freq));
	freq[9] = 5;
	assert_int_equal(dust_huff_build(&c, freq), -1);
}

/* Optimal cost by an independent method: sort, then two queues. */
/* cmp_u64(a, b): for qsort. */
static int
cmp_u64(const void * a, const void * b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return ((x > y) - (x < y));
}

/* huffman_cost(freq): sum of freq * length of an optimal code. */
static uint64_t
huffman_cost(const uint32_t freq[256])
{
	uint64_t leaf[256], node[256], cost = 0, a, b;
	size_t nl = 0, il = 0, in = 0, nn = 0, i;

	for (i = 0; i < 256; i++)
		if (freq[i] > 0)
			leaf[nl++] = freq[i];
	qsort(leaf, nl, sizeof(leaf[0]), cmp_u64);
	while ((nl - il) + (nn - in) > 1) {
		a = (il < nl && (in == nn || leaf[il] <= node[in])) ?
		    leaf[il++] : node[in++];
		b = (il < nl && (in == nn || leaf[il] <= node[in])) ?
		    leaf[il++] : node[in++];
		node[nn++] = a + b;
		cost += a + b;
	}
	return (cost);
}

/* The code is complete (Kraft sum 1) and, below the limit, optimal. */
static void
test_complete_and_optimal(void ** state)
{
	static struct dust_huff_code c;
	struct dust_rng_seeded r;
	struct dust_model * m;
	double w[256];
	uint64_t kraft, cost;
	int kind, seed, i, maxlen, limited = 0;

	(void)state;
	dust_rng_seeded_u64(&r, 11);
	for (kind = 0; kind < NKINDS; kind++) {
		for (seed = 0; seed < 20; seed++) {
			random_weights(&r, kind, w);
			m = model_of_weights(w, "huffman", "");
			memcpy(&c, m->part[0].huff, sizeof(c));
			kraft = cost = 0;
			maxlen = 0;
			for (i = 0; i < 256; i++) {
				if (c.len[i] == 0)
					continue;
				kraft += 1U << (DUST_HUFF_MAXLEN - c.len[i]);
				cost += (uint64_t)m->part[0].freq[i] * c.len[i];
				if (c.len[i] > maxlen)
					maxlen = c.len[i];
			}
			assert_true(kraft == 1U << DUST_HUFF_MAXLEN);
			assert_true(maxlen <= DUST_HUFF_MAXLEN);
			if (cost == huffman_cost(m->part[0].freq))
				;
			else {
				/* Only a limited code may cost more. */
				assert_int_equal(maxlen, DUST_HUFF_MAXLEN);
				assert_true(cost > huffman_cost(
				    m->part[0].freq));
				limited++;
			}
			dust_model_free(m);
		}
	}
	/* The Fibonacci weights did exercise the limit. */
	assert_true(limited > 0);
}

/* Fibonacci frequencies: depth 29 unlimited, 16 after; order is kept. */
static void
test_length_limit(void ** state)
{
	static struct dust_huff_code c;
	uint32_t freq[256];
	uint64_t kraft = 0;
	int i, j;

	(void)state;
	memset(freq, 0, sizeof(freq));
	freq[0] = freq[1] = 1;
	for (i = 2; i < 30; i++)
		freq[i] = freq[i - 1] + freq[i - 2];
	assert_int_equal(dust_huff_build(&c, freq), 0);
	for (i = 0; i < 30; i++)
		kraft += 1U << (DUST_HUFF_MAXLEN - c.len[i]);
	assert_true(kraft == 1U << DUST_HUFF_MAXLEN);
	assert_int_equal(c.len[0], DUST_HUFF_MAXLEN);
	assert_int_equal(c.len[29], 1);
	for (i = 0; i < 30; i++)
		for (j = 0; j < 30; j++)
			if (freq[i] > freq[j])
				assert_true(c.len[i] <= c.len[j]);
}

/* check_roundtrip: recovered bytes are the uniform bytes, lag <= 9. */
static void
check_roundtrip(const struct dust_model_part * part, uint64_t seed,
    size_t wirelen)
{
	struct bytes sent, got;

	assert_int_equal(roundtrip(part, DUST_CODER_HUFFMAN, seed, wirelen,
	    &sent, &got, NULL), 0);
	/*
	 * Lag: the sender holds < 64 unused bits after a call (7 bytes
	 * pulled ahead at most), the receiver < 8 bits of a byte.
	 */
	assert_true(got.len <= sent.len);
	assert_true(sent.len - got.len <= 9);
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
				    (uint64_t)(100 * i + 10 * dir + seed),
				    300000);
		dust_model_free(m);
	}
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
	dust_rng_seeded_u64(&r, 12);
	for (kind = 0; kind < NKINDS; kind++) {
		for (seed = 0; seed < 10; seed++) {
			random_weights(&r, kind, w);
			m = model_of_weights(w, "huffman", "ab\\u0000c");
			check_roundtrip(&m->part[DUST_C2S],
			    (uint64_t)(1000 + 10 * kind + seed), 50000);
			check_roundtrip(&m->part[DUST_S2C],
			    (uint64_t)(2000 + 10 * kind + seed), 50000);
			dust_model_free(m);
		}
	}
}

/*
 * Output byte frequencies follow 2^-len: 2^20 bytes of the http model's
 * two parts, chi-square below the 1e-4 critical value; and the same bytes
 * against the model's own weights fail (the test can fail: the Huffman
 * output is the dyadic approximation, not the weights).
 */
static void
test_frequencies(void ** state)
{
	struct dust_model * m;
	uint64_t count[256];
	double p[256], x;
	char err[256];
	size_t n = 1 << 20;
	int dir, df;
	const struct dust_model_part * part;

	(void)state;
	assert_non_null(m = dust_model_builtin("http", err, sizeof(err)));
	for (dir = 0; dir < 2; dir++) {
		part = &m->part[dir];
		assert_int_equal(wire_counts(part, DUST_CODER_HUFFMAN, 77 + dir,
		    n, count), 0);
		dyadic_probs(part, p);
		x = chi2(count, p, n, &df);
		printf("http %s: chi2 vs 2^-len = %.1f (df %d, crit %.1f)\n",
		    dir ? "s2c" : "c2s", x, df, chi2_crit(df));
		assert_true(x < chi2_crit(df));
		x = chi2(count, part->weight, n, &df);
		printf("http %s: chi2 vs weights = %.1f (df %d, crit %.1f)\n",
		    dir ? "s2c" : "c2s", x, df, chi2_crit(df));
		assert_true(x > chi2_crit(df));
	}
	dust_model_free(m);
}

/* A byte outside the code and a wrong prefix are errors, and sticky. */
static void
test_bad_input(void ** state)
{
	struct dust_model * m;
	struct dust_deshaper d;
	struct bytes got = { NULL, 0, 0 };
	char err[256];
	const uint8_t good[] = "GET /index";
	const uint8_t zero[] = { 'a', 0, 'b' };

	(void)state;
	assert_non_null(m = dust_model_builtin("http", err, sizeof(err)));

	/* The prefix may arrive a byte at a time. */
	dust_deshaper_init(&d, &m->part[DUST_C2S], DUST_CODER_HUFFMAN,
	    sink_push, &got);
	assert_int_equal(dust_deshaper_consume(&d, good, 1), 0);
	assert_int_equal(dust_deshaper_consume(&d, good + 1, 3), 0);
	assert_int_equal(dust_deshaper_consume(&d, good + 4, 6), 0);
	assert_null(dust_deshaper_error(&d));
	assert_int_equal(dust_deshaper_consume(&d, zero, 3), -1);
	assert_string_equal(dust_deshaper_error(&d),
	    "content: byte 0x00 has weight 0 in the model");
	assert_int_equal(dust_deshaper_consume(&d, good, 3), -1);

	dust_deshaper_init(&d, &m->part[DUST_C2S], DUST_CODER_HUFFMAN,
	    sink_push, &got);
	assert_int_equal(dust_deshaper_consume(&d, (const uint8_t *)"GE", 2),
	    0);
	assert_int_equal(dust_deshaper_consume(&d, (const uint8_t *)"X /", 3),
	    -1);
	assert_string_equal(dust_deshaper_error(&d),
	    "prefix: byte 2 is 0x58, not 0x54");
	free(got.b);
	dust_model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_weights_identity),
		cmocka_unit_test(test_tie_break),
		cmocka_unit_test(test_complete_and_optimal),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_roundtrip_builtin),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_frequencies),
		cmocka_unit_test(test_bad_input),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
