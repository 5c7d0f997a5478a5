#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "sock.h"

/**
 * sock_nonblock(fd):
 * Make ${fd} non-blocking.  Return 0, or -1 with errno.
 */
int
sock_nonblock(int fd)
{
	int flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return (-1);
	return (fcntl(fd, F_SETFL, flags | O_NONBLOCK));
}

/* Small packets must leave at once: cover blocks and frames are timed. */
static void
set_nodelay(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Remove ${path} if it is a socket left behind by an earlier run. */
static void
unlink_stale(const struct sock_addr * a)
{
	const char * path = ((const struct sockaddr_un *)&a->ss)->sun_path;
	struct stat sb;

	if (stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		(void)unlink(path);
}

/**
 * sock_listen(addr):
 * Create a non-blocking socket listening on ${addr} (SO_REUSEADDR; a stale
 * Unix socket file is replaced).  Return the descriptor, or -1 with errno.
 */
int
sock_listen(const struct sock_addr * a)
{
	int fd, one = 1, saved;

	if ((fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (a->family == AF_UNIX)
		unlink_stale(a);
	else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)))
		goto err;
	if (a->family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)))
		goto err;
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) ||
	    listen(fd, 1024) || sock_nonblock(fd))
		goto err;
	return (fd);

err:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

/**
 * sock_accept(lfd):
 * Accept one connection on ${lfd}, non-blocking, with TCP_NODELAY on TCP.
 * Return the descriptor, or -1 with errno (EAGAIN when none waits).
 */
int
sock_accept(int lfd)
{
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd != -1)
		set_nodelay(fd);
	return (fd);
}

/**
 * sock_connect(addr):
 * Start a non-blocking connect to ${addr}, with TCP_NODELAY on TCP.
 * Return the descriptor (the connect may still be in progress: wait for
 * it to be writable, then call sock_connected), or -1 with errno.
 */
int
sock_connect(const struct sock_addr * a)
{
	int fd, saved;

	fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (-1);
	if (a->family != AF_UNIX)
		set_nodelay(fd);
	if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0 ||
	    errno == EINPROGRESS)
		return (fd);
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

/**
 * sock_connected(fd):
 * Return 0 if the connect started on ${fd} succeeded, or -1 with errno set
 * to the reason it failed.
 */
int
sock_connected(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return (-1);
	if (err != 0) {
		errno = err;
		return (-1);
	}
	return (0);
}
