#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "sockread.h"

/* Nanoseconds from ${a} to ${b} (negative if ${b} is earlier). */
static int64_t
ns_between(const struct timespec * a, const struct timespec * b)
{

	return ((int64_t)(b->tv_sec - a->tv_sec) * 1000000000 +
	    (b->tv_nsec - a->tv_nsec));
}

/*
 * kernel_date(msg, at): if ${msg} holds the kernel's SO_TIMESTAMPNS date
 * (on the wall clock), move ${at} (now, on CLOCK_MONOTONIC) back by the
 * time since that date, at microsecond grain (none if the date is ahead).
 */
static void
kernel_date(struct msghdr * msg, struct timespec * at)
{
	struct cmsghdr * cm;
	struct timespec got, real;
	int64_t us;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SO_TIMESTAMPNS)
			continue;
		memcpy(&got, CMSG_DATA(cm), sizeof(got));
		clock_gettime(CLOCK_REALTIME, &real);
		if ((us = ns_between(&got, &real) / 1000) <= 0)
			continue;
		at->tv_sec -= (time_t)(us / 1000000);
		at->tv_nsec -= (long)(us % 1000000) * 1000;
		if (at->tv_nsec < 0) {
			at->tv_sec--;
			at->tv_nsec += 1000000000;
		}
	}
}

/**
 * sockread(fd, buf, len, at):
 * Read at most ${len} bytes that wait on the non-blocking socket ${fd}
 * into ${buf}, trying again if a signal interrupts.  Return how many, 0
 * at the end of the stream, or -1 with errno (EAGAIN: nothing waits).
 * If ${at} is not NULL, set it to when (CLOCK_MONOTONIC) the kernel took
 * the last of the bytes from the network if the socket has SO_TIMESTAMPNS
 * on, else to the time of the read (also after an error).
 */
ssize_t
sockread(int fd, void * buf, size_t len, struct timespec * at)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct timespec))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	ssize_t n;

	if (at == NULL) {
		do {
			n = read(fd, buf, len);
		} while (n == -1 && errno == EINTR);
		return (n);
	}
	do {
		n = recvmsg(fd, &msg, 0);
	} while (n == -1 && errno == EINTR);
	clock_gettime(CLOCK_MONOTONIC, at);
	if (n > 0)
		kernel_date(&msg, at);
	return (n);
}

/**
 * sockread_evbuffer(in, fd, max):
 * Read up to ${max} of the bytes waiting on the non-blocking socket ${fd}
 * into the evbuffer ${in} (the input of ${fd}'s bufferevent, whose end is
 * frozen: it is thawed for each read), at most SOCKREAD_CHUNK a read.
 * Only what FIONREAD says is waiting is read, so that an end of stream or
 * an error stays in the socket for the bufferevent to see.  Return how
 * many bytes were read.
 */
size_t
sockread_evbuffer(struct evbuffer * in, int fd, size_t max)
{
	struct evbuffer_iovec v;
	size_t total = 0, want;
	ssize_t r;
	int avail;

	while (total < max && ioctl(fd, FIONREAD, &avail) == 0 && avail > 0) {
		want = max - total;
		if (want > (size_t)avail)
			want = (size_t)avail;
		if (want > SOCKREAD_CHUNK)
			want = SOCKREAD_CHUNK;
		evbuffer_unfreeze(in, 0);
		if (evbuffer_reserve_space(in, (ev_ssize_t)want, &v, 1) != 1) {
			evbuffer_freeze(in, 0);
			break;
		}
		r = sockread(fd, v.iov_base, want, NULL);
		v.iov_len = r > 0 ? (size_t)r : 0;
		evbuffer_commit_space(in, &v, 1);
		evbuffer_freeze(in, 0);
		if (r <= 0)
			break;
		total += (size_t)r;
	}
	return (total);
}
