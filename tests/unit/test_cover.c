/* coverpipe blocks (pack, streaming unpack, errors) and the schedule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/cover.h"

#define BLK	32

/* A stream of five blocks: data of 0, 1, 30 (full) and 7 bytes, then EOS. */
static size_t
make_stream(uint8_t * s, uint8_t * data, size_t * datalen)
{
	static const size_t lens[] = {0, 1, BLK - 2, 7};
	size_t i, j, off = 0, d = 0;

	for (i = 0; i < 4; i++) {
		for (j = 0; j < lens[i]; j++)
			data[d + j] = (uint8_t)(0x41 + d + j);
		off += cover_pack(s + off, BLK, data + d, lens[i]);
		d += lens[i];
	}
	off += cover_pack_eos(s + off, BLK);
	*datalen = d;
	return (off);
}

/* Feed ${in} to ${u}; append data to ${out}.  Return the last status. */
static int
feed(struct cover_unpacker * u, const uint8_t * in, size_t inlen,
    uint8_t * out, size_t * outlen, int * ends)
{
	const uint8_t * d;
	size_t used, dl;
	int r = COVER_NEED;

	while (inlen > 0) {
		r = cover_unpack(u, in, inlen, &used, &d, &dl);
		if (r < 0)
			return (r);
		assert_true(used <= inlen);
		if (r == COVER_DATA) {
			assert_true(dl > 0);
			assert_true(d >= in && d + dl <= in + used);
			memcpy(out + *outlen, d, dl);
			*outlen += dl;
		} else if (r == COVER_END)
			(*ends)++;
		else
			assert_int_equal(used, inlen);
		in += used;
		inlen -= used;
	}
	return (r);
}

/* The wire bytes of a block are as documented. */
static void
test_pack_bytes(void ** state)
{
	uint8_t b[BLK], want[BLK];

	(void)state;
	memset(b, 0xAA, sizeof(b));
	assert_int_equal(cover_pack(b, BLK, (const uint8_t *)"abc", 3), BLK);
	memset(want, 0, sizeof(want));
	want[1] = 3;
	memcpy(want + 2, "abc", 3);
	assert_memory_equal(b, want, BLK);

	memset(b, 0xAA, sizeof(b));
	cover_pack_eos(b, BLK);
	memset(want, 0, sizeof(want));
	want[0] = want[1] = 0xFF;
	assert_memory_equal(b, want, BLK);

	/* Header-only packing around data already in place. */
	memset(b, 0xAA, sizeof(b));
	memcpy(b + 2, "xy", 2);
	cover_pack_header(b, BLK, 2);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 2);
	assert_int_equal(b[4], 0);
	assert_int_equal(b[BLK - 1], 0);
}

/* Parse hex ${h} ("-" = empty) into ${out}; return the length. */
static size_t
unhex(const char * h, uint8_t * out)
{
	size_t n = 0;
	unsigned int v;

	if (strcmp(h, "-") == 0)
		return (0);
	for (; h[0] != '\0' && h[1] != '\0'; h += 2) {
		assert_int_equal(sscanf(h, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return (n);
}

/* tests/vectors/coverpipe-blocks.txt: packing gives the wire bytes, and
 * unpacking the wire bytes gives the data back (or the end of stream). */
static void
test_vectors(void ** state)
{
	FILE * f = fopen("tests/vectors/coverpipe-blocks.txt", "r");
	char line[1024], kind[16], dhex[300], whex[300];
	uint8_t d[150], w[150], b[150];
	struct cover_unpacker u;
	const uint8_t * p;
	size_t block, dl, wl, used, pl;
	int nvec = 0, r;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		assert_int_equal(sscanf(line, "block=%zu kind=%15s data=%299s "
		    "wire=%299s", &block, kind, dhex, whex), 4);
		dl = unhex(dhex, d);
		wl = unhex(whex, w);
		assert_int_equal(wl, block);
		if (strcmp(kind, "eos") == 0)
			cover_pack_eos(b, block);
		else
			cover_pack(b, block, d, dl);
		assert_memory_equal(b, w, block);
		cover_unpack_init(&u, block);
		r = cover_unpack(&u, w, wl, &used, &p, &pl);
		if (strcmp(kind, "eos") == 0) {
			assert_int_equal(r, COVER_END);
		} else if (dl > 0) {
			assert_int_equal(r, COVER_DATA);
			assert_int_equal(pl, dl);
			assert_memory_equal(p, d, dl);
			r = cover_unpack(&u, w + used, wl - used, &used, &p,
			    &pl);
			assert_int_equal(r, COVER_NEED);
		} else
			assert_int_equal(r, COVER_NEED);
		nvec++;
	}
	fclose(f);
	assert_int_equal(nvec, 7);
}

/* Every cut of the stream into two pieces, and byte by byte, unpacks. */
static void
test_every_split(void ** state)
{
	uint8_t s[5 * BLK], data[5 * BLK], out[5 * BLK];
	struct cover_unpacker u;
	size_t n, dl, cut, outlen, i;
	int ends;

	(void)state;
	n = make_stream(s, data, &dl);
	assert_int_equal(n, 5 * BLK);
	for (cut = 0; cut <= n; cut++) {
		cover_unpack_init(&u, BLK);
		outlen = 0;
		ends = 0;
		assert_true(feed(&u, s, cut, out, &outlen, &ends) >= 0);
		assert_true(feed(&u, s + cut, n - cut, out, &outlen, &ends)
		    >= 0);
		assert_int_equal(outlen, dl);
		assert_memory_equal(out, data, dl);
		assert_int_equal(ends, 1);
		assert_int_equal(cover_unpack_finish(&u), 0);
	}
	cover_unpack_init(&u, BLK);
	outlen = 0;
	ends = 0;
	for (i = 0; i < n; i++)
		assert_true(feed(&u, s + i, 1, out, &outlen, &ends) >= 0);
	assert_int_equal(outlen, dl);
	assert_memory_equal(out, data, dl);
	assert_int_equal(ends, 1);
	assert_int_equal(cover_unpack_finish(&u), 0);
}

/* Run ${s} through a fresh unpacker; return the first error or status. */
static int
unpack_all(const uint8_t * s, size_t n)
{
	struct cover_unpacker u;
	uint8_t out[8 * BLK];
	size_t outlen = 0;
	int ends = 0, r;

	cover_unpack_init(&u, BLK);
	if ((r = feed(&u, s, n, out, &outlen, &ends)) < 0) {
		/* Errors are sticky. */
		assert_int_equal(feed(&u, s, 1, out, &outlen, &ends), r);
		assert_int_equal(cover_unpack_finish(&u), r);
		return (r);
	}
	return (cover_unpack_finish(&u));
}

/* Each kind of bad stream gives its named error. */
static void
test_errors(void ** state)
{
	uint8_t s[4 * BLK];
	size_t w;

	(void)state;
	/* Length words from block - 1 up to 0xFFFE are reserved. */
	for (w = BLK - 1; w < COVER_EOS; w += (w < 300 ? 1 : 251)) {
		memset(s, 0, sizeof(s));
		s[0] = (uint8_t)(w >> 8);
		s[1] = (uint8_t)w;
		assert_int_equal(unpack_all(s, BLK), COVER_E_LENGTH);
	}
	memset(s, 0, sizeof(s));
	s[0] = 0xFF;
	s[1] = 0xFE;
	assert_int_equal(unpack_all(s, 2), COVER_E_LENGTH);

	/* Non-zero padding, in a data block and in the EOS block. */
	cover_pack(s, BLK, (const uint8_t *)"hi", 2);
	s[BLK - 1] = 1;
	assert_int_equal(unpack_all(s, BLK), COVER_E_PADDING);
	cover_pack_eos(s, BLK);
	s[5] = 0x80;
	assert_int_equal(unpack_all(s, BLK), COVER_E_PADDING);

	/* Anything after end of stream, even a zero byte. */
	cover_pack_eos(s, BLK);
	s[BLK] = 0;
	assert_int_equal(unpack_all(s, BLK + 1), COVER_E_AFTER_EOS);

	/* Truncated blocks: ends after 1 byte, after the header, mid-pad. */
	cover_pack(s, BLK, (const uint8_t *)"hello", 5);
	assert_int_equal(unpack_all(s, 1), COVER_E_TRUNCATED);
	assert_int_equal(unpack_all(s, 2), COVER_E_TRUNCATED);
	assert_int_equal(unpack_all(s, 4), COVER_E_TRUNCATED);
	assert_int_equal(unpack_all(s, BLK - 1), COVER_E_TRUNCATED);
	cover_pack_eos(s + BLK, BLK);
	assert_int_equal(unpack_all(s, 2 * BLK - 3), COVER_E_TRUNCATED);

	/* Whole blocks but no end of stream; and the empty stream. */
	assert_int_equal(unpack_all(s, BLK), COVER_E_NO_EOS);
	assert_int_equal(unpack_all(s, 0), COVER_E_NO_EOS);
	assert_int_equal(unpack_all(s, 2 * BLK), 0);

	/* Every error has its own sentence. */
	assert_string_not_equal(cover_strerror(COVER_E_LENGTH),
	    cover_strerror(COVER_E_PADDING));
	assert_string_not_equal(cover_strerror(COVER_E_TRUNCATED),
	    cover_strerror(COVER_E_NO_EOS));
	assert_string_not_equal(cover_strerror(COVER_E_AFTER_EOS),
	    cover_strerror(-99));
}

/* The largest block: block - 2 = 65534 bytes of data, just below EOS. */
static void
test_max_block(void ** state)
{
	static uint8_t s[2 * COVER_BLOCK_MAX], d[COVER_BLOCK_MAX];
	struct cover_unpacker u;
	const uint8_t * p;
	size_t used, dl;

	(void)state;
	memset(d, 0x5A, sizeof(d));
	cover_pack(s, COVER_BLOCK_MAX, d, COVER_BLOCK_MAX - 2);
	assert_int_equal(s[0], 0xFF);
	assert_int_equal(s[1], 0xFE);
	cover_pack_eos(s + COVER_BLOCK_MAX, COVER_BLOCK_MAX);
	cover_unpack_init(&u, COVER_BLOCK_MAX);
	assert_int_equal(cover_unpack(&u, s, sizeof(s), &used, &p, &dl),
	    COVER_DATA);
	assert_int_equal(dl, COVER_BLOCK_MAX - 2);
	assert_int_equal(cover_unpack(&u, s + used, sizeof(s) - used, &used,
	    &p, &dl), COVER_END);
	assert_int_equal(cover_unpack_finish(&u), 0);
}

/* Exact due times: rates that do not divide 1e9 do not drift. */
static void
test_sched_exact(void ** state)
{
	struct cover_sched s;
	uint64_t k;

	(void)state;
	cover_sched_init(&s, 1000, 40);
	assert_int_equal(cover_sched_at(&s, 0), 1000);
	assert_int_equal(cover_sched_at(&s, 1), 1000 + 25000000);
	assert_int_equal(cover_sched_at(&s, 1000000),
	    1000 + 1000000ULL * 25000000ULL);
	cover_sched_init(&s, 7, 3);
	for (k = 0; k < 3000000; k += 997) {
		unsigned __int128 t = (unsigned __int128)k * 1000000000U / 3;

		assert_true(cover_sched_at(&s, k) == 7 + (uint64_t)t);
	}
	/* 3e6 ticks at 3 per second is exactly 1e6 seconds. */
	assert_true(cover_sched_at(&s, 3000000) == 7 + 1000000000000000ULL);
	/* Far future (centuries at 1e6 per second): still exact. */
	cover_sched_init(&s, 0, 1000000);
	assert_true(cover_sched_at(&s, 10000000000000ULL) ==
	    10000000000000000ULL);
}

/* Due counts at and around tick times, and the catch-up policy. */
static void
test_sched_due(void ** state)
{
	struct cover_sched s;
	uint64_t skipped, k;

	(void)state;
	cover_sched_init(&s, 5000, 3);
	assert_int_equal(cover_sched_due(&s, 0), 0);
	assert_int_equal(cover_sched_due(&s, 4999), 0);
	assert_int_equal(cover_sched_due(&s, 5000), 1);
	for (k = 1; k < 50; k++) {
		uint64_t t = cover_sched_at(&s, k);

		assert_int_equal(cover_sched_due(&s, t - 1), k);
		assert_int_equal(cover_sched_due(&s, t), k + 1);
	}
	/* Nothing due: take runs nothing and keeps next. */
	cover_sched_init(&s, 5000, 40);
	assert_int_equal(cover_sched_take(&s, 4000, 4, &skipped), 0);
	assert_int_equal(skipped, 0);
	assert_int_equal(s.next, 0);
	/* A stall of 10 ticks and a bit: 4 run, 7 skipped, phase kept. */
	assert_int_equal(cover_sched_take(&s, 5000 + 10 * 25000000ULL + 3,
	    4, &skipped), 4);
	assert_int_equal(skipped, 7);
	assert_int_equal(s.next, 11);
	assert_int_equal(cover_sched_deadline(&s), 5000 + 11 * 25000000ULL);
	/* Exactly on time again: one tick. */
	assert_int_equal(cover_sched_take(&s, cover_sched_deadline(&s), 4,
	    &skipped), 1);
	assert_int_equal(skipped, 0);
}

/* A million ticks, each taken at its deadline plus a varying lateness
 * below one interval: one tick each, none skipped, no drift at the end. */
static void
test_sched_million(void ** state)
{
	struct cover_sched s;
	uint64_t i, skipped, late, start = 123456789;

	(void)state;
	cover_sched_init(&s, start, 40);
	for (i = 0; i < 1000000; i++) {
		late = (i * 7919) % 24999999;
		assert_int_equal(cover_sched_take(&s,
		    cover_sched_deadline(&s) + late, 8, &skipped), 1);
		assert_int_equal(skipped, 0);
	}
	assert_int_equal(s.next, 1000000);
	assert_true(cover_sched_deadline(&s) == start + 25000000000000ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_bytes),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_max_block),
		cmocka_unit_test(test_sched_exact),
		cmocka_unit_test(test_sched_due),
		cmocka_unit_test(test_sched_million),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
