#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "socks/policy.h"
#include "socks/proxyopen.h"
#include "socks/socks5.h"

#include "addr.h"
#include "proxyconnect.h"
#include "sock.h"

/* Addresses of one name tried at most. */
#define MAXADDRS	16

struct proxyconnect {
	struct proxyconnect_cfg cfg;
	struct socks5_dest dest;
	proxyconnect_cb * cb;
	void * arg;
	struct evdns_getaddrinfo_request * req;	/* Resolving. */
	int cancelled;		/* Freed when the resolver lets go. */
	int timed_out;		/* The resolve was cancelled for the deadline. */
	struct sock_addr addrs[MAXADDRS];
	size_t naddrs, next;
	int fd;			/* The connect in progress, or -1. */
	struct event * wev;	/* ${fd} writable. */
	struct event * timer;	/* The deadline. */
	struct event * done;	/* Deferred outcome. */
	uint8_t code;
	char why[256];
};

/* Free ${pc} and whatever it holds (but not a pending resolve). */
static void
pc_free(struct proxyconnect * pc)
{

	if (pc->fd != -1)
		close(pc->fd);
	if (pc->wev != NULL)
		event_free(pc->wev);
	if (pc->timer != NULL)
		event_free(pc->timer);
	if (pc->done != NULL)
		event_free(pc->done);
	free(pc);
}

/* Deliver the outcome from a fresh turn of the event loop. */
static void finish(struct proxyconnect *, uint8_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void
finish(struct proxyconnect * pc, uint8_t code, const char * fmt, ...)
{
	va_list ap;

	pc->code = code;
	va_start(ap, fmt);
	vsnprintf(pc->why, sizeof(pc->why), fmt, ap);
	va_end(ap);
	if (pc->wev != NULL)
		event_del(pc->wev);
	event_del(pc->timer);
	event_active(pc->done, EV_TIMEOUT, 0);
}

/* The deferred outcome: call back, then free. */
static void
donecb(evutil_socket_t unused, short what, void * arg)
{
	struct proxyconnect * pc = arg;
	int fd = -1;

	if (pc->code == SOCKS5_OK) {
		fd = pc->fd;
		pc->fd = -1;
	}
	pc->cb(pc->arg, fd, pc->code, pc->why);
	pc_free(pc);
}

/* Start connecting to the next allowed address, or give up. */
static void
connect_next(struct proxyconnect * pc)
{
	char dname[300];
	int err = 0;

	if (pc->fd != -1) {
		close(pc->fd);
		pc->fd = -1;
	}
	while (pc->next < pc->naddrs) {
		if ((pc->fd = sock_connect(&pc->addrs[pc->next++])) == -1) {
			err = errno;
			continue;
		}
		event_assign(pc->wev, pc->cfg.base, pc->fd, EV_WRITE,
		    event_get_callback(pc->wev), pc);
		event_add(pc->wev, NULL);
		return;
	}
	finish(pc, proxyopen_errno_code(err), "cannot connect to %s: %s",
	    socks5_dest_format(&pc->dest, dname, sizeof(dname)),
	    strerror(err));
}

/* A connect finished (or failed). */
static void
writecb(evutil_socket_t fd, short what, void * arg)
{
	struct proxyconnect * pc = arg;
	char dname[300];
	int err;

	if (sock_connected(pc->fd) == 0) {
		finish(pc, SOCKS5_OK, "connected");
		return;
	}
	err = errno;
	if (pc->next < pc->naddrs) {
		connect_next(pc);
		return;
	}
	close(pc->fd);
	pc->fd = -1;
	finish(pc, proxyopen_errno_code(err), "cannot connect to %s: %s",
	    socks5_dest_format(&pc->dest, dname, sizeof(dname)),
	    strerror(err));
}

/* The deadline passed. */
static void
timercb(evutil_socket_t unused, short what, void * arg)
{
	struct proxyconnect * pc = arg;
	char dname[300];

	if (pc->req != NULL) {
		/* The resolver calls dnscb with EVUTIL_EAI_CANCEL later. */
		pc->timed_out = 1;
		evdns_getaddrinfo_cancel(pc->req);
		return;
	}
	if (pc->fd != -1) {
		close(pc->fd);
		pc->fd = -1;
	}
	finish(pc, SOCKS5_TTL_EXPIRED, "%s: timed out after %d ms",
	    socks5_dest_format(&pc->dest, dname, sizeof(dname)),
	    pc->cfg.timeout_ms);
}

/*
 * Add ${a} to the addresses to try if the policy allows it.  Return 1 if
 * added, 0 if not, with the deciding rule in *${rule}.
 */
static int
consider(struct proxyconnect * pc, const struct sockaddr * sa,
    const char ** rule)
{
	struct sock_addr * a = &pc->addrs[pc->naddrs];
	const struct sockaddr_in * s4;
	const struct sockaddr_in6 * s6;

	if (pc->naddrs == MAXADDRS) {
		*rule = "too many addresses";
		return (0);
	}
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)sa;
		if (!policy_check(pc->cfg.policy, 4,
		    (const uint8_t *)&s4->sin_addr, pc->dest.port, rule))
			return (0);
		a->family = AF_INET;
		a->len = sizeof(*s4);
		memcpy(&a->ss, s4, sizeof(*s4));
		((struct sockaddr_in *)&a->ss)->sin_port =
		    htons(pc->dest.port);
	} else if (sa->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)sa;
		if (!policy_check(pc->cfg.policy, 6,
		    (const uint8_t *)&s6->sin6_addr, pc->dest.port, rule))
			return (0);
		a->family = AF_INET6;
		a->len = sizeof(*s6);
		memcpy(&a->ss, s6, sizeof(*s6));
		((struct sockaddr_in6 *)&a->ss)->sin6_port =
		    htons(pc->dest.port);
	} else {
		*rule = "not an IP address";
		return (0);
	}
	pc->naddrs++;
	return (1);
}

/* The resolver answered. */
static void
dnscb(int result, struct evutil_addrinfo * res, void * arg)
{
	struct proxyconnect * pc = arg;
	struct evutil_addrinfo * ai;
	const char * rule = "no address";
	char dname[300];
	size_t n = 0;

	if (pc->cancelled) {
		/* Cancelled by the link; only the struct was left. */
		if (res != NULL)
			evutil_freeaddrinfo(res);
		free(pc);
		return;
	}
	pc->req = NULL;
	socks5_dest_format(&pc->dest, dname, sizeof(dname));
	if (result == EVUTIL_EAI_CANCEL || pc->timed_out) {
		/* Our deadline cancelled it (or passed as it answered). */
		if (res != NULL)
			evutil_freeaddrinfo(res);
		finish(pc, SOCKS5_TTL_EXPIRED, "cannot resolve %s: timed out "
		    "after %d ms", dname, pc->cfg.timeout_ms);
		return;
	}
	if (result != 0) {
		finish(pc, SOCKS5_HOST_UNREACH, "cannot resolve %s: %s", dname,
		    evutil_gai_strerror(result));
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		n++;
		(void)consider(pc, ai->ai_addr, &rule);
	}
	evutil_freeaddrinfo(res);
	if (pc->naddrs == 0) {
		finish(pc, SOCKS5_NOT_ALLOWED, "%s: refused by policy: its %zu "
		    "address%s denied (%s)", dname, n, n == 1 ? " is" : "es are",
		    rule);
		return;
	}
	connect_next(pc);
}

/**
 * proxyconnect_start(cfg, dest, cb, arg):
 * Start reaching ${dest}; cb(arg, ...) is called once, from the event
 * loop (never from within this function), and the request is freed after
 * it.  Return the request, or NULL if it could not be started (no memory).
 */
struct proxyconnect *
proxyconnect_start(const struct proxyconnect_cfg * cfg,
    const struct socks5_dest * dest, proxyconnect_cb * cb, void * arg)
{
	struct proxyconnect * pc;
	struct evutil_addrinfo hints;
	struct timeval tv;
	char dname[300], name[256];
	const char * rule;
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;

	if ((pc = calloc(1, sizeof(*pc))) == NULL)
		return (NULL);
	pc->cfg = *cfg;
	pc->dest = *dest;
	pc->cb = cb;
	pc->arg = arg;
	pc->fd = -1;
	if ((pc->wev = event_new(cfg->base, -1, EV_WRITE, writecb, pc)) ==
	    NULL || (pc->timer = evtimer_new(cfg->base, timercb, pc)) ==
	    NULL || (pc->done = event_new(cfg->base, -1, 0, donecb, pc)) ==
	    NULL) {
		pc_free(pc);
		return (NULL);
	}
	tv.tv_sec = cfg->timeout_ms / 1000;
	tv.tv_usec = (cfg->timeout_ms % 1000) * 1000;
	event_add(pc->timer, &tv);
	socks5_dest_format(dest, dname, sizeof(dname));

	/* The port first: a refused port needs no name resolved. */
	if (!policy_port_ok(cfg->policy, dest->port)) {
		finish(pc, SOCKS5_NOT_ALLOWED, "%s: refused by policy: port "
		    "not allowed", dname);
		return (pc);
	}
	switch (dest->atyp) {
	case SOCKS5_ATYP_IPV4:
		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		memcpy(&s4.sin_addr, dest->addr, 4);
		if (!consider(pc, (struct sockaddr *)&s4, &rule)) {
			finish(pc, SOCKS5_NOT_ALLOWED, "%s: refused by policy "
			    "(%s)", dname, rule);
			return (pc);
		}
		connect_next(pc);
		return (pc);
	case SOCKS5_ATYP_IPV6:
		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		memcpy(&s6.sin6_addr, dest->addr, 16);
		if (!consider(pc, (struct sockaddr *)&s6, &rule)) {
			finish(pc, SOCKS5_NOT_ALLOWED, "%s: refused by policy "
			    "(%s)", dname, rule);
			return (pc);
		}
		connect_next(pc);
		return (pc);
	}

	/* A name: resolve it here, asynchronously. */
	memcpy(name, dest->addr, dest->addrlen);
	name[dest->addrlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* It may answer at once (a literal, the hosts file): dnscb runs. */
	pc->req = evdns_getaddrinfo(cfg->dns, name, NULL, &hints, dnscb, pc);
	return (pc);
}

/**
 * proxyconnect_cancel(req):
 * Give up ${req} before its callback: no callback is made, any socket is
 * closed.
 */
void
proxyconnect_cancel(struct proxyconnect * pc)
{
	struct evdns_getaddrinfo_request * req = pc->req;

	if (req == NULL) {
		pc_free(pc);
		return;
	}
	/* The resolver calls dnscb (EVUTIL_EAI_CANCEL) later: it frees. */
	if (pc->fd != -1)
		close(pc->fd);
	event_free(pc->wev);
	event_free(pc->timer);
	event_free(pc->done);
	pc->wev = pc->timer = pc->done = NULL;
	pc->fd = -1;
	pc->cancelled = 1;
	if (!pc->timed_out)
		evdns_getaddrinfo_cancel(req);
}
