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

/* Idle times are counted to this (ms): 0 means at once, not never. */
#define IDLE_MIN	1

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
	cc->gap_ms = 0;
	cc->moved = 0;
}

/**
 * cconns_gap_ms(cc):
 * Return the milliseconds until a connection may start (0: now): the gap
 * drawn at the last start less the time since (0 without a "hosts"
 * object).
 */
uint64_t
cconns_gap_ms(const struct cconns * cc)
{
	uint64_t since;

	if (cc->h == NULL || !cc->started)
		return (0);
	since = tunnel_ms_since(&cc->last);
	return (since >= cc->gap_ms ? 0 : cc->gap_ms - since);
}

/**
 * cconns_next(cc, nconns, moved):
 * With ${nconns} connections open and ${moved} bytes moved by the session
 * so far, return 0 if a further connection opens now (the session moved
 * CCONNS_DEMAND_BYTES since the last start, the gap has passed and a draw
 * from the learned concurrency exceeds ${nconns}), the milliseconds until
 * the gap has passed, or CCONNS_NEVER (no "hosts" object, no demand, or
 * the draw said no: the caller asks again when bytes move).
 */
uint64_t
cconns_next(struct cconns * cc, size_t nconns, uint64_t moved)
{
	uint64_t wait;

	if (cc->h == NULL || nconns >= cc->max ||
	    moved - cc->moved < CCONNS_DEMAND_BYTES)
		return (CCONNS_NEVER);
	if ((wait = cconns_gap_ms(cc)) > 0)
		return (wait);
	/*
	 * The gap has passed with bytes still flowing: one draw of the
	 * learned concurrency decides.  A refusal counts as a start that
	 * did not happen (the next look is a gap later), so that bulk data
	 * opens connections at the learned rate, not at every byte.
	 */
	if ((size_t)dust_dist_sample(&cc->h->concurrency, NULL) > nconns)
		return (0);
	cconns_started(cc, moved);
	return (CCONNS_NEVER);
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
	if (cc->h != NULL)
		cc->gap_ms = (uint64_t)dust_dist_sample(&cc->h->start_gap,
		    NULL);
}

/**
 * cconns_idle_ms(cc):
 * Return how long a new connection may stay without data before the
 * client closes it: a draw from the learned idle times (0: never, without
 * a "hosts" object).
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
