#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dust/muxlink.h"
#include "socks/proxyopen.h"
#include "socks/socks5.h"

#include "muxconn.h"
#include "muxio.h"
#include "muxsocks.h"
#include "pacer.h"
#include "proxyconnect.h"
#include "warnp.h"

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
		muxio_fail(m, "%s", muxlink_error(m->ml));
	c->attached = 0;
	muxio_conn_free(c, 0);
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
		muxio_conn_abandon(c, strerror(errno));
		return;
	}
	/* Finish a half-close, or the connection, as a drained write does. */
	if (evbuffer_get_length(out) == 0)
		muxio_conn_flushed(c);
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
		muxio_fail(m, "%s", muxlink_error(m->ml));
		return;
	}
	if (m->socks.pacer != NULL && (c->paced = pacer_add(m->socks.pacer,
	    proxy_tick, c)) == NULL) {
		muxio_conn_abandon(c, "out of memory");
		return;
	}
	muxio_conn_connected(c);
}

/**
 * muxsocks_dest_data(c, buf, len):
 * Server side: the ${len} bytes at ${buf} arrived for ${c}, whose
 * destination is yet to come.  Return 0, or -1 if the link must fail.
 */
int
muxsocks_dest_data(struct mconn * c, const uint8_t * buf, size_t len)
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
	if ((c->pc = proxyconnect_start(m->socks.connect, &dest,
	    proxy_connected, c)) == NULL)
		proxy_refuse(c, SOCKS5_FAILURE, "out of memory");
	return (0);
}

/**
 * muxsocks_serves(link, port):
 * Server side: return nonzero if an open frame for port id ${port} on
 * ${link} is a SOCKS connection (muxsocks_open), not a port id's target.
 */
int
muxsocks_serves(const struct muxio * m, uint8_t port)
{

	return (port == PROXYOPEN_PORT && m->socks.connect != NULL);
}

/**
 * muxsocks_open(link, id):
 * Server side: open the SOCKS connection ${id} on ${link}; its
 * destination comes in its first data.  Return it, or NULL if it is
 * refused.
 */
struct mconn *
muxsocks_open(struct muxio * m, uint16_t id)
{
	struct mconn * c;

	if ((c = muxio_conn_open(m, id, PROXYOPEN_PORT)) == NULL)
		return (NULL);
	/* Paced connections are written by proxy_tick, not by libevent. */
	if (m->socks.pacer != NULL)
		bufferevent_disable(c->bev, EV_WRITE);
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
	muxio_conn_read(c, 0);
	c->read_eof = 1;
	if (!c->sent_close) {
		c->sent_close = 1;
		if (muxlink_close(c->m->ml, c->id))
			return (-1);
	}
	return (0);
}

/**
 * muxsocks_status_data(c, buf, len):
 * Client side: the ${len} bytes at ${buf} arrived for ${c}, the first
 * its status (the SOCKS5 reply code).  Return 0, or -1 if the link must
 * fail.
 */
int
muxsocks_status_data(struct mconn * c, const uint8_t * buf, size_t len)
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

/**
 * muxsocks_accept(link, fd, prefix, len):
 * Client side: carry the SOCKS connection ${fd} (which the link takes
 * over), whose request is answered, on ${link}: an open frame for port id
 * PROXYOPEN_PORT carrying the ${len} bytes of ${prefix} (the destination
 * and any early data; see proxyopen_encode).  The SOCKS5 reply is written
 * when the status arrives.  Return 0, or -1 if it could not be opened
 * (${fd} is then closed, after reply 01 if the link is failing or full).
 */
int
muxsocks_accept(struct muxio * m, int fd, const uint8_t * prefix,
    size_t len)
{
	struct mconn * c;
	uint8_t r[10];

	if (m->failing || muxio_at_limit(m)) {
		if (!m->failing)
			warn0("%s: SOCKS connection refused, %zu connections "
			    "already", m->name, m->limit->n);
		/* The SOCKS client waits for a reply: a general failure. */
		(void)!write(fd, r, socks5_reply(r, SOCKS5_FAILURE));
		close(fd);
		return (-1);
	}
	if ((c = muxio_conn_new(m, fd, PROXYOPEN_PORT)) == NULL)
		return (-1);
	c->proxy = 1;
	c->need_status = 1;
	if (muxlink_open_data(m->ml, PROXYOPEN_PORT, prefix, len, c,
	    &c->id)) {
		warn0("%s: cannot open a connection: %s", m->name,
		    muxlink_error(m->ml));
		muxio_conn_free(c, 1);
		return (-1);
	}
	c->attached = 1;
	info0("%s: connection %u: open (SOCKS)", m->name, c->id);
	muxio_conn_read(c, 1);
	return (0);
}

/**
 * muxsocks_serve(link, cfg):
 * Server side: open the connections on port id PROXYOPEN_PORT of ${link}
 * to the destinations they carry, as ${cfg} says (which must outlive
 * ${link}).
 */
void
muxsocks_serve(struct muxio * m, const struct muxsocks_exit * cfg)
{

	m->socks = *cfg;
}

/**
 * muxsocks_eof(c):
 * The peer closed the SOCKS connection ${c}: one still waiting for its
 * destination is refused, one waiting for its status gets reply 01.
 * Return 1 if ${c} is done with (it may be freed), 0 if the close is to
 * be handled as on any connection.
 */
int
muxsocks_eof(struct mconn * c)
{

	if (c->need_dest) {
		proxy_refuse(c, SOCKS5_FAILURE, "closed before its destination");
		return (1);
	}
	/* No status: the peer refused it (a pipemuxd without this port). */
	if (c->need_status && proxy_reply(c, SOCKS5_FAILURE)) {
		muxio_fail(c->m, "%s", muxlink_error(c->m->ml));
		return (1);
	}
	return (0);
}

/**
 * muxsocks_lost(c):
 * The link of ${c} is lost: if ${c} is a SOCKS client still waiting for
 * its reply, write it reply 01 at once.  Return 1 if it was written (the
 * connection then needs no reset), else 0.
 */
int
muxsocks_lost(struct mconn * c)
{
	uint8_t r[10];
	int fd;

	return (c->need_status && (fd = bufferevent_getfd(c->bev)) != -1 &&
	    write(fd, r, socks5_reply(r, SOCKS5_FAILURE)) == 10);
}

/**
 * muxsocks_conn_free(c):
 * Stop what the SOCKS side of ${c} has running (reaching its
 * destination, its writes on the ticks), as ${c} is freed.
 */
void
muxsocks_conn_free(struct mconn * c)
{

	if (c->pc != NULL)
		proxyconnect_cancel(c->pc);
	pacer_remove(c->paced);
}
