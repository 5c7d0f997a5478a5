#include <stdint.h>
#include <time.h>

#include "backoff.h"

/* Return 1 if ${a} is earlier than ${b}. */
static int
earlier(const struct timespec * a, const struct timespec * b)
{

	return (a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec));
}

/* Microseconds from ${a} to ${b} (negative if ${b} is earlier). */
static int64_t
us_diff(const struct timespec * a, const struct timespec * b)
{

	return ((int64_t)(b->tv_sec - a->tv_sec) * 1000000 +
	    (b->tv_nsec - a->tv_nsec) / 1000);
}

/**
 * backoff_init(b, min, max):
 * Start ${b} with waits from ${min} to ${max} ms (0 < min <= max).
 */
void
backoff_init(struct backoff * b, uint32_t min, uint32_t max)
{

	b->min = min;
	b->max = max;
	b->next = min;
	b->fails = 0;
	b->until.tv_sec = b->counted.tv_sec = 0;
	b->until.tv_nsec = b->counted.tv_nsec = 0;
}

/**
 * backoff_failed(b, started):
 * An attempt begun at ${started} failed.  If it began after the last
 * failure counted, count it: no new attempt for the current wait, and the
 * next wait is twice as long (at most the maximum).  Return the wait in
 * ms, or 0 if the failure was not counted (the attempt was older).
 */
uint32_t
backoff_failed(struct backoff * b, const struct timespec * started)
{
	uint32_t wait = b->next;

	if (b->fails > 0 && earlier(started, &b->counted))
		return (0);
	clock_gettime(CLOCK_MONOTONIC, &b->counted);
	b->until = b->counted;
	b->until.tv_sec += (time_t)(wait / 1000);
	b->until.tv_nsec += (long)(wait % 1000) * 1000000;
	if (b->until.tv_nsec >= 1000000000) {
		b->until.tv_sec++;
		b->until.tv_nsec -= 1000000000;
	}
	b->next = wait > b->max / 2 ? b->max : wait * 2;
	b->fails++;
	return (wait);
}

/**
 * backoff_wait(b):
 * Return the ms (rounded up) until a new attempt may begin: 0 if now.
 */
uint32_t
backoff_wait(const struct backoff * b)
{
	struct timespec now;
	int64_t us;

	if (b->fails == 0)
		return (0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((us = us_diff(&now, &b->until)) <= 0)
		return (0);
	return ((uint32_t)((us + 999) / 1000));
}

/**
 * backoff_succeeded(b):
 * An attempt succeeded: the next failure waits the minimum again.
 * Return the number of failures counted before it.
 */
uint64_t
backoff_succeeded(struct backoff * b)
{
	uint64_t fails = b->fails;

	b->fails = 0;
	b->next = b->min;
	return (fails);
}
