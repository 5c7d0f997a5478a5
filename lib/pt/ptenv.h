#ifndef DUST_PTENV_H
#define DUST_PTENV_H

#include <stddef.h>

#include "pt.h"
#include "ptaddr.h"
#include "ptargs.h"

/*
 * The TOR_PT_* environment of a managed transport (pt-spec.txt,
 * "Pluggable Transport Configuration Environment Variables"), parsed into
 * one value for the client or the server role.  The environment is passed
 * in, as a getter (ptenv_array_get reads an array of "NAME=value"
 * strings, such as environ): nothing here reads the process's own.
 */

#define PTENV_MAXTRANSPORTS	8	/* names in a TRANSPORTS list */
#define PTENV_PATHMAX		4096	/* paths, with their NUL */

enum ptenv_role { PTENV_CLIENT = 1, PTENV_SERVER = 2 };
enum ptproxy_type { PTPROXY_SOCKS5 = 1, PTPROXY_SOCKS4A, PTPROXY_HTTP };

/* TOR_PT_PROXY: <type>://[<user>[:<pass>]@]<ip>:<port> */
struct ptproxy {
	enum ptproxy_type type;
	struct ptaddr addr;
	int has_user, has_pass;
	char user[256], pass[256];	/* percent-decoded, NUL-ended */
};

struct ptenv {
	enum ptenv_role role;
	char state_location[PTENV_PATHMAX];	/* absolute */
	int exit_on_stdin_close;		/* TOR_PT_EXIT_ON_STDIN_CLOSE=1 */
	size_t ntransports;			/* TOR_PT_{CLIENT,SERVER}_TRANSPORTS */
	char transports[PTENV_MAXTRANSPORTS][PT_NAMEMAX + 1];

	/* Client. */
	int has_proxy;
	struct ptproxy proxy;

	/* Server; bindaddr and options are indexed as ${transports}. */
	int has_bindaddr[PTENV_MAXTRANSPORTS];
	struct ptaddr bindaddr[PTENV_MAXTRANSPORTS];	/* port 0: any */
	struct ptargs options[PTENV_MAXTRANSPORTS];
	int has_orport, has_extport;
	struct ptaddr orport, extport;
	char auth_cookie_file[PTENV_PATHMAX];	/* absolute; with extport */
};

/* A getter: the value of variable ${name}, or NULL if it is not set. */
typedef const char * ptenv_get_fn(void *, const char *);

/**
 * ptenv_array_get(envp, name):
 * Look ${name} up in ${envp}, a NULL-terminated array of "NAME=value"
 * strings (a char * const *).  Return its value, or NULL.
 */
const char * ptenv_array_get(void *, const char *);

/**
 * ptenv_parse(env, get, ctx, err):
 * Read the TOR_PT_* variables through ${get}(${ctx}, name) into ${env}.
 * Return 0 on success, or -1 with ${err} saying what was wrong and on
 * which line to report it: PT_ERR_VERSION (no version "1": print nothing
 * before it), else (print "VERSION 1" first) PT_ERR_ENV or PT_ERR_PROXY.
 */
int ptenv_parse(struct ptenv *, ptenv_get_fn *, void *, struct pt_error *);

/**
 * ptenv_transport(env, name):
 * Return the index of transport ${name} in ${env}'s list, PTENV_ALL if
 * the list holds "*" instead, or -1 if ${name} was not asked for.
 */
#define PTENV_ALL	PTENV_MAXTRANSPORTS
int ptenv_transport(const struct ptenv *, const char *);

#endif /* !DUST_PTENV_H */
