#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "socks/proxyopen.h"
#include "socks/socks5.h"

#include "acceptor.h"
#include "muxclient.h"
#include "muxio.h"
#include "muxsocks.h"
#include "sock.h"
#include "socksfront.h"
#include "warnp.h"

#define MAXTARGETS	8

/* One listening socket. */
struct listener {
	struct muxclient * mc;
	struct acceptor * acc;
	int fd;
	uint8_t port;
	int socks;		/* A SOCKS front end (proxymux). */
};

struct muxclient {
	struct event_base * base;
	struct sock_addr target[MAXTARGETS];
	size_t ntarget;
	size_t next_target;		/* The address tried next. */
	char tname[128];
	struct listener * ls;
	size_t nls;
	struct bufferevent * connecting;	/* Connect in progress. */
	struct muxio * link;		/* The link, when up. */
	struct event * retry_ev;
	struct socksfront * front;	/* SOCKS exchanges, if any. */
	unsigned int backoff_ms;	/* Delay before the next attempt. */
	struct muxio_limit limit;	/* Local connections at once. */
	struct held * held;		/* SOCKS requests waiting for a link. */
	size_t nheld;
};

/* A SOCKS request that came while the link was down, waiting for it. */
struct held {
	struct muxclient * mc;
	struct event * timer;	/* MUXCLIENT_HOLD_SECONDS, then refused. */
	int fd;
	uint8_t * prefix;	/* The open frame's data, and its length. */
	size_t len;
	struct held * prev, * next;
};

static void start_connect(struct muxclient *);
static void held_release(struct muxclient *);

static void link_dead(void *, const char *);

static const struct muxio_hooks client_hooks = {
	.target = NULL,
	.dead = link_dead,
};

/* Try again after the current delay, and double it. */
static void
schedule_retry(struct muxclient * mc)
{
	struct timeval tv;

	tv.tv_sec = mc->backoff_ms / 1000;
	tv.tv_usec = (mc->backoff_ms % 1000) * 1000;
	info0("link %s: reconnecting in %u ms", mc->tname, mc->backoff_ms);
	event_add(mc->retry_ev, &tv);
	mc->backoff_ms *= 2;
	if (mc->backoff_ms > MUXCLIENT_BACKOFF_MAX)
		mc->backoff_ms = MUXCLIENT_BACKOFF_MAX;
}

/* The link dropped: its connections are reset; reconnect. */
static void
link_dead(void * cookie, const char * why)
{
	struct muxclient * mc = cookie;

	warn0("link %s: dropped: %s", mc->tname, why);
	mc->link = NULL;
	schedule_retry(mc);
}

/* Set TCP_NODELAY on the link: frames must not wait. */
static void
nodelay(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* The connect to the target finished. */
static void
connect_eventcb(struct bufferevent * bev, short what, void * arg)
{
	struct muxclient * mc = arg;

	mc->connecting = NULL;
	if (!(what & BEV_EVENT_CONNECTED)) {
		warn0("link %s: cannot connect: %s", mc->tname,
		    strerror(EVUTIL_SOCKET_ERROR()));
		bufferevent_free(bev);
		schedule_retry(mc);
		return;
	}
	nodelay(bufferevent_getfd(bev));
	if ((mc->link = muxio_new(mc->base, bev, 0, &client_hooks, mc,
	    mc->tname, &mc->limit)) == NULL) {
		warn0("link %s: out of memory", mc->tname);
		schedule_retry(mc);
		return;
	}
	info0("link %s: up", mc->tname);
	mc->backoff_ms = MUXCLIENT_BACKOFF_MIN;
	held_release(mc);
}

/* Start connecting to the next target address. */
static void
start_connect(struct muxclient * mc)
{
	const struct sock_addr * a = &mc->target[mc->next_target];
	struct bufferevent * bev;

	mc->next_target = (mc->next_target + 1) % mc->ntarget;
	if ((bev = bufferevent_socket_new(mc->base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		warn0("link %s: out of memory", mc->tname);
		schedule_retry(mc);
		return;
	}
	bufferevent_setcb(bev, NULL, NULL, connect_eventcb, mc);
	if (bufferevent_socket_connect(bev, (const struct sockaddr *)&a->ss,
	    (int)a->len)) {
		warnp("link %s: cannot connect", mc->tname);
		bufferevent_free(bev);
		schedule_retry(mc);
		return;
	}
	mc->connecting = bev;
}

/* The reconnect timer fired. */
static void
retrycb(evutil_socket_t fd, short what, void * arg)
{

	start_connect(arg);
}

/* Close ${fd} with a reset: there is nowhere to carry it. */
static void
reset_close(int fd)
{
	struct linger lg = {1, 0};

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* A connection was accepted on a listening socket. */
static void
acceptcb(void * arg, int fd)
{
	struct listener * l = arg;

	if (l->socks) {
		/* The link is chosen once the request is in. */
		socksfront_add(l->mc->front, fd);
		return;
	}
	if (l->mc->link == NULL) {
		info0("link %s: down, connection for port id %u "
		    "refused", l->mc->tname, l->port);
		reset_close(fd);
		return;
	}
	(void)muxio_accept(l->mc->link, fd, l->port);
}

/* Unlink ${h} from its client and free it (its socket is not closed). */
static void
held_free(struct held * h)
{
	struct muxclient * mc = h->mc;

	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		mc->held = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	mc->nheld--;
	event_free(h->timer);
	free(h->prefix);
	free(h);
}

/* A held request's time is up with the link still down: refuse it. */
static void
held_timeout(evutil_socket_t fd, short what, void * arg)
{
	struct held * h = arg;
	struct muxclient * mc = h->mc;

	info0("link %s: still down after %d s, SOCKS request refused",
	    mc->tname, MUXCLIENT_HOLD_SECONDS);
	socksfront_refuse(mc->front, h->fd, SOCKS5_FAILURE);
	held_free(h);
}

/*
 * Hold the request of ${fd} (open frame data ${prefix}, ${len} bytes)
 * until the link is up, for MUXCLIENT_HOLD_SECONDS at most.  Return 0, or
 * -1 if it cannot be held (${fd} is still the caller's).
 */
static int
held_add(struct muxclient * mc, int fd, const uint8_t * prefix, size_t len)
{
	struct timeval tv = {MUXCLIENT_HOLD_SECONDS, 0};
	struct held * h;

	if (mc->nheld >= MUXCLIENT_HOLD_MAX ||
	    (h = calloc(1, sizeof(*h))) == NULL)
		return (-1);
	h->mc = mc;
	h->fd = fd;
	h->len = len;
	if ((h->prefix = malloc(len > 0 ? len : 1)) == NULL)
		goto err1;
	memcpy(h->prefix, prefix, len);
	if ((h->timer = evtimer_new(mc->base, held_timeout, h)) == NULL)
		goto err2;
	if (evtimer_add(h->timer, &tv))
		goto err3;
	if ((h->next = mc->held) != NULL)
		h->next->prev = h;
	mc->held = h;
	mc->nheld++;
	return (0);

err3:
	event_free(h->timer);
err2:
	free(h->prefix);
err1:
	free(h);
	return (-1);
}

/* The link is up: carry the held requests on it, oldest first. */
static void
held_release(struct muxclient * mc)
{
	struct held * h;

	while (mc->held != NULL) {
		/* The list is newest first: its tail is the oldest. */
		for (h = mc->held; h->next != NULL; h = h->next)
			continue;
		(void)muxsocks_accept(mc->link, h->fd, h->prefix, h->len);
		held_free(h);
	}
}

/* A SOCKS request is in: carry it, or hold it while the link is down. */
static void
socks_request(void * arg, int fd, const uint8_t * prefix, size_t len)
{
	struct muxclient * mc = arg;

	if (mc->link != NULL) {
		(void)muxsocks_accept(mc->link, fd, prefix, len);
		return;
	}
	if (held_add(mc, fd, prefix, len)) {
		warn0("link %s: down, SOCKS request refused (%zu held "
		    "already)", mc->tname, mc->nheld);
		socksfront_refuse(mc->front, fd, SOCKS5_FAILURE);
		return;
	}
	info0("link %s: down, SOCKS request held (up to %d s)", mc->tname,
	    MUXCLIENT_HOLD_SECONDS);
}

/**
 * muxclient_socks(client, i):
 * Make the listening socket ${i} of ${client} a SOCKS5 front end: the
 * connections it accepts are carried, after their SOCKS exchange, to the
 * destination they ask for (docs/proxymux.md) instead of to a port id.
 * Return 0, or -1 on failure.
 */
int
muxclient_socks(struct muxclient * mc, size_t i)
{

	if (mc->front == NULL &&
	    (mc->front = socksfront_new(mc->base, socks_request, mc)) == NULL)
		return (-1);
	mc->ls[i].socks = 1;
	mc->ls[i].port = PROXYOPEN_PORT;
	return (0);
}

/**
 * muxclient_new(base, target, ntarget, tname, lfds, ports, nl, maxconns):
 * Start a client on ${base}: connect to ${target} (${ntarget} addresses,
 * tried in turn; ${tname} names it in log lines) and accept connections
 * on the ${nl} listening sockets ${lfds}, giving those of lfds[i] the port
 * id ports[i]; at most ${maxconns} at once (0: no limit), more are
 * closed.  The client takes over the sockets.  Return the client, or NULL
 * on failure.
 */
struct muxclient *
muxclient_new(struct event_base * base, const struct sock_addr * target,
    size_t ntarget, const char * tname, const int * lfds,
    const uint8_t * ports, size_t nl, size_t maxconns)
{
	struct muxclient * mc;
	char name[32];
	size_t i;

	if ((mc = calloc(1, sizeof(*mc))) == NULL)
		return (NULL);
	mc->base = base;
	if (ntarget > MAXTARGETS)
		ntarget = MAXTARGETS;
	memcpy(mc->target, target, ntarget * sizeof(target[0]));
	mc->ntarget = ntarget;
	snprintf(mc->tname, sizeof(mc->tname), "%s", tname);
	mc->backoff_ms = MUXCLIENT_BACKOFF_MIN;
	mc->limit.max = maxconns;
	if ((mc->retry_ev = evtimer_new(base, retrycb, mc)) == NULL)
		goto err;
	if ((mc->ls = calloc(nl, sizeof(mc->ls[0]))) == NULL)
		goto err;
	for (i = 0; i < nl; i++) {
		mc->ls[i].mc = mc;
		mc->ls[i].fd = lfds[i];
		mc->ls[i].port = ports[i];
	}
	mc->nls = nl;
	for (i = 0; i < nl; i++) {
		snprintf(name, sizeof(name), "port id %u", ports[i]);
		if ((mc->ls[i].acc = acceptor_new(base, lfds[i], name,
		    acceptcb, &mc->ls[i])) == NULL)
			goto err;
	}
	start_connect(mc);
	return (mc);

err:
	muxclient_free(mc);
	return (NULL);
}

/**
 * muxclient_free(client):
 * Close the link, the local connections and the listening sockets of
 * ${client}, and free it.
 */
void
muxclient_free(struct muxclient * mc)
{
	size_t i;

	if (mc == NULL)
		return;
	if (mc->link != NULL)
		muxio_free(mc->link);
	if (mc->connecting != NULL)
		bufferevent_free(mc->connecting);
	while (mc->held != NULL) {
		close(mc->held->fd);
		held_free(mc->held);
	}
	for (i = 0; i < mc->nls; i++) {
		acceptor_free(mc->ls[i].acc);
		close(mc->ls[i].fd);
	}
	free(mc->ls);
	socksfront_free(mc->front);
	if (mc->retry_ev != NULL)
		event_free(mc->retry_ev);
	free(mc);
}
