#ifndef DUST_MUXCONN_H
#define DUST_MUXCONN_H

#include <stddef.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "socks/proxyopen.h"

#include "muxio.h"
#include "muxsocks.h"

/*
 * The inside of a link (common/muxio.c), shared with the SOCKS
 * connections it carries (common/muxsocks.c) and with no one else.
 */

struct pacer_member;
struct proxyconnect;

/* One local connection carried on the link. */
struct mconn {
	struct muxio * m;
	struct bufferevent * bev;	/* Writes to the local socket. */
	struct event * rd;		/* Its readability, or NULL. */
	int rd_on;			/* ${rd} is added. */
	uint16_t id;
	uint8_t port;
	int attached;		/* Holds ${id} in the link state. */
	int connecting;		/* Server side: connect still in progress. */
	int read_eof;		/* The local side sent EOF. */
	int sent_close;		/* ... and we sent the close frame. */
	int got_eof;		/* The peer closed: shut down when flushed. */
	int shut;		/* shutdown(SHUT_WR) done. */
	size_t extra;		/* Output bytes not from the link. */
	/* SOCKS connections (proxymux, port id PROXYOPEN_PORT): */
	int proxy;
	int need_status;	/* Client: the status byte is yet to come. */
	int need_dest;		/* Server: the destination is yet to come. */
	struct proxyopen_dec dec;	/* Server: ... its decoder. */
	struct proxyconnect * pc;	/* Server: reaching it. */
	struct pacer_member * paced;	/* Server: writes on the ticks. */
	struct mconn * prev, * next;
};

struct muxio {
	struct event_base * base;
	struct bufferevent * bev;	/* Writes to the link. */
	struct event * rd;		/* The link's readability. */
	struct muxlink * ml;
	int server;
	const struct muxio_hooks * hooks;
	void * cookie;
	struct muxsocks_exit socks;	/* Server: SOCKS destinations. */
	struct mconn * conns;		/* Every local connection. */
	struct muxio_limit * limit;	/* Shared count and limit, or NULL. */
	struct event * kill_ev;		/* Deferred teardown. */
	int failing;			/* Teardown scheduled. */
	char why[200];
	char name[128];
};

/* What common/muxio.c offers common/muxsocks.c. */

/**
 * muxio_fail(link, fmt, ...):
 * Drop ${link}, saying why (printf-style): tear down from a fresh
 * event-loop turn, so that no callback running now finds its state freed
 * under it.
 */
void muxio_fail(struct muxio *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/**
 * muxio_at_limit(link):
 * Return nonzero if another local connection on ${link} would pass its
 * limit.
 */
int muxio_at_limit(struct muxio *);

/**
 * muxio_conn_new(link, fd, port):
 * Create a local connection of ${link} for port id ${port} on the socket
 * ${fd}, or on a new socket still to connect if ${fd} is -1.  Return it,
 * or NULL on failure (${fd} is then closed).
 */
struct mconn * muxio_conn_new(struct muxio *, int, uint8_t);

/**
 * muxio_conn_open(link, id, port):
 * Create the local connection for the peer's connection ${id} of ${link}
 * to port id ${port}: on a socket still to connect, attached, connecting.
 * Return it, or NULL if ${link} is at its limit (said) or on failure.
 */
struct mconn * muxio_conn_open(struct muxio *, uint16_t, uint8_t);

/**
 * muxio_conn_read(c, on):
 * Watch the socket of the local connection ${c} for reading if ${on},
 * else stop.
 */
void muxio_conn_read(struct mconn *, int);

/**
 * muxio_conn_connected(c):
 * Server side: the target of ${c} is connected; start carrying it.
 */
void muxio_conn_connected(struct mconn *);

/**
 * muxio_conn_flushed(c):
 * The output of the local connection ${c} is written: finish a
 * half-close, or the connection (${c} may be freed).
 */
void muxio_conn_flushed(struct mconn *);

/**
 * muxio_conn_abandon(c, what):
 * The local side of ${c} failed (${what} says how): give the connection
 * up, and free ${c}.
 */
void muxio_conn_abandon(struct mconn *, const char *);

/**
 * muxio_conn_free(c, reset):
 * Free the local connection ${c} and close its socket (with a reset if
 * ${reset}).
 */
void muxio_conn_free(struct mconn *, int);

/* What common/muxsocks.c offers common/muxio.c. */

/**
 * muxsocks_serves(link, port):
 * Server side: return nonzero if an open frame for port id ${port} on
 * ${link} is a SOCKS connection (muxsocks_open), not a port id's target.
 */
int muxsocks_serves(const struct muxio *, uint8_t);

/**
 * muxsocks_open(link, id):
 * Server side: open the SOCKS connection ${id} on ${link}; its
 * destination comes in its first data.  Return it, or NULL if it is
 * refused.
 */
struct mconn * muxsocks_open(struct muxio *, uint16_t);

/**
 * muxsocks_dest_data(c, buf, len):
 * Server side: the ${len} bytes at ${buf} arrived for ${c}, whose
 * destination is yet to come.  Return 0, or -1 if the link must fail.
 */
int muxsocks_dest_data(struct mconn *, const uint8_t *, size_t);

/**
 * muxsocks_status_data(c, buf, len):
 * Client side: the ${len} bytes at ${buf} arrived for ${c}, the first
 * its status (the SOCKS5 reply code).  Return 0, or -1 if the link must
 * fail.
 */
int muxsocks_status_data(struct mconn *, const uint8_t *, size_t);

/**
 * muxsocks_eof(c):
 * The peer closed the SOCKS connection ${c}: one still waiting for its
 * destination is refused, one waiting for its status gets reply 01.
 * Return 1 if ${c} is done with (it may be freed), 0 if the close is to
 * be handled as on any connection.
 */
int muxsocks_eof(struct mconn *);

/**
 * muxsocks_lost(c):
 * The link of ${c} is lost: if ${c} is a SOCKS client still waiting for
 * its reply, write it reply 01 at once.  Return 1 if it was written (the
 * connection then needs no reset), else 0.
 */
int muxsocks_lost(struct mconn *);

/**
 * muxsocks_conn_free(c):
 * Stop what the SOCKS side of ${c} has running (reaching its
 * destination, its writes on the ticks), as ${c} is freed.
 */
void muxsocks_conn_free(struct mconn *);

#endif /* !DUST_MUXCONN_H */
