/* The destination policy: rules, embedded IPv4, own addresses. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "socks/policy.h"

/* The built-in denials, user rules first, ports. */
static void
test_policy(void ** state)
{
	static const uint8_t lo[4] = {127, 0, 0, 1}, pub[4] = {192, 0, 2, 7};
	static const uint8_t ten[4] = {10, 1, 2, 3}, cg[4] = {100, 64, 0, 1};
	uint8_t v6[16] = {0}, mapped[16] = {0};
	struct policy p;
	const char * rule;
	char why[200];

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_check(&p, 4, lo, 80, &rule), 0);
	assert_string_equal(rule, "127.0.0.0/8");
	assert_int_equal(policy_check(&p, 4, ten, 80, &rule), 0);
	assert_int_equal(policy_check(&p, 4, cg, 80, &rule), 0);
	assert_int_equal(policy_check(&p, 4, pub, 80, &rule), 1);
	v6[15] = 1;
	assert_int_equal(policy_check(&p, 6, v6, 80, &rule), 0);
	mapped[10] = mapped[11] = 0xff;
	memcpy(mapped + 12, lo, 4);
	assert_int_equal(policy_check(&p, 6, mapped, 80, &rule), 0);
	assert_string_equal(rule, "127.0.0.0/8");

	assert_int_equal(policy_add(&p, 1, "127.0.0.1", why, sizeof(why)), 0);
	assert_int_equal(policy_add(&p, 0, "192.0.2.0/28", why, sizeof(why)),
	    0);
	assert_int_equal(policy_check(&p, 4, lo, 80, &rule), 1);
	assert_int_equal(policy_check(&p, 4, pub, 80, &rule), 0);
	assert_string_equal(rule, "192.0.2.0/28");

	assert_int_equal(policy_set_ports(&p, "80,443,8000-8002", why,
	    sizeof(why)), 0);
	assert_int_equal(policy_check(&p, 4, lo, 8001, &rule), 1);
	assert_int_equal(policy_check(&p, 4, lo, 8003, &rule), 0);
	assert_string_equal(rule, "port not allowed");

	assert_int_equal(policy_add(&p, 1, "300.1.1.1/8", why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "not a network"));
	assert_int_equal(policy_add(&p, 1, "10.0.0.0/33", why, sizeof(why)),
	    -1);
	assert_int_equal(policy_set_ports(&p, "80,", why, sizeof(why)), -1);
	assert_int_equal(policy_set_ports(&p, "0", why, sizeof(why)), -1);
	assert_int_equal(policy_set_ports(&p, "9-8", why, sizeof(why)), -1);
	assert_int_equal(policy_set_ports(&p, "70000", why, sizeof(why)), -1);
}

/* The IPv6 forms that embed an IPv4 address, written out for a.b.c.d. */
enum { MAPPED, COMPAT, NAT64, NAT64_LOCAL, SIXTOFOUR, TEREDO_SERVER,
    TEREDO_CLIENT, NFORMS };
static const char * const form_names[NFORMS] = { "IPv4-mapped",
    "IPv4-compatible", "NAT64 /96", "NAT64 local-use /48", "6to4",
    "Teredo server", "Teredo client" };

/*
 * Write into ${out} the IPv6 address of form ${form} that embeds ${v4},
 * from its text as the RFCs lay it out (not from the code under test).
 */
static void
embed(int form, const uint8_t v4[4], uint8_t out[16])
{
	char t[64];
	unsigned int a = v4[0], b = v4[1], c = v4[2], d = v4[3];

	switch (form) {
	case MAPPED:
		snprintf(t, sizeof(t), "::ffff:%u.%u.%u.%u", a, b, c, d);
		break;
	case COMPAT:
		snprintf(t, sizeof(t), "::%u.%u.%u.%u", a, b, c, d);
		break;
	case NAT64:
		snprintf(t, sizeof(t), "64:ff9b::%u.%u.%u.%u", a, b, c, d);
		break;
	case NAT64_LOCAL:
		/* Bits 48-63 a.b, bits 64-71 the u octet (0), 72-87 c.d. */
		snprintf(t, sizeof(t), "64:ff9b:1:%02x%02x:%02x:%02x00::",
		    a, b, c, d);
		break;
	case SIXTOFOUR:
		snprintf(t, sizeof(t), "2002:%02x%02x:%02x%02x::1", a, b, c, d);
		break;
	case TEREDO_SERVER:
		/* RFC 4380's example, its server replaced. */
		snprintf(t, sizeof(t), "2001:0:%02x%02x:%02x%02x:8000:63bf:"
		    "3fff:fdd2", a, b, c, d);
		break;
	case TEREDO_CLIENT:
		/* RFC 4380's example, its client (inverted) replaced. */
		snprintf(t, sizeof(t), "2001:0:4136:e378:8000:63bf:%02x%02x:"
		    "%02x%02x", a ^ 0xff, b ^ 0xff, c ^ 0xff, d ^ 0xff);
		break;
	}
	assert_int_equal(inet_pton(AF_INET6, t, out), 1);
}

/* Each form is judged by the IPv4 address it embeds, under every rule. */
static void
test_embedded_forms(void ** state)
{
	static const uint8_t denied[][4] = { {10, 1, 2, 3}, {127, 0, 0, 1},
	    {192, 168, 1, 1}, {169, 254, 169, 254}, {100, 64, 0, 1},
	    {198, 18, 0, 1}, {0, 0, 0, 0}, {255, 255, 255, 255} };
	static const uint8_t pub[4] = {203, 0, 113, 9};
	static const uint8_t next[4] = {203, 0, 113, 10};
	static const uint8_t ten[4] = {10, 1, 2, 3};
	struct policy p;
	uint8_t a[16];
	const char * rule;
	char why[128];
	size_t i;
	int f;

	(void)state;
	for (f = 0; f < NFORMS; f++) {
		print_message("%s\n", form_names[f]);
		/* A built-in denial reaches through the form... */
		policy_init(&p);
		for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
			embed(f, denied[i], a);
			assert_int_equal(policy_check(&p, 6, a, 80, &rule), 0);
			assert_string_not_equal(rule, "default allow");
		}
		embed(f, ten, a);
		assert_int_equal(policy_check(&p, 6, a, 80, &rule), 0);
		assert_string_equal(rule, "10.0.0.0/8");
		/* ... a public address embedded is allowed ... */
		embed(f, pub, a);
		assert_int_equal(policy_check(&p, 6, a, 80, &rule), 1);

		/* ... a user's /32 finds just that address (the layout) ... */
		assert_int_equal(policy_add(&p, 0, "203.0.113.9/32", why,
		    sizeof(why)), 0);
		assert_int_equal(policy_check(&p, 6, a, 80, &rule), 0);
		assert_string_equal(rule, "203.0.113.9/32");
		embed(f, next, a);
		assert_int_equal(policy_check(&p, 6, a, 80, &rule), 1);

		/* ... and a user's allow opens the IPv4 address inside. */
		assert_int_equal(policy_add(&p, 1, "10.0.0.0/8", why,
		    sizeof(why)), 0);
		embed(f, ten, a);
		assert_int_equal(policy_check(&p, 6, a, 80, &rule), 1);

		/* The host's own address, embedded, is refused. */
		policy_init(&p);
		assert_int_equal(policy_add_own(&p, 4, pub, why, sizeof(why)),
		    0);
		embed(f, pub, a);
		assert_int_equal(policy_check(&p, 6, a, 80, &rule), 0);
		assert_string_equal(rule, "own address");
	}
}

/* The IPv6 address is judged as itself too; :: and ::1 only as themselves. */
static void
test_embedded_edges(void ** state)
{
	static const uint8_t pub[4] = {203, 0, 113, 9};
	struct policy p;
	uint8_t a[16];
	const char * rule;
	char why[128];

	(void)state;
	/* A rule on the IPv6 prefix still applies (both must allow). */
	policy_init(&p);
	assert_int_equal(policy_add(&p, 0, "64:ff9b::/96", why, sizeof(why)),
	    0);
	embed(NAT64, pub, a);
	assert_int_equal(policy_check(&p, 6, a, 80, &rule), 0);
	assert_string_equal(rule, "64:ff9b::/96");
	embed(SIXTOFOUR, pub, a);
	assert_int_equal(policy_check(&p, 6, a, 80, &rule), 1);

	/* ::1 allowed is ::1, not 0.0.0.1 (which 0.0.0.0/8 denies). */
	policy_init(&p);
	assert_int_equal(policy_add(&p, 1, "::1/128", why, sizeof(why)), 0);
	assert_int_equal(inet_pton(AF_INET6, "::1", a), 1);
	assert_int_equal(policy_check(&p, 6, a, 80, &rule), 1);
	assert_string_equal(rule, "::1/128");
	assert_int_equal(inet_pton(AF_INET6, "::", a), 1);
	assert_int_equal(policy_check(&p, 6, a, 80, &rule), 0);
	assert_string_equal(rule, "::/128");
	/* ::2 is IPv4-compatible 0.0.0.2. */
	assert_int_equal(inet_pton(AF_INET6, "::2", a), 1);
	assert_int_equal(policy_check(&p, 6, a, 80, &rule), 0);
	assert_string_equal(rule, "0.0.0.0/8");

	/* Near the prefixes but outside them: judged as IPv6 only. */
	policy_init(&p);
	assert_int_equal(inet_pton(AF_INET6, "64:ff9b:0:0:0:1:a01:203", a), 1);
	assert_int_equal(policy_check(&p, 6, a, 80, &rule), 1);
	assert_int_equal(inet_pton(AF_INET6, "64:ff9b:2::a01:203", a), 1);
	assert_int_equal(policy_check(&p, 6, a, 80, &rule), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:1:a01:203::", a), 1);
	assert_int_equal(policy_check(&p, 6, a, 80, &rule), 1);
	assert_int_equal(inet_pton(AF_INET6, "2003:a01:203::", a), 1);
	assert_int_equal(policy_check(&p, 6, a, 80, &rule), 1);
	assert_int_equal(inet_pton(AF_INET6, "::fffe:a01:203", a), 1);
	assert_int_equal(policy_check(&p, 6, a, 80, &rule), 1);
	/* RFC 4380's example as it is: both addresses public. */
	assert_int_equal(inet_pton(AF_INET6,
	    "2001:0:4136:e378:8000:63bf:3fff:fdd2", a), 1);
	assert_int_equal(policy_check(&p, 6, a, 80, &rule), 1);
}

/* Benchmarking addresses and the host's own ones are refused by default. */
static void
test_own_and_benchmarking(void ** state)
{
	static const uint8_t b0[4] = {198, 18, 0, 1};
	static const uint8_t b1[4] = {198, 19, 255, 255};
	static const uint8_t after[4] = {198, 20, 0, 1}, before[4] = {198, 17,
	    255, 255};
	static const uint8_t own4[4] = {203, 0, 113, 5};
	static const uint8_t other4[4] = {203, 0, 113, 6};
	struct policy p;
	uint8_t own6[16], other6[16], x[4];
	const char * rule;
	char why[128];
	unsigned int i;

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_check(&p, 4, b0, 80, &rule), 0);
	assert_string_equal(rule, "198.18.0.0/15");
	assert_int_equal(policy_check(&p, 4, b1, 80, &rule), 0);
	assert_int_equal(policy_check(&p, 4, after, 80, &rule), 1);
	assert_int_equal(policy_check(&p, 4, before, 80, &rule), 1);

	/* Own addresses, IPv4 and IPv6; the neighbours stay allowed. */
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::5", own6), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::6", other6), 1);
	assert_int_equal(policy_check(&p, 4, own4, 80, &rule), 1);
	assert_int_equal(policy_add_own(&p, 4, own4, why, sizeof(why)), 0);
	assert_int_equal(policy_add_own(&p, 6, own6, why, sizeof(why)), 0);
	assert_int_equal(policy_check(&p, 4, own4, 80, &rule), 0);
	assert_string_equal(rule, "own address");
	assert_int_equal(policy_check(&p, 6, own6, 443, &rule), 0);
	assert_string_equal(rule, "own address");
	assert_int_equal(policy_check(&p, 4, other4, 80, &rule), 1);
	assert_int_equal(policy_check(&p, 6, other6, 80, &rule), 1);

	/* A user's allow comes first and opens one explicitly. */
	assert_int_equal(policy_add(&p, 1, "203.0.113.5", why, sizeof(why)),
	    0);
	assert_int_equal(policy_check(&p, 4, own4, 80, &rule), 1);
	assert_string_equal(rule, "203.0.113.5");
	assert_int_equal(policy_check(&p, 6, own6, 80, &rule), 0);

	/* The same address twice is kept once; beyond the limit, an error. */
	policy_init(&p);
	assert_int_equal(policy_add_own(&p, 4, own4, why, sizeof(why)), 0);
	assert_int_equal(policy_add_own(&p, 4, own4, why, sizeof(why)), 0);
	assert_int_equal(p.nown, 1);
	for (i = 1; i < POLICY_MAX_OWN; i++) {
		x[0] = 11;
		x[1] = (uint8_t)(i >> 16);
		x[2] = (uint8_t)(i >> 8);
		x[3] = (uint8_t)i;
		assert_int_equal(policy_add_own(&p, 4, x, why, sizeof(why)), 0);
	}
	x[0] = 12;
	assert_int_equal(policy_add_own(&p, 4, x, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "addresses of this host"));
	assert_int_equal(policy_check(&p, 4, own4, 80, &rule), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_embedded_forms),
		cmocka_unit_test(test_embedded_edges),
		cmocka_unit_test(test_own_and_benchmarking),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
