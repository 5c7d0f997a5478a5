/*
 * ct_curve: "ctgrind" driver.  Runs the Elligator 2 map, the inverse map,
 * the dirty public key and elligator2_key_pair on secrets that are marked
 * undefined for valgrind's memcheck (VALGRIND_MAKE_MEM_UNDEFINED): any
 * branch or memory index that depends on them is then reported as a use
 * of an uninitialised value.  Results are marked defined again before the
 * driver looks at them (that is a declassification: the caller is
 * allowed to see them).  tests/integration/curve_ctgrind.sh runs it.
 *
 *   ct_curve [N]           N rounds (default 50); exit 0
 *   ct_curve --leaky       a deliberately secret-dependent branch, to show
 *                          that the harness does report one
 * Outside valgrind the requests do nothing and the driver just runs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HAVE_MEMCHECK 1
#endif
#endif
#ifndef HAVE_MEMCHECK
#define VALGRIND_MAKE_MEM_UNDEFINED(p, n) ((void)(p), (void)(n))
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

#include "crypto/elligator.h"
#include "dust/rng.h"

#define SECRET(p, n)	VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n)	VALGRIND_MAKE_MEM_DEFINED((p), (n))

/* An rng whose every byte is secret: the seeded generator, then marked. */
static void
secret_fill(void * ctx, uint8_t * buf, size_t len)
{
	struct dust_rng_seeded * s = ctx;

	dust_rng_fill(&s->rng, buf, len);
	SECRET(buf, len);
}

int
main(int argc, char ** argv)
{
	struct dust_rng_seeded seeded;
	struct dust_rng secret_rng = { secret_fill, &seeded };
	uint8_t r[32], u[32], rep[32], sk[32], tweak;
	long i, n = 50;
	int rc, tries;
	unsigned int acc = 0;

	if (sodium_init() < 0)
		return (1);
	dust_rng_seeded_u64(&seeded, 99);
	if (argc == 2 && strcmp(argv[1], "--leaky") == 0) {
		/* Control: branch on a secret byte. */
		dust_rng_fill(&secret_rng, r, 1);
		if (r[0] & 1)
			acc++;
		PUBLIC(&acc, sizeof(acc));
		printf("leaky control ran (%u)\n", acc);
		return (0);
	}
	if (argc == 2)
		n = strtol(argv[1], NULL, 10);

	for (i = 0; i < n; i++) {
		/* Map of a secret representative. */
		dust_rng_fill(&secret_rng, r, 32);
		elligator2_map(u, r);

		/* Inverse map of a secret point with a secret tweak; only
		 * whether it succeeded is public. */
		dust_rng_fill(&secret_rng, &tweak, 1);
		rc = elligator2_rev(rep, u, tweak);
		PUBLIC(&rc, sizeof(rc));
		if (rc != 0)
			return (2);	/* u is an image of the map */

		/* Same on a random (secret) u, which often fails. */
		dust_rng_fill(&secret_rng, u, 32);
		rc = elligator2_rev(rep, u, tweak);
		PUBLIC(&rc, sizeof(rc));
		acc += (unsigned int)rc;

		/* Dirty public key of a secret key. */
		dust_rng_fill(&secret_rng, sk, 32);
		x25519_dirty_public(u, sk);

		/* Key pairs: the retry decision is the one allowed branch
		 * on secret data (suppressed in tests/ct/ctgrind.supp). */
		tries = elligator2_key_pair(rep, sk, &secret_rng);
		PUBLIC(&tries, sizeof(tries));
		acc += (unsigned int)tries;
	}
	PUBLIC(u, 32);
	PUBLIC(rep, 32);
	printf("ct_curve: %ld rounds (%u)\n", n, acc + u[0] + rep[0]);
	return (0);
}
