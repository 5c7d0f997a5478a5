/*
 * The seeded generator is reproducible and is ChaCha20's keystream of its
 * key; a keyed stream takes one draw of its rng; dust_rng_uniform is in
 * range.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "dust/rng.h"

#include "countrng.h"

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

/*
 * The bytes are ChaCha20's keystream (nonce 0, counter from 0) of the key,
 * made by libsodium here in one call, across several DUST_RNG_BLOCK
 * refills and whatever the cuts: making 1 KiB at a time changes no byte.
 */
static void
test_seeded_is_chacha20(void ** state)
{
	struct dust_rng_seeded a;
	uint8_t seed[32], want[3 * DUST_RNG_BLOCK + 100];
	uint8_t got[sizeof(want)];
	static const uint8_t nonce[8] = {0};
	size_t off, n;

	(void)state;
	for (n = 0; n < sizeof(seed); n++)
		seed[n] = (uint8_t)(3 * n + 1);
	assert_int_equal(crypto_stream_chacha20(want, sizeof(want), nonce,
	    seed), 0);
	dust_rng_seeded_init(&a, seed);
	for (off = 0; off < sizeof(got); off += n) {
		n = off % 7 == 0 ? 1000 : 61;
		if (n > sizeof(got) - off)
			n = sizeof(got) - off;
		dust_rng_fill(&a.rng, got + off, n);
	}
	assert_memory_equal(got, want, sizeof(want));
}

/*
 * dust_rng_seeded_from keys a stream with one draw (32 bytes) of its rng:
 * the stream is then the keystream of those bytes, 64 KiB of it cost no
 * more draws, and dust_rng_seeded_wipe zeroes the key and buffer.
 */
static void
test_seeded_from(void ** state)
{
	struct counting c;
	struct dust_rng_seeded k, again;
	uint8_t key[32], x[65536], y[65536];
	static const uint8_t zero[sizeof(k)];

	(void)state;
	counting_init(&c, 9);
	dust_rng_seeded_from(&k, &c.rng);
	assert_int_equal(c.calls, 1);
	dust_rng_fill(&k.rng, x, sizeof(x));
	assert_int_equal(c.calls, 1);

	/* The key was the rng's first 32 bytes. */
	dust_rng_seeded_u64(&again, 9);
	dust_rng_fill(&again.rng, key, sizeof(key));
	dust_rng_seeded_init(&again, key);
	dust_rng_fill(&again.rng, y, sizeof(y));
	assert_memory_equal(x, y, sizeof(x));

	dust_rng_seeded_wipe(&k);
	assert_memory_equal(&k, zero, sizeof(k));
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
		cmocka_unit_test(test_seeded_is_chacha20),
		cmocka_unit_test(test_seeded_from),
		cmocka_unit_test(test_uniform_range),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
