#ifndef DUST_MUXSERVER_H
#define DUST_MUXSERVER_H

#include <stdint.h>

#include <event2/event.h>

#include "addr.h"

/*
 * The server side of pipemux (and later proxymux): accept links on a
 * listening socket, any number at once, each independent of the others;
 * each link's open frames connect to the address its port id names.
 */

struct muxserver;

/**
 * muxserver_new(base, lfd, target, cookie, maxconns):
 * Accept links on the listening socket ${lfd} (which the server takes
 * over); an open frame for port id P connects to target(cookie, P), or is
 * refused when that is NULL or when ${maxconns} target connections (over
 * all links; 0: no limit) are open already.  Return the server, or NULL
 * on failure.
 */
struct muxserver * muxserver_new(struct event_base *, int,
    const struct sock_addr * (*)(void *, uint8_t), void *, size_t);

struct muxsocks_exit;

/**
 * muxserver_set_proxy(server, proxy):
 * Open the connections on port id PROXYOPEN_PORT of the links accepted
 * from now on to the destinations they carry, as ${proxy} says (which
 * must outlive ${server}).
 */
void muxserver_set_proxy(struct muxserver *,
    const struct muxsocks_exit *);

/**
 * muxserver_free(server):
 * Close every link of ${server} (resetting their target connections) and
 * its listening socket, and free it.
 */
void muxserver_free(struct muxserver *);

#endif /* !DUST_MUXSERVER_H */
