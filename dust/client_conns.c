/*
 * When dust client opens and closes Dust connections: the learned
 * client's process (client_conns.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dust/dist.h"
#include "dust/model.h"

#include "client_conns.h"
#include "tunnel.h"

/*
 * The shortest idle time before a close (ms).  The learned client closed
 * after its last response (idle_close 0 for curl), which it knew was the
 * last; Dust sees only that no byte moved, and on a model of few packets
 * (25 a second) or a path with a round trip, a download in progress is
 * that quiet for tens of milliseconds between packets.
 */
#define IDLE_MIN	1000

/**
 * cconns_init(cc, hosts, max):
 * Plan the connections of a client with the model's ${hosts} (NULL: none)
 * and at most ${max} at once.
 */
void
cconns_init(struct cconns * cc, const struct dust_hosts * hosts, size_t max)
{

	cc->h = hosts;
	cc->max = max;
	cc->started = 0;
	cc->gap_ms[0] = cc->gap_ms[1] = 0;
	cc->moved = 0;
}

/**
 * cconns_gap_ms(cc, busy):
 * Return the milliseconds until a connection may start (0: now): the gap
 * drawn at the last start (from the learned busy gaps if ${busy}: other
 * connections are open or bytes wait, else from all start gaps) less the
 * time since; 0 without a "hosts" object.
 */
uint64_t
cconns_gap_ms(const struct cconns * cc, int busy)
{
	uint64_t since, gap = cc->gap_ms[busy != 0];

	if (cc->h == NULL || !cc->started)
		return (0);
	since = tunnel_ms_since(&cc->last);
	return (since >= gap ? 0 : gap - since);
}

/**
 * cconns_next(cc, nconns, moved):
 * With ${nconns} connections open and ${moved} bytes moved by the session
 * so far, return 0 if a further connection opens now (the session moved
 * CCONNS_DEMAND_BYTES since the last start, the busy gap has passed and
 * ${nconns} is below the most the learned client had open at once), the
 * milliseconds until the gap has passed, or CCONNS_NEVER (no "hosts"
 * object, no demand, or as many open as learned: the caller asks again
 * when bytes move).
 */
uint64_t
cconns_next(struct cconns * cc, size_t nconns, uint64_t moved)
{

	if (cc->h == NULL || nconns >= cconns_max(cc) ||
	    moved - cc->moved < CCONNS_DEMAND_BYTES)
		return (CCONNS_NEVER);
	return (cconns_gap_ms(cc, 1));
}

/**
 * cconns_max(cc):
 * Return the most connections open at once: -c, and with a "hosts"
 * object no more than the learned client had (the largest value of its
 * concurrency: the capture shows how many it opened, not how many it
 * would under this demand).
 */
size_t
cconns_max(const struct cconns * cc)
{

	if (cc->h != NULL && (size_t)cc->h->concurrency.max < cc->max)
		return ((size_t)cc->h->concurrency.max);
	return (cc->max);
}

/**
 * cconns_started(cc, moved):
 * A connection starts now, the session having moved ${moved} bytes: draw
 * the gap to the next.
 */
void
cconns_started(struct cconns * cc, uint64_t moved)
{

	clock_gettime(CLOCK_MONOTONIC, &cc->last);
	cc->started = 1;
	cc->moved = moved;
	if (cc->h == NULL)
		return;
	cc->gap_ms[0] = (uint64_t)dust_dist_sample(&cc->h->start_gap, NULL);
	cc->gap_ms[1] = (uint64_t)dust_dist_sample(&cc->h->busy_gap, NULL);
}

/**
 * cconns_idle_ms(cc):
 * Return how long a new connection may stay without data before the
 * client closes it: a draw from the learned idle times, at least
 * IDLE_MIN (0: never, without a "hosts" object).
 */
uint64_t
cconns_idle_ms(const struct cconns * cc)
{
	int64_t ms;

	if (cc->h == NULL)
		return (0);
	ms = dust_dist_sample(&cc->h->idle_close, NULL);
	return (ms < IDLE_MIN ? IDLE_MIN : (uint64_t)ms);
}

/**
 * cconns_close_rst(cc):
 * Return 1 if the client ends a connection it closes with a RST, 0 with a
 * FIN: drawn from the learned client's closes (a FIN if it never closed).
 */
int
cconns_close_rst(const struct cconns * cc)
{
	double fin, rst;

	if (cc->h == NULL)
		return (0);
	fin = cc->h->close[DUST_CLOSE_CLIENT_FIN];
	rst = cc->h->close[DUST_CLOSE_CLIENT_RST];
	if (rst == 0)
		return (0);
	return (dust_rng_unit(NULL) * (fin + rst) >= fin);
}
