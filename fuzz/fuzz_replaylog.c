/*
 * The replay filter's log loader (lib/seattle/replay.h) on arbitrary
 * bytes: the first byte is the hour (small, so that the fuzzer's epochs
 * are live), the rest the log.  A bad log must be refused with a reason
 * and an offset at a record boundary, never crash; whatever loaded must
 * compact to a log that loads again to the same live marks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/rng.h"
#include "dust/seattle.h"

#include "seattle/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	struct dust_rng_seeded r;
	struct seattle_replay * f, * g;
	uint8_t * log;
	size_t end, loglen, end2;
	char why[128];
	int rc;

	if (len < 1)
		return (0);
	dust_rng_seeded_u64(&r, 1);
	if ((f = seattle_replay_new(8, &r.rng)) == NULL)
		abort();
	seattle_replay_advance(f, data[0]);
	why[0] = '\0';
	rc = seattle_replay_load(f, data + 1, len - 1, &end, why, sizeof(why));
	if (rc == 0 ? end != len - 1 : (why[0] == '\0' || end > len - 1 ||
	    (end != 0 && (end - SEATTLE_REPLAY_LOG_HEADER) %
	    SEATTLE_REPLAY_LOG_RECORD != 0)))
		abort();
	if (seattle_replay_live(f) > 8)
		abort();

	/* What loaded compacts to a log that loads to the same marks. */
	if (seattle_replay_compact(f, &log, &loglen))
		abort();
	if (loglen != SEATTLE_REPLAY_LOG_HEADER + seattle_replay_live(f) *
	    SEATTLE_REPLAY_LOG_RECORD)
		abort();
	if ((g = seattle_replay_new(8, &r.rng)) == NULL)
		abort();
	seattle_replay_advance(g, data[0]);
	if (seattle_replay_load(g, log, loglen, &end2, why, sizeof(why)) ||
	    seattle_replay_live(g) != seattle_replay_live(f))
		abort();
	free(log);
	seattle_replay_free(g);
	seattle_replay_free(f);
	return (0);
}
