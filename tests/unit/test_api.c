/*
 * The seed's command encoding (include/dust/api.h): two engines driven
 * only through request bytes, each request fed a byte at a time first
 * (every proper prefix must ask for more), carry an echo; bad requests
 * fail with their message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/api.h"
#include "dust/engine.h"
#include "dust/keyfile.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"

#include "servertest.h"

static uint8_t srv_b[32], srv_B[32], sid[SEATTLE_SID_MAX];
static size_t sidlen;
static uint8_t resp[DUST_API_RESPONSE_MAX];

/* setup(state): the server's key pair and identifier. */
static int
setup(void ** state)
{

	(void)state;
	server_identity(srv_b, srv_B, sid, &sidlen, 41, 198, 51, 100, 7, 8080);
	return (0);
}

/*
 * call(e, req, len): run the request ${req} of ${len} bytes, checking that
 * every proper prefix returns 0; return the response length (in resp).
 */
static size_t
call(struct dust_engine * e, const uint8_t * req, size_t len)
{
	const char * why;
	size_t outlen, k;

	/* Prefixes: only the short ones for long requests (cost). */
	for (k = 0; k < len && k < 8; k++)
		assert_int_equal(dust_api_step(e, req, k, resp, &outlen, &why),
		    0);
	assert_int_equal(dust_api_step(e, req, len - 1, resp, &outlen, &why),
	    0);
	assert_int_equal(dust_api_step(e, req, len, resp, &outlen, &why),
	    (int)len);
	return (outlen);
}

/* A request with a 2-byte argument and optional data. */
static size_t
req2(uint8_t * req, uint8_t cmd, uint16_t arg, const uint8_t * data)
{

	req[0] = cmd;
	req[1] = (uint8_t)(arg >> 8);
	req[2] = (uint8_t)arg;
	if (data != NULL)
		memcpy(req + 3, data, arg);
	return (3 + (data ? arg : 0));
}

/* be16(p): the big-endian 16-bit integer at ${p}. */
static uint16_t
be16(const uint8_t * p)
{

	return ((uint16_t)(p[0] << 8 | p[1]));
}

/* One side's 10 ms: its packets go, through put_encoded, to the peer. */
static void
tick(struct dust_engine * from, struct dust_engine * to)
{
	static uint8_t req[3 + 65535], pkt[65535];
	const uint8_t one = 0x01;
	uint16_t n, len;

	assert_int_equal(call(from, req, req2(req, 0x00, 10, NULL)), 2);
	for (n = be16(resp); n > 0; n--) {
		assert_int_equal(call(from, &one, 1), 2);
		len = be16(resp);
		assert_int_equal(call(from, req, req2(req, 0x03, len, NULL)),
		    len);
		memcpy(pkt, resp, len);
		assert_int_equal(call(to, req, req2(req, 0x12, len, pkt)), 0);
	}
}

/* An echo of 3000 bytes with the http model, through request bytes only. */
static void
test_api_echo(void ** state)
{
	static uint8_t req[3 + 65535], got[3000], sent[3000], buf[65535];
	const uint8_t ready = 0x11;
	struct dust_model * m;
	struct dust_engine * c, * s;
	struct dust_rng_seeded r;
	char err[256];
	size_t recvd = 0;
	uint16_t n;
	int t;

	(void)state;
	assert_non_null(m = dust_model_builtin("http", err, sizeof(err)));
	assert_non_null(c = dust_engine_client_new(m, srv_B, sid, sidlen,
	    NULL));
	assert_non_null(s = dust_engine_server_new(m, srv_b, sid, sidlen,
	    NULL, NULL));
	dust_rng_seeded_u64(&r, 42);
	dust_rng_fill(&r.rng, sent, sizeof(sent));
	assert_int_equal(call(c, req, req2(req, 0x02, sizeof(sent), sent)),
	    0);
	for (t = 0; t < 6000 && recvd < sizeof(sent); t++) {
		tick(c, s);
		tick(s, c);
		assert_int_equal(call(s, &ready, 1), 2);
		if ((n = be16(resp)) > 0) {
			assert_int_equal(call(s, req, req2(req, 0x13, n, NULL)),
			    n);
			memcpy(buf, resp, n);
			assert_int_equal(call(s, req, req2(req, 0x02, n, buf)),
			    0);
		}
		assert_int_equal(call(c, &ready, 1), 2);
		if ((n = be16(resp)) > 0) {
			assert_true(recvd + n <= sizeof(got));
			assert_int_equal(call(c, req, req2(req, 0x13, n, NULL)),
			    n);
			memcpy(got + recvd, resp, n);
			recvd += n;
		}
	}
	printf("echo of %zu bytes after %d ms\n", recvd, 10 * t);
	assert_int_equal(recvd, sizeof(sent));
	assert_memory_equal(got, sent, sizeof(sent));
	dust_engine_free(c);
	dust_engine_free(s);
	dust_model_free(m);
}

/* Bad requests: unknown commands, get_decoded beyond decoded_ready. */
static void
test_api_errors(void ** state)
{
	struct dust_model * m;
	struct dust_engine * c;
	const char * why;
	char err[256];
	size_t outlen;
	uint8_t req[8];
	int cmd, known;

	(void)state;
	assert_non_null(m = dust_model_builtin("http", err, sizeof(err)));
	assert_non_null(c = dust_engine_client_new(m, srv_B, sid, sidlen,
	    NULL));
	for (cmd = 0; cmd < 256; cmd++) {
		known = (cmd <= 0x03) || (cmd >= 0x11 && cmd <= 0x13);
		req[0] = (uint8_t)cmd;
		memset(req + 1, 0, sizeof(req) - 1);
		if (known)
			continue;
		assert_int_equal(dust_api_step(c, req, 3, resp, &outlen, &why),
		    -1);
		assert_string_equal(why, "unknown command byte");
	}
	assert_int_equal(dust_api_step(c, req, 0, resp, &outlen, &why), 0);
	assert_int_equal(dust_api_step(c, req, req2(req, 0x13, 5, NULL),
	    resp, &outlen, &why), -1);
	assert_string_equal(why,
	    "get_decoded: more bytes asked for than decoded_ready");
	/* get_decoded of 0 bytes is fine; so is get_encoded of 0. */
	assert_int_equal(dust_api_step(c, req, req2(req, 0x13, 0, NULL),
	    resp, &outlen, &why), 3);
	assert_int_equal(dust_api_step(c, req, req2(req, 0x03, 0, NULL),
	    resp, &outlen, &why), 3);
	assert_int_equal(outlen, 0);
	dust_engine_free(c);
	dust_model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_echo),
		cmocka_unit_test(test_api_errors),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
