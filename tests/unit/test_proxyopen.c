/* proxymux's extension: the open frame's destination, status codes. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dust/muxframe.h"
#include "dust/muxlink.h"
#include "socks/policy.h"
#include "socks/proxyopen.h"
#include "socks/socks5.h"

/* Known answers: the data of open frames on port id 0xff. */
static void
test_encode_known(void ** state)
{
	struct socks5_dest d;
	uint8_t out[300], hdr[MUXFRAME_OPEN_HDR];
	static const uint8_t v4[] = {0x01, 192, 0, 2, 1, 0x00, 0x50, 'G', 'E'};
	static const uint8_t name[] = {0x03, 9, 'l', 'o', 'c', 'a', 'l', 'h',
	    'o', 's', 't', 0x1f, 0x90};
	static const uint8_t v6[] = {0x04, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xbb};
	static const uint8_t open_hdr[] = {0x80, 0x0d, 0x00, 0x01, 0xff};

	d.atyp = SOCKS5_ATYP_IPV4;
	memcpy(d.addr, (const uint8_t[]){192, 0, 2, 1}, 4);
	d.addrlen = 4;
	d.port = 80;
	assert_int_equal(proxyopen_encode(&d, (const uint8_t *)"GE", 2, out,
	    sizeof(out)), sizeof(v4));
	assert_memory_equal(out, v4, sizeof(v4));

	d.atyp = SOCKS5_ATYP_DOMAIN;
	memcpy(d.addr, "localhost", 9);
	d.addrlen = 9;
	d.port = 8080;
	assert_int_equal(proxyopen_encode(&d, NULL, 0, out, sizeof(out)),
	    sizeof(name));
	assert_memory_equal(out, name, sizeof(name));
	/* The whole open frame: connection 1, port id 0xff, 13 bytes. */
	assert_int_equal(muxframe_open_hdr(hdr, 1, PROXYOPEN_PORT,
	    sizeof(name)), MUXFRAME_OPEN_HDR);
	assert_memory_equal(hdr, open_hdr, sizeof(open_hdr));

	d.atyp = SOCKS5_ATYP_IPV6;
	memcpy(d.addr, v6 + 1, 16);
	d.addrlen = 16;
	d.port = 443;
	assert_int_equal(proxyopen_encode(&d, NULL, 0, out, sizeof(out)),
	    sizeof(v6));
	assert_memory_equal(out, v6, sizeof(v6));

	/* Too small an output: 0, never a partial write counted. */
	assert_int_equal(proxyopen_encode(&d, NULL, 0, out, sizeof(v6) - 1),
	    0);
	assert_int_equal(proxyopen_encode(&d, (const uint8_t *)"x", 1, out,
	    sizeof(v6)), 0);
}

/* The decoder over every split of a prefix followed by data. */
static void
test_decode_every_split(void ** state)
{
	static const uint8_t in[] = {0x03, 11, 'e', 'x', 'a', 'm', 'p', 'l',
	    'e', '.', 'o', 'r', 'g', 0x01, 0xbb, 'd', 'a', 't', 'a'};
	struct proxyopen_dec dec;
	struct socks5_dest d;
	const char * why;
	uint8_t code;
	size_t cut, used;

	for (cut = 0; cut <= sizeof(in); cut++) {
		proxyopen_dec_init(&dec);
		if (cut < 15) {
			assert_int_equal(proxyopen_dec_feed(&dec, in, cut,
			    &used, &d, &code, &why), 0);
			assert_int_equal(used, cut);
			assert_int_equal(proxyopen_dec_feed(&dec, in + cut,
			    sizeof(in) - cut, &used, &d, &code, &why), 1);
			assert_int_equal(cut + used, 15);
		} else {
			assert_int_equal(proxyopen_dec_feed(&dec, in, cut,
			    &used, &d, &code, &why), 1);
			assert_int_equal(used, 15);
		}
		assert_int_equal(d.atyp, SOCKS5_ATYP_DOMAIN);
		assert_int_equal(d.addrlen, 11);
		assert_memory_equal(d.addr, "example.org", 11);
		assert_int_equal(d.port, 443);
	}
}

/* Each fault gets its reply code, as early as it can be seen. */
static void
test_decode_errors(void ** state)
{
	struct proxyopen_dec dec;
	struct socks5_dest d;
	const char * why;
	uint8_t code;
	size_t used;
	static const uint8_t badtype[] = {0x02, 1, 2, 3};
	static const uint8_t empty[] = {0x03, 0};
	static const uint8_t nul[] = {0x03, 3, 'a', 0, 'b', 0, 80};

	proxyopen_dec_init(&dec);
	assert_int_equal(proxyopen_dec_feed(&dec, badtype, 1, &used, &d,
	    &code, &why), -1);
	assert_int_equal(code, SOCKS5_BAD_ATYP);
	assert_non_null(strstr(why, "address type"));

	proxyopen_dec_init(&dec);
	assert_int_equal(proxyopen_dec_feed(&dec, empty, sizeof(empty), &used,
	    &d, &code, &why), -1);
	assert_int_equal(code, SOCKS5_HOST_UNREACH);
	assert_non_null(strstr(why, "empty"));

	proxyopen_dec_init(&dec);
	assert_int_equal(proxyopen_dec_feed(&dec, nul, sizeof(nul) - 1, &used,
	    &d, &code, &why), 0);
	assert_int_equal(proxyopen_dec_feed(&dec, nul + sizeof(nul) - 1, 1,
	    &used, &d, &code, &why), -1);
	assert_int_equal(code, SOCKS5_HOST_UNREACH);
	assert_non_null(strstr(why, "NUL"));
}

/* Connect errors map to the reply codes docs/proxymux.md lists. */
static void
test_errno_codes(void ** state)
{

	assert_int_equal(proxyopen_errno_code(ENETUNREACH), 0x03);
	assert_int_equal(proxyopen_errno_code(EHOSTUNREACH), 0x04);
	assert_int_equal(proxyopen_errno_code(EHOSTDOWN), 0x04);
	assert_int_equal(proxyopen_errno_code(ECONNREFUSED), 0x05);
	assert_int_equal(proxyopen_errno_code(ETIMEDOUT), 0x06);
	assert_int_equal(proxyopen_errno_code(EACCES), 0x02);
	assert_int_equal(proxyopen_errno_code(EAFNOSUPPORT), 0x08);
	assert_int_equal(proxyopen_errno_code(EIO), 0x01);
	assert_int_equal(proxyopen_errno_code(0), 0x01);
	assert_string_equal(proxyopen_code_name(0x05), "connection refused");
	assert_string_equal(proxyopen_code_name(0x09),
	    "unassigned reply code");
}

/* Two link states back to back, to see the frames of the extension. */
struct pair {
	struct muxlink * l;
	uint8_t wire[4096];
	size_t len;
	uint8_t port;
	uint8_t data[1024];
	size_t dlen;
	int opened;
};

static int
cb_output(void * cookie, const uint8_t * h, size_t hl, const uint8_t * d,
    size_t dl)
{
	struct pair * p = cookie;

	memcpy(p->wire + p->len, h, hl);
	if (dl > 0)
		memcpy(p->wire + p->len + hl, d, dl);
	p->len += hl + dl;
	return (0);
}

static void *
cb_open(void * cookie, uint16_t id, uint8_t port)
{
	struct pair * p = cookie;

	p->opened = 1;
	p->port = port;
	return (p);
}

static int
cb_data(void * cookie, void * user, const uint8_t * buf, size_t len)
{
	struct pair * p = cookie;

	memcpy(p->data + p->dlen, buf, len);
	p->dlen += len;
	return (0);
}

static void cb_eof(void * c, void * u) { }
static void cb_credit(void * c, void * u) { }
static void cb_freed(void * c, void * u) { }
static void cb_reset(void * c, void * u) { }

static const struct muxlink_cbs cbs = {
	cb_output, cb_open, cb_data, cb_eof, cb_credit, cb_freed, cb_reset
};

/*
 * muxlink_open_data: the destination travels in the open frame itself and
 * counts against the window; the status comes back as the first byte.
 */
static void
test_open_data_frames(void ** state)
{
	static struct pair cl, sv;
	static const uint8_t prefix[] = {0x01, 127, 0, 0, 1, 0x1f, 0x90};
	static const uint8_t frame[] = {0x80, 0x07, 0x00, 0x01, 0xff,
	    0x01, 127, 0, 0, 1, 0x1f, 0x90};
	/* Status 0x05, close, and the credit of the 7 bytes it dropped. */
	static const uint8_t status[] = {0x00, 0x01, 0x00, 0x01, 0x05,
	    0x00, 0x00, 0x00, 0x01,
	    0x00, 0x07, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07};
	uint8_t code = SOCKS5_REFUSED;
	uint16_t id;

	memset(&cl, 0, sizeof(cl));
	memset(&sv, 0, sizeof(sv));
	assert_non_null(cl.l = muxlink_new(0, &cbs, &cl));
	assert_non_null(sv.l = muxlink_new(1, &cbs, &sv));
	assert_int_equal(muxlink_open_data(cl.l, PROXYOPEN_PORT, prefix,
	    sizeof(prefix), &cl, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(cl.len, sizeof(frame));
	assert_memory_equal(cl.wire, frame, sizeof(frame));
	assert_int_equal(muxlink_sendable(cl.l, id),
	    MUXLINK_WINDOW - sizeof(prefix));
	assert_int_equal(muxlink_input(sv.l, cl.wire, cl.len), 0);
	assert_true(sv.opened);
	assert_int_equal(sv.port, PROXYOPEN_PORT);
	assert_int_equal(sv.dlen, sizeof(prefix));
	assert_memory_equal(sv.data, prefix, sizeof(prefix));

	/* A refusal: the status byte, then the close frame. */
	assert_int_equal(muxlink_send(sv.l, id, &code, 1), 0);
	assert_int_equal(muxlink_refuse(sv.l, id), 0);
	assert_int_equal(sv.len, sizeof(status));
	assert_memory_equal(sv.wire, status, sizeof(status));
	assert_int_equal(muxlink_input(cl.l, sv.wire, sv.len), 0);
	assert_int_equal(cl.dlen, 1);
	assert_int_equal(cl.data[0], SOCKS5_REFUSED);

	/* Open-frame data beyond 15 bits is refused, not truncated. */
	assert_int_equal(muxlink_open_data(cl.l, PROXYOPEN_PORT, prefix,
	    MUXFRAME_MAXDATA + 1, &cl, &id), -1);
	assert_non_null(strstr(muxlink_error(cl.l), "open frame"));
	muxlink_free(cl.l);
	muxlink_free(sv.l);
}

/* The port check that comes before any name is resolved. */
static void
test_policy_port(void ** state)
{
	struct policy p;
	char why[128];

	policy_init(&p);
	assert_true(policy_port_ok(&p, 1));
	assert_true(policy_port_ok(&p, 65535));
	assert_false(policy_port_ok(&p, 0));
	assert_int_equal(policy_set_ports(&p, "80,8000-8001", why,
	    sizeof(why)), 0);
	assert_true(policy_port_ok(&p, 80));
	assert_true(policy_port_ok(&p, 8001));
	assert_false(policy_port_ok(&p, 81));
	assert_false(policy_port_ok(&p, 443));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_known),
		cmocka_unit_test(test_decode_every_split),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_errno_codes),
		cmocka_unit_test(test_open_data_frames),
		cmocka_unit_test(test_policy_port),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
