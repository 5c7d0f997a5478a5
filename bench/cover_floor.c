/*
 * cover_floor: the kernel's share of an idle coverpipe link.
 * N pairs of TCP sockets on 127.0.0.1 in one process; every 25 ms each
 * pair sends one 1024-byte block each way and the other end reads it
 * (epoll, one timer per 1 ms slot, as coverpipe spreads links).  That is
 * exactly the socket work an idle link costs coverpipe and coverpiped
 * together on the hop, with nothing else: compare its CPU per
 * link-second with the sum of theirs (bench/run-cover.sh prints both).
 * Then the same over Unix socket pairs (spiped takes Unix paths too).
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RATE	40
#define SLOTS	25
#define BLOCK	1024
#define SECS	4

/* Monotonic nanoseconds. */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* CPU seconds of this process. */
static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

/* Make ${n} connected TCP pairs (Unix pairs if ${unix}) into
 * fds[2 * i], fds[2 * i + 1]. */
static int
make_pairs(int * fds, size_t n, int unix)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int lfd, one = 1;
	size_t i;

	if (unix) {
		for (i = 0; i < n; i++)
			if (socketpair(AF_UNIX, SOCK_STREAM, 0, &fds[2 * i]))
				return (-1);
		return (0);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(lfd, 4096) ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl))
		return (-1);
	for (i = 0; i < n; i++) {
		fds[2 * i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[2 * i] == -1 || connect(fds[2 * i],
		    (struct sockaddr *)&sin, sizeof(sin)))
			return (-1);
		if ((fds[2 * i + 1] = accept(lfd, NULL, NULL)) == -1)
			return (-1);
		setsockopt(fds[2 * i], IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		setsockopt(fds[2 * i + 1], IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	}
	close(lfd);
	return (0);
}

/* Run ${n} pairs (Unix if ${unix}) for SECS seconds; print CPU per
 * link-second. */
static int
run(size_t n, int unix)
{
	int * fds = calloc(2 * n, sizeof(int));
	struct epoll_event ev, evs[512];
	uint8_t blk[BLOCK], buf[BLOCK];
	uint64_t start, next, slot = 0, sent = 0, end;
	double c0, c1;
	size_t i;
	int ep, k, r;

	memset(blk, 0, sizeof(blk));
	if (fds == NULL || make_pairs(fds, n, unix) || (ep = epoll_create1(0)) == -1)
		return (-1);
	for (i = 0; i < 2 * n; i++) {
		ev.events = EPOLLIN;
		ev.data.fd = fds[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	start = next = now_ns();
	end = start + SECS * 1000000000ULL;
	c0 = cpu_s();
	while (next < end) {
		/* Round up: a zero timeout would spin. */
		int64_t wait = ((int64_t)(next - now_ns()) + 999999) / 1000000;

		k = epoll_wait(ep, evs, 512, wait > 0 ? (int)wait : 0);
		/* One read per ready socket (level-triggered: more waiting
		 * is reported again), as coverpipe does. */
		for (r = 0; r < k; r++)
			(void)recv(evs[r].data.fd, buf, sizeof(buf),
			    MSG_DONTWAIT);
		while (now_ns() >= next && next < end) {
			/* One slot: its links send a block each way. */
			for (i = slot % SLOTS; i < n; i += SLOTS) {
				sent += send(fds[2 * i], blk, BLOCK, 0) ==
				    BLOCK;
				sent += send(fds[2 * i + 1], blk, BLOCK, 0) ==
				    BLOCK;
			}
			slot++;
			next = start + slot * (1000000000ULL / RATE / SLOTS);
		}
	}
	c1 = cpu_s();
	/* A link-second is 2 x RATE blocks (both ends of the hop). */
	printf("floor %5zu links, %s: %ju blocks sent (%.1f%% of 2 x 40/s), "
	    "%.0f us CPU per link-second (both ends of the hop)\n", n,
	    unix ? "Unix" : "TCP ",
	    (uintmax_t)sent, 100.0 * (double)sent / (2.0 * RATE * SECS * n),
	    sent ? (c1 - c0) * 1e6 / ((double)sent / (2.0 * RATE)) : 0.0);
	for (i = 0; i < 2 * n; i++)
		close(fds[i]);
	close(ep);
	free(fds);
	return (0);
}

int
main(void)
{

	if (run(1000, 0) || run(1000, 1)) {
		perror("cover_floor");
		return (1);
	}
	return (0);
}
