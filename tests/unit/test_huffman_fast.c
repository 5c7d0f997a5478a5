/*
 * The Huffman coder's fast paths against a reference written the way the
 * coder used to work, straight from the codewords: one codeword at a time,
 * pulling before each one whenever fewer than 16 bits are held as many
 * whole bytes as bring it to 56..63 bits; de-shaping one byte at a time.
 * For codes of every shape (lengths up to 16, a one-bit codeword, two
 * bytes only, many codewords longer than the fast table's index, the
 * built-in http parts), random streams in random calls (0 to 40000 bytes,
 * many of 1..8): the same wire bytes, the same bytes pulled after every
 * call, the same bits recovered and the same bad byte reported.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/model.h"
#include "dust/rng.h"
#include "shape/huffman.h"

#include "shapetest.h"

/* The uniform stream both coders read: a fixed buffer and a position. */
#define STREAMLEN	(1 << 20)
static uint8_t stream[STREAMLEN];

struct cursor {
	size_t off;
};

/* cursor_pull(ctx, buf, n): the next ${n} stream bytes. */
static void
cursor_pull(void * ctx, uint8_t * buf, size_t n)
{
	struct cursor * c = ctx;

	if (c->off + n > STREAMLEN)
		fail_msg("pulled past the stream's %d bytes", STREAMLEN);
	memcpy(buf, stream + c->off, n);
	c->off += n;
}

/* The reference: the byte of each (length, codeword), plus one; 0: none. */
static uint16_t inv[DUST_HUFF_MAXLEN + 1][1 << DUST_HUFF_MAXLEN];

/* ref_init(c): fill inv from the codewords of ${c}. */
static void
ref_init(const struct dust_huff_code * c)
{
	int i;

	memset(inv, 0, sizeof(inv));
	for (i = 0; i < 256; i++)
		if (c->len[i] > 0)
			inv[c->len[i]][c->code[i]] = (uint16_t)(i + 1);
}

/* The reference sender. */
struct ref_shaper {
	uint64_t acc;
	unsigned int nbits;
	struct cursor cur;
};

/*
 * ref_shape(c, r, out, n): the old per-codeword loop; for the identity
 * code, the copy it always was (the bits held, then the stream).
 */
static void
ref_shape(const struct dust_huff_code * c, struct ref_shaper * r,
    uint8_t * out, size_t n)
{
	uint8_t buf[8];
	unsigned int k, l, j;
	uint32_t w;
	size_t i;

	if (c->identity) {
		for (i = 0; i < n && r->nbits >= 8; i++) {
			r->nbits -= 8;
			out[i] = (uint8_t)(r->acc >> r->nbits);
		}
		if (i < n)
			cursor_pull(&r->cur, out + i, n - i);
		return;
	}
	for (i = 0; i < n; i++) {
		if (r->nbits < 16) {
			k = (64 - r->nbits) / 8;
			cursor_pull(&r->cur, buf, k);
			for (j = 0; j < k; j++)
				r->acc = (r->acc << 8) | buf[j];
			r->nbits += 8 * k;
		}
		for (l = 1; l <= DUST_HUFF_MAXLEN; l++) {
			w = (uint32_t)(r->acc >> (r->nbits - l)) &
			    ((1U << l) - 1);
			if (inv[l][w] != 0)
				break;
		}
		assert_true(l <= DUST_HUFF_MAXLEN);
		out[i] = (uint8_t)(inv[l][w] - 1);
		r->nbits -= l;
	}
}

/* The reference receiver. */
struct ref_deshaper {
	uint64_t acc;
	unsigned int nbits;
};

/* ref_deshape(c, r, in, n, got, bad): the old per-byte loop. */
static int
ref_deshape(const struct dust_huff_code * c, struct ref_deshaper * r,
    const uint8_t * in, size_t n, struct bytes * got, size_t * bad)
{
	uint8_t b;
	size_t i;

	for (i = 0; i < n; i++) {
		if (c->len[in[i]] == 0) {
			*bad = i;
			return (-1);
		}
		r->acc = (r->acc << c->len[in[i]]) | c->code[in[i]];
		r->nbits += c->len[in[i]];
		while (r->nbits >= 8) {
			r->nbits -= 8;
			b = (uint8_t)(r->acc >> r->nbits);
			bytes_add(got, &b, 1);
		}
	}
	return (0);
}

/* call_size(r): a call's size: often tiny, sometimes past PULLMAX * 8. */
static size_t
call_size(struct dust_rng_seeded * r)
{

	switch (dust_rng_uniform(&r->rng, 8)) {
	case 0:
		return (dust_rng_uniform(&r->rng, 9));
	case 1:
	case 2:
		return (dust_rng_uniform(&r->rng, 64));
	case 3:
		return (20000 + dust_rng_uniform(&r->rng, 20000));
	default:
		return (dust_rng_uniform(&r->rng, 3000));
	}
}

/*
 * check_code(c, seed, wirelen): shape ${wirelen} bytes with ${c} both
 * ways in the same random calls, then de-shape them both ways in other
 * random calls, and once more with a byte not in the code put in (if
 * there is one).
 */
static void
check_code(const struct dust_huff_code * c, uint64_t seed, size_t wirelen)
{
	struct dust_huff_shaper s;
	struct dust_huff_deshaper d;
	struct ref_shaper rs = { 0, 0, { 0 } };
	struct ref_deshaper rd = { 0, 0 };
	struct cursor cur = { 0 };
	struct dust_rng_seeded r;
	struct bytes got = { NULL, 0, 0 }, refgot = { NULL, 0, 0 };
	uint8_t * wire, * ref;
	size_t off, n, bad, refbad, at;
	int rc, refrc, i, outside = -1;

	dust_rng_seeded_u64(&r, seed);
	dust_rng_fill(&r.rng, stream, STREAMLEN);
	ref_init(c);
	assert_non_null(wire = malloc(wirelen + 1));
	assert_non_null(ref = malloc(wirelen + 1));
	dust_huff_shaper_init(&s, c, cursor_pull, &cur);
	for (off = 0; off < wirelen; off += n) {
		n = call_size(&r);
		if (n > wirelen - off)
			n = wirelen - off;
		dust_huff_shape(&s, wire + off, n);
		ref_shape(c, &rs, ref + off, n);
		assert_int_equal(cur.off, rs.cur.off);
		assert_int_equal(s.pulled, rs.cur.off);
		assert_int_equal(s.nbits, rs.nbits);
		assert_true(s.nbits < 64);
	}
	assert_memory_equal(wire, ref, wirelen);

	/* De-shape in other pieces: the same bits, all of the pulled ones
	 * but the last few. */
	dust_huff_deshaper_init(&d, c, sink_push, &got);
	for (off = 0; off < wirelen; off += n) {
		n = call_size(&r);
		if (n > wirelen - off)
			n = wirelen - off;
		assert_int_equal(dust_huff_deshape(&d, wire + off, n, &bad), 0);
		assert_int_equal(ref_deshape(c, &rd, wire + off, n, &refgot,
		    &refbad), 0);
		assert_int_equal(got.len, refgot.len);
		assert_int_equal(d.nbits, rd.nbits);
	}
	assert_true(got.len <= cur.off && cur.off - got.len <= 9);
	assert_memory_equal(got.b, stream, got.len);

	/* A byte not in the code, somewhere: stop there, say where. */
	for (i = 0; i < 256; i++)
		if (c->len[i] == 0)
			outside = i;
	if (outside >= 0 && wirelen > 0) {
		at = dust_rng_uniform(&r.rng, (uint32_t)wirelen);
		wire[at] = (uint8_t)outside;
		got.len = refgot.len = 0;
		rd.acc = 0;
		rd.nbits = 0;
		dust_huff_deshaper_init(&d, c, sink_push, &got);
		for (off = 0; off < wirelen; off += n) {
			n = call_size(&r);
			if (n > wirelen - off)
				n = wirelen - off;
			rc = dust_huff_deshape(&d, wire + off, n, &bad);
			refrc = ref_deshape(c, &rd, wire + off, n, &refgot,
			    &refbad);
			assert_int_equal(rc, refrc);
			assert_int_equal(got.len, refgot.len);
			if (rc) {
				assert_int_equal(bad, refbad);
				assert_int_equal(off + bad, at);
				break;
			}
		}
		assert_true(off <= at);
		assert_memory_equal(got.b, stream, got.len);
	}
	free(got.b);
	free(refgot.b);
	free(wire);
	free(ref);
}

/* Code shapes by weights; ${kind} picks one. */
#define NSHAPES	8
static void
shape_weights(struct dust_rng_seeded * r, int kind, uint32_t freq[256])
{
	int i;

	memset(freq, 0, 256 * sizeof(freq[0]));
	switch (kind) {
	case 0:		/* Random: lengths about 7..10. */
		for (i = 0; i < 256; i++)
			freq[i] = 1 + dust_rng_uniform(&r->rng, 1000);
		break;
	case 1:		/* One byte of a 1-bit codeword, the rest long. */
		for (i = 0; i < 256; i++)
			freq[i] = 1;
		freq[dust_rng_uniform(&r->rng, 256)] = 1000000;
		break;
	case 2:		/* Fibonacci: limited to 16 bits. */
		freq[0] = freq[1] = 1;
		for (i = 2; i < 40; i++)
			freq[i] = freq[i - 1] + freq[i - 2];
		break;
	case 3:		/* Two bytes: 1 bit each. */
		freq[dust_rng_uniform(&r->rng, 128)] = 1;
		freq[128 + dust_rng_uniform(&r->rng, 128)] = 5;
		break;
	case 4:		/* Eight short codewords, 248 of 16 bits or so. */
		for (i = 0; i < 256; i++)
			freq[i] = 1;
		for (i = 0; i < 8; i++)
			freq[dust_rng_uniform(&r->rng, 256)] = 100000000;
		break;
	case 5:		/* Few bytes, random weights. */
		for (i = 0; i < 3 + (int)dust_rng_uniform(&r->rng, 20); i++)
			freq[dust_rng_uniform(&r->rng, 256)] =
			    1 + dust_rng_uniform(&r->rng, 100);
		freq[0] |= 1;
		break;
	case 6:		/* Weights over 30 binary orders of magnitude. */
		for (i = 0; i < 256; i++)
			if (dust_rng_uniform(&r->rng, 4))
				freq[i] = 1U << dust_rng_uniform(&r->rng, 24);
		freq[0] |= 1;
		freq[255] |= 1;
		break;
	default:	/* Lengths 12 and 13 around the fast index. */
		for (i = 0; i < 256; i++)
			freq[i] = 1;
		freq[0] = 1U << 20;
		break;
	}
}

/* Every shape, several seeds, fast paths against the reference. */
static void
test_shapes(void ** state)
{
	static struct dust_huff_code c;
	struct dust_rng_seeded r;
	uint32_t freq[256];
	unsigned int maxlen, i;
	int kind, seed, long16 = 0, short1 = 0, longer = 0;

	(void)state;
	dust_rng_seeded_u64(&r, 31);
	for (kind = 0; kind < NSHAPES; kind++) {
		for (seed = 0; seed < 4; seed++) {
			shape_weights(&r, kind, freq);
			assert_int_equal(dust_huff_build(&c, freq), 0);
			for (maxlen = 0, i = 0; i < 256; i++)
				if (c.len[i] > maxlen)
					maxlen = c.len[i];
			long16 |= (maxlen == DUST_HUFF_MAXLEN);
			short1 |= (c.minlen == 1);
			longer |= (maxlen > DUST_HUFF_FASTBITS);
			check_code(&c, (uint64_t)(100 * kind + seed), 100000);
		}
	}
	/* The shapes did reach the corners. */
	assert_true(long16 && short1 && longer);
}

/* The built-in models' codes (http: lengths 4..10 and 5..9). */
static void
test_builtin(void ** state)
{
	struct dust_model * m;
	const char * name;
	char err[256];
	size_t i;
	int dir;

	(void)state;
	for (i = 0; (name = dust_model_builtin_name(i)) != NULL; i++) {
		assert_non_null(m = dust_model_builtin(name, err, sizeof(err)));
		for (dir = 0; dir < 2; dir++)
			check_code(m->part[dir].huff, 7 * i + (uint64_t)dir,
			    150000);
		dust_model_free(m);
	}
}

/*
 * check_entry(c, w): the fast table's entry for the index ${w} agrees with
 * the codewords: the first byte and its length; a second codeword only if
 * every way the bits after the index may go gives it the same length (at
 * most the index's bits), and the entry where it starts gives its byte.
 */
static void
check_entry(const struct dust_huff_code * c, uint32_t w)
{
	const unsigned int k = DUST_HUFF_FASTBITS;
	uint32_t e = c->fast[w], b1, l1, rest, tail, l2, l2seen;
	int same = 1;

	b1 = c->table[w << (DUST_HUFF_MAXLEN - k)];
	l1 = b1 >> 8;
	if (l1 > k) {
		assert_int_equal(e, 0);
		return;
	}
	/* Bits, byte, count, second's start. */
	assert_int_equal((e >> 8) & 0xff, b1 & 0xff);
	rest = ((w << l1) & ((1U << k) - 1)) << (DUST_HUFF_MAXLEN - k);
	l2 = c->table[rest] >> 8;
	for (tail = 0; tail < (1U << (DUST_HUFF_MAXLEN - k + l1)); tail++) {
		l2seen = c->table[rest | tail] >> 8;
		same &= (l2seen == l2);
	}
	if (same && l2 <= k) {
		assert_int_equal((e >> 24) & 3, 2);
		assert_int_equal(e >> 28, l1);
		assert_int_equal(e & 0x3f, l1 + l2);
		/* The second's byte: the first of its own entry. */
		for (tail = 0; tail < (1U << (k - l2)); tail++)
			assert_int_equal((c->fast[(rest >> (DUST_HUFF_MAXLEN -
			    k)) | tail] >> 8) & 0xff, c->table[rest] & 0xff);
	} else {
		assert_int_equal((e >> 24) & 3, 1);
		assert_int_equal(e >> 28, 0);
		assert_int_equal(e & 0x3f, l1);
	}
}

/* The fast table agrees with the 16-bit table, entry by entry. */
static void
test_fast_table(void ** state)
{
	static struct dust_huff_code c;
	struct dust_rng_seeded r;
	uint32_t freq[256], w;
	int kind;

	(void)state;
	dust_rng_seeded_u64(&r, 32);
	for (kind = 0; kind < NSHAPES; kind++) {
		shape_weights(&r, kind, freq);
		assert_int_equal(dust_huff_build(&c, freq), 0);
		for (w = 0; w < (1U << DUST_HUFF_FASTBITS); w++)
			check_entry(&c, w);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_table),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_builtin),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
