#ifndef DUST_SOCK_H
#define DUST_SOCK_H

#include "addr.h"

/**
 * sock_listen(addr):
 * Create a non-blocking socket listening on ${addr} (SO_REUSEADDR; a stale
 * Unix socket file is replaced).  Return the descriptor, or -1 with errno.
 */
int sock_listen(const struct sock_addr *);

/**
 * sock_accept(lfd):
 * Accept one connection on ${lfd}, non-blocking, with TCP_NODELAY on TCP.
 * Return the descriptor, or -1 with errno (EAGAIN when none waits).
 */
int sock_accept(int);

/**
 * sock_connect(addr):
 * Start a non-blocking connect to ${addr}, with TCP_NODELAY on TCP.
 * Return the descriptor (the connect may still be in progress: wait for
 * it to be writable, then call sock_connected), or -1 with errno.
 */
int sock_connect(const struct sock_addr *);

/**
 * sock_connected(fd):
 * Return 0 if the connect started on ${fd} succeeded, or -1 with errno set
 * to the reason it failed.
 */
int sock_connected(int);

/**
 * sock_nonblock(fd):
 * Make ${fd} non-blocking.  Return 0, or -1 with errno.
 */
int sock_nonblock(int);

#endif /* !DUST_SOCK_H */
