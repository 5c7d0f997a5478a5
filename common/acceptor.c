#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>

#include "acceptor.h"
#include "sock.h"
#include "warnp.h"

struct acceptor {
	struct event * ev_listen;	/* The listening socket is readable. */
	struct event * ev_pause;	/* The pause for descriptors ends. */
	void (* cb)(void *, int);
	void * cookie;
	char name[64];
	int lfd;
	int held;			/* acceptor_hold without release. */
	int starved;			/* In an episode without descriptors. */
	unsigned long refused;		/* Accepts failed in the episode. */
};

/* Watch the listening socket if neither held nor pausing. */
static void
watch(struct acceptor * a)
{

	if (!a->held && !evtimer_pending(a->ev_pause, NULL))
		(void)event_add(a->ev_listen, NULL);
}

/*
 * starve(a): accepting failed for want of descriptors or memory: stop
 * watching for ACCEPTOR_PAUSE_MS, logging the first failure of the
 * episode only.
 */
static void
starve(struct acceptor * a)
{
	struct timeval tv = {0, ACCEPTOR_PAUSE_MS * 1000};

	if (!a->starved)
		warnp("accept%s%s (pausing while out of descriptors or "
		    "memory)", a->name[0] ? " on " : "", a->name);
	a->starved = 1;
	a->refused++;
	event_del(a->ev_listen);
	if (evtimer_add(a->ev_pause, &tv))
		(void)event_add(a->ev_listen, NULL);
}

/*
 * refused_one(err): return nonzero if an accept that failed with ${err}
 * lost only the connection it would have accepted (Linux reports the new
 * connection's pending network errors through accept).
 */
static int
refused_one(int err)
{

	switch (err) {
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
	case EPERM:
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return (1);
	}
	return (0);
}

/* recovered(a): an accept did not fail: end an episode without descriptors. */
static void
recovered(struct acceptor * a)
{

	if (!a->starved)
		return;
	info0("accept%s%s: accepting again (%lu attempts failed)",
	    a->name[0] ? " on " : "", a->name, a->refused);
	a->starved = 0;
	a->refused = 0;
}

/* The listening socket is readable (or a pause ended): accept. */
static void
accept_cb(evutil_socket_t fd, short what, void * arg)
{
	struct acceptor * a = arg;
	int i, c;

	(void)fd;
	(void)what;
	for (i = 0; i < ACCEPTOR_BATCH && !a->held; i++) {
		if ((c = sock_accept(a->lfd)) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				recovered(a);
				break;
			}
			if (refused_one(errno))
				continue;
			/* Out of descriptors or memory, or worse. */
			starve(a);
			return;
		}
		recovered(a);
		a->cb(a->cookie, c);
	}
	watch(a);
}

/**
 * acceptor_new(base, lfd, name, cb, cookie):
 * Accept connections on the non-blocking listening socket ${lfd} on
 * ${base}, calling cb(${cookie}, fd) with each (non-blocking, close on
 * exec, TCP_NODELAY on TCP; the callback owns it).  ${name}, if not NULL,
 * says in log lines what listens ("port id 3").  The socket stays the
 * caller's.  Return the acceptor, or NULL on error.
 */
struct acceptor *
acceptor_new(struct event_base * base, int lfd, const char * name,
    void (* cb)(void *, int), void * cookie)
{
	struct acceptor * a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return (NULL);
	a->lfd = lfd;
	a->cb = cb;
	a->cookie = cookie;
	if (name != NULL)
		snprintf(a->name, sizeof(a->name), "%s", name);
	if ((a->ev_listen = event_new(base, lfd, EV_READ | EV_PERSIST,
	    accept_cb, a)) == NULL ||
	    (a->ev_pause = evtimer_new(base, accept_cb, a)) == NULL ||
	    event_add(a->ev_listen, NULL)) {
		acceptor_free(a);
		return (NULL);
	}
	return (a);
}

/**
 * acceptor_hold(a):
 * Stop accepting (a program's own limit is reached; the callback may call
 * this), until acceptor_release.
 */
void
acceptor_hold(struct acceptor * a)
{

	a->held = 1;
	event_del(a->ev_listen);
}

/**
 * acceptor_release(a):
 * Accept again after acceptor_hold (unless out of descriptors: then once
 * the pause ends).
 */
void
acceptor_release(struct acceptor * a)
{

	a->held = 0;
	watch(a);
}

/**
 * acceptor_wake(a):
 * A descriptor was closed: if accepting pauses for want of descriptors,
 * try again now instead of at the end of the pause.
 */
void
acceptor_wake(struct acceptor * a)
{

	if (a != NULL && a->starved && evtimer_pending(a->ev_pause, NULL)) {
		event_del(a->ev_pause);
		watch(a);
	}
}

/**
 * acceptor_free(a):
 * Stop accepting and free ${a}; the listening socket is not closed.
 */
void
acceptor_free(struct acceptor * a)
{

	if (a == NULL)
		return;
	if (a->ev_listen != NULL)
		event_free(a->ev_listen);
	if (a->ev_pause != NULL)
		event_free(a->ev_pause);
	free(a);
}
