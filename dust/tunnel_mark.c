/*
 * A server awaiting a connection's mark: the verdict on its first flight,
 * and handing a stranger's connection (its socket and the bytes it sent)
 * to the fallback site.
 */

#include <stdio.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dust/engine.h"
#include "dust/model.h"
#include "format/format.h"
#include "fallback.h"
#include "replaylog.h"
#include "tconn.h"
#include "tunnel.h"
#include "warnp.h"

/**
 * tconn_handover(c, peer_end, why): the first flight of ${c} did not
 * authenticate (${why}): hand the peer's socket, the bytes it sent and
 * those made for it but not written yet (an SSH format's identification
 * line, if the socket has not taken it yet) to the fallback (fallback.h),
 * which relays from then on, and free ${c}.
 */
void
tconn_handover(struct tconn * c, int peer_end, const char * why)
{
	struct fbconn * f = c->fb;
	struct evbuffer * kept = c->kept;
	struct evbuffer * unsent = evbuffer_new();
	int fd = dup(bufferevent_getfd(c->bev));
	/* Its first packet, with a format's greeting, is the greeting. */
	int greeted = (c->npackets > 0);
	char line[200];

	c->fb = NULL;
	c->kept = NULL;
	/* A bufferevent's output is drained by it alone: frozen until now. */
	(void)evbuffer_unfreeze(bufferevent_get_output(c->bev), 1);
	if (unsent != NULL)
		(void)evbuffer_add_buffer(unsent,
		    bufferevent_get_output(c->bev));
	c->tun->st.unauthenticated++;
	snprintf(line, sizeof(line), "unauthenticated (%s), %zu bytes: "
	    "handed to the fallback", why, evbuffer_get_length(kept));
	/* The socket stays open by ${fd}: no FIN, no reset. */
	tconn_close(c, line);
	if (fd == -1 || unsent == NULL) {
		warnp(fd == -1 ? "dup" : "evbuffer_new");
		fallback_cancel(f);
		if (fd != -1)
			close(fd);
	} else
		(void)fallback_relay(f, fd, kept, unsent, greeted, peer_end);
	evbuffer_free(kept);
	if (unsent != NULL)
		evbuffer_free(unsent);
}

/*
 * not_tls_hello(c): with a TLS format, return 1 if the first bytes kept
 * cannot begin the client's ClientHello record (content type 22, major
 * version 3), which is the first thing a client sends: a stranger's
 * first flight is then known from its first bytes, without the stall.
 * (The engine refuses the record once its 5-byte header is in.)
 */
static int
not_tls_hello(struct tconn * c)
{
	const struct dust_format * f = c->tun->model->format;
	uint8_t h[2];
	ev_ssize_t n;

	if (f == NULL || f->protocol != DUST_FORMAT_TLS || c->kept == NULL)
		return (0);
	n = evbuffer_copyout(c->kept, h, sizeof(h));
	return ((n >= 1 && h[0] != 22) || (n >= 2 && h[1] != 3));
}

/**
 * tconn_verdict(c, peer_end): a server awaiting the mark on ${c}: once it has
 * verified, journal it and close the fallback's connection; if it did
 * not, or the peer ended (${peer_end}: FALLBACK_PEER_FIN or _RST) or the
 * site spoke first before it was complete (its greeting aside:
 * fallback_set_greeting), or (a TLS format) the first bytes cannot begin
 * a ClientHello, hand the connection over (if there is a fallback;
 * without one it is held silent: check_failed).
 * Return 1 if ${c} was handed over (and freed), else 0.
 */
int
tconn_verdict(struct tconn * c, int peer_end)
{
	enum dust_engine_state st = dust_engine_state(c->e);

	if (!c->awaiting)
		return (0);
	if (st == DUST_ENGINE_AWAITING_MARK && peer_end == FALLBACK_PEER_OPEN) {
		if (!not_tls_hello(c))
			return (0);
		tconn_handover(c, peer_end, "the first record is not a TLS "
		    "handshake");
		return (1);
	}
	if (st != DUST_ENGINE_AWAITING_MARK &&
	    st != DUST_ENGINE_UNAUTHENTICATED) {
		c->awaiting = 0;
		if (c->tun->rlog != NULL)
			replaylog_append(c->tun->rlog);
		fallback_cancel(c->fb);
		c->fb = NULL;
		if (c->kept != NULL)
			evbuffer_free(c->kept);
		c->kept = NULL;
		return (0);
	}
	if (c->kept == NULL)
		return (0);
	if (st == DUST_ENGINE_UNAUTHENTICATED)
		tconn_handover(c, peer_end, dust_engine_failure(c->e));
	else if (peer_end == FALLBACK_PEER_FIN)
		tconn_handover(c, peer_end, "half-closed before the mark");
	else if (peer_end == FALLBACK_PEER_RST)
		tconn_handover(c, peer_end, "reset before the mark");
	else
		tconn_handover(c, FALLBACK_PEER_OPEN, "the site ended or spoke "
		    "first");
	return (1);
}

/*
 * A first flight that stops for this long (ms) before its mark is whole
 * is a stranger's: a client sends its key and mark back to back
 * (first_flight), so their bytes arrive within a few ms of each other.
 */
#define STALL_MS	50

/* The peer's first flight stalled before its mark. */
static void
stall_cb(evutil_socket_t fd, short what, void * arg)
{
	struct tconn * c = arg;

	(void)fd;
	(void)what;
	if (c->awaiting && c->kept != NULL)
		tconn_handover(c, FALLBACK_PEER_OPEN, "first flight stalled "
		    "before the mark");
}

/**
 * tconn_arm_stall(c): bytes of the first flight came and its mark is still
 * awaited: hand it over if no more come within STALL_MS.  Return 0, or -1
 * on ENOMEM.
 */
int
tconn_arm_stall(struct tconn * c)
{

	if (!c->awaiting || c->kept == NULL)
		return (0);
	if (c->stall == NULL &&
	    (c->stall = evtimer_new(c->tun->base, stall_cb, c)) == NULL)
		return (-1);
	tunnel_arm_ms(c->stall, STALL_MS);
	return (0);
}

/* verdict's ${peer_end} when the site spoke or closed first. */
#define SITE_FIRST	(-1)

/**
 * tconn_site_greeted(arg):
 * The fallback site's greeting came (or cannot come) before the verdict:
 * the server's own goes now, from the event loop (the fallback is in its
 * callback).
 */
void
tconn_site_greeted(void * arg)
{
	struct tconn * c = arg;

	event_active(c->tick, EV_TIMEOUT, 0);
}

/**
 * tconn_greeting_held(c):
 * Return 1 if ${c} awaits the mark and its fallback site has not greeted
 * yet, else 0.
 */
int
tconn_greeting_held(const struct tconn * c)
{

	return (c->awaiting && !fallback_greeted(c->fb));
}

/**
 * tconn_site_early(arg):
 * The fallback site spoke or closed before the verdict (the
 * fallback_open callback of a connection awaiting the mark).
 */
void
tconn_site_early(void * arg)
{
	struct tconn * c = arg;

	/* Neither open nor ended: the site's word decides. */
	(void)tconn_verdict(c, SITE_FIRST);
}
