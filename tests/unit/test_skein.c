/*
 * Skein-256: the published vectors (tests/vectors/skein256.txt, read at run
 * time), incremental hashing against one-shot, every output length 1..100
 * against a plain reference written in this file, and the stream cipher of
 * docs/spec.md §2.2.
 *
 * The plain reference below follows the Skein 1.3 paper literally (a round
 * loop with tables, subkeys by index arithmetic mod 5 and mod 3, UBI over a
 * whole message in memory); it shares no code with lib/crypto/, and is
 * itself checked against the published vectors first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/skein.h"
#include "dust/rng.h"

#define VECTORS	"tests/vectors/skein256.txt"
#define STREAM_VECTORS	"tests/vectors/skein256-stream.txt"

/* ---- Plain reference (Skein 1.3 sections 3.3 - 3.5) ---- */

static const unsigned ref_rot[8][2] = {		/* R_{d,j}, Table 4 */
	{14, 16}, {52, 57}, {23, 40}, {5, 37},
	{25, 33}, {46, 12}, {58, 22}, {32, 32}
};
static const unsigned ref_perm[4] = {0, 3, 2, 1};	/* pi, Table 3 */

/* Threefish-256 of p under key k and tweak t, to c. */
static void
ref_threefish(uint64_t c[4], const uint64_t k[4], const uint64_t t[2],
    const uint64_t p[4])
{
	uint64_t kk[5], tt[3], v[4], f[4];
	unsigned d, i, s;

	memcpy(kk, k, 32);
	kk[4] = 0x1BD11BDAA9FC1A22ULL ^ k[0] ^ k[1] ^ k[2] ^ k[3];
	tt[0] = t[0];
	tt[1] = t[1];
	tt[2] = t[0] ^ t[1];
	memcpy(v, p, 32);
	for (d = 0; d <= 72; d++) {
		if (d % 4 == 0) {
			s = d / 4;
			v[0] += kk[s % 5];
			v[1] += kk[(s + 1) % 5] + tt[s % 3];
			v[2] += kk[(s + 2) % 5] + tt[(s + 1) % 3];
			v[3] += kk[(s + 3) % 5] + s;
		}
		if (d == 72)
			break;
		for (i = 0; i < 2; i++) {
			unsigned r = ref_rot[d % 8][i];
			uint64_t x0 = v[2 * i], x1 = v[2 * i + 1];

			f[2 * i] = x0 + x1;
			f[2 * i + 1] = ((x1 << r) | (x1 >> (64 - r))) ^
			    f[2 * i];
		}
		for (i = 0; i < 4; i++)
			v[i] = f[ref_perm[i]];
	}
	memcpy(c, v, 32);
}

/* UBI(g, msg, type) over the whole message, in place on g. */
static void
ref_ubi(uint64_t g[4], const uint8_t * msg, size_t len, unsigned type)
{
	size_t nblocks = len == 0 ? 1 : (len + 31) / 32, b, i;
	uint64_t t[2], m[4], c[4];
	uint8_t block[32];

	for (b = 0; b < nblocks; b++) {
		memset(block, 0, 32);
		for (i = 0; i < 32 && 32 * b + i < len; i++)
			block[i] = msg[32 * b + i];
		for (i = 0; i < 4; i++) {
			unsigned j;

			m[i] = 0;
			for (j = 0; j < 8; j++)
				m[i] |= (uint64_t)block[8 * i + j] << (8 * j);
		}
		t[0] = (32 * (b + 1) < len) ? 32 * (b + 1) : len;
		t[1] = (uint64_t)type << 56;
		if (b == 0)
			t[1] |= (uint64_t)1 << 62;
		if (b == nblocks - 1)
			t[1] |= (uint64_t)1 << 63;
		ref_threefish(c, g, t, m);
		for (i = 0; i < 4; i++)
			g[i] = c[i] ^ m[i];
	}
}

/* G after Key (if keylen > 0) and Config UBIs with outbits. */
static void
ref_start(uint64_t g[4], const uint8_t * key, size_t keylen,
    uint64_t outbits)
{
	uint8_t cfg[32] = {'S', 'H', 'A', '3', 1, 0};
	unsigned i;

	for (i = 0; i < 8; i++)
		cfg[8 + i] = (uint8_t)(outbits >> (8 * i));
	memset(g, 0, 32);
	if (keylen > 0)
		ref_ubi(g, key, keylen, 0);
	ref_ubi(g, cfg, 32, 4);
}

/* Output(G, n): UBI(G, ToBytes(i, 8), Out) for i = 0, 1, ... */
static void
ref_output(uint8_t * out, const uint64_t g[4], size_t n)
{
	uint64_t h[4];
	uint8_t ctr[8];
	size_t i, j;

	for (i = 0; i * 32 < n; i++) {
		for (j = 0; j < 8; j++)
			ctr[j] = (uint8_t)((uint64_t)i >> (8 * j));
		memcpy(h, g, 32);
		ref_ubi(h, ctr, 8, 63);
		for (j = 0; j < 32 && 32 * i + j < n; j++)
			out[32 * i + j] = (uint8_t)(h[j / 8] >> (8 * (j % 8)));
	}
}

/* Skein-256 (MAC when keylen > 0) with outlen bytes. */
static void
ref_skein(uint8_t * out, size_t outlen, const uint8_t * key, size_t keylen,
    const uint8_t * msg, size_t len)
{
	uint64_t g[4];

	ref_start(g, key, keylen, (uint64_t)outlen * 8);
	ref_ubi(g, msg, len, 48);
	ref_output(out, g, outlen);
}

/* The first n keystream bytes of docs/spec.md §2.2. */
static void
ref_stream(uint8_t * out, size_t n, const uint8_t key[32],
    const uint8_t iv[32])
{
	uint64_t g[4];

	ref_start(g, key, 32, UINT64_MAX);
	ref_ubi(g, iv, 32, 20);
	ref_ubi(g, NULL, 0, 48);
	ref_output(out, g, n);
}

/* ---- The vectors file ---- */

struct vector {
	int mac;
	uint8_t key[128], msg[256], digest[64];
	size_t keylen, msglen, digestlen;
};

/* Decode hex into buf (at most cap bytes); return length or -1. */
static long
unhex(const char * s, size_t n, uint8_t * buf, size_t cap)
{
	size_t i;
	unsigned int v;

	if (n % 2 != 0 || n / 2 > cap)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return (-1);
		buf[i] = (uint8_t)v;
	}
	return ((long)(n / 2));
}

/* Read every vector line of the file; fail the test on a bad line. */
static size_t
read_vectors(struct vector * v, size_t cap)
{
	FILE * f = fopen(VECTORS, "r");
	char line[1024], kind[8], key[300], digest[200];
	const char * p, * q;
	size_t n = 0;
	long len;
	int off;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_true(n < cap);
		memset(&v[n], 0, sizeof(v[n]));
		assert_int_equal(sscanf(line, "%7s %299s %n", kind, key, &off),
		    2);
		assert_true(strcmp(kind, "hash") == 0 ||
		    strcmp(kind, "mac") == 0);
		v[n].mac = (kind[0] == 'm');
		if (strcmp(key, "-") != 0) {
			len = unhex(key, strlen(key), v[n].key,
			    sizeof(v[n].key));
			assert_true(len >= 0);
			v[n].keylen = (size_t)len;
		}
		p = line + off;
		if (*p == '"') {
			q = strchr(p + 1, '"');
			assert_non_null(q);
			assert_true((size_t)(q - p - 1) <= sizeof(v[n].msg));
			memcpy(v[n].msg, p + 1, (size_t)(q - p - 1));
			v[n].msglen = (size_t)(q - p - 1);
			q++;
		} else {
			q = p + strcspn(p, " \t");
			len = unhex(p, (size_t)(q - p), v[n].msg,
			    sizeof(v[n].msg));
			assert_true(len >= 0);
			v[n].msglen = (size_t)len;
		}
		assert_int_equal(sscanf(q, "%199s", digest), 1);
		len = unhex(digest, strlen(digest), v[n].digest,
		    sizeof(v[n].digest));
		assert_true(len > 0);
		v[n].digestlen = (size_t)len;
		n++;
	}
	fclose(f);
	return (n);
}

/* Every line of the vectors file: the library and the plain reference. */
static void
test_vectors(void ** state)
{
	static struct vector v[64];
	struct skein256_ctx ctx;
	uint8_t out[64];
	size_t n, i;

	(void)state;
	n = read_vectors(v, 64);
	assert_true(n >= 15);
	for (i = 0; i < n; i++) {
		ref_skein(out, v[i].digestlen, v[i].key, v[i].keylen,
		    v[i].msg, v[i].msglen);
		assert_memory_equal(out, v[i].digest, v[i].digestlen);
		memset(out, 0, sizeof(out));
		if (v[i].mac && v[i].digestlen == 32)
			skein256_mac(out, v[i].key, v[i].keylen, v[i].msg,
			    v[i].msglen);
		else if (!v[i].mac)
			skein256_hash(out, v[i].digestlen, v[i].msg,
			    v[i].msglen);
		else {
			skein256_init_mac(&ctx, v[i].key, v[i].keylen,
			    v[i].digestlen);
			skein256_update(&ctx, v[i].msg, v[i].msglen);
			skein256_final(&ctx, out);
		}
		assert_memory_equal(out, v[i].digest, v[i].digestlen);
	}
}

/* Fill buf with len bytes from a generator seeded with seed. */
static void
seeded_bytes(uint64_t seed, uint8_t * buf, size_t len)
{
	struct dust_rng_seeded s;

	dust_rng_seeded_u64(&s, seed);
	dust_rng_fill(&s.rng, buf, len);
}

/*
 * For message lengths 0..130, every split into two updates (and a run of
 * one-byte updates) gives the one-shot result, for hash and MAC.
 */
static void
test_incremental(void ** state)
{
	uint8_t msg[130], key[40], one[32], inc[32];
	struct skein256_ctx ctx;
	size_t len, cut, i;

	(void)state;
	seeded_bytes(1, msg, sizeof(msg));
	seeded_bytes(2, key, sizeof(key));
	for (len = 0; len <= sizeof(msg); len++) {
		skein256_hash(one, 32, msg, len);
		for (cut = 0; cut <= len; cut++) {
			skein256_init(&ctx, 32);
			skein256_update(&ctx, msg, cut);
			skein256_update(&ctx, msg + cut, len - cut);
			skein256_final(&ctx, inc);
			assert_memory_equal(one, inc, 32);
		}
		skein256_init(&ctx, 32);
		for (i = 0; i < len; i++)
			skein256_update(&ctx, msg + i, 1);
		skein256_final(&ctx, inc);
		assert_memory_equal(one, inc, 32);

		skein256_mac(one, key, sizeof(key), msg, len);
		for (cut = 0; cut <= len; cut += 7) {
			skein256_init_mac(&ctx, key, sizeof(key), 32);
			skein256_update(&ctx, msg, cut);
			skein256_update(&ctx, NULL, 0);
			skein256_update(&ctx, msg + cut, len - cut);
			skein256_final(&ctx, inc);
			assert_memory_equal(one, inc, 32);
		}
	}
}

/* Output lengths 1..100 against the plain reference, hash and MAC. */
static void
test_output_lengths(void ** state)
{
	static const size_t lens[] = {0, 1, 31, 32, 33, 64, 65, 100};
	uint8_t msg[100], key[33], got[100], want[100];
	size_t outlen, k;

	(void)state;
	seeded_bytes(3, msg, sizeof(msg));
	seeded_bytes(4, key, sizeof(key));
	for (outlen = 1; outlen <= 100; outlen++) {
		for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			ref_skein(want, outlen, NULL, 0, msg, lens[k]);
			memset(got, 0xa5, sizeof(got));
			skein256_hash(got, outlen, msg, lens[k]);
			assert_memory_equal(got, want, outlen);
			/* Nothing written past the asked length. */
			if (outlen < sizeof(got))
				assert_int_equal(got[outlen], 0xa5);
		}
		{
			struct skein256_ctx ctx;

			ref_skein(want, outlen, key, sizeof(key), msg, 50);
			skein256_init_mac(&ctx, key, sizeof(key), outlen);
			skein256_update(&ctx, msg, 50);
			skein256_final(&ctx, got);
			assert_memory_equal(got, want, outlen);
		}
	}
	/* A 1-byte key is a key: it differs from the unkeyed hash. */
	skein256_mac(got, key, 1, msg, 10);
	skein256_hash(want, 32, msg, 10);
	assert_memory_not_equal(got, want, 32);
}

/* A keyed context copied per message gives the one-shot MAC each time. */
static void
test_mac_context_copy(void ** state)
{
	struct skein256_ctx keyed, ctx;
	uint8_t key[32], msg[100], one[32], got[32];
	size_t len;

	(void)state;
	seeded_bytes(13, key, sizeof(key));
	seeded_bytes(14, msg, sizeof(msg));
	skein256_init_mac(&keyed, key, sizeof(key), 32);
	for (len = 0; len <= sizeof(msg); len += 11) {
		ctx = keyed;
		skein256_update(&ctx, msg, len);
		skein256_final(&ctx, got);
		skein256_mac(one, key, sizeof(key), msg, len);
		assert_memory_equal(got, one, 32);
	}
	skein256_final(&keyed, got);
}

/* Final wipes the context; stream_wipe wipes the stream. */
static void
test_wipe(void ** state)
{
	static const uint8_t zero[sizeof(struct skein256_stream)];
	struct skein256_ctx ctx;
	struct skein256_stream s;
	uint8_t key[32] = {1}, out[32], buf[10] = {0};
	size_t i;

	(void)state;
	skein256_init_mac(&ctx, key, sizeof(key), 32);
	skein256_update(&ctx, key, 20);
	skein256_final(&ctx, out);
	for (i = 0; i < sizeof(ctx.h) / sizeof(ctx.h[0]); i++)
		assert_true(ctx.h[i] == 0);
	for (i = 0; i < sizeof(ctx.buf); i++)
		assert_int_equal(ctx.buf[i], 0);
	skein256_stream_init(&s, key, key);
	skein256_stream_xor(&s, buf, buf, sizeof(buf));
	skein256_stream_wipe(&s);
	assert_memory_equal(&s, zero, sizeof(s));
}

/* The keystream equals the plain reference's. */
static void
test_stream_reference(void ** state)
{
	uint8_t key[32], iv[32], got[300] = {0}, want[300];

	(void)state;
	seeded_bytes(5, key, sizeof(key));
	seeded_bytes(6, iv, sizeof(iv));
	{
		struct skein256_stream s;

		skein256_stream_init(&s, key, iv);
		skein256_stream_xor(&s, got, got, sizeof(got));
		skein256_stream_wipe(&s);
	}
	ref_stream(want, sizeof(want), key, iv);
	assert_memory_equal(got, want, sizeof(got));
}

/* Every line of the stream vectors file, fetched in one call. */
static void
test_stream_vectors(void ** state)
{
	FILE * f = fopen(STREAM_VECTORS, "r");
	char line[1024], hkey[80], hiv[80], hks[400];
	uint8_t key[32], iv[32], want[200], got[200] = {0};
	struct skein256_stream s;
	long n;
	int count = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "stream %79s %79s %399s", hkey,
		    hiv, hks), 3);
		assert_int_equal(unhex(hkey, strlen(hkey), key, 32), 32);
		assert_int_equal(unhex(hiv, strlen(hiv), iv, 32), 32);
		n = unhex(hks, strlen(hks), want, sizeof(want));
		assert_true(n > 0);
		ref_stream(got, (size_t)n, key, iv);
		assert_memory_equal(got, want, (size_t)n);
		memset(got, 0, sizeof(got));
		skein256_stream_init(&s, key, iv);
		skein256_stream_xor(&s, got, got, (size_t)n);
		skein256_stream_wipe(&s);
		assert_memory_equal(got, want, (size_t)n);
		count++;
	}
	fclose(f);
	assert_true(count >= 3);
}

/*
 * XOR twice is the identity; any cutting of the calls gives the one-call
 * result (200 seeded random cuttings of 300 bytes, in place and not).
 */
static void
test_stream_cuts(void ** state)
{
	struct dust_rng_seeded r;
	struct skein256_stream s;
	uint8_t key[32], iv[32], pt[300], ct[300], ct2[300], back[300];
	size_t off, n;
	int trial;

	(void)state;
	seeded_bytes(7, key, sizeof(key));
	seeded_bytes(8, iv, sizeof(iv));
	seeded_bytes(9, pt, sizeof(pt));
	skein256_stream_init(&s, key, iv);
	skein256_stream_xor(&s, ct, pt, sizeof(pt));
	assert_memory_not_equal(ct, pt, sizeof(pt));
	skein256_stream_init(&s, key, iv);
	skein256_stream_xor(&s, back, ct, sizeof(ct));
	assert_memory_equal(back, pt, sizeof(pt));

	dust_rng_seeded_u64(&r, 10);
	for (trial = 0; trial < 200; trial++) {
		skein256_stream_init(&s, key, iv);
		memcpy(ct2, pt, sizeof(pt));
		for (off = 0; off < sizeof(pt); off += n) {
			n = dust_rng_uniform(&r.rng, 70);
			if (n > sizeof(pt) - off)
				n = sizeof(pt) - off;
			if (trial % 2)
				skein256_stream_xor(&s, ct2 + off, ct2 + off,
				    n);
			else
				skein256_stream_xor(&s, ct2 + off, pt + off,
				    n);
		}
		assert_memory_equal(ct2, ct, sizeof(ct));
	}
	skein256_stream_wipe(&s);
}

/* Another IV, another key, or one flipped bit of either: another stream. */
static void
test_stream_distinct(void ** state)
{
	struct skein256_stream s;
	uint8_t key[32], iv[32], base[64], other[64];
	unsigned bit;

	(void)state;
	seeded_bytes(11, key, sizeof(key));
	seeded_bytes(12, iv, sizeof(iv));
	memset(base, 0, sizeof(base));
	skein256_stream_init(&s, key, iv);
	skein256_stream_xor(&s, base, base, sizeof(base));
	for (bit = 0; bit < 256; bit += 17) {
		key[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		memset(other, 0, sizeof(other));
		skein256_stream_init(&s, key, iv);
		skein256_stream_xor(&s, other, other, sizeof(other));
		assert_memory_not_equal(base, other, 32);
		assert_memory_not_equal(base + 32, other + 32, 32);
		key[bit / 8] ^= (uint8_t)(1 << (bit % 8));

		iv[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		memset(other, 0, sizeof(other));
		skein256_stream_init(&s, key, iv);
		skein256_stream_xor(&s, other, other, sizeof(other));
		assert_memory_not_equal(base, other, 32);
		assert_memory_not_equal(base + 32, other + 32, 32);
		iv[bit / 8] ^= (uint8_t)(1 << (bit % 8));
	}
	/* Key and IV are not interchangeable. */
	skein256_stream_init(&s, iv, key);
	memset(other, 0, sizeof(other));
	skein256_stream_xor(&s, other, other, sizeof(other));
	assert_memory_not_equal(base, other, 32);
	/* Consecutive blocks differ (the counter is in use). */
	assert_memory_not_equal(base, base + 32, 32);
	skein256_stream_wipe(&s);
}

/*
 * Long keystreams (the 8-block path, where the CPU has the lanes) equal
 * the plain reference, in one call and cut into pieces of 0..700 bytes.
 */
static void
test_stream_long(void ** state)
{
	static uint8_t got[5003], want[5003], cut[5003];
	struct dust_rng_seeded r;
	struct skein256_stream s;
	uint8_t key[32], iv[32];
	size_t off, n;
	int trial;

	(void)state;
	seeded_bytes(13, key, sizeof(key));
	seeded_bytes(14, iv, sizeof(iv));
	ref_stream(want, sizeof(want), key, iv);
	memset(got, 0, sizeof(got));
	skein256_stream_init(&s, key, iv);
	skein256_stream_xor(&s, got, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(got));
	dust_rng_seeded_u64(&r, 15);
	for (trial = 0; trial < 20; trial++) {
		memset(cut, 0, sizeof(cut));
		skein256_stream_init(&s, key, iv);
		for (off = 0; off < sizeof(cut); off += n) {
			n = dust_rng_uniform(&r.rng, 701);
			if (n > sizeof(cut) - off)
				n = sizeof(cut) - off;
			skein256_stream_xor(&s, cut + off, cut + off, n);
		}
		assert_memory_equal(cut, want, sizeof(cut));
	}
	skein256_stream_wipe(&s);
}

/*
 * skein256_mac8 gives the codes of update + final on copies of the keyed
 * context, for lengths around block boundaries and a record's 16387
 * bytes; it declines a context that has absorbed bytes already.
 */
static void
test_mac8(void ** state)
{
	static const size_t lens[] = { 1, 31, 32, 33, 64, 65, 1000, 16387 };
	static uint8_t msgs[8][16387];
	struct skein256_ctx key, c;
	const uint8_t * msg[8];
	uint8_t codes[8][32], want[32], k[32];
	uint8_t * out[8];
	size_t i, j;
	int rc;

	(void)state;
	seeded_bytes(16, k, sizeof(k));
	skein256_init_mac(&key, k, sizeof(k), 32);
	for (j = 0; j < 8; j++) {
		seeded_bytes(17 + (uint64_t)j, msgs[j], sizeof(msgs[j]));
		msg[j] = msgs[j];
		out[j] = codes[j];
	}
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(codes, 0, sizeof(codes));
		if ((rc = skein256_mac8(&key, msg, lens[i], out)) == 0)
			skip();		/* No 8-lane vectors here. */
		for (j = 0; j < 8; j++) {
			memcpy(&c, &key, sizeof(c));
			skein256_update(&c, msgs[j], lens[i]);
			skein256_final(&c, want);
			assert_memory_equal(codes[j], want, 32);
		}
	}
	memcpy(&c, &key, sizeof(c));
	skein256_update(&c, msgs[0], 5);
	assert_int_equal(skein256_mac8(&c, msg, 10, out), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_output_lengths),
		cmocka_unit_test(test_mac_context_copy),
		cmocka_unit_test(test_wipe),
		cmocka_unit_test(test_stream_reference),
		cmocka_unit_test(test_stream_vectors),
		cmocka_unit_test(test_stream_cuts),
		cmocka_unit_test(test_stream_long),
		cmocka_unit_test(test_mac8),
		cmocka_unit_test(test_stream_distinct),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
