/*
 * bench_first: the cost of first segments (docs/engine.md, "The first
 * segment") for the shipped learned models, side by side with the part's
 * own coder on segments of the same lengths: the client's
 * dust_shaper_first and production of the segment (its checking run
 * included) and the server's telling and decoding, per segment, against
 * Huffman shaping and de-shaping of the same number of bytes.  Also the
 * capacities (bits) and the draws the client needed.
 *
 *   bench_first [ROUNDS]     (passes over every conversation; default 3)
 *
 * Run from the top of the tree (it reads the learned HTTP and TLS models
 * in models/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dust/conversation.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "shape/shaper.h"
#include "benchclock.h"

/* pull(ctx, buf, n): seeded uniform bytes. */
static void
pull(void * ctx, uint8_t * buf, size_t n)
{

	dust_rng_fill(ctx, buf, n);
}

/* push(ctx, buf, n): count the recovered bytes. */
static void
push(void * ctx, const uint8_t * buf, size_t n)
{

	(void)buf;
	*(size_t *)ctx += n;
}


/* load(path): the model at ${path}, or exit. */
static struct dust_model *
load(const char * path)
{
	static char buf[1 << 23];
	struct dust_model * m;
	char err[256];
	FILE * f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(1);
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if ((m = dust_model_parse(buf, n, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_first: %s: %s\n", path, err);
		exit(1);
	}
	return (m);
}

/* row(name, m, rounds): measure the model ${m}'s first segments. */
static void
row(const char * name, const struct dust_model * m, int rounds)
{
	static uint8_t seg[65536], buf[65536];
	const struct dust_convset * set = m->conv;
	const struct dust_model_part * c2s = &m->part[DUST_C2S];
	struct dust_rng_seeded rng, src;
	struct dust_shaper s;
	struct dust_deshaper d;
	double t0, tfirst = 0, tplain = 0, ttell = 0, tdeplain = 0;
	double cmin = 1e9, cmax = 0, segs = 0, fails = 0;
	size_t i, k, got;
	int r;

	dust_rng_seeded_u64(&rng, 1);
	dust_rng_seeded_u64(&src, 2);
	for (r = 0; r < rounds; r++)
	for (i = 0; i < set->ndrawn; i++) {
		const struct dust_multiset * f =
		    set->list[set->drawn[i]].first;

		if (f->capacity < cmin)
			cmin = f->capacity;
		if (f->capacity > cmax)
			cmax = f->capacity;
		segs++;
		k = c2s->prefixlen + f->n;
		t0 = now();
		dust_shaper_init(&s, c2s, c2s->coder, &rng.rng, pull, &src);
		fails += (dust_shaper_first(&s, set, f, 32) != 0);
		dust_shaper_produce(&s, seg, k);
		tfirst += now() - t0;

		t0 = now();
		dust_deshaper_init(&d, c2s, c2s->coder, push, &got);
		dust_deshaper_first(&d, set, buf, 32);
		got = 0;
		if (dust_deshaper_consume(&d, seg, k) || got != 32)
			abort();
		ttell += now() - t0;

		t0 = now();
		dust_shaper_init(&s, c2s, c2s->coder, &rng.rng, pull, &src);
		dust_shaper_produce(&s, seg, k);
		tplain += now() - t0;

		t0 = now();
		dust_deshaper_init(&d, c2s, c2s->coder, push, &got);
		if (dust_deshaper_consume(&d, seg, k))
			abort();
		tdeplain += now() - t0;
	}
	printf("| %s | %zu | %zu | %.0f-%.0f | %.1f | %.1f | %.1f | %.1f | "
	    "%.1f | %.0f |\n", name, set->ndrawn, set->nfirsts, cmin, cmax,
	    1e6 * tfirst / segs, 1e6 * tplain / segs, tfirst / tplain,
	    1e6 * ttell / segs, ttell / tdeplain, fails);
}

int
main(int argc, char * argv[])
{
	const char * names[] = { "http-learned", "tls-learned" };
	struct dust_model * m;
	char path[64];
	int rounds = 3, i;

	if (argc > 1)
		rounds = atoi(argv[1]);
	if (rounds < 1 || rounds > 1000) {
		fprintf(stderr, "usage: bench_first [ROUNDS]\n");
		return (1);
	}
	printf("First segments: every followed conversation of the model, "
	    "%d passes; per segment (prefix included), against the part's "
	    "coder on the same bytes.\n\n", rounds);
	printf("| model | followed | distinct multisets | capacity (bits) | "
	    "client us | plain us | ratio | server us | ratio to plain "
	    "de-shaping | client failures |\n");
	printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
	    "| ---: |\n");
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "models/%s.json", names[i]);
		m = load(path);
		row(names[i], m, rounds);
		dust_model_free(m);
	}
	return (0);
}
