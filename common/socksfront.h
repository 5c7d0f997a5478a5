#ifndef DUST_SOCKSFRONT_H
#define DUST_SOCKSFRONT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

/*
 * proxymux's SOCKS front end: the SOCKS5 exchange (RFC 1928: no
 * authentication, CONNECT; lib/socks/socks5.c) on each accepted
 * connection, up to its request.  A good request is handed on with the
 * data for its open frame (the destination and any early bytes); a bad
 * one gets the reply RFC 1928 gives it, and the connection is closed.
 */

/* Seconds a client has for its greeting and request. */
#define SOCKSFRONT_TIMEOUT	10
/* Connections in the exchange at once, at most; more are closed. */
#define SOCKSFRONT_MAX		256

/*
 * A request is complete: carry ${fd} (now the callee's) with the ${len}
 * bytes of ${prefix} as its open frame's data.
 */
typedef void socksfront_cb(void * arg, int fd, const uint8_t * prefix,
    size_t len);

struct socksfront;

/**
 * socksfront_new(base, cb, arg):
 * Create a front end on ${base} handing complete requests to cb(arg, ...).
 * Return it, or NULL on failure.
 */
struct socksfront * socksfront_new(struct event_base *, socksfront_cb *,
    void *);

/**
 * socksfront_add(front, fd):
 * Run the SOCKS5 exchange on the accepted connection ${fd} (which the
 * front end takes over).
 */
void socksfront_add(struct socksfront *, int);

/**
 * socksfront_refuse(front, fd, code):
 * Answer the request of ${fd} (handed out by the callback and given back)
 * with the reply code ${code}, then close it.
 */
void socksfront_refuse(struct socksfront *, int, uint8_t);

/**
 * socksfront_free(front):
 * Close the connections still in the exchange and free ${front}.
 */
void socksfront_free(struct socksfront *);

#endif /* !DUST_SOCKSFRONT_H */
