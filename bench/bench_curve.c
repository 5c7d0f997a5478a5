/*
 * bench_curve: Elligator 2 and dirty keys against libsodium's X25519,
 * measured side by side in one run.
 *
 *   bench_curve [SECONDS]
 *
 * Figures (operations per second, best of 5 rounds of SECONDS/5 each,
 * default 1 s in all per figure, rounds of the different operations
 * interleaved so that all see the same machine state):
 * elligator2_key_pair (and the mean number of tries per key, expected 2),
 * x25519_dirty_public, elligator2_map, elligator2_rev (on points that have
 * a representative), and libsodium's crypto_scalarmult (X25519 with a
 * given point), crypto_scalarmult_base and
 * crypto_scalarmult_ed25519_base_noclamp (the fixed-base multiplication
 * that x25519_dirty_public builds on).  Output: a markdown table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/elligator.h"
#include "dust/rng.h"
#include "benchclock.h"

#define ROUNDS	5
#define NOPS	7
#define X25519	4		/* the row of ops[] the others compare to */

static struct dust_rng_seeded rng;
static uint8_t buf[32], pt[32];
static long tries_total, keys_total;
static volatile uint8_t sink;


static void
op_keypair(void)
{
	uint8_t rep[32], sk[32];

	tries_total += elligator2_key_pair(rep, sk, &rng.rng);
	keys_total++;
	sink ^= rep[0];
}

static void
op_dirty(void)
{
	uint8_t u[32];

	x25519_dirty_public(u, buf);
	buf[1] ^= u[0];
	sink ^= u[0];
}

static void
op_map(void)
{
	uint8_t u[32];

	elligator2_map(u, buf);
	buf[0] ^= u[0];
	sink ^= u[0];
}

static void
op_rev(void)
{
	uint8_t rep[32];

	/* pt is the map of a representative: rev always succeeds. */
	if (elligator2_rev(rep, pt, buf[0]) != 0)
		abort();
	buf[0]++;
	sink ^= rep[0];
}

static void
op_x25519(void)
{
	uint8_t out[32];

	if (crypto_scalarmult(out, buf, pt) != 0)
		abort();
	buf[2] ^= out[0];
	sink ^= out[0];
}

static void
op_base(void)
{
	uint8_t out[32];

	crypto_scalarmult_base(out, buf);
	buf[3] ^= out[0];
	sink ^= out[0];
}

static void
op_ed_base(void)
{
	uint8_t out[32];

	/* The result of a zero scalar (-1) does not matter here. */
	if (crypto_scalarmult_ed25519_base_noclamp(out, buf) == 0)
		buf[4] ^= out[0];
	sink ^= out[0];
}

static const struct {
	const char * name;
	void (*fn)(void);
} ops[NOPS] = {
	{ "elligator2_key_pair (dirty key + rev, retried)", op_keypair },
	{ "x25519_dirty_public (fixed base, Edwards, + low-order point)",
	    op_dirty },
	{ "elligator2_map", op_map },
	{ "elligator2_rev", op_rev },
	{ "libsodium crypto_scalarmult (X25519)", op_x25519 },
	{ "libsodium crypto_scalarmult_base", op_base },
	{ "libsodium crypto_scalarmult_ed25519_base_noclamp", op_ed_base },
};

int
main(int argc, char ** argv)
{
	double secs = 1.0, best[NOPS] = {0}, t0, t;
	long n;
	int r, i;

	if (argc > 1 && (secs = strtod(argv[1], NULL)) <= 0) {
		fprintf(stderr, "usage: bench_curve [SECONDS]\n");
		return (1);
	}
	if (sodium_init() < 0)
		return (1);
	dust_rng_seeded_u64(&rng, 1);
	dust_rng_fill(&rng.rng, buf, 32);
	elligator2_map(pt, buf);

	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < NOPS; i++) {
			n = 0;
			t0 = now();
			do {
				ops[i].fn();
				n++;
			} while ((t = now() - t0) < secs / ROUNDS);
			if (n / t > best[i])
				best[i] = n / t;
		}
	}

	printf("| operation | ops/s | relative to X25519 |\n");
	printf("| --- | ---: | ---: |\n");
	for (i = 0; i < NOPS; i++)
		printf("| %s | %.0f | %.2f |\n", ops[i].name, best[i],
		    best[i] / best[X25519]);
	printf("\nelligator2_key_pair: %.3f tries per key on average "
	    "(%ld keys; expected 2)\n", (double)tries_total / keys_total,
	    keys_total);
	return (0);
}
