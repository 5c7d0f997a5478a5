#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dust/muxframe.h"
#include "dust/muxlink.h"

#include "muxio.h"
#include "warnp.h"

/* One local connection carried on the link. */
struct mconn {
	struct muxio * m;
	struct bufferevent * bev;
	uint16_t id;
	uint8_t port;
	int attached;		/* Holds ${id} in the link state. */
	int connecting;		/* Server side: connect still in progress. */
	int read_eof;		/* The local side sent EOF. */
	int sent_close;		/* ... and we sent the close frame. */
	int got_eof;		/* The peer closed: shut down when flushed. */
	int shut;		/* shutdown(SHUT_WR) done. */
	struct mconn * prev, * next;
};

struct muxio {
	struct event_base * base;
	struct bufferevent * bev;	/* The link. */
	struct muxlink * ml;
	int server;
	const struct muxio_hooks * hooks;
	void * cookie;
	struct mconn * conns;		/* Every local connection. */
	struct event * kill_ev;		/* Deferred teardown. */
	int failing;			/* Teardown scheduled. */
	char why[200];
	char name[128];
};

static void conn_readcb(struct bufferevent *, void *);
static void conn_writecb(struct bufferevent *, void *);
static void conn_eventcb(struct bufferevent *, short, void *);
static void conn_outcb(struct evbuffer *, const struct evbuffer_cb_info *,
    void *);

/*
 * Drop the link: tear down from a fresh event-loop turn, so that no
 * callback running now finds its state freed under it.
 */
static void link_fail(struct muxio *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void
link_fail(struct muxio * m, const char * fmt, ...)
{
	va_list ap;

	if (m->failing)
		return;
	m->failing = 1;
	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	bufferevent_disable(m->bev, EV_READ | EV_WRITE);
	event_active(m->kill_ev, EV_TIMEOUT, 0);
}

/* Free ${c} and close its socket (with a reset if ${reset}). */
static void
conn_free(struct mconn * c, int reset)
{
	struct linger lg = {1, 0};
	int fd;

	if (reset && (fd = bufferevent_getfd(c->bev)) != -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	evbuffer_remove_cb(bufferevent_get_output(c->bev), conn_outcb, c);
	bufferevent_free(c->bev);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->m->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
}

/* Bytes of the link's output: the bound on local reads. */
static size_t
link_room(struct muxio * m)
{
	size_t q = evbuffer_get_length(bufferevent_get_output(m->bev));

	return ((q < MUXIO_LINK_HIGH) ? MUXIO_LINK_HIGH - q : 0);
}

/*
 * Move what the local side of ${c} has sent onto the link, as far as its
 * credit and the link's buffer allow, and read on only if all of it
 * went.  Send the close frame once the local side's EOF is reached.
 * ${c} may be freed when this returns.
 */
static void
pump(struct mconn * c)
{
	struct muxio * m = c->m;
	struct evbuffer * in;
	size_t have, n, room;

	if (m->failing || !c->attached || c->sent_close || c->connecting)
		return;
	in = bufferevent_get_input(c->bev);
	while ((have = evbuffer_get_length(in)) > 0) {
		n = muxlink_sendable(m->ml, c->id);
		room = link_room(m);
		if (n > room)
			n = room;
		if (n > have)
			n = have;
		if (n > MUXFRAME_MAXDATA)
			n = MUXFRAME_MAXDATA;
		if (n == 0)
			break;
		if (muxlink_send(m->ml, c->id, evbuffer_pullup(in, (ssize_t)n),
		    n)) {
			link_fail(m, "%s", muxlink_error(m->ml));
			return;
		}
		evbuffer_drain(in, n);
	}
	if (have > 0) {
		/* No credit or the link is full: stop reading. */
		bufferevent_disable(c->bev, EV_READ);
		return;
	}
	if (!c->read_eof) {
		bufferevent_enable(c->bev, EV_READ);
		return;
	}
	c->sent_close = 1;
	info0("%s: connection %u: local side closed", m->name, c->id);
	/* This may free ${c} through the freed callback. */
	if (muxlink_close(m->ml, c->id))
		link_fail(m, "%s", muxlink_error(m->ml));
}

/* Free ${c} if the link is done with it and its output is flushed. */
static void
conn_maybe_done(struct mconn * c)
{

	if (c->attached ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
		return;
	conn_free(c, 0);
}

/* The local side failed: give up the connection. */
static void
conn_abandon(struct mconn * c, const char * what)
{
	struct muxio * m = c->m;

	info0("%s: connection %u: %s", m->name, c->id, what);
	/* A target that could not be reached gets a close, not a reset. */
	if (c->attached && (c->connecting ? muxlink_refuse(m->ml, c->id) :
	    muxlink_abandon(m->ml, c->id)))
		link_fail(m, "%s", muxlink_error(m->ml));
	conn_free(c, 1);
}

/* Bytes left the local connection's output: return credit. */
static void
conn_outcb(struct evbuffer * buf, const struct evbuffer_cb_info * info,
    void * arg)
{
	struct mconn * c = arg;

	if (info->n_deleted == 0 || !c->attached || c->m->failing)
		return;
	if (muxlink_consumed(c->m->ml, c->id, info->n_deleted))
		link_fail(c->m, "%s", muxlink_error(c->m->ml));
}

/* The local side sent data. */
static void
conn_readcb(struct bufferevent * bev, void * arg)
{

	pump(arg);
}

/* The local output drained: finish a half-close, or the connection. */
static void
conn_writecb(struct bufferevent * bev, void * arg)
{
	struct mconn * c = arg;

	if (c->got_eof && !c->shut) {
		c->shut = 1;
		(void)shutdown(bufferevent_getfd(bev), SHUT_WR);
	}
	conn_maybe_done(c);
}

/* Set TCP_NODELAY: frames of a few bytes must not wait. */
static void
nodelay(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Connected, EOF or error on a local connection. */
static void
conn_eventcb(struct bufferevent * bev, short what, void * arg)
{
	struct mconn * c = arg;
	char msg[160];

	if (c->m->failing)
		return;
	if (what & BEV_EVENT_CONNECTED) {
		c->connecting = 0;
		nodelay(bufferevent_getfd(bev));
		info0("%s: connection %u: connected to target of port id %u",
		    c->m->name, c->id, c->port);
		bufferevent_enable(bev, EV_READ);
		/* A close that came while connecting, with nothing to send. */
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			conn_writecb(bev, c);
		else
			pump(c);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		snprintf(msg, sizeof(msg), "%s: %s", c->connecting ?
		    "cannot connect to target" : "reset",
		    strerror(EVUTIL_SOCKET_ERROR()));
		conn_abandon(c, msg);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		c->read_eof = 1;
		pump(c);
	}
}

/* Create a local connection on ${bev}. */
static struct mconn *
conn_new(struct muxio * m, struct bufferevent * bev, uint8_t port)
{
	struct mconn * c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->m = m;
	c->bev = bev;
	c->port = port;
	if (evbuffer_add_cb(bufferevent_get_output(bev), conn_outcb, c) ==
	    NULL) {
		free(c);
		return (NULL);
	}
	bufferevent_setcb(bev, conn_readcb, conn_writecb, conn_eventcb, c);
	if ((c->next = m->conns) != NULL)
		c->next->prev = c;
	m->conns = c;
	return (c);
}

/* muxlink callback: queue bytes on the link. */
static int
ml_output(void * cookie, const uint8_t * h, size_t hl, const uint8_t * d,
    size_t dl)
{
	struct muxio * m = cookie;
	struct evbuffer * out = bufferevent_get_output(m->bev);

	if (evbuffer_add(out, h, hl))
		return (-1);
	if (dl > 0 && evbuffer_add(out, d, dl))
		return (-1);
	return (0);
}

/* muxlink callback (server side): the peer opened a connection. */
static void *
ml_open(void * cookie, uint16_t id, uint8_t port)
{
	struct muxio * m = cookie;
	const struct sock_addr * a;
	struct bufferevent * bev;
	struct mconn * c;

	if ((a = m->hooks->target(m->cookie, port)) == NULL) {
		info0("%s: connection %u: unknown port id %u, refused",
		    m->name, id, port);
		return (NULL);
	}
	if ((bev = bufferevent_socket_new(m->base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return (NULL);
	if ((c = conn_new(m, bev, port)) == NULL) {
		bufferevent_free(bev);
		return (NULL);
	}
	c->id = id;
	c->attached = 1;
	c->connecting = 1;
	info0("%s: connection %u: open to port id %u", m->name, id, port);
	if (bufferevent_socket_connect(bev, (const struct sockaddr *)&a->ss,
	    (int)a->len)) {
		info0("%s: connection %u: cannot connect to target: %s",
		    m->name, id, strerror(errno));
		c->attached = 0;
		conn_free(c, 0);
		return (NULL);
	}
	return (c);
}

/* muxlink callback: data from the peer for a local connection. */
static int
ml_data(void * cookie, void * user, const uint8_t * buf, size_t len)
{
	struct mconn * c = user;

	return (evbuffer_add(bufferevent_get_output(c->bev), buf, len));
}

/* muxlink callback: the peer half-closed a connection. */
static void
ml_eof(void * cookie, void * user)
{
	struct mconn * c = user;

	info0("%s: connection %u: remote side closed", c->m->name, c->id);
	c->got_eof = 1;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 &&
	    !c->connecting) {
		c->shut = 1;
		(void)shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	}
}

/* muxlink callback: more credit for a connection. */
static void
ml_credit(void * cookie, void * user)
{

	pump(user);
}

/* muxlink callback: both sides closed; the id is free. */
static void
ml_freed(void * cookie, void * user)
{
	struct mconn * c = user;

	info0("%s: connection %u: closed", c->m->name, c->id);
	c->attached = 0;
	conn_maybe_done(c);
}

/* muxlink callback: the peer's side is gone; reset ours. */
static void
ml_reset(void * cookie, void * user)
{
	struct mconn * c = user;

	info0("%s: connection %u: reset by the peer", c->m->name, c->id);
	c->attached = 0;
	conn_free(c, 1);
}

static const struct muxlink_cbs ml_cbs = {
	.output = ml_output,
	.open = ml_open,
	.data = ml_data,
	.eof = ml_eof,
	.credit = ml_credit,
	.freed = ml_freed,
	.reset = ml_reset,
};

/* Free everything of ${m}, resetting its local connections. */
static void
link_destroy(struct muxio * m)
{

	while (m->conns != NULL)
		conn_free(m->conns, 1);
	muxlink_free(m->ml);
	bufferevent_free(m->bev);
	event_free(m->kill_ev);
	free(m);
}

/* The deferred teardown of a failed link. */
static void
link_killcb(evutil_socket_t fd, short what, void * arg)
{
	struct muxio * m = arg;
	const struct muxio_hooks * hooks = m->hooks;
	void * cookie = m->cookie;
	char why[sizeof(m->why)];

	memcpy(why, m->why, sizeof(why));
	link_destroy(m);
	hooks->dead(cookie, why);
}

/* Bytes from the link. */
static void
link_readcb(struct bufferevent * bev, void * arg)
{
	struct muxio * m = arg;
	struct evbuffer * in = bufferevent_get_input(bev);
	size_t len;
	int r;

	while (!m->failing && (len = evbuffer_get_contiguous_space(in)) > 0) {
		r = muxlink_input(m->ml, evbuffer_pullup(in, (ssize_t)len),
		    len);
		evbuffer_drain(in, len);
		if (r)
			link_fail(m, "protocol error: %s",
			    muxlink_error(m->ml));
	}
}

/* The link's output drained below MUXIO_LINK_LOW: read locally again. */
static void
link_writecb(struct bufferevent * bev, void * arg)
{
	struct muxio * m = arg;
	struct mconn * c, * next;

	for (c = m->conns; c != NULL && !m->failing; c = next) {
		next = c->next;
		pump(c);
	}
}

/* EOF or error on the link. */
static void
link_eventcb(struct bufferevent * bev, short what, void * arg)
{
	struct muxio * m = arg;

	if (what & BEV_EVENT_ERROR)
		link_fail(m, "link error: %s",
		    strerror(EVUTIL_SOCKET_ERROR()));
	else if (what & BEV_EVENT_EOF) {
		if (muxlink_end(m->ml))
			link_fail(m, "protocol error: %s",
			    muxlink_error(m->ml));
		else
			link_fail(m, "link closed by the peer");
	}
}

/**
 * muxio_new(base, bev, server, hooks, cookie, name):
 * Run a link over the connected bufferevent ${bev} (which it takes
 * over, and frees) as the client (${server} = 0) or the server side,
 * naming it ${name} in log lines; ${cookie} (one per link) is passed to
 * ${hooks}.  Return the link, or NULL on failure
 * (${bev} is then freed too).
 */
struct muxio *
muxio_new(struct event_base * base, struct bufferevent * bev, int server,
    const struct muxio_hooks * hooks, void * cookie, const char * name)
{
	struct muxio * m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto err0;
	m->base = base;
	m->bev = bev;
	m->server = server;
	m->hooks = hooks;
	m->cookie = cookie;
	snprintf(m->name, sizeof(m->name), "link %s", name);
	if ((m->ml = muxlink_new(server, &ml_cbs, m)) == NULL)
		goto err1;
	if ((m->kill_ev = event_new(base, -1, 0, link_killcb, m)) == NULL)
		goto err2;
	bufferevent_setcb(bev, link_readcb, link_writecb, link_eventcb, m);
	bufferevent_setwatermark(bev, EV_WRITE, MUXIO_LINK_LOW, 0);
	if (bufferevent_enable(bev, EV_READ | EV_WRITE))
		goto err3;
	return (m);

err3:
	event_free(m->kill_ev);
err2:
	muxlink_free(m->ml);
err1:
	free(m);
err0:
	bufferevent_free(bev);
	return (NULL);
}

/**
 * muxio_accept(link, fd, port):
 * Client side: carry the accepted local connection ${fd} (which the link
 * takes over) on ${link} with port id ${port}.  Return 0, or -1 if it
 * could not be opened (${fd} is then closed).
 */
int
muxio_accept(struct muxio * m, int fd, uint8_t port)
{
	struct bufferevent * bev;
	struct mconn * c;

	if (m->failing) {
		close(fd);
		return (-1);
	}
	if ((bev = bufferevent_socket_new(m->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		return (-1);
	}
	if ((c = conn_new(m, bev, port)) == NULL) {
		bufferevent_free(bev);
		return (-1);
	}
	if (muxlink_open(m->ml, port, c, &c->id)) {
		warn0("%s: cannot open a connection: %s", m->name,
		    muxlink_error(m->ml));
		conn_free(c, 1);
		return (-1);
	}
	c->attached = 1;
	info0("%s: connection %u: open to port id %u", m->name, c->id, port);
	bufferevent_enable(bev, EV_READ);
	return (0);
}

/**
 * muxio_free(link):
 * Reset the local connections of ${link}, close it and free it without
 * calling the dead hook (for shutting down).
 */
void
muxio_free(struct muxio * m)
{

	link_destroy(m);
}
