#ifndef DUST_SOCKREAD_H
#define DUST_SOCKREAD_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

struct evbuffer;

/*
 * The programs' one way to read from a non-blocking socket.  libevent's
 * bufferevents read at most 4096 bytes a wake-up (EVBUFFER_MAX_READ),
 * which costs more than the work on the bytes when they come fast; the
 * programs read their sockets themselves, in large chunks, with these.
 */

/* The most sockread_evbuffer reserves for one read. */
#define SOCKREAD_CHUNK	(256 * 1024)

/**
 * sockread(fd, buf, len, at):
 * Read at most ${len} bytes that wait on the non-blocking socket ${fd}
 * into ${buf}, trying again if a signal interrupts.  Return how many, 0
 * at the end of the stream, or -1 with errno (EAGAIN: nothing waits).
 * If ${at} is not NULL, set it to when (CLOCK_MONOTONIC) the kernel took
 * the last of the bytes from the network if the socket has SO_TIMESTAMPNS
 * on, else to the time of the read (also after an error).
 */
ssize_t sockread(int, void *, size_t, struct timespec *);

/**
 * sockread_evbuffer(in, fd, max):
 * Read up to ${max} of the bytes waiting on the non-blocking socket ${fd}
 * into the evbuffer ${in} (the input of ${fd}'s bufferevent, whose end is
 * frozen: it is thawed for each read), at most SOCKREAD_CHUNK a read.
 * Only what FIONREAD says is waiting is read, so that an end of stream or
 * an error stays in the socket for the bufferevent to see.  Return how
 * many bytes were read.
 */
size_t sockread_evbuffer(struct evbuffer *, int, size_t);

#endif /* !DUST_SOCKREAD_H */
