/*
 * TLS 1.3 first flights and templates (lib/format/tlshello.h,
 * docs/formats.md): every real vector of tests/vectors/tls13-hellos.txt
 * (curl and openssl s_client against nginx) parses; templates learned from
 * them have exactly the random fields the protocol makes random; filled
 * templates (200 fills per template, fixed seeds) parse, equal the
 * template outside the fields and keep the learned client's JA3 and JA4;
 * the SNI can be replaced; JA4 gives FoxIO's published example; GREASE is
 * found and linked (synthetic Chrome-like hellos); every truncation and
 * the corruptions below are refused with a message naming the field, and
 * so are bad record headers in the stream after the handshake.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/rng.h"

#include "format/tlshello.h"
#include "hellotest.h"

#define NFILL	200	/* Fills per template. */

/* setup(state): read the vectors. */
static int
setup(void ** state)
{

	(void)state;
	return (vec_setup("tests/vectors/tls13-hellos.txt", 8));
}

/* Every vector parses, and the two sides agree. */
static void
test_vectors_parse(void ** state)
{
	struct tlshello_client ch;
	struct tlshello_server sh;
	char err[256], ja4[256];
	size_t i, total;
	int k;

	(void)state;
	for (k = 0; k < nvec; k++) {
		assert_non_null(vec[k].client);
		assert_non_null(vec[k].server);
		if (tlshello_parse_client(vec[k].client, vec[k].clen, &ch, err,
		    sizeof(err)))
			fail_msg("%s client: %s", vec[k].name, err);
		if (tlshello_parse_server(vec[k].server, vec[k].slen, &sh, err,
		    sizeof(err)))
			fail_msg("%s server: %s", vec[k].name, err);
		assert_true(ch.has_sni);
		assert_int_equal(ch.sni.len, 9);
		assert_memory_equal(ch.b + ch.sni.off, "localhost", 9);
		assert_int_equal(ch.nshares, 1);
		assert_int_equal(ch.share[0].group, TLS_GROUP_X25519);
		assert_int_equal(ch.session_id.len, 32);
		assert_int_equal(tlshello_ja4(&ch, 0, ja4, sizeof(ja4)), 0);
		assert_memory_equal(ja4, "t13d", 4);
		/* The server echoes the session id and picks x25519. */
		assert_int_equal(sh.session_id.len, 32);
		assert_memory_equal(sh.b + sh.session_id.off,
		    ch.b + ch.session_id.off, 32);
		assert_int_equal(sh.version, 0x0304);
		assert_int_equal(sh.share.group, TLS_GROUP_X25519);
		assert_true(sh.suite >= 0x1301 && sh.suite <= 0x1303);
		assert_false(sh.hrr);
		/* ServerHello, ChangeCipherSpec, four encrypted messages. */
		assert_true(sh.ccs);
		assert_int_equal(sh.nrecords, 4);
		for (total = sh.hello_len + 6, i = 0; i < sh.nrecords; i++)
			total += 5 + sh.record_len[i];
		assert_int_equal(total, vec[k].slen);
	}
}

/*
 * field_at(t, place, len): the index of the field of ${t} at ${place}
 * (checking its length), or fail.
 */
static size_t
field_at(const struct tlshello_template * t, int place, size_t len)
{
	size_t i;

	for (i = 0; i < t->nfields; i++)
		if (t->field[i].place == place) {
			assert_int_equal(t->field[i].len, len);
			return (i);
		}
	fail_msg("no field at place %d", place);
	return (0);
}

/*
 * check_fills(t, ref, seed): fill ${t} ${NFILL} times with drawn values;
 * each fill parses, equals ${t} outside its fields, gives its values back,
 * and (for a client) has the JA3 and JA4 of the parsed ${ref}.
 */
static void
check_fills(const struct tlshello_template * t,
    const struct tlshello_client * ref, uint64_t seed)
{
	struct dust_rng_seeded rs;
	struct tlshello_client ch;
	uint8_t * out, * vals, * back;
	char err[256], a[1024], b[1024];
	size_t k;

	dust_rng_seeded_u64(&rs, seed);
	out = malloc(t->len);
	vals = malloc(t->vlen + 1);
	back = malloc(t->vlen + 1);
	assert_non_null(out);
	assert_non_null(vals);
	assert_non_null(back);
	for (k = 0; k < NFILL; k++) {
		assert_int_equal(tlshello_draw(t, &rs.rng, vals), 0);
		if (tlshello_fill(t, vals, out, err, sizeof(err)))
			fail_msg("fill: %s", err);
		if (tlshello_extract(t, out, t->len, back, err, sizeof(err)))
			fail_msg("extract: %s", err);
		assert_memory_equal(vals, back, t->vlen);
		check_filled(t->bytes, t->len, t->field, t->nfields, vals, out);
		if (ref == NULL)
			continue;
		assert_int_equal(tlshello_fill(t, vals, out, err, sizeof(err)),
		    0);
		if (tlshello_parse_client(out, t->len, &ch, err, sizeof(err)))
			fail_msg("filled hello: %s", err);
		assert_int_equal(tlshello_ja3(&ch, a, sizeof(a)), 0);
		assert_int_equal(tlshello_ja3(ref, b, sizeof(b)), 0);
		assert_string_equal(a, b);
		assert_int_equal(tlshello_ja4(&ch, 0, a, sizeof(a)), 0);
		assert_int_equal(tlshello_ja4(ref, 0, b, sizeof(b)), 0);
		assert_string_equal(a, b);
	}
	free(out);
	free(vals);
	free(back);
}

/*
 * Templates of curl's and openssl's hellos and of nginx's ServerHello:
 * exactly random, the session id and the X25519 key (no GREASE: OpenSSL
 * sends none), and fills keep JA3 and JA4.
 */
static void
test_learn_real(void ** state)
{
	static const char * clients[] = { "curl-", "openssl-" };
	const uint8_t * h[TLSVEC_MAX];
	size_t lens[TLSVEC_MAX], n, i, f;
	struct tlshello_template * t;
	struct tlshello_client ref;
	char err[256];

	(void)state;
	for (i = 0; i < 2; i++) {
		n = pick(clients[i], h, lens, 0);
		assert_true(n >= 3);
		if (tlshello_learn(TLSHELLO_CLIENT, h, lens, n, &t, err,
		    sizeof(err)))
			fail_msg("%s: %s", clients[i], err);
		assert_int_equal(t->nfields, 3);
		f = field_at(t, TLSHELLO_AT_RANDOM, 32);
		assert_int_equal(t->field[f].off, 11);
		assert_int_equal(t->field[f].kind, TLSHELLO_UNIFORM);
		f = field_at(t, TLSHELLO_AT_SESSION_ID, 32);
		assert_int_equal(t->field[f].off, 44);
		assert_int_equal(t->field[f].kind, TLSHELLO_UNIFORM);
		f = field_at(t, TLSHELLO_AT_SHARE_KEY, 32);
		assert_int_equal(t->field[f].kind, TLSHELLO_X25519);
		assert_int_equal(t->field[f].group, TLS_GROUP_X25519);
		assert_int_equal(t->vlen, 96);
		assert_int_equal(tlshello_parse_client(h[0], lens[0], &ref, err,
		    sizeof(err)), 0);
		check_fills(t, &ref, 1 + i);
		tlshello_template_free(t);
	}
	n = pick("", h, lens, 1);
	if (tlshello_learn(TLSHELLO_SERVER, h, lens, n, &t, err, sizeof(err)))
		fail_msg("server: %s", err);
	assert_int_equal(t->len, 127);
	assert_int_equal(t->nfields, 3);
	field_at(t, TLSHELLO_AT_RANDOM, 32);
	assert_int_equal(t->field[field_at(t, TLSHELLO_AT_SESSION_ID, 32)].kind,
	    TLSHELLO_ECHO);
	assert_int_equal(t->field[field_at(t, TLSHELLO_AT_SHARE_KEY, 32)].kind,
	    TLSHELLO_X25519);
	check_fills(t, NULL, 3);
	tlshello_template_free(t);
}

/* Learning refuses hellos that are not of one client, naming why. */
static void
test_learn_errors(void ** state)
{
	const uint8_t * h[TLSVEC_MAX];
	size_t lens[TLSVEC_MAX], n;
	struct tlshello_template * t;
	uint8_t * copy;
	char err[256];

	(void)state;
	n = pick("curl-", h, lens, 0);
	expect_err(tlshello_learn(TLSHELLO_CLIENT, h, lens, 1, &t, err,
	    sizeof(err)), err, "needs 2 hellos");
	assert_null(t);
	/* curl's and openssl's hellos together. */
	n += pick("openssl-", h + n, lens + n, 0);
	expect_err(tlshello_learn(TLSHELLO_CLIENT, h, lens, n, &t, err,
	    sizeof(err)), err, "hello 5 is 243 bytes, hello 1 517");
	/* One connection twice. */
	h[1] = h[0];
	lens[1] = lens[0];
	expect_err(tlshello_learn(TLSHELLO_CLIENT, h, lens, 2, &t, err,
	    sizeof(err)), err, "the random is the same");
	/* A cipher suite changed in the second hello. */
	n = pick("curl-", h, lens, 0);
	copy = malloc(lens[1]);
	assert_non_null(copy);
	memcpy(copy, h[1], lens[1]);
	copy[78] ^= 0x01;
	h[1] = copy;
	expect_err(tlshello_learn(TLSHELLO_CLIENT, h, lens, n, &t, err,
	    sizeof(err)), err,
	    "hello 2 differs from hello 1 at byte 78 (cipher_suites)");
	/* A cipher suite changed in a second ServerHello. */
	n = pick("", h, lens, 1);
	memcpy(copy, h[1], 127);
	copy[77] ^= 0x02;
	h[1] = copy;
	lens[1] = 127;
	expect_err(tlshello_learn(TLSHELLO_SERVER, h, lens, n, &t, err,
	    sizeof(err)), err,
	    "hello 2 differs from hello 1 at byte 77 (cipher_suite)");
	/* A client's hello as a server's. */
	n = pick("curl-", h, lens, 0);
	expect_err(tlshello_learn(TLSHELLO_SERVER, h, lens, n, &t, err,
	    sizeof(err)), err,
	    "hello 1: ServerHello: handshake record version");
	free(copy);
}

/* The SNI replaced: lengths fixed, padding absorbs, fields follow. */
static void
test_set_sni(void ** state)
{
	static const char * hosts[] = { "www.example.com", "a.io",
	    "averyveryveryverylonglabelofsixtythreecharacterssssssssssssssss."
	    "example.org" };
	static const char * nothosts[] = { "", "1.2.3.4", "a..b", ".a",
	    "bad host", "x\xc3\xa9.com", "-a.com", "a-.com", "a.com-" };
	const uint8_t * h[TLSVEC_MAX];
	size_t lens[TLSVEC_MAX], n, i, k;
	struct tlshello_template * t;
	struct tlshello_client ch, ref;
	char err[256], a[512], b[512];
	int j;

	(void)state;
	for (j = 0; j < 2; j++) {
		n = pick(j == 0 ? "curl-" : "openssl-", h, lens, 0);
		assert_int_equal(tlshello_parse_client(h[0], lens[0], &ref, err,
		    sizeof(err)), 0);
		for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
			assert_int_equal(tlshello_learn(TLSHELLO_CLIENT, h,
			    lens, n, &t, err, sizeof(err)), 0);
			if (tlshello_set_sni(t, hosts[i], err, sizeof(err)))
				fail_msg("%s: %s", hosts[i], err);
			if (tlshello_parse_client(t->bytes, t->len, &ch, err,
			    sizeof(err)))
				fail_msg("%s: %s", hosts[i], err);
			assert_int_equal(ch.sni.len, strlen(hosts[i]));
			assert_memory_equal(ch.b + ch.sni.off, hosts[i],
			    ch.sni.len);
			/* curl pads to 512 bytes; openssl does not pad. */
			assert_int_equal(t->len, j == 0 ? lens[0] :
			    lens[0] + strlen(hosts[i]) - 9);
			assert_int_equal(tlshello_ja3(&ch, a, sizeof(a)), 0);
			assert_int_equal(tlshello_ja3(&ref, b, sizeof(b)), 0);
			assert_string_equal(a, b);
			assert_int_equal(tlshello_ja4(&ch, 0, a, sizeof(a)), 0);
			assert_int_equal(tlshello_ja4(&ref, 0, b, sizeof(b)),
			    0);
			assert_string_equal(a, b);
			/* The fields moved with the bytes. */
			k = field_at(t, TLSHELLO_AT_SHARE_KEY, 32);
			assert_int_equal(t->field[k].off, ch.share[0].key.off);
			check_fills(t, &ch, 10 + i);
			tlshello_template_free(t);
		}
	}
	n = pick("curl-", h, lens, 0);
	assert_int_equal(tlshello_learn(TLSHELLO_CLIENT, h, lens, n, &t, err,
	    sizeof(err)), 0);
	for (i = 0; i < sizeof(nothosts) / sizeof(nothosts[0]); i++)
		expect_err(tlshello_set_sni(t, nothosts[i], err, sizeof(err)),
		    err, "is not a host name");
	tlshello_template_free(t);
}

/*
 * Every prefix of a ClientHello is refused; a server flight is accepted
 * cut exactly at a record boundary after the ServerHello, and only there.
 */
static void
test_truncated(void ** state)
{
	struct tlshello_client ch;
	struct tlshello_server sh;
	char err[256];
	size_t n, next;
	int k;

	(void)state;
	for (k = 0; k < nvec; k++) {
		for (n = 0; n < vec[k].clen; n++) {
			err[0] = '\0';
			assert_int_equal(tlshello_parse_client(vec[k].client, n,
			    &ch, err, sizeof(err)), -1);
			assert_memory_equal(err, "ClientHello: ", 13);
		}
		assert_int_equal(tlshello_parse_server(vec[k].server,
		    vec[k].slen, &sh, err, sizeof(err)), 0);
		next = sh.hello_len;
		for (n = 0; n < vec[k].slen; n++) {
			err[0] = '\0';
			if (n == next) {
				assert_int_equal(tlshello_parse_server(
				    vec[k].server, n, &sh, err, sizeof(err)),
				    0);
				next += 5 + (size_t)(vec[k].server[n + 3] << 8 |
				    vec[k].server[n + 4]);
				continue;
			}
			assert_int_equal(tlshello_parse_server(vec[k].server, n,
			    &sh, err, sizeof(err)), -1);
			assert_true(strlen(err) > 13);
		}
	}
}

/*
 * corrupt(b, len, off, v, want): parse (as a server's flight if ${want}
 * does not start with "ClientHello") ${b} with the byte at ${off} set to
 * ${v}; expect ${want}.
 */
static void
corrupt(const uint8_t * b, size_t len, size_t off, uint8_t v,
    const char * want)
{
	struct tlshello_client ch;
	struct tlshello_server sh;
	uint8_t * c = malloc(len);
	char err[256];

	assert_non_null(c);
	memcpy(c, b, len);
	c[off] = v;
	if (strncmp(want, "ClientHello", 11) == 0)
		expect_err(tlshello_parse_client(c, len, &ch, err, sizeof(err)),
		    err, want);
	else
		expect_err(tlshello_parse_server(c, len, &sh, err, sizeof(err)),
		    err, want);
	free(c);
}

/* find_ext(b, len, type): the offset of extension ${type}'s header. */
static size_t
find_ext(const uint8_t * b, size_t len, uint16_t type)
{
	struct tlshello_client ch;
	char err[256];
	size_t i;

	assert_int_equal(tlshello_parse_client(b, len, &ch, err, sizeof(err)),
	    0);
	for (i = 0; i < ch.nexts; i++)
		if (ch.ext[i].type == type)
			return (ch.ext[i].body.off - 4);
	fail_msg("no extension 0x%04x", type);
	return (0);
}

/* Corrupted fields are refused, the message naming them. */
static void
test_corrupt(void ** state)
{
	const uint8_t * c = vec[0].client, * o = vec[4].client;
	const uint8_t * s = vec[0].server;
	size_t cl = vec[0].clen, ol = vec[4].clen, sl = vec[0].slen, e;
	struct tlshello_server sh;
	char err[256];

	(void)state;
	assert_string_equal(vec[0].name, "curl-1");
	assert_string_equal(vec[4].name, "openssl-1");
	corrupt(c, cl, 0, 23, "ClientHello: handshake record type 23, not 22");
	corrupt(c, cl, 2, 4, "ClientHello: handshake record version 0x0304");
	corrupt(c, cl, 3, 0x41,
	    "ClientHello: handshake record length 16640 exceeds 16384");
	corrupt(c, cl, 5, 2,
	    "ClientHello: handshake type 2, not 1 (client_hello)");
	corrupt(c, cl, 8, 0xfd,
	    "ClientHello: handshake length 509 does not fill the record");
	corrupt(c, cl, 43, 33,
	    "ClientHello: legacy_session_id length 33 exceeds 32");
	corrupt(c, cl, 77, 0x09,
	    "ClientHello: cipher_suites length 9 is not a multiple of 2");
	corrupt(c, cl, 87, 0x01,
	    "ClientHello: legacy_compression_methods lacks null");
	/* openssl's key_share is its last extension: 38 bytes. */
	e = find_ext(o, ol, TLS_EXT_KEY_SHARE);
	assert_int_equal(e + 4 + 38, ol);
	corrupt(o, ol, e + 3, 40, "ClientHello: extension 0x0033 (key_share) "
	    "length 40 overruns the extensions block");
	corrupt(o, ol, e + 9, 0x21, "ClientHello: key_share key_exchange "
	    "length 33 overruns the 32 bytes left");
	corrupt(o, ol, e + 9, 31, "ClientHello: key_share entry 0x001d "
	    "(x25519) key length 31, not 32");
	e = find_ext(c, cl, TLS_EXT_PADDING);
	corrupt(c, cl, e + 4 + 7, 1,
	    "ClientHello: padding byte 7 is 0x01, not 0");
	e = find_ext(c, cl, 0x0016);
	corrupt(c, cl, e + 1, 0x17, "ClientHello: extension 0x0017 "
	    "(extended_master_secret) appears twice");
	e = find_ext(c, cl, TLS_EXT_SERVER_NAME);
	corrupt(c, cl, e + 6, 1,
	    "ClientHello: server_name name_type 1, not 0");
	e = find_ext(c, cl, TLS_EXT_ALPN);
	corrupt(c, cl, e + 6, 0,
	    "ClientHello: alpn protocol_name length 0 is under 1");
	e = find_ext(c, cl, TLS_EXT_SUPPORTED_VERSIONS);
	corrupt(c, cl, e + 4, 3, "ClientHello: extension 0x002b "
	    "(supported_versions) length 3 overruns the 2 bytes left");
	/* nginx's flight: ServerHello 127 bytes, then ChangeCipherSpec. */
	corrupt(s, sl, 9, 0x04, "ServerHello: legacy_version 0x0403");
	corrupt(s, sl, 78, 1, "legacy_compression_method 1, not 0");
	corrupt(s, sl, 127 + 5, 2, "ChangeCipherSpec body 0x02, not 0x01");
	corrupt(s, sl, 133, 22, "record type 22 after the ServerHello");
	corrupt(s, sl, 133 + 3, 0x41, "application_data 0 record length 16682 "
	    "exceeds 16640");
	corrupt(s, sl, 133 + 4, 16, "application_data 0 record length 16 is "
	    "under 17");
	expect_err(tlshello_parse_server(s, sl - 1, &sh, err, sizeof(err)), err,
	    "server flight: application_data 3 record length");
	/* A HelloRetryRequest is recognised by its random. */
	{
		static const uint8_t hrr[] = { 0x16, 0x03, 0x03, 0x00, 0x32,
		    0x02, 0x00, 0x00, 0x2e, 0x03, 0x03,
		    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d,
		    0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16,
		    0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8,
		    0x33, 0x9c, 0x00, 0x13, 0x01, 0x00, 0x00, 0x06,
		    0x00, 0x2b, 0x00, 0x02, 0x03, 0x04 };

		expect_err(tlshello_parse_server(hrr, sizeof(hrr), &sh, err,
		    sizeof(err)), err, "ServerHello: no key_share");
		assert_true(sh.hrr);
	}
}

/*
 * The record stream after the ServerHello, record by record and byte by
 * byte: ChangeCipherSpec, then application data; bad headers refused.
 */
static void
test_records(void ** state)
{
	static const struct {
		uint8_t h[5];
		const char * want;
	} bad[] = {
		{ { 22, 3, 3, 0, 1 }, "record: type 22, not" },
		{ { 23, 3, 1, 0, 1 }, "record: version 0x0301, not 0x0303" },
		{ { 23, 3, 3, 0, 0 }, "record: length 0, not 1 to 16640" },
		{ { 23, 3, 3, 0x41, 1 },
		    "record: length 16641, not 1 to 16640" }
	};
	const uint8_t * s = vec[0].server;
	size_t len = vec[0].slen, off = 127, n, rlen, k = 0;
	uint8_t type;
	char err[256];

	(void)state;
	while (off < len) {
		for (n = 0; n < 5 + (size_t)(s[off + 3] << 8 | s[off + 4]); n++)
			assert_int_equal(tlshello_record(s + off, n, &type,
			    &rlen, err, sizeof(err)), 1);
		assert_int_equal(tlshello_record(s + off, len - off, &type,
		    &rlen, err, sizeof(err)), 0);
		assert_int_equal(type, k == 0 ? 20 : 23);
		off += 5 + rlen;
		k++;
	}
	assert_int_equal(off, len);
	assert_int_equal(k, 5);
	for (n = 0; n < sizeof(bad) / sizeof(bad[0]); n++)
		expect_err(tlshello_record(bad[n].h, 5, &type, &rlen, err,
		    sizeof(err)), err, bad[n].want);
}

/* Fill and extract refuse values and hellos that are not the template's. */
static void
test_fill_extract_errors(void ** state)
{
	const uint8_t * h[TLSVEC_MAX];
	size_t lens[TLSVEC_MAX], n, e;
	struct tlshello_template * t;
	uint8_t vals[96], * out, * copy;
	char err[256];

	(void)state;
	n = pick("curl-", h, lens, 0);
	assert_int_equal(tlshello_learn(TLSHELLO_CLIENT, h, lens, n, &t, err,
	    sizeof(err)), 0);
	out = malloc(t->len);
	assert_non_null(out);
	memset(vals, 0x55, sizeof(vals));
	vals[95] = 0x80;
	expect_err(tlshello_fill(t, vals, out, err, sizeof(err)), err,
	    "field 2 (key_share 0x001d key): bit 255 set");
	expect_err(tlshello_extract(t, vec[4].client, vec[4].clen, vals, err,
	    sizeof(err)), err, "hello is 243 bytes, the template 517");
	copy = malloc(lens[2]);
	assert_non_null(copy);
	memcpy(copy, h[2], lens[2]);
	e = find_ext(copy, lens[2], TLS_EXT_ALPN);
	copy[e + 7] = 'H';
	expect_err(tlshello_extract(t, copy, lens[2], vals, err, sizeof(err)),
	    err, "differs from the template at byte");
	assert_non_null(strstr(err, "(extension 0x0010 (alpn))"));
	assert_int_equal(tlshello_extract(t, h[2], lens[2], vals, err,
	    sizeof(err)), 0);
	assert_memory_equal(vals, h[2] + 11, 32);
	free(copy);
	free(out);
	tlshello_template_free(t);
}

/* A ClientHello under construction. */
struct hb {
	uint8_t b[2048];
	size_t n;
};

/* put(h, v, w): append the ${w}-byte big-endian ${v}. */
static void
put(struct hb * h, size_t v, size_t w)
{

	for (; w > 0; w--)
		h->b[h->n++] = (uint8_t)(v >> (8 * (w - 1)));
}

/* mark(h, w): reserve a ${w}-byte length; return where it is. */
static size_t
mark(struct hb * h, size_t w)
{

	put(h, 0, w);
	return (h->n - w);
}

/* close_len(h, at, w): set the length at ${at} to the bytes since. */
static void
close_len(struct hb * h, size_t at, size_t w)
{
	size_t v = h->n - at - w, i;

	for (i = w; i > 0; i--, v >>= 8)
		h->b[at + i - 1] = (uint8_t)v;
}

/* u16s(h, v, n, w): append ${n} values with a ${w}-byte length. */
static void
u16s(struct hb * h, const uint16_t * v, size_t n, size_t w)
{
	size_t at = mark(h, w), i;

	for (i = 0; i < n; i++)
		put(h, v[i], 2);
	close_len(h, at, w);
}

/* What a synthetic ClientHello holds. */
struct hello {
	const uint16_t * suites;
	size_t nsuites;
	const uint16_t * exts;
	size_t nexts;
	const uint16_t * sigalgs;
	size_t nsigalgs;
	const char * alpn;	/* First protocol, then "http/1.1". */
	uint16_t grease[4];	/* Suite, group/share, ext 1, ext 2. */
	uint64_t seed;
};

/* ext_body(h, x, type): append the body of extension ${type}. */
static void
ext_body(struct hb * h, const struct hello * x, uint16_t type)
{
	struct dust_rng_seeded rs;
	uint16_t groups[] = { x->grease[1], 0x001d, 0x0017 };
	uint16_t versions[] = { 0x0304, 0x0303 };
	size_t at, at2;

	dust_rng_seeded_u64(&rs, x->seed + 1000);
	switch (type) {
	case TLS_EXT_SERVER_NAME:
		at = mark(h, 2);
		put(h, 0, 1);
		put(h, 11, 2);
		memcpy(h->b + h->n, "example.com", 11);
		h->n += 11;
		close_len(h, at, 2);
		break;
	case TLS_EXT_SUPPORTED_GROUPS:
		u16s(h, groups, 3, 2);
		break;
	case TLS_EXT_EC_POINT_FORMATS:
		put(h, 1, 1);
		put(h, 0, 1);
		break;
	case TLS_EXT_SIGNATURE_ALGORITHMS:
		u16s(h, x->sigalgs, x->nsigalgs, 2);
		break;
	case TLS_EXT_ALPN:
		at = mark(h, 2);
		put(h, strlen(x->alpn), 1);
		memcpy(h->b + h->n, x->alpn, strlen(x->alpn));
		h->n += strlen(x->alpn);
		put(h, 8, 1);
		memcpy(h->b + h->n, "http/1.1", 8);
		h->n += 8;
		close_len(h, at, 2);
		break;
	case TLS_EXT_PADDING:
		memset(h->b + h->n, 0, 20);
		h->n += 20;
		break;
	case TLS_EXT_SUPPORTED_VERSIONS:
		at = mark(h, 1);
		put(h, x->grease[1], 2);
		put(h, versions[0], 2);
		put(h, versions[1], 2);
		close_len(h, at, 1);
		break;
	case TLS_EXT_PSK_KEY_EXCHANGE_MODES:
		put(h, 1, 1);
		put(h, 1, 1);
		break;
	case TLS_EXT_KEY_SHARE:
		at = mark(h, 2);
		put(h, x->grease[1], 2);
		put(h, 1, 2);
		put(h, 0, 1);
		put(h, 0x001d, 2);
		at2 = mark(h, 2);
		dust_rng_fill(&rs.rng, h->b + h->n, 32);
		h->b[h->n + 31] &= 0x7f;
		h->n += 32;
		close_len(h, at2, 2);
		close_len(h, at, 2);
		break;
	default:
		if (type == x->grease[3])
			put(h, 0, 1);
	}
}

/* build(x, h): a ClientHello record of ${x} in ${h}. */
static void
build(const struct hello * x, struct hb * h)
{
	struct dust_rng_seeded rs;
	size_t rec, hs, block, ext, i;

	dust_rng_seeded_u64(&rs, x->seed);
	h->n = 0;
	put(h, 0x160301, 3);
	rec = mark(h, 2);
	put(h, 1, 1);
	hs = mark(h, 3);
	put(h, 0x0303, 2);
	dust_rng_fill(&rs.rng, h->b + h->n, 32);
	h->n += 32;
	put(h, 32, 1);
	dust_rng_fill(&rs.rng, h->b + h->n, 32);
	h->n += 32;
	u16s(h, x->suites, x->nsuites, 2);
	put(h, 0x0100, 2);
	block = mark(h, 2);
	for (i = 0; i < x->nexts; i++) {
		put(h, x->exts[i], 2);
		ext = mark(h, 2);
		ext_body(h, x, x->exts[i]);
		close_len(h, ext, 2);
	}
	close_len(h, block, 2);
	close_len(h, hs, 3);
	close_len(h, rec, 2);
}

/* FoxIO's JA4 example: its cipher suites, extensions, signatures. */
static const uint16_t fox_suites[] = { 0x1301, 0x1302, 0x1303, 0xc02b,
	0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
	0x009d, 0x002f, 0x0035 };
static const uint16_t fox_exts[] = { 0x001b, 0x0000, 0x0033, 0x0010,
	0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b,
	0xff01, 0x000b, 0x000a, 0x0015 };
static const uint16_t fox_sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503,
	0x0805, 0x0501, 0x0806, 0x0601 };

/*
 * chrome(seed, g, x, suites, exts, h): FoxIO's example as a Chrome-like
 * hello with GREASE (${g}: suite, group/share/version, first and last
 * extension) in ${h}, using ${suites} and ${exts} as room.
 */
static void
chrome(uint64_t seed, const uint16_t g[4], struct hello * x,
    uint16_t * suites, uint16_t * exts, struct hb * h)
{

	suites[0] = g[0];
	memcpy(suites + 1, fox_suites, sizeof(fox_suites));
	exts[0] = g[2];
	memcpy(exts + 1, fox_exts, sizeof(fox_exts));
	exts[17] = g[3];
	memset(x, 0, sizeof(*x));
	x->suites = suites;
	x->nsuites = 16;
	x->exts = exts;
	x->nexts = 18;
	x->sigalgs = fox_sigalgs;
	x->nsigalgs = 8;
	x->alpn = "h2";
	memcpy(x->grease, g, sizeof(x->grease));
	x->seed = seed;
	build(x, h);
}

/*
 * JA4 of FoxIO's example (published: t13d1516h2_8daaf6152771_
 * e5627efa2ab1, and its JA4_r), GREASE ignored; JA3 as its definition
 * spells it; the ALPN rules.
 */
static void
test_ja4_foxio(void ** state)
{
	static const uint16_t g[4] = { 0x2a2a, 0x9a9a, 0x0a0a, 0xfafa };
	uint16_t suites[16], exts[18];
	struct tlshello_client ch;
	struct hello x;
	struct hb h;
	char err[256], out[1024], want[1024];
	size_t i, n;

	(void)state;
	chrome(7, g, &x, suites, exts, &h);
	if (tlshello_parse_client(h.b, h.n, &ch, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(tlshello_ja4(&ch, 0, out, sizeof(out)), 0);
	assert_string_equal(out, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	assert_int_equal(tlshello_ja4(&ch, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "t13d1516h2_002f,0035,009c,009d,1301,1302,"
	    "1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,"
	    "0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,"
	    "0503,0805,0501,0806,0601");
	assert_int_equal(tlshello_ja4(&ch, 0, out, 20), -1);
	/* JA3: decimal, in order, GREASE left out. */
	n = (size_t)snprintf(want, sizeof(want), "771,");
	for (i = 0; i < 15; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%u",
		    i ? "-" : "", fox_suites[i]);
	n += (size_t)snprintf(want + n, sizeof(want) - n, ",");
	for (i = 0; i < 16; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%u",
		    i ? "-" : "", fox_exts[i]);
	snprintf(want + n, sizeof(want) - n, ",29-23,0");
	assert_int_equal(tlshello_ja3(&ch, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

/* jalpn(first, want): JA4's ALPN characters for a first protocol. */
static void
jalpn(const char * first, const char * want)
{
	static const uint16_t g[4] = { 0x2a2a, 0x9a9a, 0x0a0a, 0xfafa };
	uint16_t suites[16], exts[18];
	struct tlshello_client ch;
	struct hello x;
	struct hb h;
	char err[256], out[256];

	chrome(1, g, &x, suites, exts, &h);
	x.alpn = first;
	build(&x, &h);
	if (tlshello_parse_client(h.b, h.n, &ch, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(tlshello_ja4(&ch, 0, out, sizeof(out)), 0);
	assert_memory_equal(out + 8, want, 2);
}

/* FoxIO's ALPN examples. */
static void
test_ja4_alpn(void ** state)
{

	(void)state;
	jalpn("http/1.1", "h1");
	jalpn("h", "hh");
	jalpn("\xab", "ab");
	jalpn("\xab\xcd", "ad");
	jalpn("0\xab", "3b");
	jalpn("01\xab\xcd", "3d");
	jalpn("0\xab\xcd" "1", "01");
}

/*
 * grease_fill_errors(t): fill refuses a GREASE field that is not GREASE,
 * a linked field unlike its partner, and two GREASE extensions alike.
 */
static void
grease_fill_errors(const struct tlshello_template * t)
{
	struct dust_rng_seeded rs;
	uint8_t vals[256], * out;
	size_t i, voff, first = SIZE_MAX;
	char err[256];

	assert_true(t->vlen <= sizeof(vals));
	out = malloc(t->len);
	assert_non_null(out);
	dust_rng_seeded_u64(&rs, 9);
	for (i = voff = 0; i < t->nfields; voff += t->field[i++].len) {
		assert_int_equal(tlshello_draw(t, &rs.rng, vals), 0);
		if (t->field[i].kind != TLSHELLO_GREASE)
			continue;
		/* Another GREASE value for a linked field, else none. */
		if (t->field[i].link >= 0) {
			vals[voff] ^= 0x10;
			vals[voff + 1] ^= 0x10;
		} else
			vals[voff] ^= 0x01;
		expect_err(tlshello_fill(t, vals, out, err, sizeof(err)), err,
		    t->field[i].link >= 0 ? "which it always equals" :
		    "not a GREASE value");
		if (t->field[i].place != TLSHELLO_AT_GREASE_EXT)
			continue;
		if (first == SIZE_MAX) {
			first = voff;
			continue;
		}
		memcpy(vals + voff, vals + first, 2);
		expect_err(tlshello_fill(t, vals, out, err, sizeof(err)), err,
		    "which the protocol forbids");
	}
	assert_true(first != SIZE_MAX);
	free(out);
}

/*
 * GREASE: two Chrome-like hellos with different GREASE values; the
 * template finds every GREASE value and links the supported_groups and
 * supported_versions values to the key_share group (the synthetic hellos
 * use one value for the three; BoringSSL uses one for the first two).
 */
static void
test_grease(void ** state)
{
	static const uint16_t g1[4] = { 0x2a2a, 0x9a9a, 0x0a0a, 0xfafa };
	static const uint16_t g2[4] = { 0x5a5a, 0x3a3a, 0xdada, 0x1a1a };
	uint16_t s1[16], e1[18], s2[16], e2[18];
	struct tlshello_template * t;
	struct tlshello_client ref;
	struct hello x1, x2;
	struct hb h1, h2;
	const uint8_t * h[2];
	size_t lens[2], i, kinds[6] = { 0 }, links = 0, gr;
	char err[256];

	(void)state;
	chrome(1, g1, &x1, s1, e1, &h1);
	chrome(2, g2, &x2, s2, e2, &h2);
	h[0] = h1.b;
	h[1] = h2.b;
	lens[0] = h1.n;
	lens[1] = h2.n;
	if (tlshello_learn(TLSHELLO_CLIENT, h, lens, 2, &t, err, sizeof(err)))
		fail_msg("%s", err);
	for (i = 0; i < t->nfields; i++) {
		kinds[t->field[i].kind]++;
		if (t->field[i].link >= 0) {
			links++;
			gr = (size_t)t->field[i].link;
			/* key_share comes first in FoxIO's order. */
			assert_int_equal(t->field[gr].place,
			    TLSHELLO_AT_GREASE_SHARE);
			assert_true(t->field[i].place ==
			    TLSHELLO_AT_GREASE_GROUP || t->field[i].place ==
			    TLSHELLO_AT_GREASE_VERSION);
		}
	}
	/* random, session id; the x25519 key; 6 GREASE values. */
	assert_int_equal(kinds[TLSHELLO_UNIFORM], 2);
	assert_int_equal(kinds[TLSHELLO_X25519], 1);
	assert_int_equal(kinds[TLSHELLO_GREASE], 6);
	assert_int_equal(t->nfields, 9);
	assert_int_equal(links, 2);
	field_at(t, TLSHELLO_AT_GREASE_SUITE, 2);
	field_at(t, TLSHELLO_AT_GREASE_SHARE, 2);
	field_at(t, TLSHELLO_AT_GREASE_VERSION, 2);
	assert_int_equal(tlshello_parse_client(h1.b, h1.n, &ref, err,
	    sizeof(err)), 0);
	check_fills(t, &ref, 5);
	grease_fill_errors(t);
	tlshello_template_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_parse),
		cmocka_unit_test(test_learn_real),
		cmocka_unit_test(test_learn_errors),
		cmocka_unit_test(test_set_sni),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_fill_extract_errors),
		cmocka_unit_test(test_ja4_foxio),
		cmocka_unit_test(test_ja4_alpn),
		cmocka_unit_test(test_grease),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
