/*
 * Elligator 2 (map, inverse map), dirty X25519 keys and the field code
 * under them: every known answer of tests/vectors/elligator2-*.txt, round
 * trips on random inputs, and the property that makes dirty keys usable:
 * X25519 with any clamped scalar ignores their low-order part.
 * Random inputs come from the seeded generator (fixed seeds).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "crypto/elligator.h"
#include "dust/rng.h"

#include "crypto/fe25519.h"

/* Parse 64 hex digits into ${out}; fail the test if they are not. */
static void
unhex32(uint8_t out[32], const char * s)
{
	size_t len;

	assert_int_equal(strlen(s), 64);
	assert_int_equal(sodium_hex2bin(out, 32, s, 64, NULL, &len, NULL), 0);
	assert_int_equal(len, 32);
}

/* Canonical encoding of the 32 bytes ${in} read as a field element. */
static void
canon(uint8_t out[32], const uint8_t in[32])
{
	fe25519 f;

	fe25519_frombytes(f, in);
	fe25519_tobytes(out, f);
}

/* Every line of elligator2-map.txt. */
static void
test_map_vectors(void ** state)
{
	FILE * f;
	char line[512], rhex[100], uhex[100];
	uint8_t rep[32], u[32], out[32];
	int n = 0;

	(void)state;
	f = fopen("tests/vectors/elligator2-map.txt", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "%99s %99s", rhex, uhex), 2);
		unhex32(rep, rhex);
		unhex32(u, uhex);
		elligator2_map(out, rep);
		if (memcmp(out, u, 32) != 0)
			fail_msg("map vector %d (%s) is wrong", n + 1, rhex);
		n++;
	}
	fclose(f);
	assert_true(n >= 30);
}

/* Every line of elligator2-inverse.txt; on failure rep comes back zero. */
static void
test_rev_vectors(void ** state)
{
	FILE * f;
	char line[512], uhex[100], thex[10], status[10], rhex[100];
	uint8_t u[32], rep[32], out[32], zero[32] = {0};
	unsigned int tweak;
	int n = 0;

	(void)state;
	f = fopen("tests/vectors/elligator2-inverse.txt", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "%99s %9s %9s %99s", uhex, thex,
		    status, rhex), 4);
		unhex32(u, uhex);
		assert_int_equal(sscanf(thex, "%x", &tweak), 1);
		memset(out, 0xa5, 32);
		if (strcmp(status, "ok") == 0) {
			unhex32(rep, rhex);
			assert_int_equal(elligator2_rev(out, u, (uint8_t)tweak),
			    0);
			assert_memory_equal(out, rep, 32);
		} else {
			assert_string_equal(status, "fail");
			assert_int_equal(elligator2_rev(out, u, (uint8_t)tweak),
			    -1);
			assert_memory_equal(out, zero, 32);
		}
		n++;
	}
	fclose(f);
	assert_true(n >= 3);
}

/*
 * For random representatives r: u = map(r); both tweaks give a
 * representative that maps back to u, carries the tweak's top bits, and
 * one of the two is r itself up to sign (the non-negative one of +-r).
 */
static void
test_map_rev_roundtrip(void ** state)
{
	struct dust_rng_seeded s;
	uint8_t r[32], u[32], rep[2][32], back[32], tw;
	fe25519 fr, fneg, two_r;
	uint8_t want[32];
	int i, b;

	(void)state;
	dust_rng_seeded_u64(&s, 11);
	for (i = 0; i < 2000; i++) {
		dust_rng_fill(&s.rng, r, 32);
		dust_rng_fill(&s.rng, &tw, 1);
		elligator2_map(u, r);
		for (b = 0; b < 2; b++) {
			uint8_t t = (uint8_t)((tw & 0xfe) | b);

			assert_int_equal(elligator2_rev(rep[b], u, t), 0);
			assert_int_equal(rep[b][31] & 0xc0, t & 0xc0);
			elligator2_map(back, rep[b]);
			assert_memory_equal(back, u, 32);
			rep[b][31] &= 0x3f;
		}

		/* want = the non-negative one of r and -r (bits 254, 255
		 * of r cleared first). */
		r[31] &= 0x3f;
		fe25519_frombytes(fr, r);
		fe25519_neg(fneg, fr);
		fe25519_add(two_r, fr, fr);
		fe25519_cmov(fr, fneg,
		    (unsigned int)fe25519_is_negative(two_r));
		fe25519_tobytes(want, fr);
		assert_true(memcmp(rep[0], want, 32) == 0 ||
		    memcmp(rep[1], want, 32) == 0);
	}
}

/*
 * Random 32-byte u: rev succeeds about 1 time in 4 (half the u are on
 * the curve, half of those have a representative), and when it does the
 * representative maps back to u mod p.  n = 4000: expect 1000, sigma =
 * sqrt(4000 * 1/4 * 3/4) = 27.4; accept 1000 +- 4 sigma = [890, 1110].
 */
static void
test_rev_random_u(void ** state)
{
	struct dust_rng_seeded s;
	uint8_t u[32], rep[32], back[32], want[32];
	int i, ok = 0;

	(void)state;
	dust_rng_seeded_u64(&s, 12);
	for (i = 0; i < 4000; i++) {
		dust_rng_fill(&s.rng, u, 32);
		if (elligator2_rev(rep, u, (uint8_t)i) != 0)
			continue;
		ok++;
		elligator2_map(back, rep);
		canon(want, u);
		assert_memory_equal(back, want, 32);
	}
	assert_in_range(ok, 890, 1110);
}

/* Inputs with no representative: the twist, -A, a failing vector. */
static void
test_rev_fails(void ** state)
{
	uint8_t u[32], rep[32];
	fe25519 f;

	(void)state;
	/* u = -A mod p: on the twist (-A is not a square). */
	fe25519_set(f, 486662);
	fe25519_neg(f, f);
	fe25519_tobytes(u, f);
	assert_int_equal(elligator2_rev(rep, u, 0), -1);
	assert_int_equal(elligator2_rev(rep, u, 1), -1);
	/* u = 2: u^3 + A u^2 + u = 8 + 4 A + 2 is not a square (the
	 * point is on the twist; tests/ref/curve_ref.py: chi = -1). */
	memset(u, 0, 32);
	u[0] = 2;
	assert_int_equal(elligator2_rev(rep, u, 0), -1);
	/* u = 0, the point of order 2, is the map of r = 0. */
	memset(u, 0, 32);
	assert_int_equal(elligator2_rev(rep, u, 0xc1), 0);
	assert_int_equal(rep[31], 0xc0);
	rep[31] = 0;
	assert_memory_equal(rep, u, 32);
}

/* Field edges: p, p + 1, 2^255 - 1, bit 255, and the inverse root. */
static void
test_field_edges(void ** state)
{
	uint8_t b[32], out[32], want[32];
	fe25519 f, g, h;

	(void)state;
	/* p = 2^255 - 19 encodes 0; p + 1 encodes 1. */
	memset(b, 0xff, 32);
	b[0] = 0xed;
	b[31] = 0x7f;
	canon(out, b);
	memset(want, 0, 32);
	assert_memory_equal(out, want, 32);
	b[0] = 0xee;
	canon(out, b);
	want[0] = 1;
	assert_memory_equal(out, want, 32);
	/* 2^255 - 1 = p + 18, and bit 255 is ignored. */
	b[0] = 0xff;
	canon(out, b);
	want[0] = 18;
	assert_memory_equal(out, want, 32);
	b[31] = 0xff;
	canon(out, b);
	assert_memory_equal(out, want, 32);

	/* invsqrt: 0 -> (1, 0); 2 is not a square; 4 -> +-1/2. */
	fe25519_set(f, 0);
	assert_int_equal(fe25519_invsqrt(g, f), 1);
	assert_int_equal(fe25519_is_zero(g), 1);
	fe25519_set(f, 2);
	assert_int_equal(fe25519_invsqrt(g, f), 0);
	fe25519_set(f, 4);
	assert_int_equal(fe25519_invsqrt(g, f), 1);
	fe25519_sq(h, g);
	fe25519_mul(h, h, f);
	fe25519_set(g, 1);
	assert_int_equal(fe25519_is_equal(h, g), 1);
	/* -1 is a square (p = 1 mod 4). */
	fe25519_neg(f, g);
	assert_int_equal(fe25519_invsqrt(g, f), 1);
	fe25519_sq(h, g);
	assert_int_equal(fe25519_is_equal(h, f), 1);
	/* x * (1/x) = 1 for x = 18, read from the encoding 2^255 - 1. */
	fe25519_frombytes(f, b);	/* 18 */
	fe25519_invert(g, f);
	fe25519_mul(h, f, g);
	fe25519_set(g, 1);
	assert_int_equal(fe25519_is_equal(h, g), 1);
}

/*
 * fe25519_invsqrt on 2,000 random elements (seed 11): a square (flag 1)
 * gives h with h^2 f = 1, a non-square (flag 0) h with h^2 f = sqrt(-1)
 * (the elligator2_map relies on the latter); sqrt(-1)^2 = -1.  Both
 * flags must occur 1,000 +- 4 sigma (sigma = 22.4) times.
 */
static void
test_invsqrt_nonsquare(void ** state)
{
	struct dust_rng_seeded s;
	uint8_t b[32];
	fe25519 f, h, i, one, minus_one;
	int n, squares = 0, flag;

	(void)state;
	fe25519_frombytes(i, fe25519_sqrtm1_bytes);
	fe25519_set(one, 1);
	fe25519_neg(minus_one, one);
	fe25519_sq(h, i);
	assert_int_equal(fe25519_is_equal(h, minus_one), 1);

	dust_rng_seeded_u64(&s, 11);
	for (n = 0; n < 2000; n++) {
		dust_rng_fill(&s.rng, b, 32);
		fe25519_frombytes(f, b);
		flag = fe25519_invsqrt(h, f);
		fe25519_sq(h, h);
		fe25519_mul(h, h, f);
		assert_int_equal(fe25519_is_equal(h, flag ? one : i), 1);
		squares += flag;
	}
	assert_in_range(squares, 1000 - 90, 1000 + 90);
}

/*
 * Key pairs: the representative maps to the dirty public key of the
 * secret, and X25519 with it agrees with the clean public key.  Tries are
 * geometric with success 1/2: mean 2, variance 2; over 1000 pairs the
 * mean has sigma 0.045, accept [1.8, 2.2] (4.4 sigma).
 */
static void
test_key_pairs(void ** state)
{
	struct dust_rng_seeded s;
	uint8_t rep[32], sk[32], u[32], pub[32], peer[32], d1[32], d2[32];
	long total = 0;
	int i, tries;

	(void)state;
	dust_rng_seeded_u64(&s, 13);
	for (i = 0; i < 1000; i++) {
		tries = elligator2_key_pair(rep, sk, &s.rng);
		assert_true(tries >= 1);
		total += tries;
		elligator2_map(u, rep);
		x25519_dirty_public(pub, sk);
		assert_memory_equal(u, pub, 32);
		if (i % 10 == 0) {
			dust_rng_fill(&s.rng, peer, 32);
			assert_int_equal(crypto_scalarmult(d1, peer, u), 0);
			crypto_scalarmult_base(pub, sk);
			assert_int_equal(crypto_scalarmult(d2, peer, pub), 0);
			assert_memory_equal(d1, d2, 32);
		}
	}
	assert_true(total >= 1800 && total <= 2200);
	/* NULL rng: libsodium's generator. */
	tries = elligator2_key_pair(rep, sk, NULL);
	assert_true(tries >= 1);
	elligator2_map(u, rep);
	x25519_dirty_public(pub, sk);
	assert_memory_equal(u, pub, 32);
}

/*
 * The documented use of the generator (docs/elligator.md): each try takes
 * 32 bytes of secret key, then 1 tweak byte; the first try whose dirty
 * key has a representative is kept.  Replayed here by hand for 200 seeds.
 */
static void
test_key_pair_draw_order(void ** state)
{
	struct dust_rng_seeded a, b;
	uint8_t rep[32], sk[32], mysk[32], myrep[32], tw;
	uint64_t seed;
	int tries, mytries;

	(void)state;
	for (seed = 0; seed < 200; seed++) {
		dust_rng_seeded_u64(&a, seed);
		dust_rng_seeded_u64(&b, seed);
		tries = elligator2_key_pair(rep, sk, &a.rng);
		for (mytries = 1; ; mytries++) {
			uint8_t u[32];

			dust_rng_fill(&b.rng, mysk, 32);
			dust_rng_fill(&b.rng, &tw, 1);
			x25519_dirty_public(u, mysk);
			if (elligator2_rev(myrep, u, tw) == 0)
				break;
		}
		assert_int_equal(tries, mytries);
		assert_memory_equal(sk, mysk, 32);
		assert_memory_equal(rep, myrep, 32);
		/* Both generators are at the same place afterwards. */
		dust_rng_fill(&a.rng, mysk, 8);
		dust_rng_fill(&b.rng, myrep, 8);
		assert_memory_equal(mysk, myrep, 8);
	}
}

/* Map u to Edwards y = (u - 1)/(u + 1), and ask libsodium whether the
 * point is in the prime-order subgroup. */
static int
in_prime_subgroup(const uint8_t u[32])
{
	fe25519 fu, n, d, one;
	uint8_t y[32];

	fe25519_frombytes(fu, u);
	fe25519_set(one, 1);
	fe25519_sub(n, fu, one);
	fe25519_add(d, fu, one);
	fe25519_invert(d, d);
	fe25519_mul(n, n, d);
	fe25519_tobytes(y, n);
	return (crypto_core_ed25519_is_valid_point(y));
}

/* Every line of x25519-dirty.txt (made by the Python reference). */
static void
test_dirty_vectors(void ** state)
{
	FILE * f;
	char line[512], skhex[100], uhex[100];
	uint8_t sk[32], u[32], out[32];
	int n = 0, sub;

	(void)state;
	f = fopen("tests/vectors/x25519-dirty.txt", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "%99s %99s %d", skhex, uhex,
		    &sub), 3);
		unhex32(sk, skhex);
		unhex32(u, uhex);
		x25519_dirty_public(out, sk);
		if (memcmp(out, u, 32) != 0)
			fail_msg("dirty key vector %d (%s) is wrong", n + 1,
			    skhex);
		assert_int_equal(in_prime_subgroup(out), sub);
		n++;
	}
	fclose(f);
	assert_int_equal(n, 24);
}

/*
 * The low-order part vanishes under X25519: for every value of sk[0] & 7,
 * X25519(sk', dirty(sk)) = X25519(sk', base(sk)) (libsodium), and dirty
 * equals base exactly when sk[0] & 7 = 0.  The eight low-order variants of
 * one key are distinct, and only the first is in the prime subgroup.
 */
static void
test_dirty_low_order(void ** state)
{
	struct dust_rng_seeded s;
	uint8_t sk[32], peer[32], dirty[8][32], clean[32], d1[32], d2[32];
	int i, j, k;

	(void)state;
	dust_rng_seeded_u64(&s, 14);
	for (i = 0; i < 50; i++) {
		dust_rng_fill(&s.rng, sk, 32);
		dust_rng_fill(&s.rng, peer, 32);
		crypto_scalarmult_base(clean, sk);
		assert_int_equal(crypto_scalarmult(d2, peer, clean), 0);
		for (j = 0; j < 8; j++) {
			sk[0] = (uint8_t)((sk[0] & 0xf8) | j);
			x25519_dirty_public(dirty[j], sk);
			assert_int_equal(
			    crypto_scalarmult(d1, peer, dirty[j]), 0);
			assert_memory_equal(d1, d2, 32);
			assert_int_equal(in_prime_subgroup(dirty[j]), j == 0);
			for (k = 0; k < j; k++)
				assert_memory_not_equal(dirty[k], dirty[j],
				    32);
		}
		assert_memory_equal(dirty[0], clean, 32);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_vectors),
		cmocka_unit_test(test_rev_vectors),
		cmocka_unit_test(test_map_rev_roundtrip),
		cmocka_unit_test(test_rev_random_u),
		cmocka_unit_test(test_rev_fails),
		cmocka_unit_test(test_field_edges),
		cmocka_unit_test(test_invsqrt_nonsquare),
		cmocka_unit_test(test_key_pairs),
		cmocka_unit_test(test_key_pair_draw_order),
		cmocka_unit_test(test_dirty_low_order),
		cmocka_unit_test(test_dirty_vectors),
	};

	if (sodium_init() < 0)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
