#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "acceptor.h"
#include "muxio.h"
#include "muxsocks.h"
#include "muxserver.h"
#include "sock.h"
#include "warnp.h"

/* One link, the cookie of its muxio. */
struct slink {
	struct muxserver * s;
	struct muxio * m;
	struct slink * prev, * next;
	char name[128];
};

struct muxserver {
	struct event_base * base;
	int lfd;
	struct acceptor * acc;
	const struct sock_addr * (*target)(void *, uint8_t);
	void * cookie;
	struct slink * links;
	struct muxsocks_exit proxy;	/* SOCKS destinations, if any. */
	int has_proxy;
	unsigned long nlinks;		/* Links accepted so far. */
	struct muxio_limit limit;	/* Target connections at once. */
};

/* Remove ${sl} from its server's list and free it. */
static void
slink_free(struct slink * sl)
{

	if (sl->prev != NULL)
		sl->prev->next = sl->next;
	else
		sl->s->links = sl->next;
	if (sl->next != NULL)
		sl->next->prev = sl->prev;
	free(sl);
}

/* muxio hook: the address for a port id. */
static const struct sock_addr *
slink_target(void * cookie, uint8_t port)
{
	struct slink * sl = cookie;

	return (sl->s->target(sl->s->cookie, port));
}

/* muxio hook: the link died and freed itself. */
static void
slink_dead(void * cookie, const char * why)
{
	struct slink * sl = cookie;

	warn0("link %s: dropped: %s", sl->name, why);
	acceptor_wake(sl->s->acc);
	slink_free(sl);
}

static const struct muxio_hooks server_hooks = {
	.target = slink_target,
	.dead = slink_dead,
};

/* A link was accepted on the listening socket. */
static void
acceptcb(void * arg, int fd)
{
	struct muxserver * s = arg;
	struct bufferevent * bev;
	struct slink * sl;

	if ((sl = calloc(1, sizeof(*sl))) == NULL) {
		close(fd);
		return;
	}
	sl->s = s;
	snprintf(sl->name, sizeof(sl->name), "#%lu", ++s->nlinks);
	if ((bev = bufferevent_socket_new(s->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		free(sl);
		return;
	}
	if ((sl->m = muxio_new(s->base, bev, 1, &server_hooks, sl,
	    sl->name, &s->limit)) == NULL) {
		free(sl);
		return;
	}
	if (s->has_proxy)
		muxsocks_serve(sl->m, &s->proxy);
	if ((sl->next = s->links) != NULL)
		sl->next->prev = sl;
	s->links = sl;
	info0("link %s: accepted", sl->name);
}

/**
 * muxserver_new(base, lfd, target, cookie, maxconns):
 * Accept links on the listening socket ${lfd} (which the server takes
 * over); an open frame for port id P connects to target(cookie, P), or is
 * refused when that is NULL or when ${maxconns} target connections (over
 * all links; 0: no limit) are open already.  Return the server, or NULL
 * on failure.
 */
struct muxserver *
muxserver_new(struct event_base * base, int lfd,
    const struct sock_addr * (*target)(void *, uint8_t), void * cookie,
    size_t maxconns)
{
	struct muxserver * s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->base = base;
	s->lfd = lfd;
	s->target = target;
	s->cookie = cookie;
	s->limit.max = maxconns;
	if ((s->acc = acceptor_new(base, lfd, NULL, acceptcb, s)) == NULL) {
		muxserver_free(s);
		return (NULL);
	}
	return (s);
}

/**
 * muxserver_set_proxy(server, proxy):
 * Open the connections on port id PROXYOPEN_PORT of the links accepted
 * from now on to the destinations they carry, as ${proxy} says (which
 * must outlive ${server}).
 */
void
muxserver_set_proxy(struct muxserver * s,
    const struct muxsocks_exit * proxy)
{

	s->proxy = *proxy;
	s->has_proxy = 1;
}

/**
 * muxserver_free(server):
 * Close every link of ${server} (resetting their target connections) and
 * its listening socket, and free it.
 */
void
muxserver_free(struct muxserver * s)
{

	if (s == NULL)
		return;
	while (s->links != NULL) {
		muxio_free(s->links->m);
		slink_free(s->links);
	}
	acceptor_free(s->acc);
	close(s->lfd);
	free(s);
}
