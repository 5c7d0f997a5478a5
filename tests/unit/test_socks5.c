/* SOCKS5 server parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dust/rng.h"
#include "socks/policy.h"
#include "socks/socks5.h"
#include "socks/socks5_client.h"

/* Feed ${in} in pieces of ${step} bytes; return the last status. */
static enum socks5_status
feed_steps(struct socks5_server * s, const uint8_t * in, size_t len,
    size_t step, uint8_t * reply, size_t * rl, size_t * taken)
{
	enum socks5_status st = SOCKS5_NEED_MORE;
	size_t off = 0, used;

	*taken = 0;
	while (off < len) {
		size_t n = (len - off < step) ? len - off : step;

		st = socks5_server_feed(s, in + off, n, &used, reply, rl);
		off += used;
		*taken += used;
		if (st != SOCKS5_NEED_MORE && st != SOCKS5_REPLY)
			return (st);
		if (used < n && st == SOCKS5_NEED_MORE)
			fail_msg("parser left bytes while asking for more");
	}
	return (st);
}

/* Greeting, then a domain CONNECT with trailing data, over every split. */
static void
test_connect_domain_every_split(void ** state)
{
	static const uint8_t greet[] = {5, 2, 0x02, 0x00};
	static const uint8_t req[] = {5, 1, 0, 3, 11, 'e', 'x', 'a', 'm', 'p',
	    'l', 'e', '.', 'o', 'r', 'g', 0x01, 0xbb, 'G', 'E', 'T'};
	struct socks5_server s;
	uint8_t reply[32];
	size_t rl, used, step;
	char buf[300];

	(void)state;
	for (step = 1; step <= sizeof(req); step++) {
		socks5_server_init(&s);
		assert_int_equal(feed_steps(&s, greet, sizeof(greet), step,
		    reply, &rl, &used), SOCKS5_REPLY);
		assert_int_equal(rl, 2);
		assert_int_equal(reply[1], 0x00);
		assert_int_equal(feed_steps(&s, req, sizeof(req), step, reply,
		    &rl, &used), SOCKS5_REQUEST);
		/* The three bytes after the request are not taken. */
		assert_int_equal(used + 3 >= sizeof(req) - 3 + 3, 1);
		assert_int_equal(s.dest.atyp, SOCKS5_ATYP_DOMAIN);
		assert_int_equal(s.dest.port, 443);
		assert_string_equal(socks5_dest_format(&s.dest, buf,
		    sizeof(buf)), "example.org:443");
	}
}

/* IPv4 and IPv6 requests and the bytes left after them. */
static void
test_connect_ip(void ** state)
{
	static const uint8_t v4[] = {5, 1, 0, 5, 1, 0, 1, 192, 0, 2, 1, 0, 80,
	    'x'};
	uint8_t v6[4 + 16 + 2 + 3 + 4] = {5, 1, 0, 5, 1, 0, 4};
	struct socks5_server s;
	uint8_t reply[32];
	size_t rl, used;
	char buf[100];

	(void)state;
	socks5_server_init(&s);
	assert_int_equal(socks5_server_feed(&s, v4, 3, &used, reply, &rl),
	    SOCKS5_REPLY);
	assert_int_equal(socks5_server_feed(&s, v4 + 3, sizeof(v4) - 3,
	    &used, reply, &rl), SOCKS5_REQUEST);
	assert_int_equal(used, sizeof(v4) - 3 - 1);
	assert_string_equal(socks5_dest_format(&s.dest, buf, sizeof(buf)),
	    "[192.0.2.1]:80");

	v6[7 + 15] = 1;			/* ::1 */
	v6[7 + 16] = 0x1f;
	v6[7 + 17] = 0x90;		/* port 8080 */
	socks5_server_init(&s);
	assert_int_equal(socks5_server_feed(&s, v6, 3, &used, reply, &rl),
	    SOCKS5_REPLY);
	assert_int_equal(socks5_server_feed(&s, v6 + 3, 4 + 16 + 2, &used,
	    reply, &rl), SOCKS5_REQUEST);
	assert_string_equal(socks5_dest_format(&s.dest, buf, sizeof(buf)),
	    "[::1]:8080");
}

/*
 * With init_auth: a client offering 0x02 gets it; the username and
 * password (255 bytes each at most, tor's per-bridge arguments) are kept
 * whole over every split; a client offering only 0x00 gets no
 * authentication; a bad version of the subnegotiation is refused.
 */
static void
test_auth(void ** state)
{
	static const uint8_t greet[] = {5, 2, 0x00, 0x02};
	static const uint8_t req[] = {5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90};
	uint8_t msg[3 + 255 + 255], bad[] = {2, 1, 'a', 1, 'b'};
	struct socks5_server s;
	uint8_t reply[32];
	size_t rl, used, step, i, len;

	(void)state;
	msg[0] = 1;
	msg[1] = 255;
	for (i = 0; i < 255; i++)
		msg[2 + i] = (uint8_t)('a' + i % 26);
	msg[2 + 255] = 200;
	for (i = 0; i < 200; i++)
		msg[3 + 255 + i] = (uint8_t)('A' + i % 26);
	len = 3 + 255 + 200;
	for (step = 1; step <= len; step += 37) {
		socks5_server_init_auth(&s);
		assert_int_equal(feed_steps(&s, greet, sizeof(greet), step,
		    reply, &rl, &used), SOCKS5_REPLY);
		assert_int_equal(reply[1], 0x02);
		assert_int_equal(feed_steps(&s, msg, len, step, reply, &rl,
		    &used), SOCKS5_REPLY);
		assert_int_equal(used, len);
		assert_int_equal(rl, 2);
		assert_int_equal(reply[0], 1);
		assert_int_equal(reply[1], 0);
		assert_int_equal(s.auth, 1);
		assert_int_equal(s.ulen, 255);
		assert_int_equal(s.plen, 200);
		assert_memory_equal(s.uname, msg + 2, 255);
		assert_memory_equal(s.passwd, msg + 3 + 255, 200);
		assert_int_equal(feed_steps(&s, req, sizeof(req), step, reply,
		    &rl, &used), SOCKS5_REQUEST);
		assert_int_equal(s.dest.port, 8080);
	}

	/* No 0x02 offered: no authentication, nothing kept. */
	socks5_server_init_auth(&s);
	assert_int_equal(socks5_server_feed(&s, (const uint8_t *)"\5\1\0", 3,
	    &used, reply, &rl), SOCKS5_REPLY);
	assert_int_equal(reply[1], 0x00);
	assert_int_equal(s.auth, 0);

	/* Without init_auth, 0x02 is never chosen. */
	socks5_server_init(&s);
	assert_int_equal(socks5_server_feed(&s, greet, sizeof(greet), &used,
	    reply, &rl), SOCKS5_REPLY);
	assert_int_equal(reply[1], 0x00);

	/* A subnegotiation of version 2 is refused with status 1. */
	socks5_server_init_auth(&s);
	assert_int_equal(socks5_server_feed(&s, greet, sizeof(greet), &used,
	    reply, &rl), SOCKS5_REPLY);
	assert_int_equal(socks5_server_feed(&s, bad, sizeof(bad), &used,
	    reply, &rl), SOCKS5_ERROR);
	assert_int_equal(rl, 2);
	assert_int_equal(reply[1], 1);
	assert_non_null(s.why);
}

/*
 * The client against the server (both of lib/socks): a whole exchange
 * with a username and password, each side's bytes fed to the other in
 * pieces of 1 to 40 bytes; the server must see the client's destination,
 * username and password, and the client must end DONE with the bytes
 * after the reply left untaken.  Then a refused CONNECT (reply 2) and a
 * proxy that wants a password we do not have.
 */
static void
test_client(void ** state)
{
	struct socks5_dest d = {SOCKS5_ATYP_IPV6, {0}, 16, 8443};
	struct socks5_server srv;
	struct socks5_client cl;
	uint8_t c2s[600], s2c[64], out[SOCKS5_CLIENT_OUT_MAX], reply[32];
	size_t c2slen, s2clen, used, rl, off, n, step;
	enum socks5_status sst = SOCKS5_NEED_MORE;
	enum socks5_client_status cst = SOCKS5_CLIENT_NEED_MORE;

	(void)state;
	d.addr[15] = 1;
	for (step = 1; step <= 40; step++) {
		socks5_server_init_auth(&srv);
		assert_int_equal(socks5_client_init(&cl, &d,
		    (const uint8_t *)"k=v;m=x", 7, (const uint8_t *)"\0", 1,
		    c2s, &c2slen), 0);
		s2clen = 0;
		/* Server: take what the client sent; answer. */
		while (sst != SOCKS5_REQUEST) {
			for (off = 0; off < c2slen; off += used) {
				n = c2slen - off < step ? c2slen - off : step;
				sst = socks5_server_feed(&srv, c2s + off, n,
				    &used, reply, &rl);
				assert_true(sst != SOCKS5_ERROR);
				memcpy(s2c + s2clen, reply, rl);
				s2clen += rl;
			}
			c2slen = 0;
			if (sst == SOCKS5_REQUEST) {
				s2clen += socks5_reply(s2c + s2clen, 0);
				memcpy(s2c + s2clen, "data", 4);
				s2clen += 4;
			}
			/* Client: take the answers; maybe send more. */
			for (off = 0; off < s2clen; off += used) {
				n = s2clen - off < step ? s2clen - off : step;
				cst = socks5_client_feed(&cl, s2c + off, n,
				    &used, out, &rl);
				assert_true(cst != SOCKS5_CLIENT_ERROR);
				memcpy(c2s + c2slen, out, rl);
				c2slen += rl;
				if (cst == SOCKS5_CLIENT_DONE)
					break;
			}
			if (cst == SOCKS5_CLIENT_DONE) {
				assert_int_equal(s2clen - off - used, 4);
				break;
			}
			s2clen = 0;
		}
		assert_int_equal(cst, SOCKS5_CLIENT_DONE);
		assert_int_equal(srv.ulen, 7);
		assert_memory_equal(srv.uname, "k=v;m=x", 7);
		assert_int_equal(srv.plen, 1);
		assert_int_equal(srv.dest.port, 8443);
		assert_memory_equal(srv.dest.addr, d.addr, 16);
		sst = SOCKS5_NEED_MORE;
	}

	/* A refused CONNECT: the reply code is kept. */
	assert_int_equal(socks5_client_init(&cl, &d, NULL, 0, NULL, 0, out,
	    &rl), 0);
	assert_int_equal(socks5_client_feed(&cl, (const uint8_t *)"\5\0", 2,
	    &used, out, &rl), SOCKS5_CLIENT_SEND);
	socks5_reply(reply, SOCKS5_NOT_ALLOWED);
	assert_int_equal(socks5_client_feed(&cl, reply, 10, &used, out, &rl),
	    SOCKS5_CLIENT_ERROR);
	assert_int_equal(cl.code, SOCKS5_NOT_ALLOWED);
	assert_non_null(cl.why);

	/* A proxy that wants a password, from a client without one. */
	assert_int_equal(socks5_client_init(&cl, &d, NULL, 0, NULL, 0, out,
	    &rl), 0);
	assert_int_equal(socks5_client_feed(&cl, (const uint8_t *)"\5\2", 2,
	    &used, out, &rl), SOCKS5_CLIENT_ERROR);
	assert_non_null(cl.why);
}

/* Each bad request gets its reply code and a reason. */
static void
test_errors(void ** state)
{
	static const struct {
		uint8_t in[16];
		size_t len;
		size_t replylen;
		uint8_t code;
	} cases[] = {
		{ {4, 1, 0}, 3, 0, 0 },				/* SOCKS4 */
		{ {5, 1, 2}, 3, 2, 0xff },			/* auth only */
		{ {5, 1, 0, 5, 2, 0, 1, 1, 2, 3, 4, 0, 80}, 13, 10,
		    SOCKS5_BAD_COMMAND },
		{ {5, 1, 0, 5, 1, 0, 9}, 7, 10, SOCKS5_BAD_ATYP },
		{ {5, 1, 0, 5, 1, 0, 3, 0, 0, 80}, 10, 10, SOCKS5_HOST_UNREACH },
		{ {5, 1, 0, 4, 1, 0, 1, 1, 2, 3, 4, 0, 80}, 13, 10,
		    SOCKS5_FAILURE },
	};
	struct socks5_server s;
	uint8_t reply[32];
	size_t i, rl, used, off;
	enum socks5_status st;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		socks5_server_init(&s);
		off = 0;
		do {
			st = socks5_server_feed(&s, cases[i].in + off,
			    cases[i].len - off, &used, reply, &rl);
			off += used;
		} while (st == SOCKS5_REPLY);
		assert_int_equal(st, SOCKS5_ERROR);
		assert_non_null(s.why);
		assert_int_equal(rl, cases[i].replylen);
		if (rl > 0)
			assert_int_equal(reply[1], cases[i].code);
		/* Nothing more is taken once the exchange has failed. */
		assert_int_equal(socks5_server_feed(&s, cases[i].in, 1, &used,
		    reply, &rl), SOCKS5_ERROR);
		assert_int_equal(used, 0);
	}
}

/* Destinations survive encode/decode; truncations are refused. */
static void
test_dest_codec(void ** state)
{
	struct socks5_dest d = { SOCKS5_ATYP_DOMAIN, "a.example", 9, 65535 };
	struct socks5_dest e;
	uint8_t buf[300];
	size_t n, cut;

	(void)state;
	n = socks5_dest_encode(&d, buf, sizeof(buf));
	assert_int_equal(n, 1 + 1 + 9 + 2);
	assert_int_equal(socks5_dest_decode(&e, buf, n), n);
	assert_int_equal(e.addrlen, 9);
	assert_memory_equal(e.addr, "a.example", 9);
	assert_int_equal(e.port, 65535);
	for (cut = 0; cut < n; cut++)
		assert_int_equal(socks5_dest_decode(&e, buf, cut), 0);
	assert_int_equal(socks5_dest_encode(&d, buf, n - 1), 0);
	buf[0] = 2;
	assert_int_equal(socks5_dest_decode(&e, buf, n), 0);
}

/* Random bytes never crash the parser and never take bytes after an end. */
static void
test_random_bytes(void ** state)
{
	struct dust_rng_seeded r;
	struct socks5_server s;
	uint8_t in[64], reply[32];
	size_t rl, used, off;
	enum socks5_status st;
	int i;

	(void)state;
	dust_rng_seeded_u64(&r, 5);
	for (i = 0; i < 20000; i++) {
		dust_rng_fill(&r.rng, in, sizeof(in));
		in[0] = (i & 1) ? 5 : in[0];
		socks5_server_init(&s);
		off = 0;
		do {
			st = socks5_server_feed(&s, in + off,
			    sizeof(in) - off, &used, reply, &rl);
			off += used;
			assert_true(off <= sizeof(in));
		} while (st == SOCKS5_REPLY);
		assert_true(rl <= 10);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_domain_every_split),
		cmocka_unit_test(test_connect_ip),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_client),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_dest_codec),
		cmocka_unit_test(test_random_bytes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
