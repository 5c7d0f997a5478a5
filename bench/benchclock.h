#ifndef BENCH_BENCHCLOCK_H
#define BENCH_BENCHCLOCK_H

#include <time.h>

/*
 * What every benchmark times with: the monotonic clock, in seconds, so
 * that figures taken side by side in one run are comparable.
 */

/**
 * now():
 * Return the monotonic clock in seconds.
 */
static inline double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

#endif /* !BENCH_BENCHCLOCK_H */
