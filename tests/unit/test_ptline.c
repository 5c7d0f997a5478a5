/*
 * The stdout lines of a managed transport (lib/pt/ptline.c): every line
 * in full, the escaping of ARGS, LOG and STATUS, messages kept on one
 * line, and lines refused rather than cut when they do not fit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pt/pt.h"
#include "pt/ptaddr.h"
#include "pt/ptargs.h"
#include "pt/ptline.h"

/* ${n} is the length of ${buf}, which equals ${want}. */
static void
line_is(int n, const char * buf, const char * want)
{

	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(buf, want);
}

/* An address from text. */
static struct ptaddr
addr(const char * s)
{
	struct ptaddr a;
	char why[100];

	assert_int_equal(ptaddr_parse(&a, s, strlen(s), 1, why, sizeof(why)),
	    0);
	return (a);
}

/* The fixed lines, CMETHOD and SMETHOD. */
static void
test_lines(void ** state)
{
	struct ptaddr a = addr("127.0.0.1:19999"), b = addr("[2001:db8::1]:2");
	struct ptargs args;
	char buf[512];

	(void)state;
	line_is(ptline_version(buf, sizeof(buf)), buf, "VERSION 1\n");
	line_is(ptline_proxy_done(buf, sizeof(buf)), buf, "PROXY DONE\n");
	line_is(ptline_cmethods_done(buf, sizeof(buf)), buf,
	    "CMETHODS DONE\n");
	line_is(ptline_smethods_done(buf, sizeof(buf)), buf,
	    "SMETHODS DONE\n");
	line_is(ptline_cmethod(buf, sizeof(buf), "dust", "socks5", &a), buf,
	    "CMETHOD dust socks5 127.0.0.1:19999\n");
	assert_int_equal(ptline_cmethod(buf, sizeof(buf), "dust", "http", &a),
	    -1);
	assert_int_equal(ptline_cmethod(buf, sizeof(buf), "du st", "socks5",
	    &a), -1);
	line_is(ptline_smethod(buf, sizeof(buf), "dust", &b, NULL), buf,
	    "SMETHOD dust [2001:db8::1]:2\n");
	ptargs_init(&args);
	line_is(ptline_smethod(buf, sizeof(buf), "dust", &b, &args), buf,
	    "SMETHOD dust [2001:db8::1]:2\n");
	assert_int_equal(ptargs_add(&args, "cert", 4, "a=b,c\\d", 7, NULL), 0);
	assert_int_equal(ptargs_add(&args, "iat-mode", 8, "0", 1, NULL), 0);
	line_is(ptline_smethod(buf, sizeof(buf), "dust", &a, &args), buf,
	    "SMETHOD dust 127.0.0.1:19999 "
	    "ARGS:cert=a\\=b\\,c\\\\d,iat-mode=0\n");
	/* A space or a control byte cannot be carried in ARGS. */
	assert_int_equal(ptargs_add(&args, "n", 1, "a b", 3, NULL), 0);
	assert_int_equal(ptline_smethod(buf, sizeof(buf), "dust", &a, &args),
	    -1);
}

/* The -ERROR lines; messages on one line, ASCII. */
static void
test_errors(void ** state)
{
	struct pt_error err;
	char buf[512];

	(void)state;
	pt_error_set(&err, PT_ERR_VERSION, NULL, "no-version");
	line_is(ptline_error(buf, sizeof(buf), &err), buf,
	    "VERSION-ERROR no-version\n");
	pt_error_set(&err, PT_ERR_ENV, NULL, "bad\nthing\r\t\xe9!");
	line_is(ptline_error(buf, sizeof(buf), &err), buf,
	    "ENV-ERROR bad?thing?" "?" "?!\n");
	pt_error_set(&err, PT_ERR_PROXY, NULL, "SOCKS 4 unsupported");
	line_is(ptline_error(buf, sizeof(buf), &err), buf,
	    "PROXY-ERROR SOCKS 4 unsupported\n");
	pt_error_set(&err, PT_ERR_CMETHOD, "dust", "no rocks");
	line_is(ptline_error(buf, sizeof(buf), &err), buf,
	    "CMETHOD-ERROR dust no rocks\n");
	pt_error_set(&err, PT_ERR_SMETHOD, "dust", "no cows");
	line_is(ptline_error(buf, sizeof(buf), &err), buf,
	    "SMETHOD-ERROR dust no cows\n");
	pt_error_set(&err, PT_ERR_SMETHOD, "", "no transport");
	assert_int_equal(ptline_error(buf, sizeof(buf), &err), -1);
	pt_error_set(&err, PT_ERR_NONE, NULL, "x");
	assert_int_equal(ptline_error(buf, sizeof(buf), &err), -1);
	pt_error_set(&err, PT_ERR_ENV, NULL, "x");
	assert_int_equal(pt_error_prefix(&err, PT_ERR_ENV, "VAR: "), -1);
	line_is(ptline_error(buf, sizeof(buf), &err), buf,
	    "ENV-ERROR VAR: x\n");
}

/* LOG: MESSAGE always quoted, escapes of a CString. */
static void
test_log(void ** state)
{
	char buf[512];

	(void)state;
	line_is(ptline_log(buf, sizeof(buf), PTLOG_DEBUG,
	    "Connected to bridge A"), buf,
	    "LOG SEVERITY=debug MESSAGE=\"Connected to bridge A\"\n");
	line_is(ptline_log(buf, sizeof(buf), PTLOG_WARNING,
	    "a \"q\" \\ b\nc\td\x01\xff"), buf,
	    "LOG SEVERITY=warning MESSAGE=\"a \\\"q\\\" \\\\ b\\nc\\td"
	    "\\001\\377\"\n");
	line_is(ptline_log(buf, sizeof(buf), PTLOG_ERROR, ""), buf,
	    "LOG SEVERITY=error MESSAGE=\"\"\n");
	assert_int_equal(ptline_log(buf, sizeof(buf), (enum ptlog_severity)9,
	    "x"), -1);
}

/* STATUS: values quoted only where they must be; keys checked. */
static void
test_status(void ** state)
{
	struct ptargs kv;
	char buf[512];

	(void)state;
	ptargs_init(&kv);
	assert_int_equal(ptline_status(buf, sizeof(buf), "dust", &kv), -1);
	assert_int_equal(ptargs_add(&kv, "ADDRESS", 7, "198.51.100.222:2222",
	    19, NULL), 0);
	assert_int_equal(ptargs_add(&kv, "CONNECT", 7, "Failed", 6, NULL), 0);
	assert_int_equal(ptargs_add(&kv, "ERRSTR", 6, "Connection refused",
	    18, NULL), 0);
	assert_int_equal(ptargs_add(&kv, "EMPTY", 5, "", 0, NULL), 0);
	assert_int_equal(ptargs_add(&kv, "Q", 1, "it's", 4, NULL), 0);
	line_is(ptline_status(buf, sizeof(buf), "dust", &kv), buf,
	    "STATUS TRANSPORT=dust ADDRESS=198.51.100.222:2222 "
	    "CONNECT=Failed ERRSTR=\"Connection refused\" EMPTY=\"\" "
	    "Q=\"it's\"\n");
	ptargs_init(&kv);
	assert_int_equal(ptargs_add(&kv, "K'", 2, "1", 1, NULL), 0);
	assert_int_equal(ptline_status(buf, sizeof(buf), "dust", &kv), -1);
	ptargs_init(&kv);
	assert_int_equal(ptargs_add(&kv, "BAD KEY", 7, "1", 1, NULL), 0);
	assert_int_equal(ptline_status(buf, sizeof(buf), "dust", &kv), -1);
}

/* Every length short of the line: refused, never cut. */
static void
test_no_room(void ** state)
{
	struct ptaddr a = addr("[2001:db8::1]:65535");
	char buf[128], small[128];
	int n, i;

	(void)state;
	n = ptline_cmethod(buf, sizeof(buf), "dust", "socks5", &a);
	assert_true(n > 0);
	for (i = 0; i <= n; i++)
		assert_int_equal(ptline_cmethod(small, (size_t)i, "dust",
		    "socks5", &a), -1);
	assert_int_equal(ptline_cmethod(small, (size_t)n + 1, "dust",
	    "socks5", &a), n);
	assert_string_equal(small, buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_no_room),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
