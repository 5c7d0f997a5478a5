#ifndef DUST_SEATTLE_REPLAY_H
#define DUST_SEATTLE_REPLAY_H

#include <stddef.h>
#include <stdint.h>

struct seattle_replay;

/*
 * The replay filter's epochs and its log (docs/protocol.md, "The mark
 * (first-flight authentication)").  Beside the client keys of
 * seattle_replay_seen, the filter remembers marks with their epoch (the
 * hour of docs/protocol.md): a mark is live, and a second sight of it a
 * replay, while its epoch is at least h - 1 of the filter's hour h, which
 * is as long as mark_check may accept it.  Older ones are expired: they no
 * longer count, their slots are reused first, and they leave the log at
 * compaction.
 *
 * So that a restart forgets nothing within the window, a server program
 * keeps an append-only log: a 16-byte header ("dust replay log" and the
 * version byte 1), then one 48-byte record per accepted mark:
 *
 *   epoch (8, big-endian) || mark (32) || check (8)
 *
 * where check is the first 8 bytes of Skein-256-256(epoch || mark): a
 * torn or damaged record is found, not loaded as another mark.
 */

#define SEATTLE_REPLAY_LOG_HEADER	16
#define SEATTLE_REPLAY_LOG_RECORD	48

/* What seattle_replay_add did. */
enum seattle_replay_verdict {
	SEATTLE_REPLAY_NEW = 0,		/* Recorded. */
	SEATTLE_REPLAY_SEEN = 1,	/* Live already: a replay. */
	SEATTLE_REPLAY_FULL = 2,	/* Not recorded: the slot to reuse
					   holds a live mark. */
	SEATTLE_REPLAY_STALE = 3	/* Not recorded: epoch expired. */
};

/**
 * seattle_replay_advance(filter, hour):
 * Tell ${filter} that the hour is now ${hour}: marks whose epoch is below
 * ${hour} - 1 expire.  An hour earlier than one given before is ignored
 * (a clock stepping back expires nothing early).
 */
void seattle_replay_advance(struct seattle_replay *, uint64_t);

/**
 * seattle_replay_add(filter, mark, epoch):
 * Record the 32-byte ${mark} of the hour ${epoch} in ${filter}, reusing
 * the oldest slot if that holds nothing live, and if the filter keeps a
 * journal (seattle_replay_journal), queue its log record.  A full filter
 * refuses rather than forgetting a live mark: a forgotten one could be
 * replayed.  Return a seattle_replay_verdict.
 */
int seattle_replay_add(struct seattle_replay *, const uint8_t[32], uint64_t);

/**
 * seattle_replay_live(filter):
 * Return the number of live marks and client keys ${filter} holds.
 */
size_t seattle_replay_live(const struct seattle_replay *);

/**
 * seattle_replay_log_header(out):
 * Write the 16-byte header of a replay log to ${out}.
 */
void seattle_replay_log_header(uint8_t[SEATTLE_REPLAY_LOG_HEADER]);

/**
 * seattle_replay_log_record(out, mark, epoch):
 * Write the 48-byte log record of ${mark} in the hour ${epoch} to ${out}.
 */
void seattle_replay_log_record(uint8_t[SEATTLE_REPLAY_LOG_RECORD],
    const uint8_t[32], uint64_t);

/**
 * seattle_replay_journal(filter):
 * From now on, queue the log record of every mark ${filter} records, for
 * the program to append to its log (seattle_replay_journal_take) before
 * it answers the connection.
 */
void seattle_replay_journal(struct seattle_replay *);

/**
 * seattle_replay_journal_take(filter, buf, len):
 * Move up to ${len} queued log bytes (whole records if ${len} is a
 * multiple of 48) to ${buf}.  Return the number moved; 0 when none wait.
 */
size_t seattle_replay_journal_take(struct seattle_replay *, uint8_t *,
    size_t);

/**
 * seattle_replay_load(filter, log, len, end, why, whylen):
 * Rebuild ${filter} from the ${len}-byte replay log at ${log} (after
 * seattle_replay_advance with the current hour): every record of a live
 * epoch is added, expired ones are skipped, a record seen twice counts
 * once.  Return 0, or -1 if the log is bad: then ${why} (${whylen} bytes)
 * names the record and its offset and what is wrong (a bad header, a
 * truncated or damaged record, more live marks than the filter holds),
 * the records before it are loaded, and ${end} is that record's offset
 * (where a program may cut the log and go on).  On success ${end} is
 * ${len}.
 */
int seattle_replay_load(struct seattle_replay *, const uint8_t *, size_t,
    size_t *, char *, size_t);

/**
 * seattle_replay_compact(filter, log, len):
 * Write the live marks of ${filter} (and client keys, in a filter that
 * seattle_replay_seen fills), oldest first, as a fresh replay log
 * to a new buffer ${log} (free it with free) of ${len} bytes: what a
 * program writes beside its log and renames over it.  Return 0, or -1 on
 * ENOMEM.
 */
int seattle_replay_compact(const struct seattle_replay *, uint8_t **,
    size_t *);

#endif /* !DUST_SEATTLE_REPLAY_H */
