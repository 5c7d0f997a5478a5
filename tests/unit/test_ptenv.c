/*
 * The TOR_PT_* environment (lib/pt/ptenv.c) from arrays of "NAME=value"
 * strings: both roles with every variable, the specification's examples,
 * and each bad environment with the line it must be reported on and a
 * message naming the fault.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pt/ptaddr.h"
#include "pt/ptenv.h"

/* Parse the NULL-terminated ${envp}. */
static int
parse(struct ptenv * env, const char ** envp, struct pt_error * err)
{

	memset(err, 0, sizeof(*err));
	return (ptenv_parse(env, ptenv_array_get, (void *)envp, err));
}

/* ${a} formatted equals ${want}. */
static void
addr_is(const struct ptaddr * a, const char * want)
{
	char buf[PTADDR_TEXTMAX];

	assert_string_equal(ptaddr_format(a, buf), want);
}

/* A client with every variable, proxy with user and password. */
static void
test_client(void ** state)
{
	const char * envp[] = {
		"PATH=/bin",
		"TOR_PT_MANAGED_TRANSPORT_VER=1a,1,this_is_a_valid_ver",
		"TOR_PT_STATE_LOCATION=/var/lib/tor/pt_state/",
		"TOR_PT_EXIT_ON_STDIN_CLOSE=1",
		"TOR_PT_CLIENT_TRANSPORTS=obfs4,dust",
		"TOR_PT_PROXY=socks5://tor:test%3A1234@198.51.100.1:8000",
		NULL };
	struct ptenv env;
	struct pt_error err;

	(void)state;
	assert_int_equal(parse(&env, envp, &err), 0);
	assert_int_equal(env.role, PTENV_CLIENT);
	assert_string_equal(env.state_location, "/var/lib/tor/pt_state/");
	assert_int_equal(env.exit_on_stdin_close, 1);
	assert_int_equal(env.ntransports, 2);
	assert_int_equal(ptenv_transport(&env, "dust"), 1);
	assert_int_equal(ptenv_transport(&env, "obfs3"), -1);
	assert_int_equal(env.has_proxy, 1);
	assert_int_equal(env.proxy.type, PTPROXY_SOCKS5);
	assert_string_equal(env.proxy.user, "tor");
	assert_string_equal(env.proxy.pass, "test:1234");
	addr_is(&env.proxy.addr, "198.51.100.1:8000");
}

/* The other proxy forms, and "*" for every transport. */
static void
test_client_proxies(void ** state)
{
	const char * envp[] = {
		"TOR_PT_MANAGED_TRANSPORT_VER=1",
		"TOR_PT_STATE_LOCATION=/s",
		"TOR_PT_CLIENT_TRANSPORTS=*",
		NULL, NULL };
	struct ptenv env;
	struct pt_error err;

	(void)state;
	assert_int_equal(parse(&env, envp, &err), 0);
	assert_int_equal(env.has_proxy, 0);
	assert_int_equal(env.exit_on_stdin_close, 0);
	assert_int_equal(ptenv_transport(&env, "dust"), PTENV_ALL);
	envp[3] = "TOR_PT_PROXY=socks4a://198.51.100.2:8001";
	assert_int_equal(parse(&env, envp, &err), 0);
	assert_int_equal(env.proxy.type, PTPROXY_SOCKS4A);
	assert_int_equal(env.proxy.has_user, 0);
	envp[3] = "TOR_PT_PROXY=http://u@[2001:db8::3]:443";
	assert_int_equal(parse(&env, envp, &err), 0);
	assert_int_equal(env.proxy.type, PTPROXY_HTTP);
	assert_string_equal(env.proxy.user, "u");
	assert_int_equal(env.proxy.has_pass, 0);
	addr_is(&env.proxy.addr, "[2001:db8::3]:443");
}

/* A server with every variable. */
static void
test_server(void ** state)
{
	const char * envp[] = {
		"TOR_PT_MANAGED_TRANSPORT_VER=1",
		"TOR_PT_STATE_LOCATION=/var/lib/tor/pt_state",
		"TOR_PT_EXIT_ON_STDIN_CLOSE=0",
		"TOR_PT_SERVER_TRANSPORTS=obfs3,dust",
		"TOR_PT_SERVER_BINDADDR=obfs3-198.51.100.1:1984,dust-[::]:0",
		"TOR_PT_SERVER_TRANSPORT_OPTIONS=dust:model=http;obfs3:x=1;"
		    "dust:note=a\\;b",
		"TOR_PT_ORPORT=127.0.0.1:9001",
		"TOR_PT_EXTENDED_SERVER_PORT=127.0.0.1:4200",
		"TOR_PT_AUTH_COOKIE_FILE=/var/lib/tor/extended_orport_auth_cookie",
		NULL };
	struct ptenv env;
	struct pt_error err;
	int d;

	(void)state;
	assert_int_equal(parse(&env, envp, &err), 0);
	assert_int_equal(env.role, PTENV_SERVER);
	assert_int_equal(env.exit_on_stdin_close, 0);
	assert_int_equal(d = ptenv_transport(&env, "dust"), 1);
	assert_int_equal(env.has_bindaddr[0], 1);
	addr_is(&env.bindaddr[0], "198.51.100.1:1984");
	addr_is(&env.bindaddr[d], "[::]:0");
	assert_int_equal(env.options[d].n, 2);
	assert_string_equal(ptargs_get(&env.options[d], "model"), "http");
	assert_string_equal(ptargs_get(&env.options[d], "note"), "a;b");
	assert_string_equal(ptargs_get(&env.options[0], "x"), "1");
	addr_is(&env.orport, "127.0.0.1:9001");
	addr_is(&env.extport, "127.0.0.1:4200");
	assert_string_equal(env.auth_cookie_file,
	    "/var/lib/tor/extended_orport_auth_cookie");
}

/* A server without ExtORPort (empty) and without BINDADDR. */
static void
test_server_plain(void ** state)
{
	const char * envp[] = {
		"TOR_PT_MANAGED_TRANSPORT_VER=1",
		"TOR_PT_STATE_LOCATION=/s",
		"TOR_PT_SERVER_TRANSPORTS=dust",
		"TOR_PT_ORPORT=[::1]:9001",
		"TOR_PT_EXTENDED_SERVER_PORT=",
		NULL };
	struct ptenv env;
	struct pt_error err;

	(void)state;
	assert_int_equal(parse(&env, envp, &err), 0);
	assert_int_equal(env.has_extport, 0);
	assert_int_equal(env.has_bindaddr[0], 0);
	addr_is(&env.orport, "[::1]:9001");
}

/* Bad environments: the line, and words of the message. */
static void
test_bad(void ** state)
{
	static const struct {
		const char * var[4];
		enum pt_errline line;
		const char * why;
	} bad[] = {
		{ { "TOR_PT_MANAGED_TRANSPORT_VER=2,1a" }, PT_ERR_VERSION,
		    "no-version" },
		{ { "TOR_PT_MANAGED_TRANSPORT_VER=" }, PT_ERR_VERSION,
		    "no-version" },
		{ { "TOR_PT_MANAGED_TRANSPORT_VER" }, PT_ERR_ENV,
		    "TOR_PT_MANAGED_TRANSPORT_VER is not set" },
		{ { "TOR_PT_STATE_LOCATION" }, PT_ERR_ENV,
		    "TOR_PT_STATE_LOCATION is not set" },
		{ { "TOR_PT_STATE_LOCATION=state" }, PT_ERR_ENV,
		    "not an absolute path" },
		{ { "TOR_PT_EXIT_ON_STDIN_CLOSE=yes" }, PT_ERR_ENV,
		    "TOR_PT_EXIT_ON_STDIN_CLOSE is \"yes\"" },
		{ { "TOR_PT_CLIENT_TRANSPORTS=dust" }, PT_ERR_ENV, "both" },
		{ { "TOR_PT_SERVER_TRANSPORTS" }, PT_ERR_ENV, "neither" },
		{ { "TOR_PT_SERVER_TRANSPORTS=" }, PT_ERR_ENV, "is empty" },
		{ { "TOR_PT_SERVER_TRANSPORTS=du-st" }, PT_ERR_ENV,
		    "\"du-st\" is not a transport name" },
		{ { "TOR_PT_SERVER_TRANSPORTS=dust,,x" }, PT_ERR_ENV,
		    "\"\" is not a transport name" },
		{ { "TOR_PT_SERVER_TRANSPORTS=dust,dust" }, PT_ERR_ENV,
		    "dust named twice" },
		{ { "TOR_PT_SERVER_TRANSPORTS=a,b,c,d,e,f,g,h,i" }, PT_ERR_ENV,
		    "more than 8" },
		{ { "TOR_PT_SERVER_BINDADDR=obfs4-127.0.0.1:1" }, PT_ERR_ENV,
		    "obfs4 is not in TOR_PT_SERVER_TRANSPORTS" },
		{ { "TOR_PT_SERVER_BINDADDR=dust-localhost:1" }, PT_ERR_ENV,
		    "TOR_PT_SERVER_BINDADDR: dust: not an IPv4 address" },
		{ { "TOR_PT_SERVER_BINDADDR=dust-::1:1" }, PT_ERR_ENV,
		    "must be in brackets" },
		{ { "TOR_PT_SERVER_BINDADDR=dust-1.2.3.4:65536" }, PT_ERR_ENV,
		    "port not a number" },
		{ { "TOR_PT_SERVER_BINDADDR=dust-[::1:1" }, PT_ERR_ENV,
		    "no ']'" },
		{ { "TOR_PT_SERVER_BINDADDR=dust-1.2.3.4" }, PT_ERR_ENV,
		    "no :port" },
		{ { "TOR_PT_SERVER_BINDADDR=dust-1.2.3.4:1,dust-1.2.3.4:2" },
		    PT_ERR_ENV, "dust given twice" },
		{ { "TOR_PT_SERVER_BINDADDR=1.2.3.4:1" }, PT_ERR_ENV,
		    "not transport-address:port" },
		{ { "TOR_PT_SERVER_TRANSPORT_OPTIONS=dust:a" }, PT_ERR_ENV,
		    "TOR_PT_SERVER_TRANSPORT_OPTIONS: argument \"a\" has no" },
		{ { "TOR_PT_ORPORT=127.0.0.1:0" }, PT_ERR_ENV,
		    "TOR_PT_ORPORT: port not a number in 1-65535" },
		{ { "TOR_PT_ORPORT", "TOR_PT_EXTENDED_SERVER_PORT" },
		    PT_ERR_ENV, "neither TOR_PT_ORPORT" },
		{ { "TOR_PT_AUTH_COOKIE_FILE" }, PT_ERR_ENV,
		    "TOR_PT_AUTH_COOKIE_FILE is not" },
		{ { "TOR_PT_AUTH_COOKIE_FILE=cookie" }, PT_ERR_ENV,
		    "not an absolute path" },
		{ { "TOR_PT_EXTENDED_SERVER_PORT=x:1" }, PT_ERR_ENV,
		    "TOR_PT_EXTENDED_SERVER_PORT: not an IPv4" },
	};
	static const char * base[] = {
		"TOR_PT_MANAGED_TRANSPORT_VER=1",
		"TOR_PT_STATE_LOCATION=/s",
		"TOR_PT_SERVER_TRANSPORTS=dust",
		"TOR_PT_ORPORT=127.0.0.1:9001",
		"TOR_PT_EXTENDED_SERVER_PORT=127.0.0.1:4200",
		"TOR_PT_AUTH_COOKIE_FILE=/c",
	};
	const char * envp[16];
	struct ptenv env;
	struct pt_error err;
	size_t i, j, k, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* The base, its variables overridden or removed. */
		n = 0;
		for (j = 0; j < sizeof(base) / sizeof(base[0]); j++) {
			for (k = 0; k < 4 && bad[i].var[k] != NULL; k++)
				if (strncmp(base[j], bad[i].var[k],
				    strcspn(base[j], "=")) == 0)
					break;
			if (k == 4 || bad[i].var[k] == NULL)
				envp[n++] = base[j];
		}
		for (k = 0; k < 4 && bad[i].var[k] != NULL; k++)
			if (strchr(bad[i].var[k], '=') != NULL)
				envp[n++] = bad[i].var[k];
		envp[n] = NULL;
		assert_int_equal(parse(&env, envp, &err), -1);
		if (err.line != bad[i].line ||
		    strstr(err.msg, bad[i].why) == NULL)
			fail_msg("case %zu: line %d \"%s\", not %d \"%s\"", i,
			    (int)err.line, err.msg, (int)bad[i].line,
			    bad[i].why);
	}
}

/* TOR_PT_PROXY faults are PROXY-ERROR. */
static void
test_bad_proxy(void ** state)
{
	static const struct {
		const char * proxy, * why;
	} bad[] = {
		{ "TOR_PT_PROXY=socks4://1.2.3.4:1", "not socks5, socks4a" },
		{ "TOR_PT_PROXY=1.2.3.4:1", "not socks5, socks4a" },
		{ "TOR_PT_PROXY=socks5://proxy.example:1080",
		    "host names are not allowed" },
		{ "TOR_PT_PROXY=socks5://u@1.2.3.4:1", "needs a password" },
		{ "TOR_PT_PROXY=socks4a://u:p@1.2.3.4:1", "no password" },
		{ "TOR_PT_PROXY=socks5://u:p%zz@1.2.3.4:1", "bad %-escape" },
		{ "TOR_PT_PROXY=socks5://u:p%00@1.2.3.4:1", "bad %-escape" },
		{ "TOR_PT_PROXY=socks5://:p@1.2.3.4:1", "empty proxy user" },
		{ "TOR_PT_PROXY=http://1.2.3.4:80/", "port not a number" },
		{ "TOR_PT_PROXY=http://1.2.3.4", "no :port" },
	};
	const char * envp[] = {
		"TOR_PT_MANAGED_TRANSPORT_VER=1",
		"TOR_PT_STATE_LOCATION=/s",
		"TOR_PT_CLIENT_TRANSPORTS=dust",
		NULL, NULL };
	struct ptenv env;
	struct pt_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		envp[3] = bad[i].proxy;
		assert_int_equal(parse(&env, envp, &err), -1);
		if (err.line != PT_ERR_PROXY ||
		    strstr(err.msg, bad[i].why) == NULL)
			fail_msg("%s: line %d \"%s\"", bad[i].proxy,
			    (int)err.line, err.msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client),
		cmocka_unit_test(test_client_proxies),
		cmocka_unit_test(test_server),
		cmocka_unit_test(test_server_plain),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_bad_proxy),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
