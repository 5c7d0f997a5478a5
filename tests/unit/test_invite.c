/* Invites and key files: round trips, and every malformed form refused
 * with its own message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "crypto/skein.h"
#include "dust/invite.h"
#include "dust/keyfile.h"
#include "dust/rng.h"
#include "dust/seattle.h"

/* fill_key(k, seed): 32 reproducible bytes. */
static void
fill_key(uint8_t k[32], uint64_t seed)
{
	struct dust_rng_seeded r;

	dust_rng_seeded_u64(&r, seed);
	dust_rng_fill(&r.rng, k, 32);
}

/* IPv4 and IPv6, with and without a model, survive format and parse. */
static void
test_roundtrip(void ** state)
{
	static const char * addrs[] = {"192.0.2.1:443", "[192.0.2.1]:443",
	    "[2001:db8::17]:8025", "10.1.2.3:1", "[::1]:65535"};
	static const char * shown[] = {"192.0.2.1:443", "192.0.2.1:443",
	    "[2001:db8::17]:8025", "10.1.2.3:1", "[::1]:65535"};
	static const char model3[] = "model text\n\"quoted\"\n"
	    "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80\n";
	static const char * models[] = {"", "http", model3};
	struct dust_invite a, b;
	char why[INVITE_WHY_MAX], buf[64], * text;
	uint8_t sa[19], sb[19];
	size_t i, j;

	(void)state;
	for (i = 0; i < 5; i++) {
		for (j = 0; j < 3; j++) {
			memset(&a, 0, sizeof(a));
			assert_int_equal(invite_set_address(&a, addrs[i], why),
			    0);
			fill_key(a.pubkey, i * 3 + j);
			a.model = (char *)(uintptr_t)models[j];
			assert_non_null(text = invite_format(&a));
			assert_memory_equal(text, "dust:", 5);
			assert_int_equal(invite_parse(&b, text, why), 0);
			assert_int_equal(b.ipv6, a.ipv6);
			assert_int_equal(b.udp, 0);
			assert_int_equal(b.port, a.port);
			assert_memory_equal(b.addr, a.addr, a.ipv6 ? 16 : 4);
			assert_memory_equal(b.pubkey, a.pubkey, 32);
			assert_string_equal(b.model, models[j]);
			assert_string_equal(invite_format_address(&b, buf,
			    sizeof(buf)), shown[i]);
			assert_int_equal(invite_sid(&a, sa), a.ipv6 ? 19 : 7);
			assert_int_equal(invite_sid(&b, sb), a.ipv6 ? 19 : 7);
			assert_memory_equal(sa, sb, a.ipv6 ? 19 : 7);
			invite_free(&b);
			free(text);
		}
	}

	/* White space around a pasted invite is fine. */
	memset(&a, 0, sizeof(a));
	assert_int_equal(invite_set_address(&a, "192.0.2.9:80", why), 0);
	fill_key(a.pubkey, 99);
	assert_non_null(text = invite_format(&a));
	{
		char padded[256];

		snprintf(padded, sizeof(padded), "  %s \n", text);
		assert_int_equal(invite_parse(&b, padded, why), 0);
	}
	invite_free(&b);
	free(text);
}

/* The SID is flags || address || port, as docs/spec.md §1.5 writes it. */
static void
test_sid(void ** state)
{
	static const uint8_t v4[7] = {0, 192, 0, 2, 1, 0x01, 0xbb};
	struct dust_invite a;
	char why[INVITE_WHY_MAX];
	uint8_t sid[19];

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(invite_set_address(&a, "192.0.2.1:443", why), 0);
	assert_int_equal(invite_sid(&a, sid), 7);
	assert_memory_equal(sid, v4, 7);
	assert_int_equal(invite_set_address(&a, "[2001:db8::1]:8025", why),
	    0);
	assert_int_equal(invite_sid(&a, sid), 19);
	assert_int_equal(sid[0], 1);
	assert_int_equal(sid[1], 0x20);
	assert_int_equal(sid[16], 1);
	assert_int_equal(sid[17], 0x1f);
	assert_int_equal(sid[18], 0x59);
}

/* expect_addr(s, msg): invite_set_address(s) fails saying ${msg}. */
static void
expect_addr(const char * s, const char * msg)
{
	struct dust_invite a;
	char why[INVITE_WHY_MAX];

	memset(&a, 0, sizeof(a));
	assert_int_equal(invite_set_address(&a, s, why), -1);
	if (strstr(why, msg) == NULL)
		fail_msg("'%s': got \"%s\", wanted \"%s\"", s, why, msg);
}

/* Addresses: every malformed form is refused with its reason. */
static void
test_bad_address(void ** state)
{

	(void)state;
	expect_addr("192.0.2.1", "is not ADDRESS:PORT");
	expect_addr("::1:80", "write IPv6 as [ADDRESS]:PORT");
	expect_addr("[::1]80", "is not ADDRESS:PORT or [ADDRESS]:PORT");
	expect_addr("192.0.2.1:0", "is not a number from 1 to 65535");
	expect_addr("192.0.2.1:65536", "is not a number from 1 to 65535");
	expect_addr("192.0.2.1:-1", "is not a number from 1 to 65535");
	expect_addr("192.0.2.1:8x", "is not a number from 1 to 65535");
	expect_addr("192.0.2.1:", "is not a number from 1 to 65535");
	expect_addr("example.com:80", "host names are not allowed");
	expect_addr("192.0.2.256:80", "is not an IPv4 or IPv6 address");
	expect_addr("0.0.0.0:80", "is unspecified");
	expect_addr("[::]:80", "is unspecified");
}

/*
 * make(bin, len): the invite text of the binary ${bin} (${len} bytes, the
 * last 4 of which are overwritten with the right checksum).
 */
static char *
make(uint8_t * bin, size_t len)
{
	uint8_t h[32];
	char * text = malloc(5 + len * 2);

	skein256_hash(h, 32, bin, len - 4);
	memcpy(bin + len - 4, h, 4);
	strcpy(text, "dust:");
	sodium_bin2base64(text + 5, len * 2, bin, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return (text);
}

/* expect_invite(text, msg): invite_parse fails saying exactly ${msg}. */
static void
expect_invite(const char * text, const char * msg)
{
	struct dust_invite b;
	char why[INVITE_WHY_MAX];

	assert_int_equal(invite_parse(&b, text, why), -1);
	assert_null(b.model);
	if (strcmp(why, msg) != 0)
		fail_msg("'%.60s': got \"%s\", wanted \"%s\"", text, why,
		    msg);
}

/* A valid IPv4 invite's binary form with a 3-byte model: 53 bytes. */
static size_t
good_bin(uint8_t bin[64])
{
	static const uint8_t head[] = {1, 0, 192, 0, 2, 1, 0x01, 0xbb};

	memcpy(bin, head, sizeof(head));
	fill_key(bin + 8, 9);
	memcpy(bin + 40, "\0\0\0\3abc", 7);
	return (51);
}

/* Invites: prefix, base64url, checksum, truncation, fields. */
static void
test_bad_invite(void ** state)
{
	uint8_t bin[64];
	char * text, * t2;
	size_t len, tl;

	(void)state;
	len = good_bin(bin);
	text = make(bin, len);
	{
		struct dust_invite b;
		char why[INVITE_WHY_MAX];

		assert_int_equal(invite_parse(&b, text, why), 0);
		assert_string_equal(b.model, "abc");
		invite_free(&b);
	}
	tl = strlen(text);
	t2 = strdup(text);

	expect_invite("dusty:AAAA",
	    "not a dust invite: it must start with \"dust:\"");
	expect_invite("", "not a dust invite: it must start with \"dust:\"");
	expect_invite("https://example.com/",
	    "not a dust invite: it must start with \"dust:\"");

	/* Not base64url: a '+' (standard base64) at character 11. */
	t2[15] = '+';
	expect_invite(t2, "invite is not valid base64url (character 11 "
	    "after \"dust:\")");
	strcpy(t2, text);
	t2[tl - 3] = '\0';	/* 1 mod 4 characters: not base64 at all. */
	expect_invite(t2, "invite is truncated (or its end is mistyped)");

	/* Mistyped: one character of the key changed. */
	strcpy(t2, text);
	t2[30] = (t2[30] == 'A') ? 'B' : 'A';
	expect_invite(t2, "invite checksum does not match: mistyped?");

	/* Truncated: whole groups of 4 characters (3 bytes) cut off. */
	strcpy(t2, text);
	t2[tl - 8] = '\0';
	expect_invite(t2, "invite is truncated");
	expect_invite("dust:AAAAAAAA", "invite is truncated");
	free(t2);
	free(text);

	/* Fields wrong under a right checksum. */
	len = good_bin(bin);
	bin[0] = 2;
	expect_invite(text = make(bin, len), "invite version 2 is not "
	    "supported (this dust reads version 1)");
	free(text);
	len = good_bin(bin);
	bin[1] = 4;
	expect_invite(text = make(bin, len),
	    "invite flags 0x04: reserved bits are set");
	free(text);
	len = good_bin(bin);
	bin[6] = bin[7] = 0;
	expect_invite(text = make(bin, len), "invite port is 0");
	free(text);
	len = good_bin(bin);
	memset(bin + 2, 0, 4);
	expect_invite(text = make(bin, len),
	    "invite address is unspecified (all zero)");
	free(text);
	len = good_bin(bin);
	bin[43] = 4;
	expect_invite(text = make(bin, len),
	    "invite length does not match its fields");
	free(text);
	len = good_bin(bin);
	bin[1] = 1;		/* IPv6, but only 4 address bytes follow. */
	expect_invite(text = make(bin, len),
	    "invite length does not match its fields");
	free(text);
	len = good_bin(bin);
	bin[40] = 0x10;
	expect_invite(text = make(bin, len), "invite model is too long");
	free(text);
	len = good_bin(bin);
	bin[45] = 0xc0;		/* An overlong encoding. */
	bin[46] = 0x80;
	expect_invite(text = make(bin, len),
	    "invite model is not valid UTF-8 text");
	free(text);
	len = good_bin(bin);
	memset(bin + 8, 0, 32);	/* u = 0: a low-order point. */
	expect_invite(text = make(bin, len), "invite public key is a "
	    "low-order point, not a server's X25519 key");
	free(text);
	len = good_bin(bin);
	bin[45] = 0;		/* A NUL in the model. */
	expect_invite(text = make(bin, len),
	    "invite model is not valid UTF-8 text");
	free(text);
}

/* expect_key(text, msg): keyfile_parse fails saying exactly ${msg}. */
static void
expect_key(const char * text, size_t len, const char * msg)
{
	uint8_t sk[32], pk[32];
	char why[KEYFILE_WHY_MAX];

	assert_int_equal(keyfile_parse(text, len, sk, pk, why), -1);
	if (strcmp(why, msg) != 0)
		fail_msg("got \"%s\", wanted \"%s\"", why, msg);
}

/* Key files: round trip, and each malformed form's own message. */
static void
test_keyfile(void ** state)
{
	struct dust_rng_seeded r;
	uint8_t sk[32], pk[32], sk2[32], pk2[32];
	char text[KEYFILE_BYTES + 1], bad[KEYFILE_BYTES + 40];
	char why[KEYFILE_WHY_MAX];

	(void)state;
	dust_rng_seeded_u64(&r, 42);
	keyfile_generate(sk, pk, &r.rng);
	keyfile_format(text, sk, pk);
	assert_int_equal(strlen(text), KEYFILE_BYTES);
	assert_int_equal(keyfile_parse(text, KEYFILE_BYTES, sk2, pk2, why), 0);
	assert_memory_equal(sk, sk2, 32);
	assert_memory_equal(pk, pk2, 32);

	expect_key("", 0, "key file: first line is not \"dust server key "
	    "v1\": not a dust key file");
	expect_key("-----BEGIN OPENSSH PRIVATE KEY-----\n", 36,
	    "key file: first line is not \"dust server key v1\": not a "
	    "dust key file");

	/* A secret key of the wrong size (62 digits). */
	snprintf(bad, sizeof(bad), "%.26s%.62s%s", text, text + 26,
	    text + 90);
	expect_key(bad, strlen(bad), "key file: secret key is not 64 hex "
	    "digits");
	/* A non-hex digit. */
	memcpy(bad, text, sizeof(text));
	bad[30] = 'g';
	expect_key(bad, KEYFILE_BYTES, "key file: secret key is not 64 hex "
	    "digits");
	memcpy(bad, text, sizeof(text));
	bad[100] = 'z';
	expect_key(bad, KEYFILE_BYTES, "key file: public key is not 64 hex "
	    "digits");
	/* Labels. */
	memcpy(bad, text, sizeof(text));
	bad[19] = 'S';
	expect_key(bad, KEYFILE_BYTES, "key file: expected a line \"secret "
	    "<64 hex digits>\"");
	/* Cut short, or with more after it. */
	expect_key(text, KEYFILE_BYTES - 1,
	    "key file: public key line is truncated");
	expect_key(text, 60, "key file: secret key line is truncated");
	snprintf(bad, sizeof(bad), "%sextra\n", text);
	expect_key(bad, strlen(bad),
	    "key file: unexpected text after the public key");
	/* A public key that is not the secret key's. */
	memcpy(bad, text, sizeof(text));
	bad[100] = bad[100] == '0' ? '1' : '0';
	expect_key(bad, KEYFILE_BYTES,
	    "key file: public key does not belong to the secret key");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_sid),
		cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_bad_invite),
		cmocka_unit_test(test_keyfile),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
