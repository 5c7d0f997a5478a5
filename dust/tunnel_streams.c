/*
 * The streams of a session (docs/streams.md): the session's byte stream
 * carries pipemux's link protocol (lib/mux), run by common/muxio.c as for
 * pipemux and proxymux.  muxio drives a socket, and the application side
 * of a session (struct tapp) is a socket: the two are joined by a
 * socketpair inside the process, so that both run unchanged.
 */

#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "muxio.h"
#include "tunnel.h"

/* Make the socket ${fd} non-blocking with large buffers; 0 or -1. */
static int
pair_tune(int fd)
{
	int sz = TUNNEL_APP_HIGH;

	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return (evutil_make_socket_nonblocking(fd));
}

/**
 * tstreams_new(tun, a, server, hooks, cookie, name, limit):
 * Make the application side ${a} of a session (its bufferevent, marked
 * connected) one end of a socketpair, and run a muxio link of the
 * ${server} side on the other end with ${hooks}, ${cookie}, ${name} and
 * ${limit} (see muxio_new).  Return the link, or NULL on failure with
 * ${a}->bev NULL.
 */
struct muxio *
tstreams_new(struct tunnel * tun, struct tapp * a, int server,
    const struct muxio_hooks * hooks, void * cookie, const char * name,
    struct muxio_limit * limit)
{
	struct bufferevent * mbev;
	struct muxio * m;
	int fd[2];

	a->bev = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fd))
		return (NULL);
	if (pair_tune(fd[0]) || pair_tune(fd[1]))
		goto err0;
	if ((a->bev = bufferevent_socket_new(tun->base, fd[0],
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto err0;
	if ((mbev = bufferevent_socket_new(tun->base, fd[1],
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto err1;
	/* On failure muxio_new has freed ${mbev} and closed fd[1]. */
	if ((m = muxio_new(tun->base, mbev, server, hooks, cookie, name,
	    limit)) == NULL)
		goto err2;
	if (muxio_set_window(m, TUNNEL_STREAM_WINDOW)) {
		muxio_free(m);
		goto err2;
	}
	a->connected = 1;
	return (m);

err2:
	bufferevent_free(a->bev);
	a->bev = NULL;
	return (NULL);
err1:
	bufferevent_free(a->bev);
	a->bev = NULL;
	close(fd[1]);
	return (NULL);
err0:
	close(fd[0]);
	close(fd[1]);
	return (NULL);
}
