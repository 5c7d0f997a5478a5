#ifndef DUST_EXITOPTS_H
#define DUST_EXITOPTS_H

#include <stdint.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "socks/policy.h"

#include "proxyconnect.h"

/*
 * The options and set-up of an exit, a program that opens the
 * destinations its clients' SOCKS connections ask for (proxymuxd, and
 * dust server --exit): the destination policy (--allow, --deny, --ports;
 * the built-in denials and this host's own addresses), the time allowed
 * to reach a destination (--timeout) and the resolver (--resolv-conf).
 */

/* The getopt_long codes of the options (none is a short option). */
#define EXITOPTS_ALLOW		'A'
#define EXITOPTS_DENY		'D'
#define EXITOPTS_PORTS		'P'
#define EXITOPTS_TIMEOUT	'T'
#define EXITOPTS_RESOLV		'R'

/* The long options, for a struct option array. */
#define EXITOPTS_LONG							\
	{"allow", required_argument, NULL, EXITOPTS_ALLOW},		\
	{"deny", required_argument, NULL, EXITOPTS_DENY},		\
	{"ports", required_argument, NULL, EXITOPTS_PORTS},		\
	{"timeout", required_argument, NULL, EXITOPTS_TIMEOUT},	\
	{"resolv-conf", required_argument, NULL, EXITOPTS_RESOLV}

/* Seconds to resolve and connect, unless --timeout says. */
#define EXITOPTS_TIMEOUT_DEFAULT	10

struct exitopts {
	struct policy policy;
	const char * resolv;		/* --resolv-conf */
	uint64_t timeout;		/* --timeout, seconds. */
	struct evdns_base * dns;	/* Made by exitopts_start. */
	struct proxyconnect_cfg cfg;	/* ... and this, for proxyconnect. */
};

/**
 * exitopts_init(ex):
 * The defaults: the built-in policy, /etc/resolv.conf, 10 s.
 */
void exitopts_init(struct exitopts *);

/**
 * exitopts_flag(ex, ch, arg):
 * Take the option ${ch} with the argument ${arg} if it is an exit's.
 * Return 0 if taken, 1 if it is not an exit's option, or -1 after a
 * warning naming what was wrong.
 */
int exitopts_flag(struct exitopts *, int, const char *);

/**
 * exitopts_own(ex):
 * Refuse this host's own addresses unless an --allow opens them (call
 * once the options are read).  Return 0, or -1 after a warning.
 */
int exitopts_own(struct exitopts *);

/**
 * exitopts_start(ex, base):
 * Make the resolver on ${base} and ${ex}->cfg for proxyconnect_start.
 * Return 0, or -1 after a warning.
 */
int exitopts_start(struct exitopts *, struct event_base *);

/**
 * exitopts_free(ex, base):
 * Free the resolver (letting cancelled requests call back first on
 * ${base}).  Nothing is done if exitopts_start did not make it.
 */
void exitopts_free(struct exitopts *, struct event_base *);

#endif /* !DUST_EXITOPTS_H */
