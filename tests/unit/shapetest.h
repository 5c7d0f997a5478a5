/*
 * Helpers shared by the shaping tests (header-only: each test is one
 * binary built from one .c file).  A uniform source that records what it
 * hands out, a sink that records what is recovered, random packetization,
 * random weight vectors and a chi-square bound.
 */
#ifndef SHAPETEST_H
#define SHAPETEST_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/model.h"
#include "dust/rng.h"
#include "shape/shaper.h"

/* A growing byte buffer. */
struct bytes {
	uint8_t * b;
	size_t len, cap;
};

/* bytes_add(x, p, n): append ${n} bytes to ${x} (abort on ENOMEM). */
static inline void
bytes_add(struct bytes * x, const uint8_t * p, size_t n)
{

	if (x->len + n > x->cap) {
		x->cap = 2 * (x->len + n) + 1024;
		x->b = realloc(x->b, x->cap);
		if (x->b == NULL)
			abort();
	}
	memcpy(x->b + x->len, p, n);
	x->len += n;
}

/* The uniform stream: a seeded generator, every byte kept. */
struct source {
	struct dust_rng_seeded rng;
	struct bytes sent;
};

/* source_pull(ctx, buf, n): the shaper's pull callback. */
static inline void
source_pull(void * ctx, uint8_t * buf, size_t n)
{
	struct source * s = ctx;

	dust_rng_fill(&s->rng.rng, buf, n);
	bytes_add(&s->sent, buf, n);
}

/* sink_push(ctx, buf, n): the de-shaper's push callback: append. */
static inline void
sink_push(void * ctx, const uint8_t * buf, size_t n)
{

	bytes_add(ctx, buf, n);
}

/* A random size 1..max from ${rng}. */
static inline size_t
rand_size(struct dust_rng_seeded * r, uint32_t max)
{

	return (1 + dust_rng_uniform(&r->rng, max));
}

/*
 * roundtrip(part, coder, seed, wirelen, sent, got, wire):
 * Shape ${wirelen} bytes in random packets (1..2000 bytes) from a uniform
 * source seeded with ${seed}, then de-shape them in independent random
 * pieces (1..3000 bytes).  The source's bytes go to ${sent}, the
 * recovered ones to ${got}, the wire bytes to ${wire} (if not NULL).
 * Return the de-shaper's result (0 or -1).
 */
static inline int
roundtrip(const struct dust_model_part * part, enum dust_coder coder,
    uint64_t seed, size_t wirelen, struct bytes * sent, struct bytes * got,
    struct bytes * wire)
{
	struct source src;
	struct dust_shaper sh;
	struct dust_deshaper de;
	struct dust_rng_seeded cut;
	struct bytes w = { NULL, 0, 0 };
	uint8_t * pkt;
	size_t off, n;
	int rc = 0;

	memset(&src, 0, sizeof(src));
	memset(got, 0, sizeof(*got));
	dust_rng_seeded_u64(&src.rng, seed);
	dust_rng_seeded_u64(&cut, seed ^ 0x5a5a5a5aU);
	dust_shaper_init(&sh, part, coder, &cut.rng, source_pull, &src);
	if ((pkt = malloc(2000)) == NULL)
		abort();
	for (off = 0; off < wirelen; off += n) {
		n = rand_size(&cut, 2000);
		if (n > wirelen - off)
			n = wirelen - off;
		dust_shaper_produce(&sh, pkt, n);
		bytes_add(&w, pkt, n);
	}
	free(pkt);
	dust_deshaper_init(&de, part, coder, sink_push, got);
	for (off = 0; off < w.len; off += n) {
		n = rand_size(&cut, 3000);
		if (n > w.len - off)
			n = w.len - off;
		if ((rc = dust_deshaper_consume(&de, w.b + off, n)) != 0)
			break;
	}
	*sent = src.sent;
	if (wire != NULL)
		*wire = w;
	else
		free(w.b);
	return (rc);
}

/*
 * Random weight vectors of several shapes, ${kind} 0..5: all random;
 * one dominant byte; many zeros (2..9 non-zero); Fibonacci-like weights
 * (Huffman depth far above 16, to exercise the length limit); two bytes
 * only; powers of two.
 */
#define NKINDS	6
static inline void
random_weights(struct dust_rng_seeded * r, int kind, double w[256])
{
	unsigned int i, k, nz;

	for (i = 0; i < 256; i++)
		w[i] = 0;
	switch (kind) {
	case 0:
		for (i = 0; i < 256; i++)
			w[i] = dust_rng_uniform(&r->rng, 1000);
		w[dust_rng_uniform(&r->rng, 256)] += 1;
		w[dust_rng_uniform(&r->rng, 256)] += 1;
		break;
	case 1:
		for (i = 0; i < 256; i++)
			w[i] = 1;
		w[dust_rng_uniform(&r->rng, 256)] = 1e9;
		break;
	case 2:
		nz = 2 + dust_rng_uniform(&r->rng, 8);
		for (i = 0; i < nz; i++) {
			k = dust_rng_uniform(&r->rng, 256);
			w[k] += 1 + dust_rng_uniform(&r->rng, 100);
		}
		if (w[0] + w[255] == 0)
			w[0] = w[255] = 1;
		else
			w[w[0] == 0 ? 0 : 255] += 3;
		break;
	case 3:
		/* 60 non-zero weights: Fib(59) = 9.6e11 < 1e15. */
		w[0] = w[1] = 1;
		for (i = 2; i < 60; i++)
			w[i] = w[i - 1] + w[i - 2];
		if (dust_rng_uniform(&r->rng, 2))
			for (i = 0; i < 128; i++) {
				double t = w[i];

				w[i] = w[255 - i];
				w[255 - i] = t;
			}
		break;
	case 4:
		w[dust_rng_uniform(&r->rng, 128)] = 1 +
		    dust_rng_uniform(&r->rng, 1000);
		w[128 + dust_rng_uniform(&r->rng, 128)] = 1 +
		    dust_rng_uniform(&r->rng, 1000);
		break;
	default:
		for (i = 0; i < 256; i++)
			w[i] = ldexp(1, (int)dust_rng_uniform(&r->rng, 40));
		break;
	}
}

/* A model JSON text with ${w} as the bytes of both directions. */
static inline struct dust_model *
model_of_weights(const double w[256], const char * coder,
    const char * prefix)
{
	static char json[20000];
	char bytes[8192], errbuf[256];
	size_t off = 0, i;
	struct dust_model * m;

	for (i = 0; i < 256; i++)
		off += (size_t)snprintf(bytes + off, sizeof(bytes) - off,
		    "%s%.17g", i ? "," : "", w[i]);
	snprintf(json, sizeof(json),
	    "{\"client_to_server\": {\"bytes\": [%s], \"coder\": \"%s\", "
	    "\"prefix\": \"%s\", "
	    "\"length\": {\"family\": \"uniform\", \"min\": 1, \"max\": 1500},"
	    "\"flow\": {\"family\": \"fixed\", \"value\": 10},"
	    "\"duration\": {\"family\": \"fixed\", \"value\": 1000}},"
	    "\"server_to_client\": {\"bytes\": [%s], \"coder\": \"%s\", "
	    "\"length\": {\"family\": \"fixed\", \"value\": 100},"
	    "\"flow\": {\"family\": \"fixed\", \"value\": 10},"
	    "\"duration\": {\"family\": \"fixed\", \"value\": 1000}}}",
	    bytes, coder, prefix, bytes, coder);
	m = dust_model_parse(json, strlen(json), errbuf, sizeof(errbuf));
	if (m == NULL) {
		fprintf(stderr, "model_of_weights: %s\n", errbuf);
		abort();
	}
	return (m);
}

/*
 * chi2_crit(df): the chi-square value exceeded with probability 1e-4 at
 * ${df} degrees of freedom (Wilson-Hilferty: z = 3.719).
 */
static inline double
chi2_crit(double df)
{
	double a = 2 / (9 * df);

	return (df * pow(1 - a + 3.719 * sqrt(a), 3));
}

/*
 * chi2(count, p, n, df): the chi-square statistic of the byte counts
 * ${count} (of ${n} bytes) against the probabilities ${p}; bins expecting
 * fewer than 5 are pooled.  The degrees of freedom go to ${df}.
 */
static inline double
chi2(const uint64_t count[256], const double p[256], uint64_t n, int * df)
{
	double x = 0, e, pooled_e = 0, pooled_o = 0;
	int i, bins = 0;

	*df = 1;
	for (i = 0; i < 256; i++) {
		if (p[i] == 0) {
			if (count[i] != 0)
				return (INFINITY);
			continue;
		}
		e = p[i] * (double)n;
		if (e < 5) {
			pooled_e += e;
			pooled_o += (double)count[i];
			continue;
		}
		x += ((double)count[i] - e) * ((double)count[i] - e) / e;
		bins++;
	}
	if (pooled_e > 0) {
		x += (pooled_o - pooled_e) * (pooled_o - pooled_e) / pooled_e;
		bins++;
	}
	*df = bins - 1;
	return (x);
}

/*
 * wire_counts(part, coder, seed, n, count): shape ${n} bytes after the
 * prefix of ${part} with ${coder} (source seeded with ${seed}), check they
 * de-shape, and count the shaped bytes (prefix excluded) into ${count}.
 */
static inline int
wire_counts(const struct dust_model_part * part, enum dust_coder coder,
    uint64_t seed, size_t n, uint64_t count[256])
{
	struct bytes sent, got, wire;
	size_t i;
	int rc;

	rc = roundtrip(part, coder, seed, n + part->prefixlen, &sent, &got,
	    &wire);
	memset(count, 0, 256 * sizeof(count[0]));
	for (i = part->prefixlen; i < wire.len; i++)
		count[wire.b[i]]++;
	free(sent.b);
	free(got.b);
	free(wire.b);
	return (rc);
}

/*
 * dyadic_probs(part, p): the probabilities 2^-len of ${part}'s Huffman
 * code, which its Huffman output follows.
 */
static inline void
dyadic_probs(const struct dust_model_part * part, double p[256])
{
	int i;

	for (i = 0; i < 256; i++)
		p[i] = part->huff->len[i] ? ldexp(1, -part->huff->len[i]) : 0;
}

#endif /* !SHAPETEST_H */
