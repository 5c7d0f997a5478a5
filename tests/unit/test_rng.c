/* The seeded generator is reproducible and dust_rng_uniform is in range. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dust/rng.h"

/* Two generators from one seed give the same bytes, however they are cut. */
static void
test_seeded_reproducible(void ** state)
{
	struct dust_rng_seeded a, b;
	uint8_t x[300], y[300];
	size_t off;

	(void)state;
	dust_rng_seeded_u64(&a, 7);
	dust_rng_seeded_u64(&b, 7);
	dust_rng_fill(&a.rng, x, sizeof(x));
	for (off = 0; off < sizeof(y); off += 13)
		dust_rng_fill(&b.rng, y + off,
		    sizeof(y) - off < 13 ? sizeof(y) - off : 13);
	assert_memory_equal(x, y, sizeof(x));
	dust_rng_seeded_u64(&b, 8);
	dust_rng_fill(&b.rng, y, sizeof(y));
	assert_memory_not_equal(x, y, sizeof(x));
}

/* Every value of a small bound turns up, and none outside it. */
static void
test_uniform_range(void ** state)
{
	struct dust_rng_seeded s;
	int seen[7] = {0};
	int i;

	(void)state;
	dust_rng_seeded_u64(&s, 1);
	for (i = 0; i < 7000; i++) {
		uint32_t v = dust_rng_uniform(&s.rng, 7);

		assert_true(v < 7);
		seen[v]++;
	}
	/* Each count is 1000 +- 3 sigma (sigma = 30.9). */
	for (i = 0; i < 7; i++)
		assert_in_range(seen[i], 907, 1093);
	assert_int_equal(dust_rng_uniform(NULL, 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeded_reproducible),
		cmocka_unit_test(test_uniform_range),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
