/*
 * The ExtORPort client (lib/pt/extorport.c) against the known exchanges
 * of tests/vectors/extorport.txt, which tests/ref/extorport_ref.py (hmac
 * and hashlib, written from ext-orport-spec.txt) makes and the integration
 * test extorport_ref recomputes: every byte the client sends must equal
 * the vector's, fed whole and one byte at a time.  Then the faults: a
 * wrong ServerHash, refused authentication, no SAFE_COOKIE, too many
 * types, bad cookie files, and the wiping of the secrets.
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

#include "dust/rng.h"

#include "pt/extorport.h"
#include "pt/ptaddr.h"

#define VECTOR	"tests/vectors/extorport.txt"
#define NCASES	3

/* One exchange of the vector file. */
struct vcase {
	uint8_t cookie_file[64], client_nonce[32], server_nonce[32];
	uint8_t server_hash[32], client_hash[32];
	uint8_t to_tor[512], from_tor[512];
	size_t to_tor_len, from_tor_len;
	char useraddr[64], transport[64], result[16];
};

static struct vcase cases[NCASES];

/* hexfield(out, max, hex): decode ${hex}; return its length. */
static size_t
hexfield(uint8_t * out, size_t max, const char * hex)
{
	size_t len;

	assert_int_equal(sodium_hex2bin(out, max, hex, strlen(hex), NULL,
	    &len, NULL), 0);
	return (len);
}

/* textfield(out, max, v): copy the quoted ${v}. */
static void
textfield(char * out, size_t max, const char * v)
{
	size_t n = strlen(v);

	assert_true(n >= 2 && v[0] == '"' && v[n - 1] == '"' && n - 2 < max);
	memcpy(out, v + 1, n - 2);
	out[n - 2] = '\0';
}

/* Read the vector file into ${cases}. */
static int
load(void ** state)
{
	FILE * f = fopen(VECTOR, "r");
	char line[2048], * eq;
	size_t n = 0;
	int seen = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		struct vcase * c = &cases[n < NCASES ? n : NCASES - 1];

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue;
		if (line[0] == '\0') {
			n += seen;
			seen = 0;
			continue;
		}
		assert_true(n < NCASES);
		assert_non_null(eq = strstr(line, " = "));
		*eq = '\0';
		eq += 3;
		seen = 1;
		if (!strcmp(line, "cookie_file"))
			assert_int_equal(hexfield(c->cookie_file, 64, eq), 64);
		else if (!strcmp(line, "client_nonce"))
			assert_int_equal(hexfield(c->client_nonce, 32, eq), 32);
		else if (!strcmp(line, "server_nonce"))
			assert_int_equal(hexfield(c->server_nonce, 32, eq), 32);
		else if (!strcmp(line, "server_hash"))
			assert_int_equal(hexfield(c->server_hash, 32, eq), 32);
		else if (!strcmp(line, "client_hash"))
			assert_int_equal(hexfield(c->client_hash, 32, eq), 32);
		else if (!strcmp(line, "to_tor"))
			c->to_tor_len = hexfield(c->to_tor, 512, eq);
		else if (!strcmp(line, "from_tor"))
			c->from_tor_len = hexfield(c->from_tor, 512, eq);
		else if (!strcmp(line, "useraddr"))
			textfield(c->useraddr, sizeof(c->useraddr), eq);
		else if (!strcmp(line, "transport"))
			textfield(c->transport, sizeof(c->transport), eq);
		else if (!strcmp(line, "result"))
			textfield(c->result, sizeof(c->result), eq);
	}
	fclose(f);
	assert_int_equal(n + seen, NCASES);
	return (0);
}

/* A "random" source that hands out the vector's client nonce. */
static void
fixed_fill(void * ctx, uint8_t * buf, size_t len)
{

	assert_int_equal(len, 32);
	memcpy(buf, ctx, len);
}

/* Start ${c} for vector case ${v}. */
static void
start(struct extor_client * c, const struct vcase * v)
{
	struct dust_rng rng = { fixed_fill, (void *)v->client_nonce };
	uint8_t cookie[32];
	struct ptaddr a;
	const char * why;
	char err[128];

	assert_int_equal(extor_cookie_parse(cookie, v->cookie_file, 64, &why),
	    0);
	if (v->useraddr[0] != '\0')
		assert_int_equal(ptaddr_parse(&a, v->useraddr,
		    strlen(v->useraddr), 0, err, sizeof(err)), 0);
	assert_int_equal(extor_client_init(c, cookie,
	    v->useraddr[0] ? &a : NULL, v->transport, &rng), 0);
	sodium_memzero(cookie, sizeof(cookie));
}

/*
 * Feed ${in} in pieces of ${step} bytes, collecting what the client sends
 * into ${sent}; return the final status.
 */
static enum extor_status
run(struct extor_client * c, const uint8_t * in, size_t len, size_t step,
    uint8_t * sent, size_t * sentlen, size_t * taken)
{
	enum extor_status st = EXTOR_NEED_MORE;
	uint8_t out[EXTOR_OUT_MAX];
	size_t off = 0, used, outlen;

	*sentlen = 0;
	while (off < len) {
		size_t n = (len - off < step) ? len - off : step;

		st = extor_client_feed(c, in + off, n, &used, out, &outlen);
		off += used;
		assert_true(outlen <= EXTOR_OUT_MAX);
		memcpy(sent + *sentlen, out, outlen);
		*sentlen += outlen;
		if (st != EXTOR_NEED_MORE && st != EXTOR_SEND)
			break;
		if (st == EXTOR_NEED_MORE)
			assert_int_equal(used, n);
	}
	*taken = off;
	return (st);
}

/* The hashes alone, as extor_hash computes them. */
static void
test_hashes(void ** state)
{
	uint8_t h[32];
	size_t i;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		const struct vcase * v = &cases[i];

		extor_hash(h, v->cookie_file + 32, EXTOR_SERVER_CONTEXT,
		    v->client_nonce, v->server_nonce);
		assert_memory_equal(h, v->server_hash, 32);
		extor_hash(h, v->cookie_file + 32, EXTOR_CLIENT_CONTEXT,
		    v->client_nonce, v->server_nonce);
		assert_memory_equal(h, v->client_hash, 32);
	}
}

/* Every exchange, whole and byte by byte, sends the vector's bytes. */
static void
test_exchanges(void ** state)
{
	static const size_t steps[] = { 1, 3, 64, 512 };
	struct extor_client c;
	uint8_t sent[512];
	size_t i, j, sentlen, taken;
	enum extor_status st;

	(void)state;
	for (i = 0; i < NCASES; i++) {
		const struct vcase * v = &cases[i];

		for (j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
			start(&c, v);
			st = run(&c, v->from_tor, v->from_tor_len, steps[j],
			    sent, &sentlen, &taken);
			assert_int_equal(st, strcmp(v->result, "OKAY") == 0 ?
			    EXTOR_OKAY : EXTOR_DENIED);
			assert_int_equal(taken, v->from_tor_len);
			assert_int_equal(sentlen, v->to_tor_len);
			assert_memory_equal(sent, v->to_tor, sentlen);
			/* The cookie and nonces are wiped. */
			assert_true(sodium_is_zero(c.cookie, 32));
			assert_true(sodium_is_zero(c.client_nonce, 32));
			extor_client_clear(&c);
		}
	}
}

/* Bytes after OKAY are the OR protocol's: not taken. */
static void
test_after_okay(void ** state)
{
	const struct vcase * v = &cases[0];
	struct extor_client c;
	uint8_t in[600], sent[512];
	size_t sentlen, taken;

	(void)state;
	memcpy(in, v->from_tor, v->from_tor_len);
	memcpy(in + v->from_tor_len, "\x00\x00\x07", 3);
	start(&c, v);
	assert_int_equal(run(&c, in, v->from_tor_len + 3, 600, sent, &sentlen,
	    &taken), EXTOR_OKAY);
	assert_int_equal(taken, v->from_tor_len);
}

/* A ServerHash that is one bit off: error, no ClientHash sent. */
static void
test_wrong_server_hash(void ** state)
{
	const struct vcase * v = &cases[0];
	struct extor_client c;
	uint8_t in[512], sent[512];
	size_t sentlen, taken, bit;

	(void)state;
	for (bit = 0; bit < 256; bit += 37) {
		memcpy(in, v->from_tor, v->from_tor_len);
		in[2 + bit / 8] ^= (uint8_t)(1 << (bit % 8));
		start(&c, v);
		assert_int_equal(run(&c, in, v->from_tor_len, 512, sent,
		    &sentlen, &taken), EXTOR_ERROR);
		assert_int_equal(sentlen, 33);	/* type and nonce only */
		assert_non_null(strstr(c.why, "ServerHash"));
		assert_true(sodium_is_zero(c.cookie, 32));
	}
}

/* A status byte of 0 (or 2): error naming it. */
static void
test_refused(void ** state)
{
	const struct vcase * v = &cases[0];
	struct extor_client c;
	uint8_t in[512], sent[512];
	size_t sentlen, taken, at = 2 + 64;

	(void)state;
	memcpy(in, v->from_tor, v->from_tor_len);
	in[at] = 0;
	start(&c, v);
	assert_int_equal(run(&c, in, at + 1, 512, sent, &sentlen, &taken),
	    EXTOR_ERROR);
	assert_non_null(strstr(c.why, "refused"));
	in[at] = 2;
	start(&c, v);
	assert_int_equal(run(&c, in, at + 1, 512, sent, &sentlen, &taken),
	    EXTOR_ERROR);
	assert_non_null(strstr(c.why, "status"));
}

/* No SAFE_COOKIE offered: we answer 0 and stop; 256 types: error. */
static void
test_auth_types(void ** state)
{
	const struct vcase * v = &cases[0];
	struct extor_client c;
	uint8_t in[300], sent[512];
	size_t sentlen, taken;

	(void)state;
	start(&c, v);
	assert_int_equal(run(&c, (const uint8_t *)"\x02\x03\x00", 3, 1, sent,
	    &sentlen, &taken), EXTOR_ERROR);
	assert_int_equal(sentlen, 1);
	assert_int_equal(sent[0], 0);
	assert_non_null(strstr(c.why, "SAFE_COOKIE"));
	memset(in, 1, sizeof(in));
	start(&c, v);
	assert_int_equal(run(&c, in, sizeof(in), 300, sent, &sentlen,
	    &taken), EXTOR_ERROR);
	assert_non_null(strstr(c.why, "255"));
	/* Further bytes after the end are refused, not read. */
	assert_int_equal(run(&c, in, 1, 1, sent, &sentlen, &taken),
	    EXTOR_ERROR);
}

/* Cookie files: wrong length, wrong header; a bad transport name. */
static void
test_cookie_file(void ** state)
{
	const struct vcase * v = &cases[0];
	uint8_t cookie[32], file[65];
	struct extor_client c;
	const char * why;

	(void)state;
	memcpy(file, v->cookie_file, 64);
	assert_int_equal(extor_cookie_parse(cookie, file, 64, &why), 0);
	assert_memory_equal(cookie, v->cookie_file + 32, 32);
	assert_int_equal(extor_cookie_parse(cookie, file, 63, &why), -1);
	assert_non_null(strstr(why, "64 bytes"));
	file[64] = 0;
	assert_int_equal(extor_cookie_parse(cookie, file, 65, &why), -1);
	file[31] = '\r';
	assert_int_equal(extor_cookie_parse(cookie, file, 64, &why), -1);
	assert_non_null(strstr(why, "header"));
	assert_int_equal(extor_client_init(&c, cookie, NULL, "1dust", NULL),
	    -1);
	assert_int_equal(extor_client_init(&c, cookie, NULL, "dust", NULL), 0);
	extor_client_clear(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_exchanges),
		cmocka_unit_test(test_after_okay),
		cmocka_unit_test(test_wrong_server_hash),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_auth_types),
		cmocka_unit_test(test_cookie_file),
	};

	if (sodium_init() < 0)
		return (1);
	return (cmocka_run_group_tests(tests, load, NULL));
}
