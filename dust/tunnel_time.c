/*
 * Time arithmetic on CLOCK_MONOTONIC timespecs, and arming one-shot
 * libevent timers, for dust's programs.
 */

#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "tunnel.h"

/**
 * tunnel_us_between(a, b):
 * Return the microseconds from ${a} to ${b} (0 if ${b} is earlier).
 */
uint64_t
tunnel_us_between(const struct timespec * a, const struct timespec * b)
{
	int64_t d;

	d = (int64_t)(b->tv_sec - a->tv_sec) * 1000000 +
	    (b->tv_nsec - a->tv_nsec) / 1000;
	return (d < 0 ? 0 : (uint64_t)d);
}

/**
 * tunnel_add_us(t, us):
 * Move ${t} ${us} microseconds on.
 */
void
tunnel_add_us(struct timespec * t, uint64_t us)
{

	t->tv_sec += (time_t)(us / 1000000);
	t->tv_nsec += (long)(us % 1000000) * 1000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

/**
 * tunnel_ms_between(a, b):
 * Return the whole milliseconds from ${a} to ${b} (0 if ${b} is
 * earlier).
 */
uint64_t
tunnel_ms_between(const struct timespec * a, const struct timespec * b)
{

	return (tunnel_us_between(a, b) / 1000);
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
	return (tunnel_ms_between(t, &now));
}

/**
 * tunnel_arm_us(ev, us):
 * Arm the one-shot ${ev} for ${us} microseconds.
 */
void
tunnel_arm_us(struct event * ev, uint64_t us)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	event_add(ev, &tv);
}

/**
 * tunnel_arm_ms(ev, ms):
 * Arm the one-shot ${ev} for ${ms} milliseconds.
 */
void
tunnel_arm_ms(struct event * ev, uint64_t ms)
{

	tunnel_arm_us(ev, ms * 1000);
}
