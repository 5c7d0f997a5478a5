/*
 * Per-bridge arguments and TOR_PT_SERVER_TRANSPORT_OPTIONS
 * (lib/pt/ptargs.c): escapes, the faults each named, the SOCKS5
 * username/password as tor sends them, and encode/parse round trips of
 * 2,000 random lists (fixed seed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dust/rng.h"

#include "pt/ptargs.h"

/* Parse the C string ${s}; return 0 or -1, the message in ${err}. */
static int
parse(struct ptargs * a, const char * s, struct pt_error * err)
{

	return (ptargs_parse(a, s, strlen(s), err));
}

/* Escapes in keys and values; '=' unescaped in a value; empty values. */
static void
test_parse(void ** state)
{
	struct ptargs a;
	struct pt_error err;

	(void)state;
	assert_int_equal(parse(&a, "", &err), 0);
	assert_int_equal(a.n, 0);
	assert_int_equal(parse(&a,
	    "shared-secret=rahasia;secrets-file=/tmp/blob", &err), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(ptargs_key(&a, 0), "shared-secret");
	assert_string_equal(ptargs_value(&a, 0), "rahasia");
	assert_string_equal(ptargs_get(&a, "secrets-file"), "/tmp/blob");
	assert_null(ptargs_get(&a, "x"));
	assert_int_equal(parse(&a, "a\\=b=c\\;d\\\\;cert=AAA==;e=", &err), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(ptargs_get(&a, "a=b"), "c;d\\");
	assert_string_equal(ptargs_get(&a, "cert"), "AAA==");
	assert_string_equal(ptargs_get(&a, "e"), "");
	assert_int_equal(parse(&a, "key==", &err), 0);
	assert_string_equal(ptargs_get(&a, "key"), "=");
	assert_int_equal(parse(&a, "k=\\x\\ y", &err), 0);
	assert_string_equal(ptargs_get(&a, "k"), "x y");
}

/* Each fault is refused with a message naming it. */
static void
test_faults(void ** state)
{
	static const struct {
		const char * in, * why;
	} bad[] = {
		{ "a=1;a=2", "key \"a\" given twice" },
		{ "=1", "empty key" },
		{ "a=1;=2", "empty key" },
		{ "a", "\"a\" has no '='" },
		{ "key\\=value", "\"key=value\" has no '='" },
		{ "==value", "empty key" },
		{ "a=1;b", "\"b\" has no '='" },
		{ "a=1;", "';' at the end" },
		{ "a=1;;b=2", "empty argument" },
		{ ";a=1", "empty argument" },
		{ "a=1\\", "backslash at the end" },
		{ "a\\", "backslash at the end" },
	};
	struct ptargs a;
	struct pt_error err;
	char many[400];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(parse(&a, bad[i].in, &err), -1);
		if (strstr(err.msg, bad[i].why) == NULL)
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].in,
			    err.msg, bad[i].why);
	}
	/* A NUL byte, escaped or not. */
	assert_int_equal(ptargs_parse(&a, "a=\0b", 4, &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
	assert_int_equal(ptargs_parse(&a, "a=\\\0", 4, &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
	/* 33 arguments: one too many. */
	for (i = n = 0; i < PTARGS_MAXPAIRS + 1; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "%s%zu=",
		    i ? ";" : "", i);
	assert_int_equal(parse(&a, many, &err), -1);
	assert_non_null(strstr(err.msg, "more than 32"));
	/* NULL err is allowed. */
	assert_int_equal(parse(&a, "a=1;a=1", NULL), -1);
}

/* The SOCKS5 username and password, as tor sends them. */
static void
test_socks5_auth(void ** state)
{
	uint8_t u[255], p[255];
	struct ptargs a;
	struct pt_error err;
	char val[400];
	size_t i;

	(void)state;
	/* Short: all in the username, the password one NUL byte. */
	assert_int_equal(ptargs_from_socks5_auth(&a,
	    (const uint8_t *)"k=v;m=w", 7, (const uint8_t *)"", 1, &err), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(ptargs_get(&a, "m"), "w");
	/* Long: cut anywhere, even inside an escape. */
	memcpy(u, "key=", 4);
	for (i = 4; i < 254; i++)
		u[i] = (uint8_t)('a' + i % 26);
	u[254] = '\\';
	p[0] = ';';
	for (i = 1; i < 100; i++)
		p[i] = 'z';
	assert_int_equal(ptargs_from_socks5_auth(&a, u, 255, p, 100, &err), 0);
	assert_int_equal(a.n, 1);
	memcpy(val, u + 4, 250);
	val[250] = ';';
	memset(val + 251, 'z', 99);
	val[350] = '\0';
	assert_int_equal(strlen(ptargs_get(&a, "key")), 250 + 1 + 99);
	assert_memory_equal(ptargs_get(&a, "key"), val, 350);
	/* Over the RFC 1929 limit of 255 + 255 bytes. */
	assert_int_equal(ptargs_from_socks5_auth(&a, u, 300, p, 255, &err),
	    -1);
	assert_non_null(strstr(err.msg, "longer than 510"));
	/* A password that is a NUL byte among others is refused. */
	assert_int_equal(ptargs_from_socks5_auth(&a,
	    (const uint8_t *)"k=v", 3, (const uint8_t *)"\0\0", 2, &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
}

/* Random lists encode, parse back to the same, and encode the same. */
static void
test_round_trip(void ** state)
{
	static const char alphabet[] = "ab=;\\ ,:Z9\x01\xff";
	struct dust_rng_seeded rng;
	struct ptargs a, b;
	char k[20], v[20], enc[2048], enc2[2048];
	size_t t, i, j, n, kl, vl, len, len2;

	(void)state;
	dust_rng_seeded_u64(&rng, 20261207);
	for (t = 0; t < 2000; t++) {
		ptargs_init(&a);
		n = dust_rng_uniform(&rng.rng, 8);
		for (i = 0; i < n; i++) {
			kl = 1 + dust_rng_uniform(&rng.rng, 10);
			vl = dust_rng_uniform(&rng.rng, 10);
			for (j = 0; j < kl; j++)
				k[j] = alphabet[dust_rng_uniform(&rng.rng,
				    sizeof(alphabet) - 1)];
			for (j = 0; j < vl; j++)
				v[j] = alphabet[dust_rng_uniform(&rng.rng,
				    sizeof(alphabet) - 1)];
			/* A repeated key is refused; skip it. */
			(void)ptargs_add(&a, k, kl, v, vl, NULL);
		}
		assert_int_equal(ptargs_encode(&a, enc, sizeof(enc), &len), 0);
		assert_int_equal(strlen(enc), len);
		assert_int_equal(ptargs_parse(&b, enc, len, NULL), 0);
		assert_int_equal(b.n, a.n);
		for (i = 0; i < a.n; i++) {
			assert_string_equal(ptargs_key(&a, i),
			    ptargs_key(&b, i));
			assert_string_equal(ptargs_value(&a, i),
			    ptargs_value(&b, i));
		}
		assert_int_equal(ptargs_encode(&b, enc2, sizeof(enc2), &len2),
		    0);
		assert_string_equal(enc, enc2);
		/* One byte short: refused, not cut. */
		if (len > 0)
			assert_int_equal(ptargs_encode(&a, enc2, len, &len2),
			    -1);
	}
}

/* The encoder escapes exactly '\\', '=' and ';'. */
static void
test_encode(void ** state)
{
	struct ptargs a;
	char enc[100];
	size_t len;

	(void)state;
	ptargs_init(&a);
	assert_int_equal(ptargs_add(&a, "a=b", 3, "c;d\\e:f,g", 9, NULL), 0);
	assert_int_equal(ptargs_add(&a, "cert", 4, "", 0, NULL), 0);
	assert_int_equal(ptargs_encode(&a, enc, sizeof(enc), &len), 0);
	assert_string_equal(enc, "a\\=b=c\\;d\\\\e:f,g;cert=");
	assert_int_equal(ptargs_add(&a, "cert", 4, "x", 1, NULL), -1);
}

/* TOR_PT_SERVER_TRANSPORT_OPTIONS: per transport, escapes, faults. */
static void
test_options(void ** state)
{
	static const char * opts = "scramblesuit:key=banana;"
	    "automata:rule=110;automata:depth=3;dust:model=http\\:x;"
	    "dust:note=a\\;b\\\\c=d";
	static const struct {
		const char * in, * why;
	} bad[] = {
		{ "dust", "no ':'" },
		{ "dust:a=1;dust:a=2", "given twice" },
		{ "9x:a=1", "not a transport name" },
		{ ":a=1", "not a transport name" },
		{ "dust:a", "has no '='" },
		{ "other:=1", "empty key" },
		{ "dust:a=1;", "';' at the end" },
		{ "dust:a=1\\", "backslash at the end" },
	};
	struct ptargs a;
	struct pt_error err;
	size_t i;

	(void)state;
	assert_int_equal(ptargs_options_parse(&a, opts, strlen(opts), "dust",
	    &err), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(ptargs_get(&a, "model"), "http:x");
	assert_string_equal(ptargs_get(&a, "note"), "a;b\\c=d");
	assert_int_equal(ptargs_options_parse(&a, opts, strlen(opts),
	    "automata", &err), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(ptargs_get(&a, "rule"), "110");
	assert_string_equal(ptargs_get(&a, "depth"), "3");
	assert_int_equal(ptargs_options_parse(&a, opts, strlen(opts), "obfs4",
	    &err), 0);
	assert_int_equal(a.n, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(ptargs_options_parse(&a, bad[i].in,
		    strlen(bad[i].in), "dust", &err), -1);
		if (strstr(err.msg, bad[i].why) == NULL)
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].in,
			    err.msg, bad[i].why);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_socks5_auth),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_options),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
