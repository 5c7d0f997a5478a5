#ifndef DUST_MUXIO_H
#define DUST_MUXIO_H

#include <stddef.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "addr.h"

/*
 * The libevent side of one pipemux link, shared by pipemux, pipemuxd,
 * proxymux and proxymuxd: the link's bufferevent, the local connections
 * carried on it, and lib/mux's muxlink state in between.  The SOCKS
 * connections of proxymux and proxymuxd are common/muxsocks.c's.
 * Flow control (docs/pipemux.md): a local socket is read only while its
 * connection has credit and the link's output holds less than
 * MUXIO_LINK_HIGH bytes, so memory is bounded per connection and per link.
 */

/* Local reads pause while the link's output buffer holds this much. */
#define MUXIO_LINK_HIGH		(256 * 1024)
/* ... and resume when it has drained to this. */
#define MUXIO_LINK_LOW		(64 * 1024)

struct muxio;

/*
 * A limit on local connections at once, shared by the links that point
 * to it (spiped's -n): ${max} (0 = none) and the count ${n} now.
 */
struct muxio_limit {
	size_t max;
	size_t n;
};

struct muxio_hooks {
	/*
	 * Server side: the address to connect to for port id ${port}, or
	 * NULL if the port id is unknown (the connection is refused).
	 */
	const struct sock_addr * (*target)(void * cookie, uint8_t port);

	/*
	 * The link died (${why} says how) and freed itself, its local
	 * connections reset: its pointer must not be used after this.
	 */
	void (*dead)(void * cookie, const char * why);

	/*
	 * Server side, optional (NULL: target and connect): connect ${bev},
	 * a socket bufferevent without a socket yet, for a connection to
	 * port id ${port} as the caller must (dust pt: tor's Extended
	 * ORPort); it later reports BEV_EVENT_CONNECTED or an error.  Return
	 * 0, or -1 if it failed at once (the connection is refused).
	 */
	int (*open)(void * cookie, uint8_t port, struct bufferevent * bev);
};

/**
 * muxio_new(base, bev, server, hooks, cookie, name, limit):
 * Run a link over the connected bufferevent ${bev} (which it takes
 * over, and frees) as the client (${server} = 0) or the server side,
 * naming it ${name} in log lines; ${cookie} (one per link) is passed to
 * ${hooks}.  Local connections count against ${limit} (NULL: no limit);
 * beyond it they are refused.  Return the link, or NULL on failure
 * (${bev} is then freed too).
 */
struct muxio * muxio_new(struct event_base *, struct bufferevent *, int,
    const struct muxio_hooks *, void *, const char *, struct muxio_limit *);

/**
 * muxio_accept(link, fd, port):
 * Client side: carry the accepted local connection ${fd} (which the link
 * takes over) on ${link} with port id ${port}.  Return 0, or -1 if it
 * could not be opened (${fd} is then closed).
 */
int muxio_accept(struct muxio *, int, uint8_t);

/**
 * muxio_set_window(link, window):
 * Give the connections of ${link} a window of ${window} bytes each way
 * (muxlink_set_window; both sides of the link must agree), before any
 * opens.  Return 0, or -1 if it cannot be set.
 */
int muxio_set_window(struct muxio *, uint32_t);

/**
 * muxio_count(link):
 * Return the connections ${link} carries now (ids in use, whatever their
 * state).
 */
size_t muxio_count(const struct muxio *);

/**
 * muxio_free(link):
 * Reset the local connections of ${link}, close it and free it without
 * calling the dead hook (for shutting down).
 */
void muxio_free(struct muxio *);

#endif /* !DUST_MUXIO_H */
