/*
 * A Dust connection's schedule: starting it, counting the packets the
 * model says are due, feeding the link's data to the engine, and the one
 * place that decides what is sent (tconn_send_due), with per-packet
 * mode's ticks; conversation mode's steps are tunnel_conv.c's.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dust/engine.h"
#include "dust/ensemble.h"
#include "tconn.h"
#include "tunnel.h"

/* Ticks between packets: the longest (ms). */
#define TICK_MAX	64
/* The client opens the next connection this long before the end (ms). */
#define OVERLAP_MAX	1000
/* The largest MSS taken as a path's (a jumbo frame's); above, loopback. */
#define CONV_SEGMENT_MAX	9000

/*
 * Feed the link's messages into the engine while credit lasts: credit is
 * what the packets made so far can carry less what was fed; it may go
 * down to -${ahead} (data fed for packets due but not made yet).
 */
static int
feed(struct tconn * c, double ahead)
{
	static uint8_t buf[ENS_MSG_MAX * 2];
	size_t n, off, k, max, room = dust_engine_room(c->e);
	int any = 0;

	while (c->link != NULL && c->credit > -ahead &&
	    ens_link_pending(c->link)) {
		/* A conversation carries so much: whole messages only. */
		max = room < sizeof(buf) ? room : sizeof(buf);
		if ((n = ens_link_pull(c->link, buf, max)) == 0)
			break;
		room = room > n + FEED_FRAMING ? room - n - FEED_FRAMING : 0;
		for (off = 0; off < n; off += k) {
			k = n - off > 65535 ? 65535 : n - off;
			if (dust_put_decoded(c->e, buf + off, (uint16_t)k))
				return (-1);
		}
		c->credit -= (double)n;
		any = 1;
	}
	return (any);
}

/**
 * tconn_count_until(c, t): count the packets the model says are due from ${c}'s
 * last count to ${t} (nothing if ${t} is earlier), on a microsecond clock:
 * a conversation's gaps are microseconds (the engine counts whole ms for
 * a per-packet model and keeps the rest).
 */
void
tconn_count_until(struct tconn * c, const struct timespec * t)
{
	uint64_t us;

	us = tunnel_us_between(&c->last, t);
	/* A conversation's steps also fall due when the peer's bytes come. */
	if (us == 0 && !c->conv)
		return;
	/* At most 65535 ms a count, as the seed's API takes. */
	if (us > 65535000)
		us = 65535000;
	/* Keep the sub-microsecond rest for the next count. */
	tunnel_add_us(&c->last, us);
	c->due += dust_packet_count_us(c->e, (uint32_t)us);
	/* A path slower than the model for long: the oldest are skipped. */
	if (c->due > TUNNEL_DUE_MAX) {
		c->tun->st.skipped += c->due - TUNNEL_DUE_MAX;
		c->due = TUNNEL_DUE_MAX;
	}
}

/* Count the time from ${c}'s last count to now (tconn_count_until). */
static void
count_due(struct tconn * c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	tconn_count_until(c, &now);
}

/*
 * Make one packet of the model's next length and queue it.  Return 0, 1 if
 * none is due after all (a conversation's count is exact), or -1 on ENOMEM.
 */
static int
send_packet(struct tconn * c, struct evbuffer * out, int * any)
{
	struct evbuffer_iovec v;
	uint32_t ahead;
	uint16_t len;
	int rc;

	if ((len = dust_encoded_ready(c->e)) == 0)
		return (1);
	c->credit += (double)len * c->tun->ratio;
	/*
	 * With more packets due now, data for them goes in at once: Seattle
	 * then seals it in whole records, eight side by side.  With one due
	 * (a model slower than the path), at most a packet's worth waits in
	 * the engine, so that ACKs and control messages do not wait long
	 * behind data.
	 */
	ahead = c->due < TUNNEL_FEED_AHEAD ? c->due : TUNNEL_FEED_AHEAD;
	if ((rc = feed(c, (double)len * c->tun->ratio * (ahead - 1))) == -1)
		return (-1);
	*any |= rc;
	/* Unused credit does not pile up while idle. */
	if (c->credit > (double)len * c->tun->ratio)
		c->credit = (double)len * c->tun->ratio;
	/* The packet is made in place, in the socket's output buffer. */
	if (evbuffer_reserve_space(out, len, &v, 1) != 1)
		return (-1);
	dust_get_encoded(c->e, v.iov_base, len);
	v.iov_len = len;
	if (evbuffer_commit_space(out, &v, 1))
		return (-1);
	/* A step that ends a part-filled segment goes at once. */
	if (c->conv && !tconv_whole_segments(c, evbuffer_get_length(out)))
		tconv_flush_steps(c, out);
	c->npackets++;
	c->tun->st.wire_out += len;
	return (0);
}

/*
 * next_tick(c, ticked, sent, before): in per-packet mode, tick faster
 * while packets come in bunches (${sent} this time, ${before} due before),
 * slower while none; a call not from the timer (${ticked} 0) keeps the
 * timer as it is.
 */
static void
next_tick(struct tconn * c, int ticked, uint32_t sent, uint32_t before)
{

	if (ticked) {
		if ((sent > 1 || c->due > 0) && c->tick_ms > TICK_MIN)
			c->tick_ms /= 2;
		else if (sent == 0 && before == 0 && c->tick_ms < TICK_MAX)
			c->tick_ms *= 2;
		tunnel_arm_ms(c->tick, c->tick_ms);
	} else if (!evtimer_pending(c->tick, NULL)) {
		tunnel_arm_ms(c->tick, c->tick_ms);
	}
}

/*
 * first_flight(c): a client whose key and mark are not all on the wire
 * yet: its packets go back to back, so that the first flight arrives in
 * one go (a server requiring the mark takes a first flight that stalls
 * for a stranger's and hands it to its fallback).  Conversations send
 * the first step whole already.
 */
static int
first_flight(const struct tconn * c)
{

	return (!c->tun->server && !c->conv && c->connected &&
	    !dust_engine_first_flight_out(c->e));
}

/*
 * Stream bytes fed to a format's engine ahead of the records made: enough
 * for several whole records, so that Seattle seals them side by side.
 */
#define FORMAT_FEED_AHEAD	(64 * 1024)

/*
 * send_format(c): a model with a format sends on demand: its handshake
 * flights when due, then a record whenever the session has data, as many
 * as the socket takes.  A failed connection sends its alert and closes.
 */
static void
send_format(struct tconn * c)
{
	struct evbuffer * out = bufferevent_get_output(c->bev);
	struct evbuffer_iovec v;
	uint16_t len;
	int any = 0, rc;

	/* An SSH server's greeting goes when the fallback site's comes. */
	if (tconn_greeting_held(c))
		return;
	while (evbuffer_get_length(out) < TUNNEL_WIRE_HIGH) {
		if ((rc = feed(c, FORMAT_FEED_AHEAD)) == -1)
			goto nomem;
		any |= rc;
		if ((len = dust_encoded_ready(c->e)) == 0)
			break;
		if (evbuffer_reserve_space(out, len, &v, 1) != 1)
			goto nomem;
		dust_get_encoded(c->e, v.iov_base, len);
		v.iov_len = len;
		if (evbuffer_commit_space(out, &v, 1))
			goto nomem;
		/* What was fed is spent as it goes out; none piles up. */
		c->credit += len;
		if (c->credit > 0)
			c->credit = 0;
		c->npackets++;
		c->tun->st.wire_out += len;
	}
	if (any && c->hooks != NULL && c->hooks->pumped != NULL)
		c->hooks->pumped(c, c->cookie);
	if (dust_engine_done(c->e) && !c->finishing) {
		c->finishing = FINISH_FLUSH;
		if (evbuffer_get_length(out) == 0)
			tconn_close(c, dust_engine_failure(c->e));
	}
	return;
nomem:
	tconn_close(c, "out of memory");
}

/**
 * tunnel_kick_session(tun, s):
 * The session ${s} may have data to send: its connections that send on
 * demand (a model with a format) look soon, from the event loop; the
 * others wait for their schedule.
 */
void
tunnel_kick_session(struct tunnel * tun, struct ens_session * s)
{
	struct tconn * c;

	if (tun->model->format == NULL)
		return;
	for (c = tun->conns; c != NULL; c = c->allnext)
		if (c->connected && !c->finishing && c->link != NULL &&
		    ens_link_session(c->link) == s)
			event_active(c->tick, EV_TIMEOUT, 0);
}

/**
 * tconn_send_due(c, ticked):
 * The one place that decides what is sent: the packets due by the model's
 * count (dust_packet_count_us over the time elapsed), as many as the path
 * takes now.  Called by the tick timer (${ticked}) and whenever the
 * socket has taken the bytes made before (tconn_write_cb), so that a model
 * faster than the path is paced by the path, never by the data: a packet
 * is made (data or cover) only when it is due and there is room for it.
 */
void
tconn_send_due(struct tconn * c, int ticked)
{
	struct evbuffer * out = bufferevent_get_output(c->bev);
	uint32_t sent = 0, before = c->due;
	int any = 0, rc;

	if (c->format) {
		count_due(c);
		send_format(c);
		return;
	}
	count_due(c);
	while ((c->due > 0 || first_flight(c) || tconv_count_ahead(c, out)) &&
	    evbuffer_get_length(out) < TUNNEL_WIRE_HIGH) {
		/*
		 * The first packets of a connection go out one per tick: a
		 * burst of large packets could carry more filler than the
		 * peer accepts before the code (SEATTLE_FILLER_MAX chunks).
		 * This goes by the packet count, not by the handshake's
		 * state, so that a prober that never completes the
		 * handshake sees the same timing as a client that does
		 * (tunnel_probe checks it).
		 */
		if (!c->conv && c->npackets < TUNNEL_PACED &&
		    (!ticked || sent > 0) && !first_flight(c))
			break;
		/* The first flight's packets go whether due or not. */
		if (c->due == 0)
			c->due = 1;
		if (c->conv && !tconv_step_gone(c, out))
			break;
		/* The hold is over: the next one is looked at soon again. */
		c->hold_us = CONV_HOLD_MIN;
		if ((rc = send_packet(c, out, &any)) == -1) {
			tconn_close(c, "out of memory");
			return;
		}
		if (rc == 1) {
			c->due = 0;
			break;
		}
		c->due--;
		sent++;
	}
	if (c->conv)
		tconv_flush_steps(c, out);
	else
		next_tick(c, ticked, sent, before);
	if (any && c->hooks != NULL && c->hooks->pumped != NULL)
		c->hooks->pumped(c, c->cookie);
	/* Last: it may close ${c}. */
	if (c->conv)
		tconv_next(c);
}

/**
 * tconn_tick_cb(fd, what, arg):
 * The tick: count time, send what is due; or close, once it is over.
 */
void
tconn_tick_cb(evutil_socket_t fd, short what, void * arg)
{
	struct tconn * c = arg;

	(void)fd;
	(void)what;
	if (c->step_armed)
		tconv_wait(c);
	if (c->finishing)
		tconv_close(c);
	else
		tconn_send_due(c, 1);
}

/* The last step has left the kernel (tconv_step_gone): the next may go. */
static void
gone_cb(evutil_socket_t fd, short what, void * arg)
{

	(void)fd;
	(void)what;
	tconn_send_due(arg, 0);
}

/**
 * tconn_write_cb(bev, arg):
 * The socket took the bytes made before: more may go if due.
 */
void
tconn_write_cb(struct bufferevent * bev, void * arg)
{
	struct tconn * c = arg;

	(void)bev;
	if (c->finishing) {
		if (c->finishing == FINISH_FLUSH && evbuffer_get_length(
		    bufferevent_get_output(c->bev)) == 0)
			tconn_close(c, c->conv ? "conversation over" :
			    "session over");
		return;
	}
	if (c->connected)
		tconn_send_due(c, 0);
}

/**
 * tconn_start(c):
 * Start the schedule of ${c}, connected: its ticks and its duration.
 */
void
tconn_start(struct tconn * c)
{
	uint64_t overlap;
	int fd = bufferevent_getfd(c->bev), sz = TUNNEL_SOCKBUF, lowat = 1;
	int on = 1;
	socklen_t mlen = sizeof(c->mss);

	/*
	 * Small socket buffers: a model may ask for more cover than the
	 * path carries, and cover queued in buffers delays data and ACKs.
	 * A format sends no cover: the kernel sizes its buffers to the path
	 * (a fixed 256 KiB receive buffer held a 40 ms path to 6 MB/s).
	 */
	if (!c->format) {
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}

	c->connected = 1;
	if (c->conv) {
		/*
		 * Writable only when nothing waits unsent, so that a held
		 * step goes the moment the last has left, not at the next
		 * look of a timer.  Without the option the timer still looks.
		 */
		if (setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat,
		    sizeof(lowat)) == 0) {
			c->gone = event_new(c->tun->base, fd, EV_WRITE,
			    gone_cb, c);
			c->lowat = lowat;
		}
		/*
		 * Whole segments are only known on a path that cuts the
		 * stream into them: loopback (MSS 32768 or 65483 here)
		 * passes a write of two 32 KiB steps as one packet.
		 */
		if (getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &c->mss, &mlen) ||
		    c->mss > CONV_SEGMENT_MAX)
			c->mss = 0;
		/*
		 * A conversation's first gap is from the connection's first
		 * frame (the client's SYN, docs/models.md), so the schedule
		 * starts when the client called connect (tconn_new), not
		 * when the handshake was done: 50-200 us later on loopback.
		 */
		c->last = c->born;
		/*
		 * The peer's bytes are dated by the kernel (read_dated):
		 * libevent reads only one byte of each arrival, the rest
		 * is read with its date.
		 */
		(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on,
		    sizeof(on));
		bufferevent_set_max_single_read(c->bev, 1);
		/*
		 * The engine says when a conversation is over (and gives up
		 * on a silent peer after idle_ms); the duration is only its
		 * estimate, so the timer is a backstop against a peer that
		 * trickles bytes for ever.
		 */
		tunnel_arm_ms(c->end,
		    (uint64_t)c->duration * 2 + CONV_WAKE_MAX);
		tconn_send_due(c, 1);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &c->last);
	c->born = c->last;
	/*
	 * A format's server gives a handshake as long as nginx does (its
	 * ssl_handshake_timeout): a stranger held silent (no --fallback)
	 * is closed then, not kept for ever; tconn_read_cb lifts the limit
	 * once the handshake is done.
	 */
	tunnel_arm_ms(c->end, c->format && c->tun->server ?
	    FORMAT_HANDSHAKE_MS : c->duration);
	overlap = c->duration / 4;
	if (overlap > OVERLAP_MAX)
		overlap = OVERLAP_MAX;
	tunnel_arm_ms(c->warn, c->duration - overlap);
	tconn_send_due(c, 1);
}
