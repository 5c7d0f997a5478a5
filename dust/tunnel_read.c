/*
 * A Dust connection's incoming bytes: read from its socket in large
 * chunks and dated, de-shaped by the engine, and handed to its link.
 */

#include <stdint.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "dust/engine.h"
#include "dust/ensemble.h"
#include "fallback.h"
#include "sockread.h"
#include "tconn.h"
#include "tunnel.h"
#include "warnp.h"

/* Log a silent failure once. */
static void
check_failed(struct tconn * c)
{

	enum dust_engine_state st = dust_engine_state(c->e);

	if (c->failed_logged || (st != DUST_ENGINE_FAILED &&
	    st != DUST_ENGINE_UNAUTHENTICATED))
		return;
	c->failed_logged = 1;
	if (st == DUST_ENGINE_UNAUTHENTICATED) {
		c->tun->st.unauthenticated++;
		info0("connection #%ju: unauthenticated (%s); silent until the "
		    "duration ends", (uintmax_t)c->no,
		    dust_engine_failure(c->e));
	} else {
		c->tun->st.failed++;
		info0("connection #%ju: %s; cover traffic until the duration "
		    "ends", (uintmax_t)c->no, dust_engine_failure(c->e));
	}
	/* Nothing the peer sends matters any more. */
	if (c->link != NULL) {
		ens_link_end(c->link);
		c->link = NULL;
	}
}

/* De-shape the ${n} wire bytes at ${p}.  Return 0, or -1 on ENOMEM. */
static int
take_wire(struct tconn * c, const uint8_t * p, size_t n)
{
	size_t off, k;

	/* Every byte, for the fallback if the mark does not verify. */
	if (c->kept != NULL && evbuffer_add(c->kept, p, n))
		return (-1);
	for (off = 0; off < n; off += k) {
		k = n - off > 65535 ? 65535 : n - off;
		if (dust_put_encoded(c->e, p + off, (uint16_t)k))
			return (-1);
	}
	c->tun->st.wire_in += n;
	return (0);
}

/**
 * tconn_read_cb(bev, arg):
 * Wire bytes arrived.  libevent reads at most 4096 bytes a time (its
 * EVBUFFER_MAX_READ), so after what it read the socket is read here in
 * large chunks until it is empty: a wake-up per 4 KiB cost more than the
 * crypto, and bulk records are checked eight at a time only if that many
 * arrive before the data is read.  An end of file or an error is left in
 * the socket for the bufferevent to see (event_cb).
 */
void
tconn_read_cb(struct bufferevent * bev, void * arg)
{
	static uint8_t dec[65535], rbuf[TUNNEL_IO_MAX];
	struct tconn * c = arg;
	struct evbuffer * in = bufferevent_get_input(bev);
	struct evbuffer_iovec v[16];
	struct timespec at;
	size_t took, total = 0;
	ssize_t n;
	uint16_t r;
	int i, nv, news = 0;

	/*
	 * The engine dates the peer's bytes by its clock, and a step after
	 * the peer's is timed from them: bring the clock to when they came
	 * first, or the step goes late by our wake-up (libevent read one
	 * byte of them, so that the kernel's date of the rest is ours).
	 */
	n = sockread(bufferevent_getfd(bev), rbuf, sizeof(rbuf), &at);
	if (c->conv && c->connected)
		tconn_count_until(c, &at);
	while (evbuffer_get_length(in) > 0) {
		nv = evbuffer_peek(in, -1, NULL, v, 16);
		if (nv > 16)
			nv = 16;
		for (took = 0, i = 0; i < nv; i++) {
			if (take_wire(c, v[i].iov_base, v[i].iov_len))
				goto nomem;
			took += v[i].iov_len;
		}
		evbuffer_drain(in, took);
	}
	while (n > 0) {
		if (take_wire(c, rbuf, (size_t)n))
			goto nomem;
		total += (size_t)n;
		if ((size_t)n < sizeof(rbuf) || total >= 4 * TUNNEL_IO_MAX)
			break;
		n = sockread(bufferevent_getfd(bev), rbuf, sizeof(rbuf), NULL);
	}
	if (tconn_verdict(c, FALLBACK_PEER_OPEN))
		return;
	if (tconn_arm_stall(c))
		goto nomem;
	check_failed(c);
	/* A format's server: the handshake is done, the time limit lifted. */
	if (c->format && c->tun->server && !c->answered &&
	    dust_engine_state(c->e) == DUST_ENGINE_ESTABLISHED)
		tunnel_arm_ms(c->end, c->duration);
	while ((r = dust_decoded_ready(c->e)) > 0) {
		dust_get_decoded(c->e, dec, r);
		c->answered = 1;
		if (c->link == NULL)
			continue;
		if (ens_link_push(c->link, dec, r) && !c->link_logged) {
			c->link_logged = 1;
			info0("connection #%ju: ensemble: %s",
			    (uintmax_t)c->no, ens_link_error(c->link));
		}
		news = 1;
	}
	/* A bad MAC of bulk records shows when they are read. */
	check_failed(c);
	if (news && c->hooks != NULL && c->hooks->pumped != NULL)
		c->hooks->pumped(c, c->cookie);
	/*
	 * The peer's bytes may make our next step due (or end it all); in a
	 * format, they may complete a handshake that our next flight answers.
	 */
	if ((c->conv || c->format) && c->connected && !c->finishing)
		tconn_send_due(c, 0);
	return;

nomem:
	tconn_close(c, "out of memory");
}
