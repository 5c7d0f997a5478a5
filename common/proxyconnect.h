#ifndef DUST_PROXYCONNECT_H
#define DUST_PROXYCONNECT_H

#include <stdint.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "socks/policy.h"
#include "socks/socks5.h"

/*
 * proxymuxd's side of a SOCKS connection: reach the destination a client
 * asked for.  A name is resolved here, asynchronously (evdns_getaddrinfo,
 * with the hosts file and the configured resolver); the policy is applied
 * to the port and to every address (a name that resolves to a denied
 * address is refused for that address, and for good when none is left);
 * the allowed addresses are tried in turn.  The outcome is a connected
 * socket or a SOCKS5 reply code.
 */

struct proxyconnect_cfg {
	struct event_base * base;
	struct evdns_base * dns;
	const struct policy * policy;
	int timeout_ms;		/* For the whole: resolving and connecting. */
};

/*
 * The outcome: ${fd} connected (code SOCKS5_OK), or -1 with the reply
 * code ${code} and a sentence ${why}.
 */
typedef void proxyconnect_cb(void * arg, int fd, uint8_t code,
    const char * why);

struct proxyconnect;

/**
 * proxyconnect_start(cfg, dest, cb, arg):
 * Start reaching ${dest}; cb(arg, ...) is called once, from the event
 * loop (never from within this function), and the request is freed after
 * it.  Return the request, or NULL if it could not be started (no memory).
 */
struct proxyconnect * proxyconnect_start(const struct proxyconnect_cfg *,
    const struct socks5_dest *, proxyconnect_cb *, void *);

/**
 * proxyconnect_cancel(req):
 * Give up ${req} before its callback: no callback is made, any socket is
 * closed.
 */
void proxyconnect_cancel(struct proxyconnect *);

#endif /* !DUST_PROXYCONNECT_H */
