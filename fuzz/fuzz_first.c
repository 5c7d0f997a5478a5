/*
 * The first segment on arbitrary bytes (lib/shape/shaper.c, "first
 * segment"; lib/shape/multiset.c): a server's de-shaper telling which of
 * three multisets the bytes are a permutation of, fed in pieces cut by
 * the input: no crash, an error only with a message, the key pushed only
 * when told.  Then the input's bytes taken as a multiset: a permutation
 * shaped from a seeded stream must have exactly its counts, and the
 * receiver must get back what the sender read (less the coder's lag).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/conversation.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "shape/multiset.h"
#include "shape/shaper.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dust_model * model;
static struct dust_multiset firsts[3];
static struct dust_convset set;

/* Count what is pushed. */
static void
push_count(void * ctx, const uint8_t * buf, size_t n)
{

	(void)buf;
	*(size_t *)ctx += n;
}

/* The sender's stream, every byte kept (at most 8192 + 8 pulled). */
struct stream {
	struct dust_rng_seeded rng;
	uint8_t sent[8192 + 64];
	size_t len;
};

/* pull_keep(ctx, buf, n): seeded bytes, kept. */
static void
pull_keep(void * ctx, uint8_t * buf, size_t n)
{
	struct stream * s = ctx;

	dust_rng_fill(&s->rng.rng, buf, n);
	if (s->len + n > sizeof(s->sent))
		abort();
	memcpy(s->sent + s->len, buf, n);
	s->len += n;
}

/* What the receiver gets back must be what was sent. */
struct back {
	const struct stream * s;
	size_t len;
};

/* push_cmp(ctx, buf, n): abort unless ${buf} is the next stream bytes. */
static void
push_cmp(void * ctx, const uint8_t * buf, size_t n)
{
	struct back * b = ctx;

	if (b->len + n > b->s->len || memcmp(buf, b->s->sent + b->len, n))
		abort();
	b->len += n;
}

/* setup(): a model part to de-shape with, three multisets by length. */
static void
setup(void)
{
	char err[256];
	int i;

	if ((model = dust_model_builtin("uniform", err, sizeof(err))) == NULL)
		abort();
	/* "ab" x 20; the same and a 'c'; 0..63 once each. */
	firsts[0].count['a'] = firsts[0].count['b'] = 20;
	firsts[0].n = 40;
	firsts[1] = firsts[0];
	firsts[1].count['c'] = 1;
	firsts[1].n = 41;
	for (i = 0; i < 64; i++)
		firsts[2].count[i] = 1;
	firsts[2].n = 64;
	for (i = 0; i < 3; i++)
		firsts[i].capacity = dust_multiset_capacity(&firsts[i]);
	set.firsts = firsts;
	set.nfirsts = 3;
	set.maxfirst = 64;
}

/* tell(data, len): the de-shaper on the input, in pieces. */
static void
tell(const uint8_t * data, size_t len)
{
	struct dust_deshaper d;
	uint8_t buf[64];
	size_t pushed = 0, off, k, step = 1 + (len > 0 ? data[0] % 16 : 0);

	dust_deshaper_init(&d, &model->part[DUST_C2S], DUST_CODER_HUFFMAN,
	    push_count, &pushed);
	dust_deshaper_first(&d, &set, buf, 32);
	for (off = 0; off < len; off += k) {
		k = len - off < step ? len - off : step;
		if (dust_deshaper_consume(&d, data + off, k) &&
		    dust_deshaper_error(&d) == NULL)
			abort();
	}
	/* The key goes on only once the multiset is told. */
	if (dust_deshaper_matched(&d) == NULL && pushed != 0)
		abort();
	if (dust_deshaper_matched(&d) != NULL && dust_deshaper_error(&d) ==
	    NULL && pushed < 32)
		abort();
}

/* permute(data, len): the input's bytes as a multiset, round trip. */
static void
permute(const uint8_t * data, size_t len)
{
	static struct stream s;
	struct dust_multiset m;
	struct dust_ms_shaper sh;
	struct dust_ms_deshaper de;
	struct back b = { &s, 0 };
	uint8_t out[4096];
	uint32_t count[256] = { 0 };
	size_t i, bad;

	if (len == 0 || len > sizeof(out))
		return;
	memset(&m, 0, sizeof(m));
	for (i = 0; i < len; i++)
		m.count[data[i]]++;
	m.n = (uint32_t)len;
	m.capacity = dust_multiset_capacity(&m);
	dust_rng_seeded_u64(&s.rng, len);
	s.len = 0;
	dust_ms_shaper_init(&sh, &m, pull_keep, &s);
	if (dust_ms_shape(&sh, out, len) != len)
		abort();
	for (i = 0; i < len; i++)
		count[out[i]]++;
	for (i = 0; i < 256; i++)
		if (count[i] != m.count[i])
			abort();
	dust_ms_deshaper_init(&de, &m, push_cmp, &b);
	if (dust_ms_deshape(&de, out, len, &bad))
		abort();
	/* Lag: see tests/unit/test_multiset.c (64 bits). */
	if (8.0 * (double)b.len < m.capacity - 64)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{

	if (model == NULL)
		setup();
	tell(data, len);
	permute(data, len);
	return (0);
}
