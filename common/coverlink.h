#ifndef DUST_COVERLINK_H
#define DUST_COVERLINK_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * The engine shared by coverpipe and coverpiped.  Each accepted connection
 * is a link joining a "plain" socket (real data, any timing) and a "cover"
 * socket (blocks of include/dust/cover.h, one every interval each way).
 * coverpipe: plain = accepted source, cover = target.
 * coverpiped: cover = accepted source, plain = target.
 *
 * Timing: every link has its own exact schedule (tick k at its start +
 * k / rate), but the starts are placed on a process-wide grid of slots
 * about 1 ms wide, one interval per turn of the wheel; a new link joins
 * the least loaded slot.  One libevent timer serves all links: it fires
 * at the next grid tick whose slot holds a link.
 */

#define COVERLINK_TARGETS	8	/* Addresses kept for the target. */
/*
 * After a stall, the grid ticks of the last COVERLINK_CATCHUP_MS (but at
 * least one interval) are run, late; older ones are skipped.  At rates up
 * to 100 a second (the default is 40) that is one interval: each link
 * sends its latest due block only and never puts two blocks back to back
 * on the wire (where spiped and TCP would merge them into one segment); a
 * stall leaves a gap.  Faster links catch up to 10 ms, so that the short
 * stalls of a busy machine do not cost them throughput.
 */
#define COVERLINK_CATCHUP_MS	10

struct event_base;
struct coversvc;

struct coverlink_conf {
	int plain_is_source;		/* 1 for coverpipe, 0 for coverpiped. */
	struct sock_addr target[COVERLINK_TARGETS];
	size_t ntargets;
	uint64_t rate;			/* Blocks per second, each way. */
	size_t block;			/* Bytes per block. */
	int connect_timeout;		/* Seconds. */
};

/**
 * coversvc_new(base, lfd, conf):
 * Serve links accepted on the listening socket ${lfd} on ${base}, as
 * ${conf} says.  Return the service, or NULL on error.
 */
struct coversvc * coversvc_new(struct event_base *, int,
    const struct coverlink_conf *);

/**
 * coversvc_stats(svc):
 * Log one line of counters: links, blocks sent, ticks skipped.
 */
void coversvc_stats(const struct coversvc *);

/**
 * coversvc_free(svc):
 * Close every link of ${svc} and the listening socket; free ${svc}.
 */
void coversvc_free(struct coversvc *);

#endif /* !DUST_COVERLINK_H */
