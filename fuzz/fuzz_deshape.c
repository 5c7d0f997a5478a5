/*
 * The de-shaper on arbitrary bytes, both coders, for the built-in http
 * model (with a prefix and bytes of weight 0) and uniform: no crash, an
 * error only with a message.  Then the input taken as the uniform stream
 * (followed by seeded random bytes: a constant tail such as 1000... can
 * keep the exact coder's pending bits open for ever, which a uniform
 * stream does with probability 0): shaped and de-shaped in pieces cut by
 * the input, it must come back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/model.h"
#include "dust/rng.h"
#include "shape/shaper.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dust_model * models[2];

/* Discard recovered bytes. */
static void
push_drop(void * ctx, const uint8_t * buf, size_t n)
{

	(void)ctx;
	(void)buf;
	(void)n;
}

/* The uniform stream: the fuzz input, then seeded random bytes. */
struct input {
	const uint8_t * data;
	size_t len, off;
	struct dust_rng_seeded tail;
};

/* pull_input(ctx, buf, n): the input, then the seeded tail. */
static void
pull_input(void * ctx, uint8_t * buf, size_t n)
{
	struct input * in = ctx;
	size_t k = 0;

	if (in->off < in->len) {
		k = in->len - in->off < n ? in->len - in->off : n;
		memcpy(buf, in->data + in->off, k);
		in->off += k;
	}
	dust_rng_fill(&in->tail.rng, buf + k, n - k);
}

/* Recovered bytes must be the input's, in order. */
struct cmp {
	const uint8_t * data;
	size_t len, off;
	struct dust_rng_seeded tail;
};

/* push_cmp(ctx, buf, n): abort unless ${buf} is the next input. */
static void
push_cmp(void * ctx, const uint8_t * buf, size_t n)
{
	struct cmp * c = ctx;
	size_t i;

	uint8_t want;

	for (i = 0; i < n; i++, c->off++) {
		if (c->off < c->len)
			want = c->data[c->off];
		else
			dust_rng_fill(&c->tail.rng, &want, 1);
		if (buf[i] != want)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	struct dust_deshaper d;
	struct dust_shaper s;
	struct input in;
	struct cmp c;
	const struct dust_model_part * p;
	enum dust_coder coder;
	static uint8_t wire[65536];
	char err[256];
	size_t off, n, wirelen;
	int rc;

	if (models[0] == NULL) {
		models[0] = dust_model_builtin("http", err, sizeof(err));
		models[1] = dust_model_builtin("uniform", err, sizeof(err));
		if (models[0] == NULL || models[1] == NULL)
			abort();
	}
	if (len < 1)
		return (0);
	/* First byte: model, direction, coder, piece size. */
	p = &models[data[0] & 1]->part[(data[0] >> 1) & 1];
	coder = (data[0] >> 2) & 1 ? DUST_CODER_EXACT : DUST_CODER_HUFFMAN;
	n = 1 + (data[0] >> 3);
	data++;
	len--;

	/* Arbitrary bytes into the de-shaper, in pieces of n. */
	dust_deshaper_init(&d, p, coder, push_drop, NULL);
	for (off = 0; off < len; off += n) {
		rc = dust_deshaper_consume(&d, data + off,
		    len - off < n ? len - off : n);
		if ((rc != 0) != (dust_deshaper_error(&d) != NULL))
			abort();
	}

	/* The input as the uniform stream comes back through both sides. */
	in.data = c.data = data;
	in.len = c.len = len;
	in.off = c.off = 0;
	dust_rng_seeded_u64(&in.tail, 5);
	dust_rng_seeded_u64(&c.tail, 5);
	dust_shaper_init(&s, p, coder, NULL, pull_input, &in);
	wirelen = 4 * len + 64 + p->prefixlen;
	if (wirelen > sizeof(wire))
		wirelen = sizeof(wire);
	for (off = 0; off < wirelen; off += n)
		dust_shaper_produce(&s, wire + off,
		    wirelen - off < n ? wirelen - off : n);
	dust_deshaper_init(&d, p, coder, push_cmp, &c);
	if (dust_deshaper_consume(&d, wire, wirelen) != 0)
		abort();
	/* 4 wire bytes per input byte suffice to carry it all (>= 2 bits). */
	if (c.off < len && len * 4 + 64 + p->prefixlen <= sizeof(wire))
		abort();
	return (0);
}
