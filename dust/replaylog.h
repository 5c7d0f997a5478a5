#ifndef DUST_REPLAYLOG_H
#define DUST_REPLAYLOG_H

#include <stdint.h>

struct seattle_replay;
struct replaylog;

/*
 * dust server --replay-log FILE: the replay filter's marks kept across a
 * restart (lib/seattle/replay.h, docs/protocol.md "The mark"): loaded at
 * start, every accepted mark's record appended before the server answers
 * the connection, the file rewritten with the live marks only when it has
 * grown to twice the filter's capacity.
 */

/**
 * replaylog_open(path, filter, capacity, hour):
 * Load the log at ${path} (if it exists) into ${filter} (${capacity}
 * marks) at the hour ${hour}, write it again with the live marks only,
 * and make ${filter} journal new marks for replaylog_append.  A damaged
 * record ends the load there with a warning naming it (the marks before
 * it are kept); a file whose header is not a replay log's is an error
 * (it is left as it is).  Return the log, or NULL after printing why.
 */
struct replaylog * replaylog_open(const char *, struct seattle_replay *,
    size_t, uint64_t);

/**
 * replaylog_append(rl):
 * Append the records the filter queued to the log (and compact it when
 * it has grown).  Failures are logged; the filter in memory still holds
 * the marks.
 */
void replaylog_append(struct replaylog *);

/**
 * replaylog_close(rl):
 * Close and free ${rl}.  NULL is allowed.
 */
void replaylog_close(struct replaylog *);

#endif /* !DUST_REPLAYLOG_H */
