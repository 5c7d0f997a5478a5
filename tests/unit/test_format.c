/*
 * A model's "format" object (lib/format/format.h, formatparse.c): a
 * format made of the real curl and nginx first flights of
 * tests/vectors/tls13-hellos.txt loads, with the record lengths, suite and
 * templates the captures hold (read off the vectors' hex); an "sni"
 * replaces the server_name; a model with the format loads through
 * dust_model_parse.  Each bad input (not hex, odd length, a truncated
 * hello, one capture, two different clients, a flight without
 * application data, an unknown key, a bad SNI, a wrong protocol, a client
 * without an X25519 key) is refused with a message naming the field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "dust/model.h"

#include "format/format.h"
#include "format/tlshello.h"
#include "formattest.h"

/* setup(state): read the vectors. */
static int
setup(void ** state)
{

	(void)state;
	return (vec_setup("tests/vectors/tls13-hellos.txt", 8));
}

/* refused(o, want): format_parse refuses ${o} (freed) saying ${want}. */
static void
refused(json_t * o, const char * want)
{
	struct dust_format * f = (struct dust_format *)1;
	char err[512];

	expect_err(format_parse(o, &f, err, sizeof(err)), err, want);
	assert_null(f);
	json_decref(o);
}

/* entry(o, key, i): the string ${key}[${i}] of ${o}, to change. */
static char *
entry(json_t * o, const char * key, size_t i)
{
	json_t * v = json_array_get(json_object_get(o, key), i);

	assert_non_null(v);
	return (strdup(json_string_value(v)));
}

/* set_entry(o, key, i, s): set ${key}[${i}] of ${o} to ${s} (freed). */
static void
set_entry(json_t * o, const char * key, size_t i, char * s)
{

	json_array_set_new(json_object_get(o, key), i, json_string(s));
	free(s);
}

/* The curl captures load, with what their bytes say. */
static void
test_good(void ** state)
{
	/* The four records after curl-1's ServerHello and CCS (its hex). */
	static const size_t len1[] = { 42, 414, 96, 69 };
	struct dust_format * f;
	json_t * o = format_of("curl-");
	char err[512], fb[64];
	size_t i;

	(void)state;
	if (format_parse(o, &f, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(f->protocol, DUST_FORMAT_TLS);
	assert_int_equal(f->nflights, 4);
	assert_int_equal(f->nrecords[0], 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(f->record_len[0][i], len1[i]);
	/* curl-3's CertificateVerify record is a byte longer (ECDSA). */
	assert_int_equal(f->record_len[2][2], 97);
	assert_int_equal(f->server_ccs, 1);
	assert_int_equal(f->suite, 0x1302);
	assert_int_equal(format_finished_len(f), 48 + 4 + 1 + 16);

	/* Random, session id, X25519 key; random, echo, X25519 key. */
	assert_int_equal(f->client->len, 517);
	assert_int_equal(f->client->nfields, 3);
	assert_string_equal(tlshello_field_name(&f->client->field[0], fb,
	    sizeof(fb)), "random");
	assert_string_equal(tlshello_field_name(&f->client->field[1], fb,
	    sizeof(fb)), "legacy_session_id");
	assert_int_equal(f->client->field[2].kind, TLSHELLO_X25519);
	assert_int_equal(f->server->len, 127);
	assert_int_equal(f->server->nfields, 3);
	assert_int_equal(f->server->field[1].kind, TLSHELLO_ECHO);
	assert_int_equal(f->server->field[2].kind, TLSHELLO_X25519);
	format_free(f);
	json_decref(o);

	/* openssl s_client: another client, the same server. */
	o = format_of("openssl-");
	if (format_parse(o, &f, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(f->client->len, 243);
	assert_int_equal(f->nrecords[1], 4);
	format_free(f);
	json_decref(o);
}

/* "sni" replaces the server_name; curl's padding keeps the length. */
static void
test_sni(void ** state)
{
	struct tlshello_client ch;
	struct dust_format * f;
	json_t * o = format_of("curl-");
	char err[512];

	(void)state;
	json_object_set_new(o, "sni", json_string("www.wikipedia.org"));
	if (format_parse(o, &f, err, sizeof(err)))
		fail_msg("%s", err);
	if (tlshello_parse_client(f->client->bytes, f->client->len, &ch, err,
	    sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(ch.sni.len, 17);
	assert_memory_equal(ch.b + ch.sni.off, "www.wikipedia.org", 17);
	assert_int_equal(f->client->len, 517);
	format_free(f);
	json_decref(o);
}

/* A model with a format loads; a bad format fails the model. */
static void
test_model(void ** state)
{
	const char * text = dust_model_builtin_json("uniform");
	struct dust_model * m;
	json_t * root;
	char err[512], * s;

	(void)state;
	assert_non_null(text);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	json_object_set_new(root, "format", format_of("curl-"));
	s = json_dumps(root, 0);
	if ((m = dust_model_parse(s, strlen(s), err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	assert_non_null(m->format);
	assert_int_equal(m->format->nflights, 4);
	dust_model_free(m);
	free(s);

	/* Without a format: none. */
	assert_non_null(m = dust_model_parse(text, strlen(text), err,
	    sizeof(err)));
	assert_null(m->format);
	dust_model_free(m);

	json_object_set_new(json_object_get(root, "format"), "sni",
	    json_string("-bad host"));
	s = json_dumps(root, 0);
	assert_null(dust_model_parse(s, strlen(s), err, sizeof(err)));
	assert_non_null(strstr(err, "format.sni: "));
	free(s);
	json_decref(root);
}

/* Bad captures are refused, naming the entry. */
static void
test_bad_captures(void ** state)
{
	json_t * o, * other;
	char * s;

	(void)state;
	o = format_of("curl-");
	s = entry(o, "client_hellos", 1);
	s[40] = 'g';
	set_entry(o, "client_hellos", 1, s);
	refused(o, "format.client_hellos[1]: not hex (character 40)");

	o = format_of("curl-");
	s = entry(o, "server_flights", 0);
	s[strlen(s) - 1] = '\0';
	set_entry(o, "server_flights", 0, s);
	refused(o, "format.server_flights[0]: odd number of hex digits");

	/* A ClientHello cut short. */
	o = format_of("curl-");
	s = entry(o, "client_hellos", 2);
	s[400] = '\0';
	set_entry(o, "client_hellos", 2, s);
	refused(o, "format.client_hellos[2]: ClientHello: ");

	/* A server flight cut after its ServerHello and CCS. */
	o = format_of("curl-");
	s = entry(o, "server_flights", 1);
	s[2 * (127 + 6)] = '\0';
	set_entry(o, "server_flights", 1, s);
	refused(o, "format.server_flights[1]: no application-data record");

	/* ... or inside an application-data record. */
	o = format_of("curl-");
	s = entry(o, "server_flights", 3);
	s[strlen(s) - 2] = '\0';
	set_entry(o, "server_flights", 3, s);
	refused(o, "format.server_flights[3]: server flight: application_data");

	/* One capture only. */
	o = format_of("curl-");
	json_array_remove(json_object_get(o, "client_hellos"), 3);
	json_array_remove(json_object_get(o, "client_hellos"), 2);
	json_array_remove(json_object_get(o, "client_hellos"), 1);
	refused(o, "format.client_hellos: 1 captures, must be 2 to 64");

	/* Two different clients. */
	o = format_of("curl-");
	other = format_of("openssl-");
	json_array_set(json_object_get(o, "client_hellos"), 1,
	    json_array_get(json_object_get(other, "client_hellos"), 0));
	json_decref(other);
	refused(o, "format.client_hellos[1]: is 243 bytes, client_hellos[0] "
	    "517: not the same shape");

	/* Another cipher suite list: the same length, another client. */
	o = format_of("curl-");
	s = entry(o, "client_hellos", 1);
	s[2 * 78] = (s[2 * 78] == '1') ? '2' : '1';
	set_entry(o, "client_hellos", 1, s);
	refused(o, "format.client_hellos[1]: differs from client_hellos[0] "
	    "at byte 78 (cipher_suites), outside the random fields");

	/* The same connection twice. */
	o = format_of("curl-");
	json_array_set(json_object_get(o, "client_hellos"), 1,
	    json_array_get(json_object_get(o, "client_hellos"), 0));
	json_array_remove(json_object_get(o, "client_hellos"), 3);
	json_array_remove(json_object_get(o, "client_hellos"), 2);
	refused(o, "format.client_hellos: the random is the same");

	/* A ServerHello where a ClientHello should be. */
	o = format_of("curl-");
	json_array_set(json_object_get(o, "client_hellos"), 0,
	    json_array_get(json_object_get(o, "server_flights"), 0));
	refused(o, "format.client_hellos[0]: ClientHello: ");
}

/* Bad keys and values of the object itself. */
static void
test_bad_keys(void ** state)
{
	json_t * o;

	(void)state;
	o = format_of("curl-");
	json_object_set_new(o, "cipher", json_string("aes"));
	refused(o, "format.cipher: unknown field");

	o = format_of("curl-");
	json_object_set_new(o, "protocol", json_string("quic"));
	refused(o, "format.protocol: must be \"tls\" or \"ssh\"");

	/* An SSH format takes its own keys, not TLS's. */
	o = format_of("curl-");
	json_object_set_new(o, "protocol", json_string("ssh"));
	refused(o, "format.client_hellos: unknown field (protocol, "
	    "client_starts, server_starts)");

	o = format_of("curl-");
	json_object_del(o, "protocol");
	refused(o, "format.protocol: missing");

	o = format_of("curl-");
	json_object_del(o, "server_flights");
	refused(o, "format.server_flights: missing");

	o = format_of("curl-");
	json_array_set_new(json_object_get(o, "server_flights"), 2,
	    json_integer(7));
	refused(o, "format.server_flights[2]: must be a string");

	o = format_of("curl-");
	json_array_set_new(json_object_get(o, "client_hellos"), 0,
	    json_string(""));
	refused(o, "format.client_hellos[0]: empty");

	o = format_of("curl-");
	json_object_set_new(o, "sni", json_string("not a host"));
	refused(o, "format.sni: \"not a host\" is not a host name");

	o = format_of("curl-");
	json_object_set_new(o, "sni", json_string("192.0.2.1"));
	refused(o, "format.sni: \"192.0.2.1\" is not a host name");

	o = format_of("curl-");
	json_object_set_new(o, "sni", json_integer(1));
	refused(o, "format.sni: must be a string");

	o = json_array();
	refused(o, "format: must be an object");
}

/* A client whose key share is not X25519 cannot be imitated. */
static void
test_not_x25519(void ** state)
{
	/* key_share: length 38, entries 36, group 0x001d, key of 32. */
	static const uint8_t share[] = { 0x00, 0x33, 0x00, 0x26, 0x00, 0x24,
	    0x00, 0x1d, 0x00, 0x20 };
	const uint8_t * h[TLSVEC_MAX];
	uint8_t * b;
	size_t lens[TLSVEC_MAX], n, i, k;
	json_t * o = format_of("curl-"), * c = json_array();

	(void)state;
	n = pick("curl-", h, lens, 0);
	for (i = 0; i < n; i++) {
		assert_non_null(b = malloc(lens[i]));
		memcpy(b, h[i], lens[i]);
		for (k = 0; k + sizeof(share) <= lens[i] &&
		    memcmp(b + k, share, sizeof(share)); k++)
			;
		assert_true(k + sizeof(share) <= lens[i]);
		b[k + 7] = 0x17;	/* secp256r1, with a 32-byte "key" */
		json_array_append_new(c, hex(b, lens[i]));
		free(b);
	}
	json_object_set_new(o, "client_hellos", c);
	refused(o, "format.client_hellos: no X25519 key_share");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_sni),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_bad_captures),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_not_x25519),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
