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

#include "muxconn.h"
#include "muxio.h"
#include "sockread.h"
#include "warnp.h"

/*
 * Reads are done here, not by the bufferevents: libevent 2.1 reads at most
 * 4096 bytes per call, and a local socket must be read only as far as its
 * credit goes.  The bufferevents do the writing.
 */

/* Reads of a local socket per event, at most (fairness between them). */
#define PUMP_READS	8
/* Reads of the link per event, at most. */
#define LINK_READS	8
/* Bytes per read of the link. */
#define LINK_READ_SIZE	65536
/* Bytes per write (libevent's default is 16 KiB). */
#define MAX_WRITE	262144

static void conn_readcb(evutil_socket_t, short, void *);
static void conn_writecb(struct bufferevent *, void *);
static void conn_eventcb(struct bufferevent *, short, void *);
static void conn_outcb(struct evbuffer *, const struct evbuffer_cb_info *,
    void *);

/**
 * muxio_fail(link, fmt, ...):
 * Drop ${link}, saying why (printf-style): tear down from a fresh
 * event-loop turn, so that no callback running now finds its state freed
 * under it.
 */
void
muxio_fail(struct muxio * m, const char * fmt, ...)
{
	va_list ap;

	if (m->failing)
		return;
	m->failing = 1;
	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	bufferevent_disable(m->bev, EV_READ | EV_WRITE);
	event_del(m->rd);
	event_active(m->kill_ev, EV_TIMEOUT, 0);
}

/**
 * muxio_conn_free(c, reset):
 * Free the local connection ${c} and close its socket (with a reset if
 * ${reset}).
 */
void
muxio_conn_free(struct mconn * c, int reset)
{
	struct linger lg = {1, 0};
	int fd;

	if (reset && (fd = bufferevent_getfd(c->bev)) != -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (c->rd != NULL)
		event_free(c->rd);
	muxsocks_conn_free(c);
	evbuffer_remove_cb(bufferevent_get_output(c->bev), conn_outcb, c);
	bufferevent_free(c->bev);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->m->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->m->limit != NULL)
		c->m->limit->n--;
	free(c);
}

/**
 * muxio_at_limit(link):
 * Return nonzero if another local connection on ${link} would pass its
 * limit.
 */
int
muxio_at_limit(struct muxio * m)
{

	return (m->limit != NULL && m->limit->max > 0 &&
	    m->limit->n >= m->limit->max);
}

/* Bytes of the link's output: the bound on local reads. */
static size_t
link_room(struct muxio * m)
{
	size_t q = evbuffer_get_length(bufferevent_get_output(m->bev));

	return ((q < MUXIO_LINK_HIGH) ? MUXIO_LINK_HIGH - q : 0);
}

/**
 * muxio_conn_read(c, on):
 * Watch the socket of the local connection ${c} for reading if ${on},
 * else stop.
 */
void
muxio_conn_read(struct mconn * c, int on)
{

	if (c->rd == NULL || on == c->rd_on)
		return;
	if (on)
		event_add(c->rd, NULL);
	else
		event_del(c->rd);
	c->rd_on = on;
}

/*
 * Read what the local side of ${c} sends and put it on the link, as far
 * as its credit and the link's buffer allow; stop watching the socket
 * while either is exhausted.  Send the close frame once the local side's
 * EOF is read.  ${c} may be freed when this returns.
 */
static void
pump(struct mconn * c)
{
	struct muxio * m = c->m;
	uint8_t buf[MUXFRAME_MAXDATA];
	size_t n, room;
	ssize_t r;
	int i;

	if (m->failing || !c->attached || c->sent_close || c->connecting)
		return;
	for (i = 0; i < PUMP_READS && !c->read_eof; i++) {
		n = muxlink_sendable(m->ml, c->id);
		room = link_room(m);
		if (n > room)
			n = room;
		if (n > sizeof(buf))
			n = sizeof(buf);
		if (n == 0) {
			/* No credit or the link is full: stop reading. */
			muxio_conn_read(c, 0);
			return;
		}
		r = sockread(bufferevent_getfd(c->bev), buf, n, NULL);
		if (r > 0) {
			if (muxlink_send(m->ml, c->id, buf, (size_t)r)) {
				muxio_fail(m, "%s", muxlink_error(m->ml));
				return;
			}
		} else if (r == 0) {
			c->read_eof = 1;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else if (errno != EINTR) {
			muxio_conn_abandon(c, strerror(errno));
			return;
		}
	}
	if (!c->read_eof) {
		muxio_conn_read(c, 1);
		return;
	}
	muxio_conn_read(c, 0);
	c->sent_close = 1;
	info0("%s: connection %u: local side closed", m->name, c->id);
	/* This may free ${c} through the freed callback. */
	if (muxlink_close(m->ml, c->id))
		muxio_fail(m, "%s", muxlink_error(m->ml));
}

/* Free ${c} if the link is done with it and its output is flushed. */
static void
conn_maybe_done(struct mconn * c)
{

	if (c->attached ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
		return;
	muxio_conn_free(c, 0);
}

/**
 * muxio_conn_abandon(c, what):
 * The local side of ${c} failed (${what} says how): give the connection
 * up, and free ${c}.
 */
void
muxio_conn_abandon(struct mconn * c, const char * what)
{
	struct muxio * m = c->m;

	info0("%s: connection %u: %s", m->name, c->id, what);
	/* A target that could not be reached gets a close, not a reset. */
	if (c->attached && (c->connecting ? muxlink_refuse(m->ml, c->id) :
	    muxlink_abandon(m->ml, c->id)))
		muxio_fail(m, "%s", muxlink_error(m->ml));
	muxio_conn_free(c, 1);
}

/* Bytes left the local connection's output: return credit. */
static void
conn_outcb(struct evbuffer * buf, const struct evbuffer_cb_info * info,
    void * arg)
{
	struct mconn * c = arg;
	size_t n = info->n_deleted, k;

	/* Bytes written here, not from the link (a SOCKS reply), came first. */
	k = (n < c->extra) ? n : c->extra;
	c->extra -= k;
	n -= k;
	if (n == 0 || !c->attached || c->m->failing)
		return;
	if (muxlink_consumed(c->m->ml, c->id, n))
		muxio_fail(c->m, "%s", muxlink_error(c->m->ml));
}

/* The local socket is readable. */
static void
conn_readcb(evutil_socket_t fd, short what, void * arg)
{

	pump(arg);
}

/**
 * muxio_conn_flushed(c):
 * The output of the local connection ${c} is written: finish a
 * half-close, or the connection (${c} may be freed).
 */
void
muxio_conn_flushed(struct mconn * c)
{

	if (c->got_eof && !c->shut) {
		c->shut = 1;
		(void)shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	}
	conn_maybe_done(c);
}

/* The local output drained. */
static void
conn_writecb(struct bufferevent * bev, void * arg)
{

	muxio_conn_flushed(arg);
}

/* Set TCP_NODELAY: frames of a few bytes must not wait. */
static void
nodelay(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/**
 * muxio_conn_connected(c):
 * Server side: the target of ${c} is connected; start carrying it.
 */
void
muxio_conn_connected(struct mconn * c)
{
	struct bufferevent * bev = c->bev;

	c->connecting = 0;
	nodelay(bufferevent_getfd(bev));
	if ((c->rd = event_new(c->m->base, bufferevent_getfd(bev),
	    EV_READ | EV_PERSIST, conn_readcb, c)) == NULL) {
		muxio_conn_abandon(c, "out of memory");
		return;
	}
	/* A close that came while connecting, with nothing to send. */
	if (c->got_eof && !c->shut &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		c->shut = 1;
		(void)shutdown(bufferevent_getfd(bev), SHUT_WR);
	}
	pump(c);
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
		info0("%s: connection %u: connected to target of port id %u",
		    c->m->name, c->id, c->port);
		muxio_conn_connected(c);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		snprintf(msg, sizeof(msg), "%s: %s", c->connecting ?
		    "cannot connect to target" : "reset",
		    strerror(EVUTIL_SOCKET_ERROR()));
		muxio_conn_abandon(c, msg);
		return;
	}
}

/**
 * muxio_conn_new(link, fd, port):
 * Create a local connection of ${link} for port id ${port} on the socket
 * ${fd}, or on a new socket still to connect if ${fd} is -1.  Return it,
 * or NULL on failure (${fd} is then closed).
 */
struct mconn *
muxio_conn_new(struct muxio * m, int fd, uint8_t port)
{
	struct bufferevent * bev;
	struct mconn * c;

	if ((bev = bufferevent_socket_new(m->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		if (fd != -1)
			close(fd);
		return (NULL);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto err0;
	c->m = m;
	c->bev = bev;
	c->port = port;
	if (fd != -1 && (c->rd = event_new(m->base, fd,
	    EV_READ | EV_PERSIST, conn_readcb, c)) == NULL)
		goto err1;
	if (evbuffer_add_cb(bufferevent_get_output(bev), conn_outcb, c) ==
	    NULL)
		goto err2;
	bufferevent_setcb(bev, NULL, conn_writecb, conn_eventcb, c);
	bufferevent_set_max_single_write(bev, MAX_WRITE);
	if ((c->next = m->conns) != NULL)
		c->next->prev = c;
	m->conns = c;
	if (m->limit != NULL)
		m->limit->n++;
	return (c);

err2:
	if (c->rd != NULL)
		event_free(c->rd);
err1:
	free(c);
err0:
	/* Closes ${fd} too. */
	bufferevent_free(bev);
	return (NULL);
}

/**
 * muxio_conn_open(link, id, port):
 * Create the local connection for the peer's connection ${id} of ${link}
 * to port id ${port}: on a socket still to connect, attached, connecting.
 * Return it, or NULL if ${link} is at its limit (said) or on failure.
 */
struct mconn *
muxio_conn_open(struct muxio * m, uint16_t id, uint8_t port)
{
	struct mconn * c;

	if (muxio_at_limit(m)) {
		warn0("%s: connection %u: refused, %zu connections already",
		    m->name, id, m->limit->n);
		return (NULL);
	}
	if ((c = muxio_conn_new(m, -1, port)) == NULL)
		return (NULL);
	c->id = id;
	c->attached = 1;
	c->connecting = 1;
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

/*
 * hook_open(m, id, port): the peer opened connection ${id} to ${port},
 * which the caller's open hook connects.  Return it, or NULL if refused.
 */
static struct mconn *
hook_open(struct muxio * m, uint16_t id, uint8_t port)
{
	struct mconn * c;

	if ((c = muxio_conn_open(m, id, port)) == NULL)
		return (NULL);
	info0("%s: connection %u: open to port id %u", m->name, id, port);
	if (m->hooks->open(m->cookie, port, c->bev)) {
		info0("%s: connection %u: cannot connect to port id %u",
		    m->name, id, port);
		c->attached = 0;
		muxio_conn_free(c, 0);
		return (NULL);
	}
	return (c);
}

/* muxlink callback (server side): the peer opened a connection. */
static void *
ml_open(void * cookie, uint16_t id, uint8_t port)
{
	struct muxio * m = cookie;
	const struct sock_addr * a;
	struct mconn * c;

	if (muxsocks_serves(m, port))
		return (muxsocks_open(m, id));
	if (m->hooks->open != NULL)
		return (hook_open(m, id, port));
	if ((a = m->hooks->target(m->cookie, port)) == NULL) {
		info0("%s: connection %u: unknown port id %u, refused",
		    m->name, id, port);
		return (NULL);
	}
	if ((c = muxio_conn_open(m, id, port)) == NULL)
		return (NULL);
	info0("%s: connection %u: open to port id %u", m->name, id, port);
	if (bufferevent_socket_connect(c->bev, (const struct sockaddr *)&a->ss,
	    (int)a->len)) {
		info0("%s: connection %u: cannot connect to target: %s",
		    m->name, id, strerror(errno));
		c->attached = 0;
		muxio_conn_free(c, 0);
		return (NULL);
	}
	return (c);
}

/* muxlink callback: data from the peer for a local connection. */
static int
ml_data(void * cookie, void * user, const uint8_t * buf, size_t len)
{
	struct mconn * c = user;

	if (c->need_dest)
		return (muxsocks_dest_data(c, buf, len));
	if (c->need_status)
		return (muxsocks_status_data(c, buf, len));
	return (evbuffer_add(bufferevent_get_output(c->bev), buf, len));
}

/* muxlink callback: the peer half-closed a connection. */
static void
ml_eof(void * cookie, void * user)
{
	struct mconn * c = user;

	info0("%s: connection %u: remote side closed", c->m->name, c->id);
	c->got_eof = 1;
	if (c->proxy && muxsocks_eof(c))
		return;
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
	muxio_conn_free(c, 1);
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

	/* A SOCKS client that got its last reply needs no reset. */
	while (m->conns != NULL)
		muxio_conn_free(m->conns, !muxsocks_lost(m->conns));
	muxlink_free(m->ml);
	event_free(m->rd);
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

/* The link is readable: feed what it carries to the link state. */
static void
link_readcb(evutil_socket_t fd, short what, void * arg)
{
	struct muxio * m = arg;
	uint8_t buf[LINK_READ_SIZE];
	ssize_t r;
	int i;

	for (i = 0; i < LINK_READS && !m->failing; i++) {
		if ((r = sockread(fd, buf, sizeof(buf), NULL)) > 0) {
			if (muxlink_input(m->ml, buf, (size_t)r))
				muxio_fail(m, "protocol error: %s",
				    muxlink_error(m->ml));
		} else if (r == 0) {
			if (muxlink_end(m->ml))
				muxio_fail(m, "protocol error: %s",
				    muxlink_error(m->ml));
			else
				muxio_fail(m, "link closed by the peer");
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return;
		} else if (errno != EINTR) {
			muxio_fail(m, "link error: %s", strerror(errno));
		}
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

/* An error writing to the link. */
static void
link_eventcb(struct bufferevent * bev, short what, void * arg)
{
	struct muxio * m = arg;

	if (what & BEV_EVENT_ERROR)
		muxio_fail(m, "link error: %s",
		    strerror(EVUTIL_SOCKET_ERROR()));
}

/**
 * muxio_new(base, bev, server, hooks, cookie, name, limit):
 * Run a link over the connected bufferevent ${bev} (which it takes
 * over, and frees) as the client (${server} = 0) or the server side,
 * naming it ${name} in log lines; ${cookie} (one per link) is passed to
 * ${hooks}.  Local connections count against ${limit} (NULL: no limit);
 * beyond it they are refused.  Return the link, or NULL on failure
 * (${bev} is then freed too).
 */
struct muxio *
muxio_new(struct event_base * base, struct bufferevent * bev, int server,
    const struct muxio_hooks * hooks, void * cookie, const char * name,
    struct muxio_limit * limit)
{
	struct muxio * m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto err0;
	m->base = base;
	m->bev = bev;
	m->server = server;
	m->hooks = hooks;
	m->cookie = cookie;
	m->limit = limit;
	snprintf(m->name, sizeof(m->name), "link %s", name);
	if ((m->ml = muxlink_new(server, &ml_cbs, m)) == NULL)
		goto err1;
	if ((m->kill_ev = event_new(base, -1, 0, link_killcb, m)) == NULL)
		goto err2;
	if ((m->rd = event_new(base, bufferevent_getfd(bev),
	    EV_READ | EV_PERSIST, link_readcb, m)) == NULL)
		goto err3;
	bufferevent_setcb(bev, NULL, link_writecb, link_eventcb, m);
	bufferevent_set_max_single_write(bev, MAX_WRITE);
	bufferevent_setwatermark(bev, EV_WRITE, MUXIO_LINK_LOW, 0);
	if (bufferevent_disable(bev, EV_READ) ||
	    bufferevent_enable(bev, EV_WRITE) || event_add(m->rd, NULL))
		goto err4;
	return (m);

err4:
	event_free(m->rd);
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
	struct mconn * c;

	if (m->failing) {
		close(fd);
		return (-1);
	}
	if (muxio_at_limit(m)) {
		warn0("%s: connection for port id %u refused, %zu connections "
		    "already", m->name, port, m->limit->n);
		close(fd);
		return (-1);
	}
	if ((c = muxio_conn_new(m, fd, port)) == NULL)
		return (-1);
	if (muxlink_open(m->ml, port, c, &c->id)) {
		warn0("%s: cannot open a connection: %s", m->name,
		    muxlink_error(m->ml));
		muxio_conn_free(c, 1);
		return (-1);
	}
	c->attached = 1;
	info0("%s: connection %u: open to port id %u", m->name, c->id, port);
	muxio_conn_read(c, 1);
	return (0);
}

/**
 * muxio_set_window(link, window):
 * Give the connections of ${link} a window of ${window} bytes each way
 * (muxlink_set_window; both sides of the link must agree), before any
 * opens.  Return 0, or -1 if it cannot be set.
 */
int
muxio_set_window(struct muxio * m, uint32_t window)
{

	return (muxlink_set_window(m->ml, window));
}

/**
 * muxio_count(link):
 * Return the connections ${link} carries now (ids in use, whatever their
 * state).
 */
size_t
muxio_count(const struct muxio * m)
{

	return (muxlink_count(m->ml));
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
