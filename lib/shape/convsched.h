#ifndef DUST_CONVSCHED_H
#define DUST_CONVSCHED_H

#include <stddef.h>
#include <stdint.h>

#include "dust/conversation.h"

/*
 * The schedule of one side of a connection in conversation mode
 * (sans-I/O; docs/engine.md, "Conversation mode").  The side's steps of
 * the conversation are released in order; step i is due when
 *
 *   - all our earlier steps have been released,
 *   - the peer's wire bytes received so far reach the sum of the peer's
 *     step lengths before step i, and
 *   - gap_i has passed since the later of those two events (our previous
 *     release; the arrival of the peer's last needed byte).
 *
 * Time is kept in microseconds, the unit of the gaps (a loopback think
 * time is tens of them): the sum of the microseconds passed to
 * dust_convsched_count_us; an arrival is dated at the clock's value when
 * it is reported.  A released step is due at anchor + gap exactly, so a
 * caller's coarse clock does not stretch the following gaps.  The conversation ends when all our steps are
 * released and taken and all the peer's bytes have arrived, or after
 * idle_ms with nothing received and nothing of ours due by time alone.
 */

struct dust_convsched {
	const struct dust_conv * conv;	/* NULL until chosen. */
	uint64_t idle_us;		/* Silence that ends it. */
	uint8_t dir;			/* Our direction. */
	uint64_t now;			/* us since the start; the times
					   below are on this clock. */
	uint64_t received;		/* Peer's wire bytes so far. */
	uint64_t last_event;		/* Last release or arrival. */
	uint64_t last_recv;		/* Last arrival. */
	uint64_t ours_time;		/* Release of our previous step. */
	uint64_t anchor;		/* Gap of step next counts from here, */
	int peer_ok;			/* once the peer's bytes are in. */
	size_t next;			/* Our next unreleased step (index). */
	uint64_t need;			/* Peer bytes before step next. */
	uint64_t peer_total;		/* Peer bytes in the conversation. */
	size_t taken;			/* Index after the last step taken. */
	uint32_t pending;		/* Released, not yet taken. */
	uint64_t ours_total;		/* Our bytes in the conversation. */
};

/**
 * dust_convsched_init(cs, idle_ms, dir):
 * Start the schedule ${cs} of the side sending in direction ${dir}
 * (DUST_C2S or DUST_S2C), before its conversation is known.
 */
void dust_convsched_init(struct dust_convsched *, uint32_t, int);

/**
 * dust_convsched_start(cs, conv):
 * Follow the conversation ${conv} (kept, not copied) from now on.
 */
void dust_convsched_start(struct dust_convsched *, const struct dust_conv *);

/**
 * dust_convsched_received(cs, n):
 * The peer's ${n} wire bytes have arrived (now).
 */
void dust_convsched_received(struct dust_convsched *, size_t);

/**
 * dust_convsched_count_us(cs, us):
 * Advance the clock by ${us} microseconds and return how many of our steps
 * have become due (at most 65535; the rest stay due for the next call).
 */
uint16_t dust_convsched_count_us(struct dust_convsched *, uint64_t);

/**
 * dust_convsched_length(cs):
 * Return the length of the next due step and take it, or 0 if no step is
 * due.
 */
uint16_t dust_convsched_length(struct dust_convsched *);

/**
 * dust_convsched_done(cs):
 * Return 1 if the conversation is over (see above), else 0.
 */
int dust_convsched_done(const struct dust_convsched *);

/**
 * dust_convsched_close_us(cs):
 * Once the conversation is over (dust_convsched_done), return the
 * microseconds until our side should close the connection, as the real
 * one was closed: 0 now (also when its close is not known, or it ended
 * idle); UINT64_MAX if the peer closed first (close when it does).
 */
uint64_t dust_convsched_close_us(const struct dust_convsched *);

/**
 * dust_convsched_next_due_us(cs):
 * Return the microseconds until our next step becomes due by time alone
 * (0 if one is due now), or, while we wait for the peer, until the idle
 * limit ends the conversation; UINT64_MAX once it is over.
 */
uint64_t dust_convsched_next_due_us(const struct dust_convsched *);

/**
 * dust_convsched_duration(cs):
 * Return the conversation's gaps summed plus idle_ms (idle_ms while the
 * conversation is unknown), in ms rounded up: what the connection lasts if
 * the peer answers at once; not a bound (dust_convsched_done is the end).
 */
uint32_t dust_convsched_duration(const struct dust_convsched *);

#endif /* !DUST_CONVSCHED_H */
