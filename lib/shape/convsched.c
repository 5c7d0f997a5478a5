#include <stdint.h>
#include <string.h>

#include "convsched.h"
#include "dust/conversation.h"

/* seek(cs): find our next step from cs->next on, and the peer bytes before. */
static void
seek(struct dust_convsched * cs)
{
	const struct dust_conv * c = cs->conv;
	uint64_t before = cs->need;

	while (cs->next < c->nsteps && c->step[cs->next].dir != cs->dir) {
		cs->need += c->step[cs->next].len;
		cs->next++;
	}
	cs->peer_ok = (cs->received >= cs->need);
	/*
	 * The later of our previous release and the peer's last needed byte,
	 * which came with the latest arrival if the peer had steps between.
	 */
	cs->anchor = cs->ours_time;
	if (cs->peer_ok && cs->need > before && cs->last_recv > cs->anchor)
		cs->anchor = cs->last_recv;
}

/**
 * dust_convsched_init(cs, idle_ms, dir):
 * Start the schedule ${cs} of the side sending in direction ${dir}
 * (DUST_C2S or DUST_S2C), before its conversation is known.
 */
void
dust_convsched_init(struct dust_convsched * cs, uint32_t idle_ms, int dir)
{

	memset(cs, 0, sizeof(*cs));
	cs->idle_us = (uint64_t)idle_ms * 1000;
	cs->dir = (uint8_t)dir;
}

/**
 * dust_convsched_start(cs, conv):
 * Follow the conversation ${conv} (kept, not copied) from now on.
 */
void
dust_convsched_start(struct dust_convsched * cs, const struct dust_conv * conv)
{
	size_t i;

	cs->conv = conv;
	for (i = 0; i < conv->nsteps; i++) {
		if (conv->step[i].dir != cs->dir)
			cs->peer_total += conv->step[i].len;
		else
			cs->ours_total += conv->step[i].len;
	}
	cs->next = cs->taken = 0;
	cs->need = 0;
	seek(cs);
}

/**
 * dust_convsched_received(cs, n):
 * The peer's ${n} wire bytes have arrived (now).
 */
void
dust_convsched_received(struct dust_convsched * cs, size_t n)
{

	if (n == 0)
		return;
	cs->received += n;
	cs->last_event = cs->last_recv = cs->now;
	if (cs->conv != NULL && !cs->peer_ok && cs->next < cs->conv->nsteps &&
	    cs->received >= cs->need) {
		cs->peer_ok = 1;
		cs->anchor = cs->now > cs->ours_time ? cs->now : cs->ours_time;
	}
}

/**
 * dust_convsched_count_us(cs, us):
 * Advance the clock by ${us} microseconds and return how many of our steps
 * have become due (at most 65535; the rest stay due for the next call).
 */
uint16_t
dust_convsched_count_us(struct dust_convsched * cs, uint64_t us)
{
	const struct dust_conv * c = cs->conv;
	uint64_t due;
	uint16_t n = 0;

	cs->now += us;
	while (c != NULL && cs->next < c->nsteps && cs->peer_ok &&
	    cs->pending < 65535) {
		due = cs->anchor + c->step[cs->next].gap_us;
		if (due > cs->now)
			break;
		/* Released at its due time, not at the caller's tick. */
		cs->ours_time = due;
		if (due > cs->last_event)
			cs->last_event = due;
		cs->pending++;
		n++;
		cs->next++;
		seek(cs);
	}
	return (n);
}

/**
 * dust_convsched_length(cs):
 * Return the length of the next due step and take it, or 0 if no step is
 * due.
 */
uint16_t
dust_convsched_length(struct dust_convsched * cs)
{
	const struct dust_conv * c = cs->conv;

	if (cs->pending == 0)
		return (0);
	while (c->step[cs->taken].dir != cs->dir)
		cs->taken++;
	cs->pending--;
	return (c->step[cs->taken++].len);
}

/**
 * dust_convsched_done(cs):
 * Return 1 if the conversation is over (see above), else 0.
 */
int
dust_convsched_done(const struct dust_convsched * cs)
{
	const struct dust_conv * c = cs->conv;

	if (cs->pending > 0)
		return (0);
	if (c != NULL && cs->next == c->nsteps &&
	    cs->received >= cs->peer_total)
		return (1);
	/* Idle: nothing will come due by time alone. */
	if (c != NULL && cs->next < c->nsteps && cs->peer_ok)
		return (0);
	return (cs->now - cs->last_event >= cs->idle_us);
}

/**
 * dust_convsched_close_us(cs):
 * Once the conversation is over (dust_convsched_done), return the
 * microseconds until our side should close the connection, as the real
 * one was closed: 0 now (also when its close is not known, or it ended
 * idle); UINT64_MAX if the peer closed first (close when it does).
 */
uint64_t
dust_convsched_close_us(const struct dust_convsched * cs)
{
	const struct dust_conv * c = cs->conv;
	uint64_t due;

	if (c == NULL || !c->has_close || cs->next < c->nsteps ||
	    cs->received < cs->peer_total)
		return (0);
	if (c->close_dir != cs->dir)
		return (UINT64_MAX);
	due = cs->last_event + c->close_gap_us;
	return (due <= cs->now ? 0 : due - cs->now);
}

/**
 * dust_convsched_next_due_us(cs):
 * Return the microseconds until our next step becomes due by time alone
 * (0 if one is due now), or, while we wait for the peer, until the idle
 * limit ends the conversation; UINT64_MAX once it is over.
 */
uint64_t
dust_convsched_next_due_us(const struct dust_convsched * cs)
{
	const struct dust_conv * c = cs->conv;
	uint64_t due;

	if (dust_convsched_done(cs))
		return (UINT64_MAX);
	if (cs->pending > 0)
		return (0);
	if (c != NULL && cs->next < c->nsteps && cs->peer_ok)
		due = cs->anchor + c->step[cs->next].gap_us;
	else
		due = cs->last_event + cs->idle_us;
	return (due <= cs->now ? 0 : due - cs->now);
}

/**
 * dust_convsched_duration(cs):
 * Return the conversation's gaps summed plus idle_ms (idle_ms while the
 * conversation is unknown), in ms rounded up: what the connection lasts if
 * the peer answers at once; not a bound (dust_convsched_done is the end).
 */
uint32_t
dust_convsched_duration(const struct dust_convsched * cs)
{
	uint64_t sum = cs->idle_us, ms;
	size_t i;

	for (i = 0; cs->conv != NULL && i < cs->conv->nsteps; i++)
		sum += cs->conv->step[i].gap_us;
	ms = (sum + 999) / 1000;
	return (ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms);
}
