/*
 * The multiset coder (a conversation's first segment): the output is
 * always a permutation of the multiset, the receiver recovers the
 * uniform bytes read over the capacity (less the lag bound below), for
 * random multisets and random input under random splits; capacities
 * against hand-computed figures; permutations equally likely (chi-square);
 * the teller names the first multiset whose counts a stream reaches, and
 * the shaper's redraw keeps a permutation from being told as a shorter
 * multiset that its first bytes happen to be a permutation of.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/conversation.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "shape/multiset.h"
#include "shape/shaper.h"

#include "shapetest.h"

/*
 * Recovered bits: the capacity less the coder's rounding (under 2^-13 bit
 * a byte: 8 bits at 65535 bytes), a partial byte (7), and the pending
 * (E3) bits: a run of k needs k uniform bits 0111.. or 1000..
 * (probability 2^-k), so 48 more are never reached with fixed seeds.
 */
#define LAG_BITS	64

/* random_multiset(r, m, n, k): ${n} bytes over ${k} (<= 256) values. */
static void
random_multiset(struct dust_rng_seeded * r, struct dust_multiset * m,
    uint32_t n, uint32_t k)
{
	uint32_t i, base = dust_rng_uniform(&r->rng, 256);

	memset(m, 0, sizeof(*m));
	for (i = 0; i < n; i++)
		m->count[(base + 7 * dust_rng_uniform(&r->rng, k)) % 256]++;
	m->n = n;
	m->capacity = dust_multiset_capacity(m);
}

/* ms_roundtrip(m, seed): round trip of one multiset with the stream seeded by ${seed}. */
static void
ms_roundtrip(const struct dust_multiset * m, uint64_t seed)
{
	struct source src = { 0 };
	struct bytes got = { 0 };
	struct dust_ms_shaper s;
	struct dust_ms_deshaper d;
	struct dust_rng_seeded split;
	uint8_t * out;
	uint32_t count[256] = { 0 };
	size_t i, k, bad;

	assert_non_null(out = malloc(m->n));
	dust_rng_seeded_u64(&src.rng, seed);
	dust_rng_seeded_u64(&split, seed + 1);
	dust_ms_shaper_init(&s, m, source_pull, &src);
	/* Produced in random pieces, and asked for more than is left. */
	for (i = 0; i < m->n; i += k)
		k = dust_ms_shape(&s, out + i, 1 + dust_rng_uniform(&split.rng,
		    700));
	assert_int_equal(i, m->n);
	assert_int_equal(dust_ms_shape(&s, out, 1), 0);
	for (i = 0; i < m->n; i++)
		count[out[i]]++;
	for (i = 0; i < 256; i++)
		assert_int_equal(count[i], m->count[i]);

	dust_ms_deshaper_init(&d, m, sink_push, &got);
	for (i = 0; i < m->n; i += k) {
		k = 1 + dust_rng_uniform(&split.rng, 300);
		if (k > m->n - i)
			k = m->n - i;
		assert_int_equal(dust_ms_deshape(&d, out + i, k, &bad), 0);
	}
	assert_true(8.0 * (double)got.len >= m->capacity - LAG_BITS);
	assert_true(got.len <= src.sent.len);
	assert_memory_equal(got.b, src.sent.b, got.len);
	/* A byte more: the permutation is complete. */
	assert_int_equal(dust_ms_deshape(&d, out, 1, &bad), -1);
	assert_int_equal(bad, 0);
	free(out);
	free(src.sent.b);
	free(got.b);
}

/* 300 random multisets of 1..3000 bytes over 1..256 values. */
static void
test_roundtrip(void ** state)
{
	struct dust_rng_seeded r;
	struct dust_multiset m;
	int i;

	(void)state;
	dust_rng_seeded_u64(&r, 11);
	for (i = 0; i < 300; i++) {
		random_multiset(&r, &m, 1 + dust_rng_uniform(&r.rng, 3000),
		    1 + dust_rng_uniform(&r.rng, 256));
		ms_roundtrip(&m, 100 + (uint64_t)i);
	}
	/* The longest: 65535 bytes over 256 values. */
	random_multiset(&r, &m, 65535, 256);
	ms_roundtrip(&m, 7);
}

/* Capacities: log2(n! / prod c!) by hand. */
static void
test_capacity(void ** state)
{
	struct dust_multiset m;
	int i;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.count['a'] = 2;
	m.count['b'] = 2;
	m.n = 4;
	assert_true(fabs(dust_multiset_capacity(&m) - log2(6)) < 1e-9);
	m.count['a'] = 4;
	m.count['b'] = 0;
	assert_true(dust_multiset_capacity(&m) == 0);
	memset(&m, 0, sizeof(m));
	for (i = 0; i < 256; i++)
		m.count[i] = 1;
	m.n = 256;
	/* log2(256!) = 1683.996... */
	assert_true(fabs(dust_multiset_capacity(&m) - 1683.9962872) < 1e-6);
}

/*
 * The 12 permutations of {0, 0, 1, 2} equally likely: 24000 draws,
 * chi-square with 11 degrees of freedom below 31.26 (p = 0.001).
 */
static void
test_uniform(void ** state)
{
	struct source src = { 0 };
	struct dust_ms_shaper s;
	struct dust_multiset m;
	uint8_t out[4];
	unsigned int hist[256] = { 0 }, key, seen = 0;
	double chi = 0, e = 24000.0 / 12;
	int i;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.count[0] = 2;
	m.count[1] = 1;
	m.count[2] = 1;
	m.n = 4;
	dust_rng_seeded_u64(&src.rng, 5);
	for (i = 0; i < 24000; i++) {
		dust_ms_shaper_init(&s, &m, source_pull, &src);
		assert_int_equal(dust_ms_shape(&s, out, 4), 4);
		key = (unsigned)(out[0] * 64 + out[1] * 16 + out[2] * 4 +
		    out[3]);
		hist[key]++;
	}
	for (i = 0; i < 256; i++) {
		if (hist[i] == 0)
			continue;
		seen++;
		chi += (hist[i] - e) * (hist[i] - e) / e;
	}
	assert_int_equal(seen, 12);
	assert_true(chi < 31.26);
	free(src.sent.b);
}

/* The teller: the first match by length; none any more; a bad byte. */
static void
test_teller(void ** state)
{
	struct dust_multiset list[3];
	struct dust_ms_teller t;
	const struct dust_multiset * which = NULL;
	const uint8_t a[] = "abca", junk[] = "abcz";
	size_t i;
	int rc = 0;

	(void)state;
	memset(list, 0, sizeof(list));
	list[0].count['a'] = 1;			/* "a" */
	list[0].n = 1;
	list[1].count['a'] = 1;			/* "abc" */
	list[1].count['b'] = 1;
	list[1].count['c'] = 1;
	list[1].n = 3;
	list[2] = list[1];			/* "abca" */
	list[2].count['a'] = 2;
	list[2].n = 4;
	/* "b...": not "a"; "bca" is "abc". */
	dust_ms_teller_init(&t);
	assert_int_equal(dust_ms_teller_add(&t, list, 3, 'b', &which), 0);
	assert_int_equal(dust_ms_teller_add(&t, list, 3, 'c', &which), 0);
	assert_int_equal(dust_ms_teller_add(&t, list, 3, 'a', &which), 1);
	assert_ptr_equal(which, &list[1]);
	/* "a...": told as "a" at once, though "abca" may follow. */
	dust_ms_teller_init(&t);
	assert_int_equal(dust_ms_teller_add(&t, list, 3, a[0], &which), 1);
	assert_ptr_equal(which, &list[0]);
	/* "cabz": none once the longest is passed. */
	dust_ms_teller_init(&t);
	for (i = 0; i < 4 && rc == 0; i++)
		rc = dust_ms_teller_add(&t, list, 3, junk[(i + 2) % 4],
		    &which);
	assert_int_equal(rc, -1);
	assert_int_equal(i, 4);
}

/* A shaper whose stream and rng are seeded. */
struct fixture {
	struct dust_model * model;
	struct dust_rng_seeded rng;
	struct source src;
	struct dust_shaper s;
};

/*
 * The redraw: with {A = 25 letters x 4, B = A and one 'a' more}, a
 * permutation of B ends with an 'a' 5 times in 101, when its first 100
 * bytes are told as A.  Over 400 draws the raw coder does that (so the
 * test can fail), the shaper's first segment never does.  A multiset too
 * small for the key: every draw fails, the permutation is sent anyway.
 */
static void
test_redraw(void ** state)
{
	struct dust_multiset list[2];
	struct dust_convset set;
	struct dust_ms_teller t;
	struct dust_ms_shaper raw;
	const struct dust_multiset * which;
	struct fixture * f;
	uint8_t out[101];
	char err[256];
	size_t i, j, rawmis = 0;
	int rc;

	(void)state;
	assert_non_null(f = calloc(1, sizeof(*f)));
	assert_non_null(f->model = dust_model_builtin("uniform", err,
	    sizeof(err)));
	memset(list, 0, sizeof(list));
	for (i = 0; i < 25; i++)
		list[0].count['a' + i] = 4;
	list[0].n = 100;
	list[1] = list[0];
	list[1].count['a'] = 5;
	list[1].n = 101;
	for (i = 0; i < 2; i++)
		list[i].capacity = dust_multiset_capacity(&list[i]);
	memset(&set, 0, sizeof(set));
	set.firsts = list;
	set.nfirsts = 2;
	set.maxfirst = 101;
	dust_rng_seeded_u64(&f->src.rng, 3);
	dust_rng_seeded_u64(&f->rng, 4);
	for (i = 0; i < 400; i++) {
		dust_ms_shaper_init(&raw, &list[1], source_pull, &f->src);
		dust_ms_shape(&raw, out, 101);
		dust_ms_teller_init(&t);
		for (j = 0, rc = 0; j < 101 && rc == 0; j++)
			rc = dust_ms_teller_add(&t, list, 2, out[j], &which);
		rawmis += (which != &list[1]);

		/* uniform: no prefix; its coder is not used here. */
		dust_shaper_init(&f->s, &f->model->part[DUST_C2S],
		    DUST_CODER_HUFFMAN,
		    &f->rng.rng, source_pull, &f->src);
		assert_int_equal(dust_shaper_first(&f->s, &set, &list[1], 32),
		    0);
		dust_shaper_produce(&f->s, out, 101);
		dust_ms_teller_init(&t);
		for (j = 0, rc = 0; j < 101 && rc == 0; j++)
			rc = dust_ms_teller_add(&t, list, 2, out[j], &which);
		assert_int_equal(rc, 1);
		assert_ptr_equal(which, &list[1]);
	}
	/* 5/101 of 400: 20 expected; fewer than 5 has odds below 1e-5. */
	assert_true(rawmis >= 5);

	/* 40 bytes "ab" x 20 (35 bits) cannot give a 32-byte key back. */
	memset(&list[0], 0, sizeof(list[0]));
	list[0].count['a'] = list[0].count['b'] = 20;
	list[0].n = 40;
	list[0].capacity = dust_multiset_capacity(&list[0]);
	set.nfirsts = 1;
	dust_shaper_init(&f->s, &f->model->part[DUST_C2S], DUST_CODER_HUFFMAN,
	    &f->rng.rng, source_pull, &f->src);
	assert_int_equal(dust_shaper_first(&f->s, &set, &list[0], 32), -1);
	dust_shaper_produce(&f->s, out, 40);
	for (i = 0, j = 0; i < 40; i++)
		j += (out[i] == 'a');
	assert_int_equal(j, 20);
	free(f->src.sent.b);
	dust_model_free(f->model);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_teller),
		cmocka_unit_test(test_redraw),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
