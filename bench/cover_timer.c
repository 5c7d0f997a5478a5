/*
 * cover_timer: what does it cost to wake N links 40 times a second?
 * Side by side, in one run, with no I/O (the timers alone):
 *   per-link  one libevent timer per link, re-armed after each tick at
 *             the link's exact next deadline (cover_sched), as a simple
 *             implementation would;
 *   wheel     what common/coverlink.c does: links on 25 slots of 1 ms,
 *             one timer for the process, firing once per occupied slot.
 * Each tick does the same work (count it).  Prints CPU microseconds per
 * link-tick and the wakeups of the event loop, for N = 1000 and 5000,
 * 2 s each.
 */
#include <sys/resource.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "dust/cover.h"

#define RATE	40
#define SLOTS	25
#define SECS	2

struct plink {
	struct event ev;
	struct cover_sched s;
	uint64_t ticks;
	struct plink * next;		/* Wheel list. */
};

static struct event_base * base;
static uint64_t wakeups;

/* Monotonic nanoseconds. */
static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* CPU seconds (user + system) of this process. */
static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

/* Arm ${ev} for the absolute monotonic time ${at}. */
static void
arm_at(struct event * ev, uint64_t at)
{
	uint64_t now = mono_ns(), d = at > now ? at - now : 0;
	struct timeval tv = {(time_t)(d / 1000000000ULL),
	    (suseconds_t)(d % 1000000000ULL / 1000)};

	evtimer_add(ev, &tv);
}

/* Per-link timer fired. */
static void
plink_cb(evutil_socket_t fd, short what, void * arg)
{
	struct plink * l = arg;
	uint64_t skipped;

	wakeups++;
	l->ticks += cover_sched_take(&l->s, mono_ns(), 4, &skipped);
	arm_at(&l->ev, cover_sched_deadline(&l->s));
}

struct wheel {
	struct event ev;
	struct cover_sched grid;
	struct plink * slot[SLOTS];
};

/* Wheel timer fired: tick the links of every due slot. */
static void
wheel_cb(evutil_socket_t fd, short what, void * arg)
{
	struct wheel * w = arg;
	uint64_t run, skipped, j;
	struct plink * l;

	wakeups++;
	run = cover_sched_take(&w->grid, mono_ns(), 4 * SLOTS, &skipped);
	for (j = w->grid.next - run; j < w->grid.next; j++)
		for (l = w->slot[j % SLOTS]; l != NULL; l = l->next)
			l->ticks++;
	arm_at(&w->ev, cover_sched_deadline(&w->grid));
}

/* Run ${n} links one way or the other for SECS; print the figures. */
static void
run(size_t n, int use_wheel)
{
	struct event_config * cfg = event_config_new();
	struct plink * links = calloc(n, sizeof(*links));
	struct wheel w;
	struct timeval stop = {SECS, 0};
	uint64_t ticks = 0, start;
	double c0, c1;
	size_t i;

	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	start = mono_ns();
	wakeups = 0;
	if (use_wheel) {
		cover_sched_init(&w.grid, start, RATE * SLOTS);
		for (i = 0; i < SLOTS; i++)
			w.slot[i] = NULL;
		for (i = 0; i < n; i++) {
			links[i].next = w.slot[i % SLOTS];
			w.slot[i % SLOTS] = &links[i];
		}
		event_assign(&w.ev, base, -1, 0, wheel_cb, &w);
		arm_at(&w.ev, start);
	} else {
		for (i = 0; i < n; i++) {
			/* Phases spread over the interval, as links arrive. */
			cover_sched_init(&links[i].s,
			    start + (i % SLOTS) * 1000000ULL, RATE);
			event_assign(&links[i].ev, base, -1, 0, plink_cb,
			    &links[i]);
			arm_at(&links[i].ev, links[i].s.start);
		}
	}
	c0 = cpu_s();
	event_base_loopexit(base, &stop);
	event_base_dispatch(base);
	c1 = cpu_s();
	for (i = 0; i < n; i++) {
		ticks += links[i].ticks;
		if (!use_wheel)
			event_del(&links[i].ev);
	}
	if (use_wheel)
		event_del(&w.ev);
	printf("%-8s %5zu links: %8ju link-ticks, %6ju wakeups, "
	    "%.3f us CPU per link-tick, %.1f%% of a core\n",
	    use_wheel ? "wheel" : "per-link", n, (uintmax_t)ticks,
	    (uintmax_t)wakeups, ticks ? (c1 - c0) * 1e6 / (double)ticks : 0.0,
	    (c1 - c0) * 100 / SECS);
	event_base_free(base);
	free(links);
}

int
main(void)
{
	size_t ns[] = {1000, 5000};
	size_t i;

	for (i = 0; i < 2; i++) {
		run(ns[i], 0);
		run(ns[i], 1);
	}
	return (0);
}
