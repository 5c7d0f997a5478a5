#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "socks/proxyopen.h"
#include "socks/socks5.h"

#include "sockread.h"
#include "socksfront.h"
#include "warnp.h"

/* Seconds a refused client has to read its reply before the close. */
#define LINGER_SECONDS	2

/* One connection in the exchange (or lingering after a refusal). */
struct pending {
	struct socksfront * sf;
	int fd;
	struct event * ev;		/* Readable, or the deadline. */
	int lingering;			/* Refused: wait for the client's EOF. */
	struct socks5_server s;
	struct pending * prev, * next;
};

struct socksfront {
	struct event_base * base;
	socksfront_cb * cb;
	void * arg;
	struct pending * list;
	size_t n;			/* Entries of ${list}. */
};

/* Unlink and free ${p}; close its socket if ${closefd}. */
static void
pending_free(struct pending * p, int closefd)
{

	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		p->sf->list = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	p->sf->n--;
	event_free(p->ev);
	if (closefd)
		close(p->fd);
	free(p);
}

/*
 * Send the ${len} bytes of ${reply} and close ${p}: after a half-close,
 * so that bytes the client sent meanwhile do not turn the close into a
 * reset that could destroy the reply before it is read.
 */
static void
refuse(struct pending * p, const uint8_t * reply, size_t len)
{
	struct timeval tv = {LINGER_SECONDS, 0};

	if (len > 0 && write(p->fd, reply, len) != (ssize_t)len) {
		pending_free(p, 1);
		return;
	}
	(void)shutdown(p->fd, SHUT_WR);
	p->lingering = 1;
	event_del(p->ev);
	event_add(p->ev, &tv);
}

/* Bytes (or the deadline) on a connection in the exchange. */
static void
readcb(evutil_socket_t fd, short what, void * arg)
{
	struct pending * p = arg;
	uint8_t in[1024], reply[32], prefix[PROXYOPEN_DEST_MAX + 1024];
	size_t off = 0, used, rl, n;
	enum socks5_status st;
	struct socksfront * sf;
	ssize_t r;

	if (what & EV_TIMEOUT) {
		if (!p->lingering)
			info0("socks: no request within %d s, closed",
			    SOCKSFRONT_TIMEOUT);
		pending_free(p, 1);
		return;
	}
	if ((r = sockread(fd, in, sizeof(in), NULL)) < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		info0("socks: client error: %s", strerror(errno));
		pending_free(p, 1);
		return;
	}
	if (p->lingering) {
		if (r == 0)
			pending_free(p, 1);
		return;
	}
	if (r == 0) {
		info0("socks: client closed during the SOCKS exchange");
		pending_free(p, 1);
		return;
	}
	while (off < (size_t)r) {
		st = socks5_server_feed(&p->s, in + off, (size_t)r - off, &used,
		    reply, &rl);
		off += used;
		switch (st) {
		case SOCKS5_NEED_MORE:
			break;
		case SOCKS5_REPLY:
			/* A 2-byte reply into a fresh socket's empty buffer. */
			if (write(fd, reply, rl) != (ssize_t)rl) {
				pending_free(p, 1);
				return;
			}
			continue;
		case SOCKS5_ERROR:
			info0("socks: bad request: %s", p->s.why);
			refuse(p, reply, rl);
			return;
		case SOCKS5_REQUEST:
			n = proxyopen_encode(&p->s.dest, in + off,
			    (size_t)r - off, prefix, sizeof(prefix));
			sf = p->sf;
			/* Hand it on: the socket is no longer ours. */
			pending_free(p, 0);
			sf->cb(sf->arg, (int)fd, prefix, n);
			return;
		}
	}
}

/**
 * socksfront_new(base, cb, arg):
 * Create a front end on ${base} handing complete requests to cb(arg, ...).
 * Return it, or NULL on failure.
 */
struct socksfront *
socksfront_new(struct event_base * base, socksfront_cb * cb, void * arg)
{
	struct socksfront * sf;

	if ((sf = calloc(1, sizeof(*sf))) == NULL)
		return (NULL);
	sf->base = base;
	sf->cb = cb;
	sf->arg = arg;
	return (sf);
}

/* Start the exchange on ${fd}. */
static struct pending *
pending_new(struct socksfront * sf, int fd)
{
	struct timeval tv = {SOCKSFRONT_TIMEOUT, 0};
	struct pending * p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	p->sf = sf;
	p->fd = fd;
	socks5_server_init(&p->s);
	if ((p->ev = event_new(sf->base, fd, EV_READ | EV_PERSIST, readcb,
	    p)) == NULL || event_add(p->ev, &tv)) {
		if (p->ev != NULL)
			event_free(p->ev);
		free(p);
		return (NULL);
	}
	if ((p->next = sf->list) != NULL)
		p->next->prev = p;
	sf->list = p;
	sf->n++;
	return (p);
}

/**
 * socksfront_add(front, fd):
 * Run the SOCKS5 exchange on the accepted connection ${fd} (which the
 * front end takes over).
 */
void
socksfront_add(struct socksfront * sf, int fd)
{

	if (sf->n >= SOCKSFRONT_MAX) {
		warn0("socks: %d clients in the SOCKS exchange already, "
		    "connection closed", SOCKSFRONT_MAX);
		close(fd);
		return;
	}
	if (pending_new(sf, fd) == NULL)
		close(fd);
}

/**
 * socksfront_refuse(front, fd, code):
 * Answer the request of ${fd} (handed out by the callback and given back)
 * with the reply code ${code}, then close it.
 */
void
socksfront_refuse(struct socksfront * sf, int fd, uint8_t code)
{
	struct pending * p;
	uint8_t reply[10];

	if ((p = pending_new(sf, fd)) == NULL) {
		close(fd);
		return;
	}
	refuse(p, reply, socks5_reply(reply, code));
}

/**
 * socksfront_free(front):
 * Close the connections still in the exchange and free ${front}.
 */
void
socksfront_free(struct socksfront * sf)
{

	if (sf == NULL)
		return;
	while (sf->list != NULL)
		pending_free(sf->list, 1);
	free(sf);
}
