#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sodium.h>

#include "dust/engine.h"
#include "dust/ensemble.h"
#include "dust/invite.h"
#include "dust/model.h"
#include "addr.h"
#include "fallback.h"
#include "fileread.h"
#include "modelio.h"
#include "replaylog.h"
#include "sockread.h"
#include "tunnel.h"
#include "warnp.h"

/* Ticks between packets: the shortest and longest (ms). */
#define TICK_MIN	2
#define TICK_MAX	64
/* The client opens the next connection this long before the end (ms). */
#define OVERLAP_MAX	1000
/* Bytes per DATA message in conversation mode (tunnel_chunk). */
#define CHUNK_CONV_CLIENT	64
#define CHUNK_CONV_SERVER	1024
/* A record's framing, counted against a conversation's room per feed. */
#define FEED_FRAMING	35
/* The longest sleep of a connection in conversation mode (ms). */
#define CONV_WAKE_MAX	1000
/*
 * A step held until the previous one has left the kernel (step_gone) is
 * sent when the socket says so (TCP_NOTSENT_LOWAT of 1 makes it writable
 * only once no byte waits unsent: the gone event); the timer looks again
 * after CONV_HOLD_MIN us, then twice as long each time it is still held,
 * up to CONV_HOLD_MAX us, in case the event does not come (a kernel
 * without TCP_NOTSENT_LOWAT): a slow reader is no reason to wake often.
 */
#define CONV_HOLD_MIN	400
#define CONV_HOLD_MAX	3200
/*
 * Steps that fall due within CONV_AHEAD_US of whole-segment steps being
 * written join them in one write (count_ahead): gaps that short inside a
 * real sender's burst are its kernel's pacing, not its writes.
 */
#define CONV_AHEAD_US	100
/*
 * A timer wakes a step this much before it is due at most (us), the rest
 * waited on the clock (conv_wait); the lead is learned as the 90th
 * percentile of how late timers fire, CONV_LATE_UP us up each time one
 * is later than it, 1 us down each time one is not.
 */
#define CONV_LEAD_MAX	300
#define CONV_LATE_UP	9
/*
 * What a link's client must be able to send after the server's first
 * answer, in bytes of its stream: its code and IV, then one record
 * (FEED_FRAMING) holding the least a link does, a CONTINUE and an ACK.
 */
#define LINK_UPSTREAM_MIN	(2 * SEATTLE_KEY_BYTES + FEED_FRAMING + \
				 1 + ENS_ID_BYTES + ENS_ACK_BYTES)
/*
 * The least share of a model's conversations that can carry a link: the
 * others are cover, and below this a session needs more than ten
 * connections for each that moves it on.
 */
#define CONV_LINKS_MIN	0.1
/* The largest MSS taken as a path's (a jumbo frame's); above, loopback. */
#define CONV_SEGMENT_MAX	9000

/*
 * conv_links(m): the share of the conversations ${m} draws whose client
 * steps after the server's first carry LINK_UPSTREAM_MIN bytes of the
 * client's stream, at the client-to-server part's entropy (an upper
 * bound: the coder carries a little less).  The others are cover only.
 */
static double
conv_links(const struct dust_model * m)
{
	const struct dust_convset * set = m->conv;
	const struct dust_conv * c;
	double h = dust_model_entropy(&m->part[DUST_C2S]) / 8, bytes;
	size_t i, j, n = 0;
	int answered;

	for (i = 0; i < set->ndrawn; i++) {
		c = &set->list[set->drawn[i]];
		for (bytes = 0, answered = 0, j = 0; j < c->nsteps; j++) {
			if (c->step[j].dir == DUST_S2C)
				answered = 1;
			else if (answered)
				bytes += c->step[j].len * h;
		}
		n += (bytes >= LINK_UPSTREAM_MIN);
	}
	return ((double)n / (double)set->ndrawn);
}

/**
 * tunnel_load(tun, invite, server, why, whylen):
 * Read the invite ${invite} (the text "dust:...", or a file holding it),
 * and its model (JSON text, a built-in name, or empty: "uniform") into
 * ${tun}.  Return 0, or -1 with a sentence in ${why}.
 */
int
tunnel_load(struct tunnel * tun, const char * invite, int server,
    char * why, size_t whylen)
{
	char ibuf[INVITE_WHY_MAX], mbuf[256];
	char * text = NULL;
	double share;
	size_t len;
	int rc;

	tun->server = server;
	if (strncmp(invite, INVITE_PREFIX, strlen(INVITE_PREFIX)) != 0) {
		/* Base64 of the largest model, with room for the rest. */
		if ((text = fileread(invite, 2 * INVITE_MODEL_MAX, &len)) ==
		    NULL) {
			snprintf(why, whylen, "cannot read invite file %s",
			    invite);
			return (-1);
		}
		invite = text;
	}
	rc = invite_parse(&tun->inv, invite, ibuf);
	free(text);
	if (rc) {
		snprintf(why, whylen, "invite: %s", ibuf);
		return (-1);
	}
	tun->sidlen = invite_sid(&tun->inv, tun->sid);
	tun->model = modelio_invite(tun->inv.model, mbuf, sizeof(mbuf));
	if (tun->model == NULL) {
		snprintf(why, whylen, "invite's model: %s", mbuf);
		invite_free(&tun->inv);
		return (-1);
	}
	tun->ratio = dust_model_entropy(
	    &tun->model->part[server ? DUST_S2C : DUST_C2S]) / 8.0;
	/*
	 * A model whose conversations seldom carry a link's least would
	 * open connections for ever and deliver next to nothing: a TLS
	 * connection of one request sends 215 bytes after the ServerHello,
	 * and 1 of 2500 such learned ones carried more than
	 * LINK_UPSTREAM_MIN (TLS with keep-alive: 100%; HTTP: 60%).
	 */
	if (tun->model->conv != NULL &&
	    (share = conv_links(tun->model)) < CONV_LINKS_MIN) {
		snprintf(why, whylen, "invite's model: %.1f%% of its "
		    "conversations can carry the tunnel (the client's steps "
		    "after the server's first must carry %d bytes: code, IV, "
		    "CONTINUE, ACK), fewer than %.0f%%", 100 * share,
		    LINK_UPSTREAM_MIN, 100 * CONV_LINKS_MIN);
		tunnel_free(tun);
		return (-1);
	}
	/* A client draws no conversation it drew lately (docs/models.md). */
	if (!server && tun->model->conv != NULL &&
	    (tun->recent = dust_conv_recent_new(tun->model->conv)) == NULL) {
		snprintf(why, whylen, "out of memory");
		tunnel_free(tun);
		return (-1);
	}
	return (0);
}

/**
 * tunnel_chunk(tun):
 * Return the default number of application bytes per DATA message for
 * ${tun}'s side: ENS_CHUNK, but in conversation mode what the model's
 * steps carry (a client's requests are small: CHUNK_CONV_CLIENT; a
 * server's answers larger: CHUNK_CONV_SERVER), since a message is sent
 * only whole within one conversation.
 */
size_t
tunnel_chunk(const struct tunnel * tun)
{

	if (tun->model->conv == NULL)
		return (ENS_CHUNK);
	return (tun->server ? CHUNK_CONV_SERVER : CHUNK_CONV_CLIENT);
}

/**
 * tunnel_free(tun):
 * Free what tunnel_load made.
 */
void
tunnel_free(struct tunnel * tun)
{

	dust_conv_recent_free(tun->recent);
	dust_model_free(tun->model);
	invite_free(&tun->inv);
	seattle_replay_free(tun->replay);
	sodium_memzero(tun->sk, sizeof(tun->sk));
}

/**
 * tunnel_stats_log(tun):
 * Log the counters of ${tun}.
 */
void
tunnel_stats_log(struct tunnel * tun)
{
	struct tunnel_stats * st = &tun->st;

	warn0("sessions %ju open %ju; connections %ju open %ju "
	    "(%ju failed silently), %ju unauthenticated; wire bytes out %ju "
	    "in %ju; "
	    "real bytes out %ju in %ju; cover bytes out %ju; "
	    "packets skipped (path full) %ju; timer lead %u us",
	    (uintmax_t)st->sessions, (uintmax_t)st->sessions_open,
	    (uintmax_t)st->conns, (uintmax_t)st->conns_open,
	    (uintmax_t)st->failed, (uintmax_t)st->unauthenticated,
	    (uintmax_t)st->wire_out,
	    (uintmax_t)st->wire_in, (uintmax_t)st->real_out,
	    (uintmax_t)st->real_in,
	    (uintmax_t)(st->wire_out > st->real_out ?
	    st->wire_out - st->real_out : 0), (uintmax_t)st->skipped,
	    tun->wake_late_us);
}

/* Microseconds from ${a} to ${b} (0 if ${b} is earlier). */
static uint64_t
us_between(const struct timespec * a, const struct timespec * b)
{
	int64_t d;

	d = (int64_t)(b->tv_sec - a->tv_sec) * 1000000 +
	    (b->tv_nsec - a->tv_nsec) / 1000;
	return (d < 0 ? 0 : (uint64_t)d);
}

/* Move ${t} ${us} microseconds on. */
static void
add_us(struct timespec * t, uint64_t us)
{

	t->tv_sec += (time_t)(us / 1000000);
	t->tv_nsec += (long)(us % 1000000) * 1000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

/* Whole milliseconds from ${a} to ${b} (0 if ${b} is earlier). */
static uint64_t
ms_between(const struct timespec * a, const struct timespec * b)
{

	return (us_between(a, b) / 1000);
}

/**
 * tunnel_ms_since(t):
 * Return the milliseconds from ${t} (CLOCK_MONOTONIC) to now.
 */
uint64_t
tunnel_ms_since(const struct timespec * t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (ms_between(t, &now));
}

/* Arm the one-shot ${ev} for ${us} microseconds. */
static void
arm_us(struct event * ev, uint64_t us)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	event_add(ev, &tv);
}

/* Arm the one-shot ${ev} for ${ms} milliseconds. */
static void
arm(struct event * ev, uint64_t ms)
{

	arm_us(ev, ms * 1000);
}

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

/*
 * count_until(c, t): count the packets the model says are due from ${c}'s
 * last count to ${t} (nothing if ${t} is earlier), on a microsecond clock:
 * a conversation's gaps are microseconds (the engine counts whole ms for
 * a per-packet model and keeps the rest).
 */
static void
count_until(struct tconn * c, const struct timespec * t)
{
	uint64_t us;

	us = us_between(&c->last, t);
	/* A conversation's steps also fall due when the peer's bytes come. */
	if (us == 0 && !c->conv)
		return;
	/* At most 65535 ms a count, as the seed's API takes. */
	if (us > 65535000)
		us = 65535000;
	/* Keep the sub-microsecond rest for the next count. */
	add_us(&c->last, us);
	c->due += dust_packet_count_us(c->e, (uint32_t)us);
	/* A path slower than the model for long: the oldest are skipped. */
	if (c->due > TUNNEL_DUE_MAX) {
		c->tun->st.skipped += c->due - TUNNEL_DUE_MAX;
		c->due = TUNNEL_DUE_MAX;
	}
}

/* Count the time from ${c}'s last count to now (count_until). */
static void
count_due(struct tconn * c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	count_until(c, &now);
}

/*
 * flush_steps(c, out): in conversation mode, write the steps made in
 * ${out} to the kernel now, in one call, so that each leaves as the
 * segments it was made to be: a step alone, or whole-segment steps
 * together (step_gone), which the kernel then sends back to back as a
 * real sender's burst.  Left to libevent, steps made one after the other
 * would be written together whatever their sizes, and the kernel would
 * cut the stream at the MSS: two 32 KiB steps became one 64 KiB segment
 * on loopback.  Through libevent's evbuffer_write_atmost: a first version
 * that sent from evbuffer_pullup and drained by hand garbled the
 * server's stream (the client saw "padding record is not all zero" on
 * every connection); why was not found.
 */
static void
flush_steps(struct tconn * c, struct evbuffer * out)
{

	if (evbuffer_get_length(out) > 0)
		(void)evbuffer_write_atmost(out, bufferevent_getfd(c->bev),
		    -1);
}

/*
 * whole_segments(c, n): return 1 if ${n} bytes are whole segments of
 * ${c}'s socket (its MSS known, ${n} a multiple of it).
 */
static int
whole_segments(const struct tconn * c, size_t n)
{

	return (c->mss > 0 && n % (size_t)c->mss == 0);
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
	if (c->conv && !whole_segments(c, evbuffer_get_length(out)))
		flush_steps(c, out);
	c->npackets++;
	c->tun->st.wire_out += len;
	return (0);
}

/*
 * set_lowat(c, lowat): make ${c}'s socket writable (and take writes) only
 * while fewer than ${lowat} bytes wait unsent, if it is not so already.
 */
static void
set_lowat(struct tconn * c, int lowat)
{

	if (c->gone == NULL || c->lowat == lowat)
		return;
	if (setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP,
	    TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat)) == 0)
		c->lowat = lowat;
}

/*
 * step_gone(c, out): in conversation mode, return 1 if the next step may
 * be made: nothing waits, in ${out} or unsent in the kernel, or only
 * whole segments (steps being written together, or a path whose window
 * is full: a real sender in slow start had its response queued, and TCP
 * sent two or three segments on each ACK).  Behind a part-filled segment
 * the step would leave in it; the real connection's segments were each
 * one write.  On loopback (no MSS known, CONV_SEGMENT_MAX) a step waits
 * until the last has left.
 */
static int
step_gone(struct tconn * c, struct evbuffer * out)
{
	size_t queued = evbuffer_get_length(out);
	int unsent = 0;

	if (ioctl(bufferevent_getfd(c->bev), SIOCOUTQNSD, &unsent) == -1 ||
	    unsent < 0)
		unsent = 0;
	if (queued == 0 && unsent == 0)
		return (1);
	if (whole_segments(c, queued) && whole_segments(c, (size_t)unsent) &&
	    queued + (size_t)unsent + (size_t)c->mss <= TUNNEL_SOCKBUF) {
		/* The kernel takes it behind them. */
		set_lowat(c, TUNNEL_SOCKBUF);
		return (1);
	}
	/* Held: the gone event is for when nothing waits unsent. */
	set_lowat(c, 1);
	return (0);
}

/*
 * count_ahead(c, out): in conversation mode, if ${out} holds whole-segment
 * steps about to be written and our next step falls due within
 * CONV_AHEAD_US, count it due now (the engine's clock and ${c}'s run that
 * far ahead, and wait for the real one to catch up); return 1 if it did.
 */
static int
count_ahead(struct tconn * c, struct evbuffer * out)
{
	uint64_t us;
	uint16_t n;

	if (!c->conv || evbuffer_get_length(out) == 0 ||
	    !whole_segments(c, evbuffer_get_length(out)))
		return (0);
	us = dust_engine_next_due_us(c->e);
	if (us == 0 || us > CONV_AHEAD_US)
		return (0);
	if ((n = dust_packet_count_us(c->e, (uint32_t)us)) == 0)
		return (0);
	add_us(&c->last, us);
	c->due += n;
	return (1);
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
		arm(c->tick, c->tick_ms);
	} else if (!evtimer_pending(c->tick, NULL)) {
		arm(c->tick, c->tick_ms);
	}
}

/*
 * conv_close(c): close ${c} once what was made has gone (a conversation's
 * last step is part of it), not before.
 */
static void
conv_close(struct tconn * c)
{

	c->finishing = FINISH_FLUSH;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		tconn_close(c, "conversation over");
		return;
	}
	/* write_cb when the output buffer is empty. */
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
}

/*
 * conv_finish(c): the conversation is over: close ${c} as the real
 * connection was closed (dust_engine_close_us): now, after the learned
 * gap (the tick timer), or once the peer has closed (event_cb sees the
 * end of its stream; the end timer is the backstop).  A real server
 * kept alive does not close first; with it closing at once, every Dust
 * connection was a round trip shorter than the real ones.
 */
static void
conv_finish(struct tconn * c)
{
	uint64_t us = dust_engine_close_us(c->e);

	c->expired = 1;
	c->step_armed = 0;
	event_del(c->tick);
	if (c->gone != NULL)
		event_del(c->gone);
	if (us == 0) {
		conv_close(c);
		return;
	}
	c->finishing = FINISH_WAIT;
	if (us != UINT64_MAX)
		arm_us(c->tick, us);
}

/*
 * conv_arm(c, us): wake ${c} for the step due in ${us} us, early by how
 * late this host's timers fire (the tunnel's wake_late_us): conv_wait
 * waits out the rest.  A virtual machine's CPU wakes from idle tens of
 * microseconds late, the timer slack being 1 ns already (tunnel_events),
 * and every step that follows a pause went out that late: the turns the
 * model learned came on top of it.
 */
static void
conv_arm(struct tconn * c, uint64_t us)
{
	uint64_t lead = c->tun->wake_late_us;

	if (lead > us)
		lead = us;
	clock_gettime(CLOCK_MONOTONIC, &c->wake_at);
	add_us(&c->wake_at, us - lead);
	c->step_at = c->wake_at;
	add_us(&c->step_at, lead);
	c->step_armed = 1;
	arm_us(c->tick, us - lead);
}

/*
 * conv_wait(c): the tick armed by conv_arm has fired: learn from how late
 * it fired, then wait on the clock until the step is due.
 */
static void
conv_wait(struct tconn * c)
{
	struct tunnel * tun = c->tun;
	struct timespec now;

	c->step_armed = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (us_between(&c->wake_at, &now) > tun->wake_late_us)
		tun->wake_late_us += CONV_LATE_UP;
	else if (tun->wake_late_us > 0)
		tun->wake_late_us--;
	if (tun->wake_late_us > CONV_LEAD_MAX)
		tun->wake_late_us = CONV_LEAD_MAX;
	while (us_between(&now, &c->step_at) > 0)
		clock_gettime(CLOCK_MONOTONIC, &now);
}

/*
 * conv_next(c): in conversation mode, finish ${c} if the conversation is
 * over, else wake when time alone may make a step due, to the microsecond
 * (the peer's bytes wake it too: read_cb), or, while a step is held until
 * the last has left (step_gone), to look again: after CONV_HOLD_MIN us,
 * backing off while it stays held.
 */
static void
conv_next(struct tconn * c)
{
	uint64_t us;

	if (dust_engine_done(c->e)) {
		conv_finish(c);
		return;
	}
	us = dust_engine_next_due_us(c->e);
	if (c->due > 0 || us == 0) {
		/*
		 * Held: the socket tells when the last step has left the
		 * kernel; while it is still in ${out}, write_cb does.
		 */
		if (c->gone != NULL && evbuffer_get_length(
		    bufferevent_get_output(c->bev)) == 0) {
			set_lowat(c, 1);
			if (event_add(c->gone, NULL))
				warnp("event_add");
		}
		/* Never 0, which would spin. */
		us = c->hold_us;
		if (c->hold_us < CONV_HOLD_MAX)
			c->hold_us *= 2;
	} else if (us <= CONV_WAKE_MAX * 1000) {
		c->hold_us = CONV_HOLD_MIN;
		conv_arm(c, us);
		return;
	} else {
		/* Nothing due before the longest sleep: look again then. */
		c->hold_us = CONV_HOLD_MIN;
		us = CONV_WAKE_MAX * 1000;
	}
	c->step_armed = 0;
	arm_us(c->tick, us);
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
 * The one place that decides what is sent: the packets due by the model's
 * count (dust_packet_count_us over the time elapsed), as many as the path
 * takes now.  Called by the tick timer (${ticked}) and whenever the
 * socket has taken the bytes made before (write_cb), so that a model
 * faster than the path is paced by the path, never by the data: a packet
 * is made (data or cover) only when it is due and there is room for it.
 */
static void
send_due(struct tconn * c, int ticked)
{
	struct evbuffer * out = bufferevent_get_output(c->bev);
	uint32_t sent = 0, before = c->due;
	int any = 0, rc;

	count_due(c);
	while ((c->due > 0 || first_flight(c) || count_ahead(c, out)) &&
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
		if (c->conv && !step_gone(c, out))
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
		flush_steps(c, out);
	else
		next_tick(c, ticked, sent, before);
	if (any && c->hooks != NULL && c->hooks->pumped != NULL)
		c->hooks->pumped(c, c->cookie);
	/* Last: it may close ${c}. */
	if (c->conv)
		conv_next(c);
}

/* The tick: count time, send what is due; or close, once it is over. */
static void
tick_cb(evutil_socket_t fd, short what, void * arg)
{
	struct tconn * c = arg;

	(void)fd;
	(void)what;
	if (c->step_armed)
		conv_wait(c);
	if (c->finishing)
		conv_close(c);
	else
		send_due(c, 1);
}

/* The last step has left the kernel (step_gone): the next may go. */
static void
gone_cb(evutil_socket_t fd, short what, void * arg)
{

	(void)fd;
	(void)what;
	send_due(arg, 0);
}

/* The socket took the bytes made before: more may go if due. */
static void
write_cb(struct bufferevent * bev, void * arg)
{
	struct tconn * c = arg;

	(void)bev;
	if (c->finishing) {
		if (c->finishing == FINISH_FLUSH && evbuffer_get_length(
		    bufferevent_get_output(c->bev)) == 0)
			tconn_close(c, "conversation over");
		return;
	}
	if (c->connected)
		send_due(c, 0);
}

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

/*
 * handover(c, peer_end, why): the first flight of ${c} did not
 * authenticate (${why}): hand the peer's socket and the bytes it sent to
 * the fallback (fallback.h), which relays from then on, and free ${c}.
 */
static void
handover(struct tconn * c, int peer_end, const char * why)
{
	struct fbconn * f = c->fb;
	struct evbuffer * kept = c->kept;
	int fd = dup(bufferevent_getfd(c->bev));
	char line[200];

	c->fb = NULL;
	c->kept = NULL;
	c->tun->st.unauthenticated++;
	snprintf(line, sizeof(line), "unauthenticated (%s), %zu bytes: "
	    "handed to the fallback", why, evbuffer_get_length(kept));
	/* The socket stays open by ${fd}: no FIN, no reset. */
	tconn_close(c, line);
	if (fd == -1) {
		warnp("dup");
		fallback_cancel(f);
	} else
		(void)fallback_relay(f, fd, kept, peer_end);
	evbuffer_free(kept);
}

/*
 * verdict(c, peer_end): a server awaiting the mark on ${c}: once it has
 * verified, journal it and close the fallback's connection; if it did
 * not, or the peer ended (${peer_end}: FALLBACK_PEER_FIN or _RST) or the
 * site spoke first before it was complete, hand the connection over (if
 * there is a fallback; without one it is held silent: check_failed).
 * Return 1 if ${c} was handed over (and freed), else 0.
 */
static int
verdict(struct tconn * c, int peer_end)
{
	enum dust_engine_state st = dust_engine_state(c->e);

	if (!c->awaiting || (st == DUST_ENGINE_AWAITING_MARK &&
	    peer_end == FALLBACK_PEER_OPEN))
		return (0);
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
		handover(c, peer_end, dust_engine_failure(c->e));
	else if (peer_end == FALLBACK_PEER_FIN)
		handover(c, peer_end, "half-closed before the mark");
	else if (peer_end == FALLBACK_PEER_RST)
		handover(c, peer_end, "reset before the mark");
	else
		handover(c, FALLBACK_PEER_OPEN, "the site ended or spoke "
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
		handover(c, FALLBACK_PEER_OPEN, "first flight stalled before "
		    "the mark");
}

/*
 * arm_stall(c): bytes of the first flight came and its mark is still
 * awaited: hand it over if no more come within STALL_MS.  Return 0, or -1
 * on ENOMEM.
 */
static int
arm_stall(struct tconn * c)
{

	if (!c->awaiting || c->kept == NULL)
		return (0);
	if (c->stall == NULL &&
	    (c->stall = evtimer_new(c->tun->base, stall_cb, c)) == NULL)
		return (-1);
	arm(c->stall, STALL_MS);
	return (0);
}

/* verdict's ${peer_end} when the site spoke or closed first. */
#define SITE_FIRST	(-1)

/* The fallback site spoke or closed before the verdict. */
static void
site_early(void * arg)
{
	struct tconn * c = arg;

	/* Neither open nor ended: the site's word decides. */
	(void)verdict(c, SITE_FIRST);
}

/*
 * Wire bytes arrived.  libevent reads at most 4096 bytes a time (its
 * EVBUFFER_MAX_READ), so after what it read the socket is read here in
 * large chunks until it is empty: a wake-up per 4 KiB cost more than the
 * crypto, and bulk records are checked eight at a time only if that many
 * arrive before the data is read.  An end of file or an error is left in
 * the socket for the bufferevent to see (event_cb).
 */
static void
read_cb(struct bufferevent * bev, void * arg)
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
		count_until(c, &at);
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
	if (verdict(c, FALLBACK_PEER_OPEN))
		return;
	if (arm_stall(c))
		goto nomem;
	check_failed(c);
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
	/* The peer's bytes may make our next step due (or end it all). */
	if (c->conv && c->connected && !c->finishing)
		send_due(c, 0);
	return;

nomem:
	tconn_close(c, "out of memory");
}

/* Start the schedule: ticks and the duration. */
static void
start(struct tconn * c)
{
	uint64_t overlap;
	int fd = bufferevent_getfd(c->bev), sz = TUNNEL_SOCKBUF, lowat = 1;
	int on = 1;
	socklen_t mlen = sizeof(c->mss);

	/*
	 * Small socket buffers: a model may ask for more cover than the
	 * path carries, and cover queued in buffers delays data and ACKs.
	 */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));

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
		arm(c->end, (uint64_t)c->duration * 2 + CONV_WAKE_MAX);
		send_due(c, 1);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &c->last);
	c->born = c->last;
	arm(c->end, c->duration);
	overlap = c->duration / 4;
	if (overlap > OVERLAP_MAX)
		overlap = OVERLAP_MAX;
	arm(c->warn, c->duration - overlap);
	send_due(c, 1);
}

/* Connected, closed, failed. */
static void
event_cb(struct bufferevent * bev, short what, void * arg)
{
	struct tconn * c = arg;
	int fd, one = 1;
	char why[128];

	if (what & BEV_EVENT_CONNECTED) {
		fd = bufferevent_getfd(bev);
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		start(c);
		return;
	}
	/* Before the mark: the fallback's, if there is one. */
	if (c->awaiting && c->kept != NULL && verdict(c, (what &
	    BEV_EVENT_EOF) ? FALLBACK_PEER_FIN : FALLBACK_PEER_RST))
		return;
	if (what & BEV_EVENT_EOF)
		tconn_close(c, c->finishing ? "conversation over" :
		    "closed by the peer");
	else if (what & BEV_EVENT_ERROR && c->connected)
		tconn_close(c, "cut");
	else if (what & BEV_EVENT_ERROR) {
		snprintf(why, sizeof(why), "connect failed (%s)",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		tconn_close(c, why);
	}
}

/* The duration has ended. */
static void
end_cb(evutil_socket_t fd, short what, void * arg)
{

	struct tconn * c = arg;

	(void)fd;
	(void)what;
	/* A peer silent before its mark: the site's timers decide. */
	if (c->awaiting && c->kept != NULL) {
		handover(c, FALLBACK_PEER_OPEN, "no mark within the duration");
		return;
	}
	c->expired = 1;
	tconn_close(c, "duration ended");
}

/* The duration is nearly over. */
static void
warn_cb(evutil_socket_t fd, short what, void * arg)
{
	struct tconn * c = arg;

	(void)fd;
	(void)what;
	if (c->hooks != NULL && c->hooks->ending != NULL)
		c->hooks->ending(c, c->cookie);
}

/**
 * tunnel_bev_tune(bev):
 * Let ${bev} write up to TUNNEL_IO_MAX bytes in one system call.  (Its
 * reads are capped at 4096 bytes by libevent whatever it is told: the
 * large reads are sockread's, in read_cb and tapp_pump.)
 */
void
tunnel_bev_tune(struct bufferevent * bev)
{

	(void)bufferevent_set_max_single_write(bev, TUNNEL_IO_MAX);
}

/**
 * tconn_new(tun, fd, to, link, hooks, cookie):
 * Run a Dust connection on the accepted socket ${fd} (taken over), or if
 * ${to} is not NULL on a new connection to ${to}, carrying ${link} (taken
 * over).  Return it, or NULL on failure with errno set (${fd} and
 * ${link} are then freed).
 */
struct tconn *
tconn_new(struct tunnel * tun, int fd, const struct sock_addr * to,
    struct ens_link * link, const struct tconn_hooks * hooks, void * cookie)
{
	struct tconn * c;
	uint64_t hour;
	int saved;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto err0;
	c->tun = tun;
	c->link = link;
	c->hooks = hooks;
	c->cookie = cookie;
	c->tick_ms = TICK_MIN;
	c->hold_us = CONV_HOLD_MIN;
	c->no = ++tun->conn_serial;
	hour = dust_engine_mark_hour((uint64_t)time(NULL));
	if (tun->server && tun->mark)
		c->e = dust_engine_server_new_marked(tun->model, tun->sk,
		    tun->sid, tun->sidlen, tun->replay, NULL, tun->mark_key,
		    hour);
	else if (tun->server)
		c->e = dust_engine_server_new(tun->model, tun->sk, tun->sid,
		    tun->sidlen, tun->replay, NULL);
	else
		c->e = dust_engine_client_new_marked(tun->model,
		    tun->inv.pubkey, tun->sid, tun->sidlen, NULL, tun->recent,
		    hour);
	if (c->e == NULL)
		goto err1;
	c->duration = dust_engine_duration(c->e);
	c->conv = (tun->model->conv != NULL);
	if ((c->bev = bufferevent_socket_new(tun->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto err2;
	fd = -1;
	if ((c->tick = evtimer_new(tun->base, tick_cb, c)) == NULL ||
	    (c->end = evtimer_new(tun->base, end_cb, c)) == NULL ||
	    (c->warn = evtimer_new(tun->base, warn_cb, c)) == NULL)
		goto err3;
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	/* write_cb when half of what was made has gone. */
	bufferevent_setwatermark(c->bev, EV_WRITE, TUNNEL_WIRE_HIGH / 2, 0);
	tunnel_bev_tune(c->bev);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE))
		goto err3;
	clock_gettime(CLOCK_MONOTONIC, &c->born);
	if (to != NULL && bufferevent_socket_connect(c->bev,
	    (const struct sockaddr *)&to->ss, (int)to->len))
		goto err3;
	tun->st.conns++;
	tun->st.conns_open++;
	c->allnext = tun->conns;
	if (c->allnext != NULL)
		c->allnext->allprevp = &c->allnext;
	c->allprevp = &tun->conns;
	tun->conns = c;
	c->awaiting = (tun->server && tun->mark);
	/*
	 * The fallback's connection opens at once, so that its timers run
	 * from the instant they would for a direct client.
	 */
	if (c->awaiting && tun->fallback != NULL &&
	    (c->kept = evbuffer_new()) != NULL &&
	    (c->fb = fallback_open(tun->fallback, site_early, c)) == NULL) {
		evbuffer_free(c->kept);
		c->kept = NULL;
	}
	if (to == NULL)
		start(c);
	return (c);

err3:
	saved = errno;
	if (c->tick)
		event_free(c->tick);
	if (c->end)
		event_free(c->end);
	if (c->warn)
		event_free(c->warn);
	bufferevent_free(c->bev);
	errno = saved;
err2:
	saved = errno;
	dust_engine_free(c->e);
	errno = saved;
err1:
	saved = errno;
	free(c);
	errno = saved;
err0:
	saved = errno;
	if (fd != -1)
		close(fd);
	ens_link_end(link);
	errno = saved;
	return (NULL);
}

/**
 * tconn_detach(c):
 * Forget the owner of ${c} (its hooks are not called any more); the
 * connection goes on with cover traffic until its duration ends.
 */
void
tconn_detach(struct tconn * c)
{

	c->hooks = NULL;
	c->cookie = NULL;
	if (c->link != NULL) {
		ens_link_end(c->link);
		c->link = NULL;
	}
}

/**
 * tconn_close(c, why):
 * End ${c}: call its ended hook and free it.
 */
void
tconn_close(struct tconn * c, const char * why)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (why != NULL)
		info0("connection #%ju: %s after %ju ms", (uintmax_t)c->no, why,
		    (uintmax_t)ms_between(&c->born, &now));
	if (c->hooks != NULL && c->hooks->ended != NULL)
		c->hooks->ended(c, c->cookie, why);
	/* Unacknowledged data goes out again on the other links. */
	ens_link_end(c->link);
	c->link = NULL;
	event_free(c->tick);
	event_free(c->end);
	event_free(c->warn);
	if (c->gone != NULL)
		event_free(c->gone);
	fallback_cancel(c->fb);
	if (c->kept != NULL)
		evbuffer_free(c->kept);
	if (c->stall != NULL)
		event_free(c->stall);
	bufferevent_free(c->bev);
	dust_engine_free(c->e);
	c->tun->st.conns_open--;
	*c->allprevp = c->allnext;
	if (c->allnext != NULL)
		c->allnext->allprevp = c->allprevp;
	free(c);
}

/**
 * tconn_close_all(tun):
 * Close every connection of ${tun} without calling hooks (for exiting).
 */
void
tconn_close_all(struct tunnel * tun)
{
	struct tconn * c;

	while ((c = tun->conns) != NULL) {
		tconn_detach(c);
		tconn_close(c, NULL);
	}
}

/**
 * tapp_pump(a, tun):
 * Move bytes between the application socket of ${a} and its session.
 * Return 1 if the application side is finished (closed), else 0.
 */
int
tapp_pump(struct tapp * a, struct tunnel * tun)
{
	static uint8_t buf[65536];
	struct evbuffer * out, * in;
	size_t n, space;
	ssize_t w;
	int fd;
	enum ens_state st;

	if (a->gone)
		return (1);
	out = bufferevent_get_output(a->bev);
	in = bufferevent_get_input(a->bev);
	while (evbuffer_get_length(out) < TUNNEL_APP_HIGH &&
	    (n = ens_session_read(a->s, buf, sizeof(buf))) > 0) {
		evbuffer_add(out, buf, n);
		tun->st.real_in += n;
	}
	if (ens_session_rx_done(a->s) && !a->shut_out && a->connected &&
	    evbuffer_get_length(out) == 0) {
		shutdown(bufferevent_getfd(a->bev), SHUT_WR);
		a->shut_out = 1;
	}
	fd = bufferevent_getfd(a->bev);
	if (!a->eof_in && a->connected && fd != -1 &&
	    (space = ens_session_space(a->s)) > evbuffer_get_length(in)) {
		space -= evbuffer_get_length(in);
		/* libevent reads 4 KiB a wake-up: read it all here. */
		(void)sockread_evbuffer(in, fd, space < TUNNEL_APP_HIGH ?
		    space : TUNNEL_APP_HIGH);
	}
	while ((n = evbuffer_get_length(in)) > 0 &&
	    (space = ens_session_space(a->s)) > 0) {
		if (n > space)
			n = space;
		if (n > sizeof(buf))
			n = sizeof(buf);
		evbuffer_remove(in, buf, n);
		if ((w = ens_session_write(a->s, buf, n)) < 0 ||
		    (size_t)w != n) {
			ens_session_abort(a->s, "out of memory");
			break;
		}
		tun->st.real_out += n;
	}
	if (!a->eof_in) {
		if (evbuffer_get_length(in) > 0)
			bufferevent_disable(a->bev, EV_READ);
		else
			bufferevent_enable(a->bev, EV_READ);
	} else if (evbuffer_get_length(in) == 0) {
		ens_session_eof(a->s);
	}
	st = ens_session_state(a->s);
	if (st == ENS_ABORTED) {
		tapp_close(a, 1);
		return (1);
	}
	if (st == ENS_CLOSED && (a->shut_out || !a->connected)) {
		tapp_close(a, 0);
		return (1);
	}
	return (0);
}

/**
 * tapp_close(a, reset):
 * Close the application socket of ${a} (with a reset if ${reset}).
 */
void
tapp_close(struct tapp * a, int reset)
{
	struct linger l = {1, 0};

	if (a->gone)
		return;
	if (reset)
		(void)setsockopt(bufferevent_getfd(a->bev), SOL_SOCKET,
		    SO_LINGER, &l, sizeof(l));
	bufferevent_free(a->bev);
	a->bev = NULL;
	a->gone = 1;
}
