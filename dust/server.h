#ifndef DUST_SERVER_H
#define DUST_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/bufferevent.h>

#include "dust/ensemble.h"
#include "exitopts.h"
#include "progopts.h"
#include "tunnel.h"

/*
 * dust server as a function, for dust pt's server role: the same server
 * (sessions, model, mark, replay filter) with the target connection made
 * by the caller (tor's Extended ORPort) and the caller's events on the
 * server's event base.
 */

struct server_hooks {
	/*
	 * Connect ${bev}, a socket bufferevent without a socket yet, to the
	 * target for a stream of session ${s} (each stream is a connection
	 * of its own): it must later report BEV_EVENT_CONNECTED
	 * (with its socket set) or BEV_EVENT_ERROR.  Return 0, or -1 if it
	 * failed at once.  The server may free ${bev} before either.
	 */
	int (*open)(void *, struct tunnel *, struct ens_session *,
	    struct bufferevent *);
	/* The loop is set up (${tun}->base, ${tun}->lfd): 0, or -1 to end. */
	int (*started)(void *, struct tunnel *);
	/* The loop is over: free what started made (the base still is). */
	void (*stopped)(void *);
	void * cookie;
};

struct server_conf {
	const char * lspec;		/* -s: where to listen, */
	int lfd;			/* or this socket if not -1. */
	const char * ispec;		/* -i: invite text or file. */
	const char * kspec;		/* -k: key file. */
	const char * tspec;		/* -t: target (without hooks). */
	int exit_on;			/* --exit, */
	struct exitopts ex;		/* its policy and resolver. */
	const char * fspec;		/* --fallback, or NULL. */
	const char * rspec;		/* --replay-log, or NULL. */
	int nomark;			/* --no-mark. */
	uint64_t maxsess;		/* -S. */
	uint64_t idle_ms;		/* -I, in ms. */
	size_t chunk;			/* -m, or 0 for the model's. */
	struct progopts po;		/* -n, -F, -p, --syslog. */
	const struct server_hooks * hooks;	/* NULL: dust server's. */
};

/**
 * server_run(conf):
 * Run a dust server as ${conf} says until SIGTERM or SIGINT (or a hook
 * breaks its loop).  Return the exit code.
 */
int server_run(const struct server_conf *);

#endif /* !DUST_SERVER_H */
