#ifndef DUST_CLIENT_CONNS_H
#define DUST_CLIENT_CONNS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dust/model.h"

/*
 * When dust client opens and closes Dust connections, on the learned
 * client's process (the model's "hosts" object, docs/models.md and
 * docs/streams.md): a further connection opens while bytes flow (demand)
 * and fewer are open than the learned client had at most, no sooner
 * after the last start than a gap drawn from the learned start gaps
 * (those of a busy host, when others are open or streams are carried);
 * a connection closes after an idle time drawn from the learned ones,
 * with a FIN or a RST as the learned client closes.  Without a "hosts"
 * object a session holds -c connections, as before.  The plan is the
 * client's (host-level): its gaps run across sessions.
 */

/* Bytes moved (either way) since the last start that make a demand. */
#define CCONNS_DEMAND_BYTES	(16 * 1024)

/* cconns_next's answer when no connection may open on demand. */
#define CCONNS_NEVER	UINT64_MAX

struct cconns {
	const struct dust_hosts * h;	/* The model's, or NULL. */
	size_t max;			/* -c: the most at once. */
	struct timespec last;		/* The last start, */
	int started;			/* if there was one. */
	uint64_t gap_ms[2];		/* Drawn at it: the next one waits
					   so long [1] if the host is busy
					   (busy_gap), [0] if not. */
	uint64_t moved;			/* The session's bytes at it. */
};

/**
 * cconns_init(cc, hosts, max):
 * Plan the connections of a client with the model's ${hosts} (NULL: none)
 * and at most ${max} at once.
 */
void cconns_init(struct cconns *, const struct dust_hosts *, size_t);

/**
 * cconns_gap_ms(cc, busy):
 * Return the milliseconds until a connection may start (0: now): the gap
 * drawn at the last start (from the learned busy gaps if ${busy}: other
 * connections are open or bytes wait, else from all start gaps) less the
 * time since; 0 without a "hosts" object.
 */
uint64_t cconns_gap_ms(const struct cconns *, int);

/**
 * cconns_max(cc):
 * Return the most connections open at once: -c, and with a "hosts"
 * object no more than the learned client had (the largest value of its
 * concurrency: the capture shows how many it opened, not how many it
 * would under this demand).
 */
size_t cconns_max(const struct cconns *);

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
uint64_t cconns_next(struct cconns *, size_t, uint64_t);

/**
 * cconns_started(cc, moved):
 * A connection starts now, the session having moved ${moved} bytes: draw
 * the gap to the next.
 */
void cconns_started(struct cconns *, uint64_t);

/**
 * cconns_idle_ms(cc):
 * Return how long a new connection may stay without data before the
 * client closes it: a draw from the learned idle times, at least a second
 * (0: never, without a "hosts" object).
 */
uint64_t cconns_idle_ms(const struct cconns *);

/**
 * cconns_close_rst(cc):
 * Return 1 if the client ends a connection it closes with a RST, 0 with a
 * FIN: drawn from the learned client's closes (a FIN if it never closed).
 */
int cconns_close_rst(const struct cconns *);

#endif /* !DUST_CLIENT_CONNS_H */
