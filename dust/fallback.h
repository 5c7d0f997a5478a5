#ifndef DUST_FALLBACK_H
#define DUST_FALLBACK_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "addr.h"

/*
 * dust server --fallback (docs/protocol.md, "The fallback"; man/dust.1):
 * for every accepted connection a TCP connection to the fallback site is
 * opened at once; if the peer's first flight does not authenticate, the
 * bytes it sent go to the site and the server is from then on a plain TCP
 * relay between the two, half-closes and resets mirrored both ways.  A
 * site that greets every visitor first (sshd) has its greeting told apart
 * (fallback_set_greeting).
 */

struct fallback;
struct fbconn;

/* How the peer's side stood when the connection was handed over. */
#define FALLBACK_PEER_OPEN	0	/* Still open. */
#define FALLBACK_PEER_FIN	1	/* It half-closed (FIN). */
#define FALLBACK_PEER_RST	2	/* It reset or failed. */

/**
 * fallback_new(base, addr, freed, cookie):
 * Make the fallback to the site at ${addr} on ${base}; freed(${cookie}) is
 * called when a relay ends (a connection slot is free again).  Return it,
 * or NULL on ENOMEM.
 */
struct fallback * fallback_new(struct event_base *, const struct sock_addr *,
    void (*)(void *), void *);

/**
 * fallback_set_greeting(fb, greeting, len):
 * The server sends the ${len} bytes ${greeting} at accept, before any byte
 * of the peer (an SSH format's identification line): the site's own
 * greeting, its first as many lines, is not "the site spoke first"
 * (fallback_open's greeted is called once it is in), nor relayed to a peer
 * that had the server's (fallback_relay), and if it is not the same bytes
 * one warning is logged.  Return 0, or -1 on ENOMEM.
 */
int fallback_set_greeting(struct fallback *, const uint8_t *, size_t);

/**
 * fallback_relays(fb):
 * Return the number of relays of ${fb} running.
 */
size_t fallback_relays(const struct fallback *);

/**
 * fallback_free(fb):
 * End every relay and pending connection of ${fb} and free it.  NULL is
 * allowed.
 */
void fallback_free(struct fallback *);

/**
 * fallback_open(fb, early, greeted, cookie):
 * Open a connection to the site for a connection just accepted.  If the
 * site sends bytes or closes before the verdict, early(${cookie}) is
 * called (the caller then hands the connection over: a site that speaks
 * first decides it); once its greeting (fallback_set_greeting) has come
 * and was dropped, or cannot come (the connect failed), greeted(${cookie})
 * is.  Return it, or NULL on failure (logged).
 */
struct fbconn * fallback_open(struct fallback *, void (*)(void *),
    void (*)(void *), void *);

/**
 * fallback_greeted(f):
 * Return 1 if the site's greeting has come to ${f} and was dropped, or
 * cannot come (no greeting is set; the connect failed; the site closed,
 * reset or said something else), or if ${f} is NULL; else 0.
 */
int fallback_greeted(const struct fbconn *);

/**
 * fallback_cancel(f):
 * The first flight authenticated: close the connection ${f} to the site.
 * NULL is allowed.
 */
void fallback_cancel(struct fbconn *);

/**
 * fallback_relay(f, peer, kept, unsent, greeted, peer_end):
 * Hand the peer's socket ${peer} (taken over) to the site: write the bytes
 * of ${kept} (moved out) to the site's connection ${f} (taken over), those
 * of ${unsent} (moved out: what the server made for the peer and had not
 * written yet, its greeting) to the peer, mirror ${peer_end}
 * (FALLBACK_PEER_*), and relay from then on.  If ${greeted}, the peer has
 * the server's greeting (fallback_set_greeting): the site's is dropped,
 * else it is relayed as the rest.  If the site cannot be reached, the
 * peer's connection is reset.  Return 0, or -1 if the relay could not be
 * set up (everything is closed then).
 */
int fallback_relay(struct fbconn *, int, struct evbuffer *, struct evbuffer *,
    int, int);

#endif /* !DUST_FALLBACK_H */
