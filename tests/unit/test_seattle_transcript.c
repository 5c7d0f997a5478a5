/*
 * The Seattle transcript vectors (tests/vectors/seattle-transcript.txt,
 * and seattle-mark-transcript.txt with the mark; docs/protocol.md): fixed
 * keys and seeded randomness, the exact bytes of both directions.  The
 * state machines make the streams; this file then recomputes K, the codes,
 * the mark and the records from docs/spec.md §1-§2 and docs/protocol.md
 * with Skein and X25519 directly, and compares everything with the stored
 * vector.  Run with DUST_WRITE_VECTORS=1 to rewrite the files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "crypto/elligator.h"
#include "crypto/skein.h"
#include "dust/rng.h"
#include "dust/seattle.h"
#include "seattle/machine.h"

#include "seattle/mark.h"
#include "vectorfile.h"

#define VECTOR	"tests/vectors/seattle-transcript.txt"
#define VECTOR_MARK "tests/vectors/seattle-mark-transcript.txt"

/* The marked transcript's hour: 2026-01-01 00:00 UTC. */
#define MARK_EPOCH	((uint64_t)1767225600 / 3600)

static char out[16384];
static size_t outlen;

/* put(fmt, ...): append a line to the transcript text. */
static void __attribute__((format(printf, 1, 2)))
put(const char * fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	outlen += (size_t)vsnprintf(out + outlen, sizeof(out) - outlen, fmt,
	    ap);
	va_end(ap);
	assert_true(outlen < sizeof(out));
}

/* hex(name, b, n): append "name = <hex>". */
static void
hex(const char * name, const uint8_t * b, size_t n)
{
	char h[2 * 512 + 1];

	assert_true(n <= 512);
	sodium_bin2hex(h, sizeof(h), b, n);
	put("%s = %s\n", name, h);
}

/* mac(out, K, msg, len): Skein-MAC-256-256 under K. */
static void
mac(uint8_t o[32], const uint8_t K[32], const uint8_t * msg, size_t len)
{

	skein256_mac(o, K, 32, msg, len);
}

/*
 * check_records(K, iv, recs, len, data): decrypt ${recs} with the
 * keystream (K, iv) and check a data record carrying ${data} then a
 * padding record, by the letter of docs/spec.md §2.
 */
static void
check_records(const uint8_t K[32], const uint8_t iv[32], const uint8_t * recs,
    size_t len, const char * data)
{
	struct skein256_stream ks;
	uint8_t p[256], code[32];
	size_t dl = strlen(data), L = 1 + dl + 32;

	assert_int_equal(len, 2 + L + 35);
	skein256_stream_init(&ks, K, iv);
	skein256_stream_xor(&ks, p, recs, len);
	assert_int_equal(p[0] << 8 | p[1], L);
	assert_int_equal(p[2], 1);
	assert_memory_equal(p + 3, data, dl);
	mac(code, K, p, 3 + dl);
	assert_memory_equal(p + 3 + dl, code, 32);
	assert_int_equal(p[2 + L] << 8 | p[3 + L], 33);
	assert_true(sodium_is_zero(p + 4 + L, 33));
}

/*
 * transcript(marked, vector): make the transcript (with the mark if
 * ${marked}), check it by the letter and against the file ${vector}.
 * With the mark the client sends X || M || CC || IV, and the server,
 * which sends nothing before the mark has verified, Y || confirmation ||
 * IV: no filler on either side.
 */
static void
transcript(int marked, const char * vector)
{
	static const uint8_t addr[4] = {192, 0, 2, 1};
	static const char cdata[] = "hello, server", sdata[] = "hello, client";
	struct dust_rng_seeded rb, rc, rs, rc2, rs2;
	struct seattle * c, * s;
	uint8_t b[32], B[32], x[32], X[32], y[32], Y[32], ivc[32], ivs[32];
	uint8_t sid[SEATTLE_SID_MAX], K[32], conf[32], cc[32], u[32];
	uint8_t cs[32 + 32 + 64 + 48 + 35], ss[32 + 32 + 64 + 48 + 35];
	uint8_t buf[400], got[32], MK[32], M[32], E[8];
	size_t cm = marked ? 32 : 0, sf = marked ? 0 : 32;
	size_t cslen = 32 + cm + 64 + 48 + 35, sslen = 32 + sf + 64 + 48 + 35;
	int i;
	struct skein256_ctx h;
	size_t sidlen;

	outlen = 0;
	sidlen = seattle_sid(sid, 0, addr, 443, 0);
	dust_rng_seeded_u64(&rb, 1);
	dust_rng_fill(&rb.rng, b, 32);
	crypto_scalarmult_base(B, b);
	dust_rng_seeded_u64(&rc, 2);
	dust_rng_seeded_u64(&rs, 3);
	assert_non_null(c = seattle_client_new(B, sid, sidlen, &rc.rng));
	assert_non_null(s = seattle_server_new(b, sid, sidlen, NULL, &rs.rng));
	if (marked) {
		mark_key(MK, B, sid, sidlen);
		assert_int_equal(seattle_set_mark(c, MK, MARK_EPOCH), 0);
		assert_int_equal(seattle_set_mark(s, MK, MARK_EPOCH), 0);
	}

	/* The exchange, step by step. */
	if (marked) {
		seattle_pull(c, cs, 64);		/* X, M */
		assert_int_equal(seattle_pull(s, ss, 32), 0);	/* Nothing. */
		assert_int_equal(seattle_push(s, cs, 64), 0);
		seattle_pull(s, ss, 96);		/* Y, code, IV */
	} else {
		seattle_pull(c, cs, 32);		/* X */
		seattle_pull(s, ss, 64);		/* Y, one filler */
		assert_int_equal(seattle_push(s, cs, 32), 0);
		seattle_pull(s, ss + 64, 64);		/* confirmation, IV */
	}
	assert_int_equal(seattle_push(c, ss, 96 + sf), 0);
	assert_int_equal(seattle_status(c), SEATTLE_ESTABLISHED);
	seattle_pull(c, cs + 32 + cm, 64);		/* CC, IV */
	assert_int_equal(seattle_push(s, cs + 32 + cm, 64), 0);
	assert_int_equal(seattle_status(s), SEATTLE_ESTABLISHED);
	assert_int_equal(seattle_write(c, (const uint8_t *)cdata, 13), 0);
	seattle_pull(c, cs + 96 + cm, 48 + 35);		/* data, padding */
	assert_int_equal(seattle_write(s, (const uint8_t *)sdata, 13), 0);
	seattle_pull(s, ss + 96 + sf, 48 + 35);
	assert_int_equal(seattle_push(s, cs + 96 + cm, 83), 0);
	assert_int_equal(seattle_push(c, ss + 96 + sf, 83), 0);
	assert_int_equal(seattle_read(s, buf, sizeof(buf)), 13);
	assert_memory_equal(buf, cdata, 13);
	assert_int_equal(seattle_read(c, buf, sizeof(buf)), 13);
	assert_memory_equal(buf, sdata, 13);
	seattle_free(c);
	seattle_free(s);

	/* The same randomness again: ephemeral key first, then the IV. */
	dust_rng_seeded_u64(&rc2, 2);
	dust_rng_seeded_u64(&rs2, 3);
	elligator2_key_pair(X, x, &rc2.rng);
	dust_rng_fill(&rc2.rng, ivc, 32);
	elligator2_key_pair(Y, y, &rs2.rng);
	dust_rng_fill(&rs2.rng, ivs, 32);
	assert_memory_equal(cs, X, 32);
	assert_memory_equal(ss, Y, 32);
	assert_memory_equal(cs + 64 + cm, ivc, 32);
	assert_memory_equal(ss + 64 + sf, ivs, 32);

	/* The mark by the letter of docs/protocol.md. */
	if (marked) {
		memcpy(buf, B, 32);
		memcpy(buf + 32, sid, sidlen);
		memcpy(buf + 32 + sidlen, "dust mark key", 13);
		skein256_hash(got, 32, buf, 45 + sidlen);
		assert_memory_equal(got, MK, 32);
		for (i = 0; i < 8; i++)
			E[i] = (uint8_t)(MARK_EPOCH >> (56 - 8 * i));
		memcpy(buf, X, 32);
		memcpy(buf + 32, E, 8);
		memcpy(buf + 40, "dust mark", 9);
		mac(M, MK, buf, 49);
		assert_memory_equal(cs + 32, M, 32);
	}

	/* K and the codes by the letter of docs/spec.md §1 (client side). */
	skein256_init(&h, 32);
	elligator2_map(u, Y);
	assert_int_equal(crypto_scalarmult(buf, x, u), 0);
	assert_int_equal(crypto_scalarmult(buf + 32, x, B), 0);
	memcpy(buf + 64, sid, sidlen);
	memcpy(buf + 64 + sidlen, X, 32);
	memcpy(buf + 96 + sidlen, Y, 32);
	memcpy(buf + 128 + sidlen, "ntor", 4);
	skein256_update(&h, buf, 132 + sidlen);
	skein256_final(&h, K);
	/* The server's DH values are the same. */
	elligator2_map(u, X);
	assert_int_equal(crypto_scalarmult(got, y, u), 0);
	assert_memory_equal(got, buf, 32);
	assert_int_equal(crypto_scalarmult(got, b, u), 0);
	assert_memory_equal(got, buf + 32, 32);

	memcpy(buf, sid, sidlen);
	memcpy(buf + sidlen, Y, 32);
	memcpy(buf + sidlen + 32, X, 32);
	memcpy(buf + sidlen + 64, "ntorserver", 10);
	mac(conf, K, buf, sidlen + 74);
	memcpy(buf + sidlen, X, 32);
	memcpy(buf + sidlen + 32, Y, 32);
	memcpy(buf + sidlen + 64, "ntorclient", 10);
	mac(cc, K, buf, sidlen + 74);
	assert_memory_equal(ss + 32 + sf, conf, 32);
	assert_memory_equal(cs + 32 + cm, cc, 32);
	check_records(K, ivc, cs + 96 + cm, 83, cdata);
	check_records(K, ivs, ss + 96 + sf, 83, sdata);

	/* The text. */
	if (marked)
		put("# Seattle transcript vector with the mark "
		    "(docs/protocol.md, \"The mark\"; docs/spec.md sections "
		    "1-2, 9).\n"
		    "# Made by tests/unit/test_seattle_transcript.c; all hex."
		    "\n# Secrets are 32 random bytes before X25519 clamping."
		    "\n");
	else
		put("# Seattle transcript vector (docs/protocol.md, "
		    "docs/spec.md sections 1-2).\n"
		    "# Made by tests/unit/test_seattle_transcript.c; all hex."
		    "\n# Secrets are 32 random bytes before X25519 clamping."
		    "\n");
	hex("sid", sid, sidlen);
	hex("server_static_secret_b", b, 32);
	hex("server_static_public_B", B, 32);
	hex("client_ephemeral_secret_x", x, 32);
	hex("client_representative_X", X, 32);
	hex("server_ephemeral_secret_y", y, 32);
	hex("server_representative_Y", Y, 32);
	if (marked) {
		hex("mark_epoch_E", E, 8);
		hex("mark_key_MK", MK, 32);
		hex("client_mark_M", M, 32);
	} else {
		hex("server_filler", ss + 32, 32);
	}
	hex("shared_key_K", K, 32);
	hex("server_confirmation", conf, 32);
	hex("client_code_CC", cc, 32);
	hex("client_iv", ivc, 32);
	hex("server_iv", ivs, 32);
	put("client_data = \"%s\"\n", cdata);
	hex("client_data_record", cs + 96 + cm, 48);
	hex("client_padding_record", cs + 144 + cm, 35);
	put("server_data = \"%s\"\n", sdata);
	hex("server_data_record", ss + 96 + sf, 48);
	hex("server_padding_record", ss + 144 + sf, 35);
	hex("client_stream", cs, cslen);
	hex("server_stream", ss, sslen);

	vector_check(vector, out, outlen);
}

/* The seed's transcript: no mark, the server's Y before X arrives. */
static void
test_transcript(void ** state)
{

	(void)state;
	transcript(0, VECTOR);
}

/* The transcript with the mark on both sides. */
static void
test_transcript_mark(void ** state)
{

	(void)state;
	transcript(1, VECTOR_MARK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transcript),
		cmocka_unit_test(test_transcript_mark),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
