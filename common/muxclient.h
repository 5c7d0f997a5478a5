#ifndef DUST_MUXCLIENT_H
#define DUST_MUXCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "addr.h"

/*
 * The client side of pipemux (and later proxymux): listening sockets whose
 * connections are carried, each with its port id, over one link to the
 * target, and the link itself, reconnected with exponential backoff when
 * it drops.  While no link is up, accepted connections are closed at
 * once (with a reset), but SOCKS requests (proxymux) are held until the
 * link is up, for MUXCLIENT_HOLD_SECONDS at most, then refused.
 */

/* Reconnect delays: the first, the factor, the largest (milliseconds). */
#define MUXCLIENT_BACKOFF_MIN	250
#define MUXCLIENT_BACKOFF_MAX	16000

/* Seconds a SOCKS request waits for a link that is down. */
#define MUXCLIENT_HOLD_SECONDS	10
/* SOCKS requests waiting at once, at most; more are refused at once. */
#define MUXCLIENT_HOLD_MAX	256

struct muxclient;

/**
 * muxclient_new(base, target, ntarget, tname, lfds, ports, nl, maxconns):
 * Start a client on ${base}: connect to ${target} (${ntarget} addresses,
 * tried in turn; ${tname} names it in log lines) and accept connections
 * on the ${nl} listening sockets ${lfds}, giving those of lfds[i] the port
 * id ports[i]; at most ${maxconns} at once (0: no limit), more are
 * closed.  The client takes over the sockets.  Return the client, or NULL
 * on failure.
 */
struct muxclient * muxclient_new(struct event_base *,
    const struct sock_addr *, size_t, const char *, const int *,
    const uint8_t *, size_t, size_t);

/**
 * muxclient_socks(client, i):
 * Make the listening socket ${i} of ${client} a SOCKS5 front end: the
 * connections it accepts are carried, after their SOCKS exchange, to the
 * destination they ask for (docs/proxymux.md) instead of to a port id.
 * Return 0, or -1 on failure.
 */
int muxclient_socks(struct muxclient *, size_t);

/**
 * muxclient_free(client):
 * Close the link, the local connections and the listening sockets of
 * ${client}, and free it.
 */
void muxclient_free(struct muxclient *);

#endif /* !DUST_MUXCLIENT_H */
