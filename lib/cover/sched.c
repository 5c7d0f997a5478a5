#include <stdint.h>

#include "dust/cover.h"

#define NS	1000000000ULL

/**
 * cover_sched_init(s, start, rate):
 * Start a schedule of ${rate} ticks per second whose tick 0 is due at
 * ${start} ns.
 */
void
cover_sched_init(struct cover_sched * s, uint64_t start, uint64_t rate)
{

	s->start = start;
	s->rate = rate;
	s->next = 0;
}

/**
 * cover_sched_at(s, k):
 * Return the time (ns) at which tick ${k} is due.
 */
uint64_t
cover_sched_at(const struct cover_sched * s, uint64_t k)
{

	/* floor(k * 1e9 / rate), split so that nothing overflows. */
	return (s->start + (k / s->rate) * NS + (k % s->rate) * NS / s->rate);
}

/**
 * cover_sched_deadline(s):
 * Return the time (ns) at which the next untaken tick is due.
 */
uint64_t
cover_sched_deadline(const struct cover_sched * s)
{

	return (cover_sched_at(s, s->next));
}

/* Number of ticks k >= 0 with at(k) <= now: ceil((d + 1) * rate / 1e9). */
static uint64_t
ticks_through(const struct cover_sched * s, uint64_t now)
{
	uint64_t d, q, r;

	if (now < s->start)
		return (0);
	d = now - s->start + 1;
	q = d / NS;
	r = d % NS;
	return (q * s->rate + (r * s->rate + NS - 1) / NS);
}

/**
 * cover_sched_due(s, now):
 * Return the number of untaken ticks due at or before ${now}.
 */
uint64_t
cover_sched_due(const struct cover_sched * s, uint64_t now)
{
	uint64_t n = ticks_through(s, now);

	return (n > s->next ? n - s->next : 0);
}

/**
 * cover_sched_take(s, now, max, skipped):
 * Take every tick due at or before ${now}.  Of those, the newest ${max}
 * are to be run; set ${skipped} to the number of older ones dropped (the
 * catch-up policy: after a stall, at most ${max} ticks are sent late, the
 * rest are skipped, and the schedule keeps its phase).  Return the number
 * to run.
 */
uint64_t
cover_sched_take(struct cover_sched * s, uint64_t now, uint64_t max,
    uint64_t * skipped)
{
	uint64_t due = cover_sched_due(s, now);
	uint64_t run = due < max ? due : max;

	s->next += due;
	*skipped = due - run;
	return (run);
}
