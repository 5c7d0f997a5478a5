/*
 * bench_shape: the content coders side by side.  For each built-in model,
 * both coders and both directions: shaping and de-shaping throughput (MB/s
 * of wire bytes), uniform bits carried per wire byte against the model's
 * entropy (the limit), and KL(target || output) measured on the output
 * bytes, next to the KL the coder should give (Huffman: the dyadic
 * approximation 2^-len; exact: the quantized frequencies).
 *
 *   bench_shape [MB]      (wire megabytes per row; default 16)
 *
 * Prints a markdown table.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dust/model.h"
#include "dust/rng.h"
#include "shape/shaper.h"
#include "benchclock.h"

/* Uniform input: random bytes, as many as a row can use (never cycled). */
static uint8_t * src;
static size_t SRCLEN;

struct cursor {
	size_t off;
};

/* pull(ctx, buf, n): the next ${n} bytes of src (the shaper's source). */
static void
pull(void * ctx, uint8_t * buf, size_t n)
{
	struct cursor * c = ctx;
	size_t k;

	while (n > 0) {
		k = SRCLEN - c->off < n ? SRCLEN - c->off : n;
		memcpy(buf, src + c->off, k);
		c->off = (c->off + k) % SRCLEN;
		buf += k;
		n -= k;
	}
}

/* push(ctx, buf, n): count the recovered bytes. */
static void
push(void * ctx, const uint8_t * buf, size_t n)
{

	*(uint64_t *)ctx += n + buf[0] * 0;
}


/* KL(p || q) in bits; infinite if q misses a byte p has. */
static double
kl(const double p[256], const double q[256])
{
	double d = 0;
	int i;

	for (i = 0; i < 256; i++) {
		if (p[i] == 0)
			continue;
		if (q[i] == 0)
			return (INFINITY);
		d += p[i] * log2(p[i] / q[i]);
	}
	return (d);
}

/* row(name, part, coder, dir, wirelen): measure and print one row. */
static void
row(const char * name, const struct dust_model_part * part,
    enum dust_coder coder, const char * dir, size_t wirelen)
{
	struct dust_shaper s;
	struct dust_deshaper d;
	struct cursor cur = { 0 };
	uint8_t * wire;
	uint64_t count[256] = { 0 }, got = 0;
	double q[256], e[256], t0, tshape, tdeshape, bits;
	size_t i, off, n, k;
	int r;

	if ((wire = malloc(wirelen)) == NULL)
		abort();
	/* Best of 3 runs each (the machine may be shared). */
	tshape = tdeshape = INFINITY;
	for (r = 0; r < 3; r++) {
		cur.off = 0;
		dust_shaper_init(&s, part, coder, NULL, pull, &cur);
		/* Skip the prefix: the content coder alone is measured. */
		dust_shaper_produce(&s, wire, part->prefixlen);
		t0 = now();
		for (off = 0; off < wirelen; off += n) {
			n = wirelen - off < 1460 ? wirelen - off : 1460;
			dust_shaper_produce(&s, wire + off, n);
		}
		if (now() - t0 < tshape)
			tshape = now() - t0;
	}
	bits = 8.0 * (double)dust_shaper_pulled(&s) / (double)wirelen;

	for (r = 0; r < 3; r++) {
		dust_deshaper_init(&d, part, coder, push, &got);
		dust_deshaper_consume(&d, (const uint8_t *)part->prefix,
		    part->prefixlen);
		t0 = now();
		for (off = 0; off < wirelen; off += n) {
			n = wirelen - off < 1460 ? wirelen - off : 1460;
			if (dust_deshaper_consume(&d, wire + off, n))
				abort();
		}
		if (now() - t0 < tdeshape)
			tdeshape = now() - t0;
	}

	for (i = 0; i < wirelen; i++)
		count[wire[i]]++;
	for (i = 0; i < 256; i++) {
		q[i] = (double)count[i] / (double)wirelen;
		if (coder == DUST_CODER_HUFFMAN)
			e[i] = part->huff->len[i] ?
			    ldexp(1, -part->huff->len[i]) : 0;
		else
			e[i] = (double)part->freq[i] / DUST_EXACT_TOTAL;
	}
	for (i = 0, k = 0; i < 256; i++)
		k += (part->weight[i] > 0);
	printf("| %s | %s | %s | %.0f | %.0f | %.3f | %.3f | %.2e | %.2e | "
	    "%.1e |\n",
	    name, coder == DUST_CODER_HUFFMAN ? "huffman" : "exact", dir,
	    (double)wirelen / tshape / 1e6, (double)wirelen / tdeshape / 1e6,
	    bits, dust_model_entropy(part), kl(part->weight, q),
	    kl(part->weight, e), (double)(k - 1) / (2.0 * (double)wirelen *
	    log(2)));
	free(wire);
}

int
main(int argc, char * argv[])
{
	struct dust_model * m;
	const char * name;
	char err[256];
	size_t i, mb = 16;
	int dir, coder;

	if (argc > 1)
		mb = (size_t)strtoul(argv[1], NULL, 10);
	if (mb == 0 || mb > 4096) {
		fprintf(stderr, "usage: bench_shape [MB]\n");
		return (1);
	}
	SRCLEN = (mb << 20) + 4096;
	if ((src = malloc(SRCLEN)) == NULL)
		abort();
	dust_rng_fill(NULL, src, SRCLEN);
	printf("Content coders, %zu MB of wire bytes per row, packets of "
	    "1460 bytes, best of 3 runs.\n\n", mb);
	printf("| model | coder | direction | shape MB/s | de-shape MB/s | "
	    "bits/wire byte | entropy (limit) | KL(target\\|\\|output) "
	    "measured | KL expected | sampling floor |\n");
	printf("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | "
	    "---: |\n");
	for (i = 0; (name = dust_model_builtin_name(i)) != NULL; i++) {
		if ((m = dust_model_builtin(name, err, sizeof(err))) == NULL) {
			fprintf(stderr, "bench_shape: %s\n", err);
			return (1);
		}
		for (coder = 0; coder < 2; coder++)
			for (dir = 0; dir < 2; dir++)
				row(name, &m->part[dir], (enum dust_coder)coder,
				    dir ? "s2c" : "c2s", mb << 20);
		dust_model_free(m);
	}
	printf("\nKL in bits.  Expected: KL(target || 2^-len) for Huffman, "
	    "KL(target || quantized frequencies) for exact.  The measured KL "
	    "includes the sampling floor (k - 1) / (2 N ln 2), k = bytes of "
	    "non-zero weight, N = wire bytes.\n");
	free(src);
	return (0);
}
