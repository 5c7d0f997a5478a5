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
#include "dust/proxyopen.h"
#include "dust/socks5.h"

#include "muxio.h"
#include "pacer.h"
#include "proxyconnect.h"
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
	/* SOCKS connections (proxymux, port id PROXYOPEN_PORT): */
	int proxy;
	int need_status;	/* Client: the status byte is yet to come. */
	size_t extra;		/* Client: output bytes not from the link. */
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
	struct muxio_proxy proxy;	/* Server: SOCKS destinations. */
	struct mconn * conns;		/* Every local connection. */
	struct muxio_limit * limit;	/* Shared count and limit, or NULL. */
	struct event * kill_ev;		/* Deferred teardown. */
	int failing;			/* Teardown scheduled. */
	char why[200];
	char name[128];
};

static void conn_readcb(evutil_socket_t, short, void *);
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
	event_del(m->rd);
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
	if (c->rd != NULL)
		event_free(c->rd);
	if (c->pc != NULL)
		proxyconnect_cancel(c->pc);
	pacer_remove(c->paced);
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

/* Return nonzero if another local connection would pass the limit. */
static int
at_limit(struct muxio * m)
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

/* Watch ${c}'s socket for reading if ${on}, else stop. */
static void
rd_set(struct mconn * c, int on)
{

	if (c->rd == NULL || on == c->rd_on)
		return;
	if (on)
		event_add(c->rd, NULL);
	else
		event_del(c->rd);
	c->rd_on = on;
}

static void conn_abandon(struct mconn *, const char *);

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
			rd_set(c, 0);
			return;
		}
		r = sockread(bufferevent_getfd(c->bev), buf, n, NULL);
		if (r > 0) {
			if (muxlink_send(m->ml, c->id, buf, (size_t)r)) {
				link_fail(m, "%s", muxlink_error(m->ml));
				return;
			}
		} else if (r == 0) {
			c->read_eof = 1;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else if (errno != EINTR) {
			conn_abandon(c, strerror(errno));
			return;
		}
	}
	if (!c->read_eof) {
		rd_set(c, 1);
		return;
	}
	rd_set(c, 0);
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
	size_t n = info->n_deleted, k;

	/* The SOCKS reply proxymux wrote itself came first. */
	k = (n < c->extra) ? n : c->extra;
	c->extra -= k;
	n -= k;
	if (n == 0 || !c->attached || c->m->failing)
		return;
	if (muxlink_consumed(c->m->ml, c->id, n))
		link_fail(c->m, "%s", muxlink_error(c->m->ml));
}

/* The local socket is readable. */
static void
conn_readcb(evutil_socket_t fd, short what, void * arg)
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

/* Server side: the target of ${c} is connected; start carrying it. */
static void
conn_connected(struct mconn * c)
{
	struct bufferevent * bev = c->bev;

	c->connecting = 0;
	nodelay(bufferevent_getfd(bev));
	if ((c->rd = event_new(c->m->base, bufferevent_getfd(bev),
	    EV_READ | EV_PERSIST, conn_readcb, c)) == NULL) {
		conn_abandon(c, "out of memory");
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
		conn_connected(c);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		snprintf(msg, sizeof(msg), "%s: %s", c->connecting ?
		    "cannot connect to target" : "reset",
		    strerror(EVUTIL_SOCKET_ERROR()));
		conn_abandon(c, msg);
		return;
	}
}

/* Create a local connection on ${bev}, whose socket is ${fd} (or -1). */
static struct mconn *
conn_new(struct muxio * m, struct bufferevent * bev, int fd, uint8_t port)
{
	struct mconn * c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->m = m;
	c->bev = bev;
	c->port = port;
	if (fd != -1 && (c->rd = event_new(m->base, fd,
	    EV_READ | EV_PERSIST, conn_readcb, c)) == NULL) {
		free(c);
		return (NULL);
	}
	if (evbuffer_add_cb(bufferevent_get_output(bev), conn_outcb, c) ==
	    NULL) {
		if (c->rd != NULL)
			event_free(c->rd);
		free(c);
		return (NULL);
	}
	bufferevent_setcb(bev, NULL, conn_writecb, conn_eventcb, c);
	bufferevent_set_max_single_write(bev, MAX_WRITE);
	if ((c->next = m->conns) != NULL)
		c->next->prev = c;
	m->conns = c;
	if (m->limit != NULL)
		m->limit->n++;
	return (c);
}

/*
 * SOCKS connections (docs/proxymux.md).  On the server side (proxymuxd)
 * the first bytes a connection on port id PROXYOPEN_PORT carries are its
 * destination; the answer is one status byte, the SOCKS5 reply code, then
 * data (0x00) or the close frame (anything else).  On the client side
 * (proxymux) that status byte becomes the SOCKS5 reply.
 */

/* Server side: tell the client ${code} (not 0x00) and give ${c} up. */
static void
proxy_refuse(struct mconn * c, uint8_t code, const char * why)
{
	struct muxio * m = c->m;

	info0("%s: connection %u: %s: reply 0x%02x (%s)", m->name, c->id, why,
	    code, proxyopen_code_name(code));
	if (muxlink_send(m->ml, c->id, &code, 1) ||
	    muxlink_refuse(m->ml, c->id))
		link_fail(m, "%s", muxlink_error(m->ml));
	c->attached = 0;
	conn_free(c, 0);
}

/* Server side: a tick of the schedule; write at most ${budget} bytes. */
static void
proxy_tick(void * arg, size_t budget)
{
	struct mconn * c = arg;
	struct evbuffer * out = bufferevent_get_output(c->bev);

	if (c->m->failing)
		return;
	if (evbuffer_get_length(out) > 0 && evbuffer_write_atmost(out,
	    bufferevent_getfd(c->bev), (ev_ssize_t)budget) < 0 &&
	    errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		conn_abandon(c, strerror(errno));
		return;
	}
	/* Finish a half-close, or the connection, as a drained write does. */
	if (evbuffer_get_length(out) == 0)
		conn_writecb(c->bev, c);
}

/* Server side: proxyconnect's outcome for ${c}. */
static void
proxy_connected(void * arg, int fd, uint8_t code, const char * why)
{
	struct mconn * c = arg;
	struct muxio * m = c->m;
	uint8_t ok = SOCKS5_OK;

	c->pc = NULL;
	if (code != SOCKS5_OK) {
		proxy_refuse(c, code, why);
		return;
	}
	if (bufferevent_setfd(c->bev, fd)) {
		close(fd);
		proxy_refuse(c, SOCKS5_FAILURE, "out of memory");
		return;
	}
	info0("%s: connection %u: destination connected", m->name, c->id);
	if (muxlink_send(m->ml, c->id, &ok, 1)) {
		link_fail(m, "%s", muxlink_error(m->ml));
		return;
	}
	if (m->proxy.pacer != NULL && (c->paced = pacer_add(m->proxy.pacer,
	    proxy_tick, c)) == NULL) {
		conn_abandon(c, "out of memory");
		return;
	}
	conn_connected(c);
}

/* Server side: bytes of ${c}'s destination prefix (and maybe data). */
static int
proxy_dest_data(struct mconn * c, const uint8_t * buf, size_t len)
{
	struct muxio * m = c->m;
	struct socks5_dest dest;
	const char * why;
	char dname[300];
	uint8_t code;
	size_t used;
	int r;

	r = proxyopen_dec_feed(&c->dec, buf, len, &used, &dest, &code, &why);
	/* The prefix is for us, not the destination: it is consumed. */
	if (muxlink_consumed(m->ml, c->id, used))
		return (-1);
	if (r == 0)
		return (0);
	if (r < 0) {
		proxy_refuse(c, code, why);
		return (0);
	}
	c->need_dest = 0;
	info0("%s: connection %u: SOCKS destination %s", m->name, c->id,
	    socks5_dest_format(&dest, dname, sizeof(dname)));
	if (used < len &&
	    evbuffer_add(bufferevent_get_output(c->bev), buf + used,
	    len - used))
		return (-1);
	if ((c->pc = proxyconnect_start(m->proxy.connect, &dest,
	    proxy_connected, c)) == NULL)
		proxy_refuse(c, SOCKS5_FAILURE, "out of memory");
	return (0);
}

/* Server side: open a SOCKS connection; its destination comes next. */
static struct mconn *
proxy_open(struct muxio * m, uint16_t id)
{
	struct bufferevent * bev;
	struct mconn * c;

	if (at_limit(m)) {
		warn0("%s: connection %u: refused, %zu connections already",
		    m->name, id, m->limit->n);
		return (NULL);
	}
	if ((bev = bufferevent_socket_new(m->base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return (NULL);
	if ((c = conn_new(m, bev, -1, PROXYOPEN_PORT)) == NULL) {
		bufferevent_free(bev);
		return (NULL);
	}
	/* Paced connections are written by proxy_tick, not by libevent. */
	if (m->proxy.pacer != NULL)
		bufferevent_disable(bev, EV_WRITE);
	c->id = id;
	c->attached = 1;
	c->connecting = 1;
	c->proxy = 1;
	c->need_dest = 1;
	proxyopen_dec_init(&c->dec);
	info0("%s: connection %u: open (SOCKS)", m->name, id);
	return (c);
}

/*
 * Client side: write the SOCKS5 reply ${code} for ${c}.  On a failure,
 * close our side too; ${c} lives on until the reply is flushed.
 */
static int
proxy_reply(struct mconn * c, uint8_t code)
{
	uint8_t r[10];

	c->need_status = 0;
	/* A status that is no reply code (a peer that is no proxymuxd). */
	if (code > SOCKS5_BAD_ATYP)
		code = SOCKS5_FAILURE;
	c->extra += socks5_reply(r, code);
	/* Queued first: with output pending, a freed id cannot free ${c}. */
	if (evbuffer_add(bufferevent_get_output(c->bev), r, sizeof(r)))
		return (-1);
	if (code == SOCKS5_OK)
		return (0);
	info0("%s: connection %u: SOCKS reply 0x%02x (%s)", c->m->name, c->id,
	    code, proxyopen_code_name(code));
	rd_set(c, 0);
	c->read_eof = 1;
	if (!c->sent_close) {
		c->sent_close = 1;
		if (muxlink_close(c->m->ml, c->id))
			return (-1);
	}
	return (0);
}

/* Client side: data for ${c} whose first byte is the status. */
static int
proxy_status_data(struct mconn * c, const uint8_t * buf, size_t len)
{

	/* After a failure status nothing is passed on: all consumed. */
	if (muxlink_consumed(c->m->ml, c->id, buf[0] == SOCKS5_OK ? 1 : len) ||
	    proxy_reply(c, buf[0]))
		return (-1);
	if (buf[0] != SOCKS5_OK || len == 1)
		return (0);
	return (evbuffer_add(bufferevent_get_output(c->bev), buf + 1,
	    len - 1));
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

	if (port == PROXYOPEN_PORT && m->proxy.connect != NULL)
		return (proxy_open(m, id));
	if ((a = m->hooks->target(m->cookie, port)) == NULL) {
		info0("%s: connection %u: unknown port id %u, refused",
		    m->name, id, port);
		return (NULL);
	}
	if (at_limit(m)) {
		warn0("%s: connection %u: refused, %zu connections already",
		    m->name, id, m->limit->n);
		return (NULL);
	}
	if ((bev = bufferevent_socket_new(m->base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return (NULL);
	if ((c = conn_new(m, bev, -1, port)) == NULL) {
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

	if (c->need_dest)
		return (proxy_dest_data(c, buf, len));
	if (c->need_status)
		return (proxy_status_data(c, buf, len));
	return (evbuffer_add(bufferevent_get_output(c->bev), buf, len));
}

/* muxlink callback: the peer half-closed a connection. */
static void
ml_eof(void * cookie, void * user)
{
	struct mconn * c = user;

	info0("%s: connection %u: remote side closed", c->m->name, c->id);
	c->got_eof = 1;
	if (c->need_dest) {
		proxy_refuse(c, SOCKS5_FAILURE, "closed before its destination");
		return;
	}
	/* No status: the peer refused it (a pipemuxd without this port). */
	if (c->need_status && proxy_reply(c, SOCKS5_FAILURE)) {
		link_fail(c->m, "%s", muxlink_error(c->m->ml));
		return;
	}
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
	uint8_t r[10];
	int fd;

	while (m->conns != NULL) {
		/* A SOCKS client still waiting for its reply gets one. */
		if (m->conns->need_status &&
		    (fd = bufferevent_getfd(m->conns->bev)) != -1 &&
		    write(fd, r, socks5_reply(r, SOCKS5_FAILURE)) == 10) {
			conn_free(m->conns, 0);
			continue;
		}
		conn_free(m->conns, 1);
	}
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
				link_fail(m, "protocol error: %s",
				    muxlink_error(m->ml));
		} else if (r == 0) {
			if (muxlink_end(m->ml))
				link_fail(m, "protocol error: %s",
				    muxlink_error(m->ml));
			else
				link_fail(m, "link closed by the peer");
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return;
		} else if (errno != EINTR) {
			link_fail(m, "link error: %s", strerror(errno));
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
		link_fail(m, "link error: %s",
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
	struct bufferevent * bev;
	struct mconn * c;

	if (m->failing) {
		close(fd);
		return (-1);
	}
	if (at_limit(m)) {
		warn0("%s: connection for port id %u refused, %zu connections "
		    "already", m->name, port, m->limit->n);
		close(fd);
		return (-1);
	}
	if ((bev = bufferevent_socket_new(m->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		return (-1);
	}
	if ((c = conn_new(m, bev, fd, port)) == NULL) {
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
	rd_set(c, 1);
	return (0);
}

/**
 * muxio_accept_proxy(link, fd, prefix, len):
 * Client side: carry the SOCKS connection ${fd} (which the link takes
 * over), whose request is answered, on ${link}: an open frame for port id
 * PROXYOPEN_PORT carrying the ${len} bytes of ${prefix} (the destination
 * and any early data; see proxyopen_encode).  The SOCKS5 reply is written
 * when the status arrives.  Return 0, or -1 if it could not be opened
 * (${fd} is then closed).
 */
int
muxio_accept_proxy(struct muxio * m, int fd, const uint8_t * prefix,
    size_t len)
{
	struct bufferevent * bev;
	struct mconn * c;
	uint8_t r[10];

	if (m->failing || at_limit(m)) {
		if (!m->failing)
			warn0("%s: SOCKS connection refused, %zu connections "
			    "already", m->name, m->limit->n);
		/* The SOCKS client waits for a reply: a general failure. */
		(void)!write(fd, r, socks5_reply(r, SOCKS5_FAILURE));
		close(fd);
		return (-1);
	}
	if ((bev = bufferevent_socket_new(m->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		return (-1);
	}
	if ((c = conn_new(m, bev, fd, PROXYOPEN_PORT)) == NULL) {
		bufferevent_free(bev);
		return (-1);
	}
	c->proxy = 1;
	c->need_status = 1;
	if (muxlink_open_data(m->ml, PROXYOPEN_PORT, prefix, len, c,
	    &c->id)) {
		warn0("%s: cannot open a connection: %s", m->name,
		    muxlink_error(m->ml));
		conn_free(c, 1);
		return (-1);
	}
	c->attached = 1;
	info0("%s: connection %u: open (SOCKS)", m->name, c->id);
	rd_set(c, 1);
	return (0);
}

/**
 * muxio_set_proxy(link, proxy):
 * Server side: open the connections on port id PROXYOPEN_PORT to the
 * destinations they carry, as ${proxy} says (which must outlive ${link}).
 */
void
muxio_set_proxy(struct muxio * m, const struct muxio_proxy * proxy)
{

	m->proxy = *proxy;
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
