/*
 * Conversation mode's steps: each leaves as the segments it was made to
 * be, held until the last has left the kernel, woken to the microsecond,
 * and the connection closed as the real one was once the conversation is
 * over.
 */

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dust/engine.h"
#include "tconn.h"
#include "tunnel.h"
#include "warnp.h"

/*
 * Steps that fall due within CONV_AHEAD_US of whole-segment steps being
 * written join them in one write (tconv_count_ahead): gaps that short
 * inside a real sender's burst are its kernel's pacing, not its writes.
 */
#define CONV_AHEAD_US	100
/*
 * A timer wakes a step this much before it is due at most (us), the rest
 * waited on the clock (tconv_wait); the lead is learned as the 90th
 * percentile of how late timers fire, CONV_LATE_UP us up each time one
 * is later than it, 1 us down each time one is not.
 */
#define CONV_LEAD_MAX	300
#define CONV_LATE_UP	9

/**
 * tconv_flush_steps(c, out): in conversation mode, write the steps made in
 * ${out} to the kernel now, in one call, so that each leaves as the
 * segments it was made to be: a step alone, or whole-segment steps
 * together (tconv_step_gone), which the kernel then sends back to back as a
 * real sender's burst.  Left to libevent, steps made one after the other
 * would be written together whatever their sizes, and the kernel would
 * cut the stream at the MSS: two 32 KiB steps became one 64 KiB segment
 * on loopback.  Through libevent's evbuffer_write_atmost: a first version
 * that sent from evbuffer_pullup and drained by hand garbled the
 * server's stream (the client saw "padding record is not all zero" on
 * every connection); why was not found.
 */
void
tconv_flush_steps(struct tconn * c, struct evbuffer * out)
{

	if (evbuffer_get_length(out) > 0)
		(void)evbuffer_write_atmost(out, bufferevent_getfd(c->bev),
		    -1);
}

/**
 * tconv_whole_segments(c, n): return 1 if ${n} bytes are whole segments of
 * ${c}'s socket (its MSS known, ${n} a multiple of it).
 */
int
tconv_whole_segments(const struct tconn * c, size_t n)
{

	return (c->mss > 0 && n % (size_t)c->mss == 0);
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

/**
 * tconv_step_gone(c, out): in conversation mode, return 1 if the next step may
 * be made: nothing waits, in ${out} or unsent in the kernel, or only
 * whole segments (steps being written together, or a path whose window
 * is full: a real sender in slow start had its response queued, and TCP
 * sent two or three segments on each ACK).  Behind a part-filled segment
 * the step would leave in it; the real connection's segments were each
 * one write.  On loopback (no MSS known, CONV_SEGMENT_MAX) a step waits
 * until the last has left.
 */
int
tconv_step_gone(struct tconn * c, struct evbuffer * out)
{
	size_t queued = evbuffer_get_length(out);
	int unsent = 0;

	if (ioctl(bufferevent_getfd(c->bev), SIOCOUTQNSD, &unsent) == -1 ||
	    unsent < 0)
		unsent = 0;
	if (queued == 0 && unsent == 0)
		return (1);
	if (tconv_whole_segments(c, queued) &&
	    tconv_whole_segments(c, (size_t)unsent) &&
	    queued + (size_t)unsent + (size_t)c->mss <= TUNNEL_SOCKBUF) {
		/* The kernel takes it behind them. */
		set_lowat(c, TUNNEL_SOCKBUF);
		return (1);
	}
	/* Held: the gone event is for when nothing waits unsent. */
	set_lowat(c, 1);
	return (0);
}

/**
 * tconv_count_ahead(c, out): in conversation mode, if ${out} holds
 * whole-segment steps about to be written and our next step falls due within
 * CONV_AHEAD_US, count it due now (the engine's clock and ${c}'s run that
 * far ahead, and wait for the real one to catch up); return 1 if it did.
 */
int
tconv_count_ahead(struct tconn * c, struct evbuffer * out)
{
	uint64_t us;
	uint16_t n;

	if (!c->conv || evbuffer_get_length(out) == 0 ||
	    !tconv_whole_segments(c, evbuffer_get_length(out)))
		return (0);
	us = dust_engine_next_due_us(c->e);
	if (us == 0 || us > CONV_AHEAD_US)
		return (0);
	if ((n = dust_packet_count_us(c->e, (uint32_t)us)) == 0)
		return (0);
	tunnel_add_us(&c->last, us);
	c->due += n;
	return (1);
}

/**
 * tconv_close(c): close ${c} once what was made has gone (a conversation's
 * last step is part of it, or a format's last record), not before.
 */
void
tconv_close(struct tconn * c)
{

	c->finishing = FINISH_FLUSH;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		tconn_close(c, c->conv ? "conversation over" :
		    "session over");
		return;
	}
	/* tconn_write_cb when the output buffer is empty. */
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
		tconv_close(c);
		return;
	}
	c->finishing = FINISH_WAIT;
	if (us != UINT64_MAX)
		tunnel_arm_us(c->tick, us);
}

/*
 * conv_arm(c, us): wake ${c} for the step due in ${us} us, early by how
 * late this host's timers fire (the tunnel's wake_late_us): tconv_wait
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
	tunnel_add_us(&c->wake_at, us - lead);
	c->step_at = c->wake_at;
	tunnel_add_us(&c->step_at, lead);
	c->step_armed = 1;
	tunnel_arm_us(c->tick, us - lead);
}

/**
 * tconv_wait(c): the tick armed by conv_arm has fired: learn from how late
 * it fired, then wait on the clock until the step is due.
 */
void
tconv_wait(struct tconn * c)
{
	struct tunnel * tun = c->tun;
	struct timespec now;

	c->step_armed = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (tunnel_us_between(&c->wake_at, &now) > tun->wake_late_us)
		tun->wake_late_us += CONV_LATE_UP;
	else if (tun->wake_late_us > 0)
		tun->wake_late_us--;
	if (tun->wake_late_us > CONV_LEAD_MAX)
		tun->wake_late_us = CONV_LEAD_MAX;
	while (tunnel_us_between(&now, &c->step_at) > 0)
		clock_gettime(CLOCK_MONOTONIC, &now);
}

/**
 * tconv_next(c): in conversation mode, finish ${c} if the conversation is
 * over, else wake when time alone may make a step due, to the microsecond
 * (the peer's bytes wake it too: tconn_read_cb), or, while a step is held until
 * the last has left (tconv_step_gone), to look again: after CONV_HOLD_MIN us,
 * backing off while it stays held.
 */
void
tconv_next(struct tconn * c)
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
		 * kernel; while it is still in ${out}, tconn_write_cb does.
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
	tunnel_arm_us(c->tick, us);
}
