#ifndef DUST_CLIENT_H
#define DUST_CLIENT_H

#include <stddef.h>

#include <event2/event.h>

#include "addr.h"
#include "tunnel.h"

/*
 * dust client for another program's event loop (dust pt's client role):
 * one struct client per server, each application connection handed over
 * with client_accept carried as a stream of its session, as dust client
 * carries the connections it accepts (docs/streams.md).
 */

struct client;

/**
 * client_new(base, invite, server, why, whylen):
 * Make a client on the event base ${base}, without a listening socket,
 * for the server of the invite text ${invite}, whose Dust connections go
 * to ${server}.  Return it, or NULL with a sentence in ${why}.
 */
struct client * client_new(struct event_base *, const char *,
    const struct sock_addr *, char *, size_t);

/**
 * client_tunnel(cl):
 * Return the tunnel of ${cl} (to set how its connections are made).
 */
struct tunnel * client_tunnel(struct client *);

/**
 * client_accept(cl, fd):
 * Carry the application connection ${fd} (taken over) as a stream of the
 * session of the client ${cl} (a struct client *): to the server's target,
 * or with --socks through the SOCKS front end.
 */
void client_accept(void *, int);

/**
 * client_free(cl):
 * End the sessions and connections of ${cl} (made by client_new) and free
 * it.
 */
void client_free(struct client *);

#endif /* !DUST_CLIENT_H */
