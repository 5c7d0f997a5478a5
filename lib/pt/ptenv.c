#include <stdio.h>
#include <string.h>

#include "pt.h"
#include "ptaddr.h"
#include "ptargs.h"
#include "ptenv.h"

/**
 * ptenv_array_get(envp, name):
 * Look ${name} up in ${envp}, a NULL-terminated array of "NAME=value"
 * strings (a char * const *).  Return its value, or NULL.
 */
const char *
ptenv_array_get(void * envp, const char * name)
{
	char * const * e;
	size_t n = strlen(name);

	for (e = envp; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return (*e + n + 1);
	return (NULL);
}

/**
 * ptenv_transport(env, name):
 * Return the index of transport ${name} in ${env}'s list, PTENV_ALL if
 * the list holds "*" instead, or -1 if ${name} was not asked for.
 */
int
ptenv_transport(const struct ptenv * env, const char * name)
{
	size_t i;
	int all = 0;

	for (i = 0; i < env->ntransports; i++) {
		if (strcmp(env->transports[i], name) == 0)
			return ((int)i);
		if (strcmp(env->transports[i], "*") == 0)
			all = 1;
	}
	return (all ? PTENV_ALL : -1);
}

/* The version list: accept if "1" is one of its items. */
static int
version(const char * v, struct pt_error * err)
{
	const char * p;
	size_t n;

	if (v == NULL)
		return (pt_error_set(err, PT_ERR_ENV, NULL,
		    "TOR_PT_MANAGED_TRANSPORT_VER is not set"));
	for (p = v; ; p += n + 1) {
		n = strcspn(p, ",");
		if (n == 1 && p[0] == '1')
			return (0);
		if (p[n] == '\0')
			break;
	}
	return (pt_error_set(err, PT_ERR_VERSION, NULL, "no-version"));
}

/* Copy an absolute path ${v} of variable ${name} into ${out}. */
static int
abspath(char out[PTENV_PATHMAX], const char * name, const char * v,
    struct pt_error * err)
{

	if (v == NULL || v[0] == '\0')
		return (pt_error_set(err, PT_ERR_ENV, NULL, "%s is not set",
		    name));
	if (v[0] != '/')
		return (pt_error_set(err, PT_ERR_ENV, NULL,
		    "%s is not an absolute path", name));
	if (strlen(v) >= PTENV_PATHMAX)
		return (pt_error_set(err, PT_ERR_ENV, NULL,
		    "%s is longer than %d bytes", name, PTENV_PATHMAX - 1));
	strcpy(out, v);
	return (0);
}

/* Parse the comma-separated transport names ${v} of ${name}. */
static int
transports(struct ptenv * env, const char * name, const char * v,
    struct pt_error * err)
{
	const char * p;
	size_t n;

	if (v[0] == '\0')
		return (pt_error_set(err, PT_ERR_ENV, NULL,
		    "%s is empty", name));
	for (p = v; ; p += n + 1) {
		n = strcspn(p, ",");
		if (!pt_name_valid(p, n) && !(n == 1 && p[0] == '*'))
			return (pt_error_set(err, PT_ERR_ENV, NULL,
			    "%s: \"%.*s\" is not a transport name", name,
			    (int)(n < 64 ? n : 64), p));
		if (env->ntransports == PTENV_MAXTRANSPORTS)
			return (pt_error_set(err, PT_ERR_ENV, NULL,
			    "%s: more than %d transports", name,
			    PTENV_MAXTRANSPORTS));
		memcpy(env->transports[env->ntransports], p, n);
		env->transports[env->ntransports][n] = '\0';
		if (ptenv_transport(env, env->transports[env->ntransports])
		    != -1 && ptenv_transport(env,
		    env->transports[env->ntransports]) != PTENV_ALL)
			return (pt_error_set(err, PT_ERR_ENV, NULL,
			    "%s: %.*s named twice", name, (int)n, p));
		env->ntransports++;
		if (p[n] == '\0')
			return (0);
	}
}

/* The value of hex digit ${c}, or -1. */
static int
hexval(char c)
{

	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Percent-decode ${len} bytes of userinfo into ${out} (256 bytes). */
static int
userinfo(char out[256], const char * s, size_t len, const char * what,
    struct pt_error * err)
{
	size_t i, n = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (n == 255)
			return (pt_error_set(err, PT_ERR_PROXY, NULL,
			    "proxy %s longer than 255 bytes", what));
		if (s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 ||
		    (lo = hexval(s[i + 2])) < 0 || (hi == 0 && lo == 0))
			return (pt_error_set(err, PT_ERR_PROXY, NULL,
			    "bad %%-escape in the proxy %s", what));
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	if (n == 0)
		return (pt_error_set(err, PT_ERR_PROXY, NULL,
		    "empty proxy %s", what));
	out[n] = '\0';
	return (0);
}

/* The user[:pass] of ${v} (${len} bytes) for ${p}. */
static int
proxy_auth(struct ptproxy * p, const char * v, size_t len,
    struct pt_error * err)
{
	const char * colon = memchr(v, ':', len);
	size_t ulen = colon ? (size_t)(colon - v) : len;

	if (userinfo(p->user, v, ulen, "user name", err))
		return (-1);
	p->has_user = 1;
	if (colon != NULL) {
		if (userinfo(p->pass, colon + 1, len - ulen - 1, "password",
		    err))
			return (-1);
		p->has_pass = 1;
	}
	if (p->type == PTPROXY_SOCKS4A && p->has_pass)
		return (pt_error_set(err, PT_ERR_PROXY, NULL,
		    "a socks4a proxy takes no password"));
	if (p->type == PTPROXY_SOCKS5 && !p->has_pass)
		return (pt_error_set(err, PT_ERR_PROXY, NULL,
		    "a socks5 proxy user name needs a password (RFC 1929)"));
	return (0);
}

/* TOR_PT_PROXY. */
static int
proxy(struct ptproxy * p, const char * v, struct pt_error * err)
{
	static const struct {
		const char * scheme;
		enum ptproxy_type type;
	} types[] = {
		{ "socks5://", PTPROXY_SOCKS5 },
		{ "socks4a://", PTPROXY_SOCKS4A },
		{ "http://", PTPROXY_HTTP },
	};
	const char * at;
	char why[128];
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strncmp(v, types[i].scheme, strlen(types[i].scheme)))
			continue;
		p->type = types[i].type;
		v += strlen(types[i].scheme);
		break;
	}
	if (p->type == 0)
		return (pt_error_set(err, PT_ERR_PROXY, NULL,
		    "proxy type of \"%.64s\" not socks5, socks4a or http", v));
	if ((at = strrchr(v, '@')) != NULL) {
		if (proxy_auth(p, v, (size_t)(at - v), err))
			return (-1);
		v = at + 1;
	}
	if (ptaddr_parse(&p->addr, v, strlen(v), 0, why, sizeof(why)))
		return (pt_error_set(err, PT_ERR_PROXY, NULL,
		    "proxy address \"%.64s\": %s", v, why));
	return (0);
}

/* An address:port variable; absent if unset or empty. */
static int
address(struct ptaddr * a, int * has, const char * name, const char * v,
    struct pt_error * err)
{
	char why[128];

	*has = (v != NULL && v[0] != '\0');
	if (*has && ptaddr_parse(a, v, strlen(v), 0, why, sizeof(why)))
		return (pt_error_set(err, PT_ERR_ENV, NULL, "%s: %s", name,
		    why));
	return (0);
}

/* TOR_PT_SERVER_BINDADDR: transport-addr:port,... */
static int
bindaddr(struct ptenv * env, const char * v, struct pt_error * err)
{
	const char * p, * dash;
	char name[PT_NAMEMAX + 1], why[128];
	size_t n;
	int i;

	for (p = v; ; p += n + 1) {
		n = strcspn(p, ",");
		if ((dash = memchr(p, '-', n)) == NULL ||
		    !pt_name_valid(p, (size_t)(dash - p)))
			return (pt_error_set(err, PT_ERR_ENV, NULL,
			    "TOR_PT_SERVER_BINDADDR: \"%.*s\" is not "
			    "transport-address:port", (int)(n < 80 ? n : 80),
			    p));
		memcpy(name, p, (size_t)(dash - p));
		name[dash - p] = '\0';
		i = ptenv_transport(env, name);
		if (i < 0 || i == PTENV_ALL)
			return (pt_error_set(err, PT_ERR_ENV, NULL,
			    "TOR_PT_SERVER_BINDADDR: %s is not in "
			    "TOR_PT_SERVER_TRANSPORTS", name));
		if (env->has_bindaddr[i])
			return (pt_error_set(err, PT_ERR_ENV, NULL,
			    "TOR_PT_SERVER_BINDADDR: %s given twice", name));
		if (ptaddr_parse(&env->bindaddr[i], dash + 1,
		    n - (size_t)(dash + 1 - p), 1, why, sizeof(why)))
			return (pt_error_set(err, PT_ERR_ENV, NULL,
			    "TOR_PT_SERVER_BINDADDR: %s: %s", name, why));
		env->has_bindaddr[i] = 1;
		if (p[n] == '\0')
			return (0);
	}
}

/* TOR_PT_SERVER_TRANSPORT_OPTIONS, checked whole, kept per transport. */
static int
options(struct ptenv * env, const char * v, struct pt_error * err)
{
	struct ptargs scratch;
	size_t i;

	if (v == NULL)
		return (0);
	for (i = 0; i < env->ntransports; i++)
		if (ptargs_options_parse(&env->options[i], v, strlen(v),
		    env->transports[i], err))
			return (pt_error_prefix(err, PT_ERR_ENV,
			    "TOR_PT_SERVER_TRANSPORT_OPTIONS: "));
	if (env->ntransports == 0 &&
	    ptargs_options_parse(&scratch, v, strlen(v), "", err))
		return (pt_error_prefix(err, PT_ERR_ENV,
		    "TOR_PT_SERVER_TRANSPORT_OPTIONS: "));
	return (0);
}

/* The server's variables. */
static int
server(struct ptenv * env, ptenv_get_fn * get, void * ctx,
    struct pt_error * err)
{
	const char * v;

	if (transports(env, "TOR_PT_SERVER_TRANSPORTS",
	    get(ctx, "TOR_PT_SERVER_TRANSPORTS"), err))
		return (-1);
	if ((v = get(ctx, "TOR_PT_SERVER_BINDADDR")) != NULL && v[0] != '\0'
	    && bindaddr(env, v, err))
		return (-1);
	if (options(env, get(ctx, "TOR_PT_SERVER_TRANSPORT_OPTIONS"), err))
		return (-1);
	if (address(&env->orport, &env->has_orport, "TOR_PT_ORPORT",
	    get(ctx, "TOR_PT_ORPORT"), err) ||
	    address(&env->extport, &env->has_extport,
	    "TOR_PT_EXTENDED_SERVER_PORT",
	    get(ctx, "TOR_PT_EXTENDED_SERVER_PORT"), err))
		return (-1);
	if (!env->has_orport && !env->has_extport)
		return (pt_error_set(err, PT_ERR_ENV, NULL, "neither "
		    "TOR_PT_ORPORT nor TOR_PT_EXTENDED_SERVER_PORT is set"));
	if (!env->has_extport)
		return (0);
	if ((v = get(ctx, "TOR_PT_AUTH_COOKIE_FILE")) == NULL)
		return (pt_error_set(err, PT_ERR_ENV, NULL,
		    "TOR_PT_EXTENDED_SERVER_PORT is set but "
		    "TOR_PT_AUTH_COOKIE_FILE is not"));
	return (abspath(env->auth_cookie_file, "TOR_PT_AUTH_COOKIE_FILE", v,
	    err));
}

/* The client's variables. */
static int
client(struct ptenv * env, ptenv_get_fn * get, void * ctx,
    struct pt_error * err)
{
	const char * v;

	if (transports(env, "TOR_PT_CLIENT_TRANSPORTS",
	    get(ctx, "TOR_PT_CLIENT_TRANSPORTS"), err))
		return (-1);
	v = get(ctx, "TOR_PT_PROXY");
	env->has_proxy = (v != NULL && v[0] != '\0');
	return (env->has_proxy ? proxy(&env->proxy, v, err) : 0);
}

/**
 * ptenv_parse(env, get, ctx, err):
 * Read the TOR_PT_* variables through ${get}(${ctx}, name) into ${env}.
 * Return 0 on success, or -1 with ${err} saying what was wrong and on
 * which line to report it: PT_ERR_VERSION (no version "1": print nothing
 * before it), else (print "VERSION 1" first) PT_ERR_ENV or PT_ERR_PROXY.
 */
int
ptenv_parse(struct ptenv * env, ptenv_get_fn * get, void * ctx,
    struct pt_error * err)
{
	const char * c, * s, * x;

	memset(env, 0, sizeof(*env));
	if (version(get(ctx, "TOR_PT_MANAGED_TRANSPORT_VER"), err))
		return (-1);
	if (abspath(env->state_location, "TOR_PT_STATE_LOCATION",
	    get(ctx, "TOR_PT_STATE_LOCATION"), err))
		return (-1);
	x = get(ctx, "TOR_PT_EXIT_ON_STDIN_CLOSE");
	if (x != NULL && strcmp(x, "") && strcmp(x, "0") && strcmp(x, "1"))
		return (pt_error_set(err, PT_ERR_ENV, NULL,
		    "TOR_PT_EXIT_ON_STDIN_CLOSE is \"%.16s\", not 0 or 1", x));
	env->exit_on_stdin_close = (x != NULL && strcmp(x, "1") == 0);
	c = get(ctx, "TOR_PT_CLIENT_TRANSPORTS");
	s = get(ctx, "TOR_PT_SERVER_TRANSPORTS");
	if (c != NULL && s != NULL)
		return (pt_error_set(err, PT_ERR_ENV, NULL, "both "
		    "TOR_PT_CLIENT_TRANSPORTS and TOR_PT_SERVER_TRANSPORTS are "
		    "set (a transport is either a client or a server)"));
	if (c == NULL && s == NULL)
		return (pt_error_set(err, PT_ERR_ENV, NULL, "neither "
		    "TOR_PT_CLIENT_TRANSPORTS nor TOR_PT_SERVER_TRANSPORTS is "
		    "set"));
	env->role = (c != NULL) ? PTENV_CLIENT : PTENV_SERVER;
	if (env->role == PTENV_CLIENT)
		return (client(env, get, ctx, err));
	return (server(env, get, ctx, err));
}
