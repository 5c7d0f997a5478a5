#ifndef DUST_BACKOFF_H
#define DUST_BACKOFF_H

#include <stdint.h>
#include <time.h>

/*
 * The pace of connection attempts to a peer that cannot be reached: after
 * a failed attempt no new one begins for a wait that starts at the
 * minimum and doubles with each failure up to the maximum; a success
 * starts it again from the minimum.  Attempts that were already under
 * way when a failure was counted fail with it without counting again, so
 * that many attempts failing together move the schedule on by one step.
 * Times are on CLOCK_MONOTONIC, waits in milliseconds.
 */

struct backoff {
	uint32_t min, max;		/* The first and the longest wait. */
	uint32_t next;			/* The wait after the next failure. */
	uint64_t fails;			/* Failures counted since a success. */
	struct timespec until;		/* No new attempt before this, */
	struct timespec counted;	/* and when the last failure was. */
};

/**
 * backoff_init(b, min, max):
 * Start ${b} with waits from ${min} to ${max} ms (0 < min <= max).
 */
void backoff_init(struct backoff *, uint32_t, uint32_t);

/**
 * backoff_failed(b, started):
 * An attempt begun at ${started} failed.  If it began after the last
 * failure counted, count it: no new attempt for the current wait, and the
 * next wait is twice as long (at most the maximum).  Return the wait in
 * ms, or 0 if the failure was not counted (the attempt was older).
 */
uint32_t backoff_failed(struct backoff *, const struct timespec *);

/**
 * backoff_wait(b):
 * Return the ms (rounded up) until a new attempt may begin: 0 if now.
 */
uint32_t backoff_wait(const struct backoff *);

/**
 * backoff_succeeded(b):
 * An attempt succeeded: the next failure waits the minimum again.
 * Return the number of failures counted before it.
 */
uint64_t backoff_succeeded(struct backoff *);

#endif /* !DUST_BACKOFF_H */
