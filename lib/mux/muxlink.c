#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dust/muxframe.h"
#include "dust/muxlink.h"

#define NIDS	65536

/* One connection id in use. */
struct conn {
	void * user;			/* The I/O layer's handle, or NULL. */
	uint32_t send_avail;		/* Bytes we may still send. */
	uint32_t recv_avail;		/* Bytes the peer may still send. */
	uint32_t unacked;		/* Consumed, not yet credited. */
	uint8_t sent_close;		/* We sent a close frame. */
	uint8_t got_close;		/* The peer sent a close frame. */
	uint8_t gone;			/* Local side abandoned: discard. */
};

struct muxlink {
	int server;
	const struct muxlink_cbs * cb;
	void * cookie;
	struct conn ** conns;		/* NIDS entries, NULL = free. */
	size_t count;			/* Entries in use. */
	uint16_t next_id;		/* Where the client's search starts. */
	uint32_t window;		/* Per connection and direction. */
	int dead;			/* An error was reported. */
	char err[160];
	struct muxframe_dec dec;
};

/* Record the error message; return -1. */
static int fail(struct muxlink *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static int
fail(struct muxlink * l, const char * fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->err, sizeof(l->err), fmt, ap);
	va_end(ap);
	l->dead = 1;
	return (-1);
}

/* Queue ${hlen} + ${dlen} bytes on the link. */
static int
out(struct muxlink * l, const uint8_t * h, size_t hl, const uint8_t * d,
    size_t dl)
{

	if (l->cb->output(l->cookie, h, hl, d, dl))
		return (fail(l, "cannot queue output on the link"));
	return (0);
}

/**
 * muxlink_new(server, cbs, cookie):
 * Create the state of a link on the client (${server} = 0, pipemux) or
 * the server side (pipemuxd), calling ${cbs} with ${cookie}.  Return it,
 * or NULL on allocation failure.
 */
struct muxlink *
muxlink_new(int server, const struct muxlink_cbs * cb, void * cookie)
{
	struct muxlink * l;

	if ((l = malloc(sizeof(*l))) == NULL)
		return (NULL);
	/* 512 KiB of virtual memory; only the pages touched are resident. */
	if ((l->conns = calloc(NIDS, sizeof(l->conns[0]))) == NULL) {
		free(l);
		return (NULL);
	}
	l->server = server;
	l->cb = cb;
	l->cookie = cookie;
	l->count = 0;
	l->next_id = 1;
	l->window = MUXLINK_WINDOW;
	l->dead = 0;
	l->err[0] = '\0';
	muxframe_dec_init(&l->dec);
	return (l);
}

/**
 * muxlink_set_window(link, window):
 * Make ${window} bytes (MUXLINK_WINDOW to MUXLINK_WINDOW_MAX) the
 * flow-control window of each connection of ${link} in each direction,
 * credit going back in batches of a quarter of it.  Both sides of a link
 * must use the same window: it is the credit each assumes at an open.
 * Return 0, or -1 if ${window} is out of range or a connection is open.
 */
int
muxlink_set_window(struct muxlink * l, uint32_t window)
{

	if (window < MUXLINK_WINDOW || window > MUXLINK_WINDOW_MAX ||
	    l->count > 0)
		return (-1);
	l->window = window;
	return (0);
}

/**
 * muxlink_free(link):
 * Free ${link}.  No callback is made.
 */
void
muxlink_free(struct muxlink * l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < NIDS; i++)
		free(l->conns[i]);
	free(l->conns);
	free(l);
}

/**
 * muxlink_error(link):
 * Return a sentence naming the last error.
 */
const char *
muxlink_error(const struct muxlink * l)
{

	return (l->err);
}

/**
 * muxlink_count(link):
 * Return the number of connection ids in use.
 */
size_t
muxlink_count(const struct muxlink * l)
{

	return (l->count);
}

/* Create the entry for ${id}. */
static struct conn *
conn_new(struct muxlink * l, uint16_t id, void * user)
{
	struct conn * c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->user = user;
	c->send_avail = l->window;
	c->recv_avail = l->window;
	l->conns[id] = c;
	l->count++;
	return (c);
}

/* Free ${id} if both sides have closed it; tell the I/O layer. */
static void
conn_maybe_release(struct muxlink * l, uint16_t id)
{
	struct conn * c = l->conns[id];
	void * user;

	if (c == NULL || !c->sent_close || !c->got_close)
		return;
	user = c->gone ? NULL : c->user;
	free(c);
	l->conns[id] = NULL;
	l->count--;
	if (user != NULL)
		l->cb->freed(l->cookie, user);
}

/* Send a close frame for ${id}. */
static int
send_close(struct muxlink * l, uint16_t id)
{
	uint8_t h[MUXFRAME_HDR];

	l->conns[id]->sent_close = 1;
	return (out(l, h, muxframe_close(h, id), NULL, 0));
}

/* Send a RESET message for ${id}. */
static int
send_reset(struct muxlink * l, uint16_t id)
{
	uint8_t h[MUXFRAME_HDR], m[MUXCTL_RESET_LEN];

	muxctl_reset(m, id);
	muxframe_write_hdr(h, MUXFRAME_CONTROL_ID, sizeof(m));
	return (out(l, h, sizeof(h), m, sizeof(m)));
}

/* Return credit for ${id} if a batch is due (or ${force} and any is). */
static int
credit_peer(struct muxlink * l, uint16_t id, int force)
{
	struct conn * c = l->conns[id];
	uint8_t h[MUXFRAME_HDR], m[MUXCTL_WINDOW_LEN];

	/* After the peer's close no more data comes: credit is useless. */
	if (c->got_close || c->unacked == 0)
		return (0);
	if (c->unacked < l->window / 4 && !force)
		return (0);
	muxctl_window(m, id, c->unacked);
	muxframe_write_hdr(h, MUXFRAME_CONTROL_ID, sizeof(m));
	c->recv_avail += c->unacked;
	c->unacked = 0;
	return (out(l, h, sizeof(h), m, sizeof(m)));
}

/* A RESET message: the peer's local side of ${id} is gone. */
static int
handle_reset(struct muxlink * l, uint16_t id)
{
	struct conn * c = l->conns[id];
	void * user;

	/*
	 * Free (it crossed our close and the id was released) or already
	 * abandoned here: nothing is left to reset.
	 */
	if (c == NULL || c->gone)
		return (0);
	user = c->user;
	c->gone = 1;
	c->user = NULL;
	if (!c->sent_close && send_close(l, id))
		return (-1);
	l->cb->reset(l->cookie, user);
	conn_maybe_release(l, id);
	return (0);
}

/* A write frame on the control channel: apply its messages. */
static int
handle_control(struct muxlink * l, const uint8_t * p, size_t len)
{
	struct muxctl m;
	struct conn * c;
	const char * e;
	int r;

	while ((r = muxctl_next(&p, &len, &m, &e)) == 1) {
		if (m.type == MUXCTL_RESET) {
			if (handle_reset(l, m.id))
				return (-1);
			continue;
		}
		/*
		 * Credit for an id we have closed (or that is free again)
		 * crossed our close frame on the way: it is not needed.
		 */
		if ((c = l->conns[m.id]) == NULL || c->sent_close)
			continue;
		if ((uint64_t)c->send_avail + m.increment > l->window)
			return (fail(l, "window overflow on connection id %u: "
			    "credit of %u bytes beyond the %u-byte window",
			    m.id, m.increment, l->window));
		c->send_avail += m.increment;
		if (!c->gone)
			l->cb->credit(l->cookie, c->user);
	}
	if (r < 0)
		return (fail(l, "malformed write on the control channel: %s",
		    e));
	return (0);
}

/* Data ${p}, ${len} for ${id} (a write frame, or an open's data). */
static int
handle_data(struct muxlink * l, uint16_t id, const uint8_t * p, size_t len)
{
	struct conn * c = l->conns[id];

	if (c == NULL)
		return (fail(l, "write frame on unknown connection id %u", id));
	if (c->got_close)
		return (fail(l, "write frame on connection id %u after its "
		    "close", id));
	if (len > c->recv_avail)
		return (fail(l, "window overflow on connection id %u: %zu "
		    "bytes with %u bytes of credit", id, len, c->recv_avail));
	c->recv_avail -= (uint32_t)len;
	if (c->gone) {
		/* Nobody to deliver to: discard, and credit it. */
		c->unacked += (uint32_t)len;
		return (credit_peer(l, id, 0));
	}
	if (l->cb->data(l->cookie, c->user, p, len))
		return (fail(l, "cannot queue data for connection id %u", id));
	return (0);
}

/* An open frame. */
static int
handle_open(struct muxlink * l, const struct muxframe * f)
{
	struct conn * c;
	void * user;

	if (!l->server)
		return (fail(l, "open frame from the server side (connection "
		    "id %u)", f->id));
	if (l->conns[f->id] != NULL)
		return (fail(l, "open frame on connection id %u, which is in "
		    "use", f->id));
	if ((c = conn_new(l, f->id, NULL)) == NULL)
		return (fail(l, "out of memory"));
	if ((user = l->cb->open(l->cookie, f->id, f->port)) == NULL) {
		/* Refused: a close frame back; discard what it sends. */
		c->gone = 1;
		if (send_close(l, f->id))
			return (-1);
	}
	c->user = user;
	if (f->len > 0)
		return (handle_data(l, f->id, f->data, f->len));
	return (0);
}

/* A close frame. */
static int
handle_close(struct muxlink * l, uint16_t id)
{
	struct conn * c = l->conns[id];

	if (c == NULL)
		return (fail(l, "close frame on unknown connection id %u", id));
	if (c->got_close)
		return (fail(l, "second close frame on connection id %u", id));
	c->got_close = 1;
	if (!c->gone)
		l->cb->eof(l->cookie, c->user);
	conn_maybe_release(l, id);
	return (0);
}

/**
 * muxlink_input(link, buf, len):
 * Handle ${len} bytes from the link.  Return 0, or -1 on a protocol error
 * or a failed callback (muxlink_error says which); the link must then be
 * dropped.
 */
int
muxlink_input(struct muxlink * l, const uint8_t * buf, size_t len)
{
	struct muxframe f;
	const char * e;
	int r;

	if (l->dead)
		return (-1);
	while ((r = muxframe_dec_next(&l->dec, &buf, &len, &f, &e)) == 1) {
		switch (f.kind) {
		case MUXFRAME_OPEN:
			r = handle_open(l, &f);
			break;
		case MUXFRAME_WRITE:
			if (f.id == MUXFRAME_CONTROL_ID)
				r = handle_control(l, f.data, f.len);
			else
				r = handle_data(l, f.id, f.data, f.len);
			break;
		case MUXFRAME_CLOSE:
			r = handle_close(l, f.id);
			break;
		}
		if (r)
			return (-1);
	}
	if (r < 0)
		return (fail(l, "%s", e));
	return (0);
}

/**
 * muxlink_end(link):
 * The link's input ended.  Return 0 if it ended between frames, or -1
 * (muxlink_error says where it was cut).
 */
int
muxlink_end(struct muxlink * l)
{
	const char * e;

	if (l->dead)
		return (-1);
	if (muxframe_dec_end(&l->dec, &e))
		return (fail(l, "%s", e));
	return (0);
}

/**
 * muxlink_open(link, port, user, id):
 * Client side: allocate a connection id for the local connection ${user}
 * and send an open frame for port id ${port}.  Return 0 with the id in
 * *${id}, or -1 (muxlink_error says why: no free id, output failed).
 */
int
muxlink_open(struct muxlink * l, uint8_t port, void * user, uint16_t * idp)
{

	return (muxlink_open_data(l, port, NULL, 0, user, idp));
}

/**
 * muxlink_open_data(link, port, data, len, user, id):
 * As muxlink_open, with the ${len} bytes of ${data} (at most
 * MUXFRAME_MAXDATA) in the open frame; they count against the new
 * connection's window like any data.
 */
int
muxlink_open_data(struct muxlink * l, uint8_t port, const uint8_t * data,
    size_t len, void * user, uint16_t * idp)
{
	uint8_t h[MUXFRAME_OPEN_HDR];
	struct conn * c;
	uint16_t id;
	size_t i;

	if (l->server)
		return (fail(l, "the server side cannot open connections"));
	if (len > MUXFRAME_MAXDATA) {
		snprintf(l->err, sizeof(l->err), "open frame with %zu bytes "
		    "of data", len);
		return (-1);
	}

	/*
	 * Round robin over 1..65535: an id freed a moment ago is the last
	 * to be reused, so credit still in flight for its old connection
	 * (docs/pipemux.md) almost never meets a new one.
	 */
	for (i = 0, id = l->next_id; i < NIDS - 1; i++) {
		if (l->conns[id] == NULL)
			break;
		id = (id == NIDS - 1) ? 1 : (uint16_t)(id + 1);
	}
	if (l->conns[id] != NULL) {
		snprintf(l->err, sizeof(l->err), "all 65535 connection ids "
		    "are in use");
		return (-1);
	}
	if ((c = conn_new(l, id, user)) == NULL) {
		snprintf(l->err, sizeof(l->err), "out of memory");
		return (-1);
	}
	c->send_avail -= (uint32_t)len;
	l->next_id = (id == NIDS - 1) ? 1 : (uint16_t)(id + 1);
	*idp = id;
	return (out(l, h, muxframe_open_hdr(h, id, port, len), data, len));
}

/**
 * muxlink_sendable(link, id):
 * Return how many bytes connection ${id} may send now (its credit), 0 if
 * it may not send at all.
 */
size_t
muxlink_sendable(const struct muxlink * l, uint16_t id)
{
	const struct conn * c = l->conns[id];

	if (id == MUXFRAME_CONTROL_ID || c == NULL || c->sent_close)
		return (0);
	return (c->send_avail);
}

/**
 * muxlink_send(link, id, buf, len):
 * Send ${len} bytes (at most muxlink_sendable) from the local connection
 * of ${id}, cut into frames.  Return 0, or -1 (muxlink_error says why).
 */
int
muxlink_send(struct muxlink * l, uint16_t id, const uint8_t * buf,
    size_t len)
{
	struct conn * c = l->conns[id];
	uint8_t h[MUXFRAME_HDR];
	size_t n;

	if (len > muxlink_sendable(l, id))
		return (fail(l, "connection id %u sent %zu bytes beyond its "
		    "credit", id, len));
	c->send_avail -= (uint32_t)len;
	while (len > 0) {
		n = (len > MUXFRAME_MAXDATA) ? MUXFRAME_MAXDATA : len;
		if (out(l, h, muxframe_write_hdr(h, id, n), buf, n))
			return (-1);
		buf += n;
		len -= n;
	}
	return (0);
}

/**
 * muxlink_close(link, id):
 * The local connection of ${id} reached end of file: send a close frame.
 * The freed callback follows at once if the peer had closed too.  Return
 * 0, or -1 (muxlink_error says why).
 */
int
muxlink_close(struct muxlink * l, uint16_t id)
{
	struct conn * c = l->conns[id];

	if (id == MUXFRAME_CONTROL_ID || c == NULL || c->sent_close)
		return (fail(l, "close of connection id %u, which is not open "
		    "for sending", id));
	if (send_close(l, id))
		return (-1);
	conn_maybe_release(l, id);
	return (0);
}

/**
 * muxlink_consumed(link, id, n):
 * ${n} bytes delivered by the data callback for ${id} were written to the
 * local socket; return credit to the peer when a batch is due.  Return 0,
 * or -1 (muxlink_error says why).
 */
int
muxlink_consumed(struct muxlink * l, uint16_t id, size_t n)
{
	struct conn * c = l->conns[id];

	if (c == NULL || id == MUXFRAME_CONTROL_ID)
		return (0);
	if (n > l->window - c->recv_avail - c->unacked)
		return (fail(l, "connection id %u consumed %zu bytes more "
		    "than it received", id, n));
	c->unacked += (uint32_t)n;
	return (credit_peer(l, id, 0));
}

/* Detach ${id}'s local side; with a RESET first if ${reset}. */
static int
detach(struct muxlink * l, uint16_t id, int reset)
{
	struct conn * c = l->conns[id];

	if (c == NULL || id == MUXFRAME_CONTROL_ID)
		return (0);
	c->gone = 1;
	c->user = NULL;
	/*
	 * The peer may still be sending: tell it nobody reads any more.
	 * The RESET goes before our close, so the peer cannot have freed
	 * (and reused) the id when it arrives.
	 */
	if (reset && !c->got_close && send_reset(l, id))
		return (-1);
	if (!c->sent_close && send_close(l, id))
		return (-1);
	/* Data delivered but never written is credited too. */
	c->unacked = l->window - c->recv_avail;
	if (credit_peer(l, id, 1))
		return (-1);
	conn_maybe_release(l, id);
	return (0);
}

/**
 * muxlink_abandon(link, id):
 * The local connection of ${id} is gone (reset, write error): send a
 * RESET message if the peer may still send, and a close frame if none was
 * sent; detach it (no more callbacks for it), and from now on discard and
 * credit whatever the peer sends on ${id} until it closes.  The freed
 * callback is not made.  Return 0, or -1.
 */
int
muxlink_abandon(struct muxlink * l, uint16_t id)
{

	return (detach(l, id, 1));
}

/**
 * muxlink_refuse(link, id):
 * Server side: the target of ${id} could not be reached.  As
 * muxlink_abandon, but with a close frame only (the client sees EOF, as
 * for an unknown port id).  Return 0, or -1.
 */
int
muxlink_refuse(struct muxlink * l, uint16_t id)
{

	return (detach(l, id, 0));
}
