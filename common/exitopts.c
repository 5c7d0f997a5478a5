#include <getopt.h>
#include <stddef.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "socks/policy.h"

#include "args.h"
#include "exitopts.h"
#include "ownaddrs.h"
#include "warnp.h"

/**
 * exitopts_init(ex):
 * The defaults: the built-in policy, /etc/resolv.conf, 10 s.
 */
void
exitopts_init(struct exitopts * ex)
{

	policy_init(&ex->policy);
	ex->resolv = "/etc/resolv.conf";
	ex->timeout = EXITOPTS_TIMEOUT_DEFAULT;
	ex->dns = NULL;
}

/**
 * exitopts_flag(ex, ch, arg):
 * Take the option ${ch} with the argument ${arg} if it is an exit's.
 * Return 0 if taken, 1 if it is not an exit's option, or -1 after a
 * warning naming what was wrong.
 */
int
exitopts_flag(struct exitopts * ex, int ch, const char * arg)
{
	char why[256];

	switch (ch) {
	case EXITOPTS_ALLOW:
	case EXITOPTS_DENY:
		if (policy_add(&ex->policy, ch == EXITOPTS_ALLOW, arg, why,
		    sizeof(why))) {
			warn0("--%s: %s", ch == EXITOPTS_ALLOW ? "allow" :
			    "deny", why);
			return (-1);
		}
		return (0);
	case EXITOPTS_PORTS:
		if (policy_set_ports(&ex->policy, arg, why, sizeof(why))) {
			warn0("--ports: %s", why);
			return (-1);
		}
		return (0);
	case EXITOPTS_TIMEOUT:
		return (args_uint("--timeout", arg, 1, 3600, &ex->timeout) ?
		    -1 : 0);
	case EXITOPTS_RESOLV:
		ex->resolv = arg;
		return (0);
	default:
		return (1);
	}
}

/**
 * exitopts_own(ex):
 * Refuse this host's own addresses unless an --allow opens them (call
 * once the options are read).  Return 0, or -1 after a warning.
 */
int
exitopts_own(struct exitopts * ex)
{
	int nown;

	if ((nown = ownaddrs_deny(&ex->policy)) == -1)
		return (-1);
	info0("refusing this host's %d own addresses unless allowed", nown);
	return (0);
}

/**
 * exitopts_start(ex, base):
 * Make the resolver on ${base} and ${ex}->cfg for proxyconnect_start.
 * Return 0, or -1 after a warning.
 */
int
exitopts_start(struct exitopts * ex, struct event_base * base)
{
	int r;

	/* Names are resolved here, with the hosts file and ${resolv}. */
	if ((ex->dns = evdns_base_new(base, 0)) == NULL) {
		warn0("cannot create a resolver");
		return (-1);
	}
	if ((r = evdns_base_resolv_conf_parse(ex->dns, DNS_OPTIONS_ALL,
	    ex->resolv)))
		warn0("--resolv-conf: cannot use %s (error %d): names are "
		    "resolved with the hosts file and 127.0.0.1", ex->resolv,
		    r);
	ex->cfg.base = base;
	ex->cfg.dns = ex->dns;
	ex->cfg.policy = &ex->policy;
	ex->cfg.timeout_ms = (int)ex->timeout * 1000;
	return (0);
}

/**
 * exitopts_free(ex, base):
 * Free the resolver (letting cancelled requests call back first on
 * ${base}).  Nothing is done if exitopts_start did not make it.
 */
void
exitopts_free(struct exitopts * ex, struct event_base * base)
{

	if (ex->dns == NULL)
		return;
	/* Let cancelled resolves call back (and free) before the end. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	evdns_base_free(ex->dns, 1);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ex->dns = NULL;
}
