#ifndef DUST_SEATTLE_MARK_H
#define DUST_SEATTLE_MARK_H

#include <stddef.h>
#include <stdint.h>

struct seattle;
struct seattle_replay;

/*
 * The mark: the client's proof, in its first flight, that it holds the
 * invite (docs/protocol.md, "The mark (first-flight authentication)"):
 *
 *   MK = Skein-256-256(B || SID || "dust mark key")
 *   M  = Skein-MAC-256(MK; X || E || "dust mark")
 *
 * B is the server's static public key, SID the server identifier, X the
 * client's representative as sent and E the hour floor(unix time / 3600)
 * as 8 bytes big-endian.  M takes the place of the first filler chunk,
 * right after X, so the wire is the seed's wire byte for byte: a server
 * that does not check marks takes M for filler.  A server checks a mark
 * with three Skein-MACs and no scalar multiplication.
 */

#define MARK_BYTES	32
#define MARK_HOUR_SECONDS 3600

/* What mark_check found. */
enum mark_verdict {
	MARK_AUTHENTIC = 0,	/* Mark verifies, key sound, not replayed. */
	MARK_WRONG,		/* No epoch of h-1, h, h+1 gives this mark. */
	MARK_LOW_ORDER,		/* X maps to a point of low order. */
	MARK_REPLAYED,		/* The replay filter holds this mark. */
	MARK_EXPIRED,		/* The filter's hour is past the mark's. */
	MARK_FILTER_FULL	/* The filter holds capacity live marks. */
};

/**
 * mark_hour(unix_time):
 * Return the mark's epoch of ${unix_time} (seconds): floor(t / 3600).
 */
uint64_t mark_hour(uint64_t);

/**
 * mark_key(MK, B, sid, sidlen):
 * Compute the mark key ${MK} = Skein-256-256(B || SID || "dust mark key")
 * from the server's static public key ${B} and the server identifier
 * ${sid} (${sidlen} bytes).  A server computes it once at start.
 */
void mark_key(uint8_t[32], const uint8_t[32], const uint8_t *, size_t);

/**
 * mark_make(M, MK, X, epoch):
 * Compute the mark ${M} = Skein-MAC-256(MK; X || E || "dust mark") of the
 * representative ${X} (as sent, top bits included) in the hour ${epoch}.
 */
void mark_make(uint8_t[32], const uint8_t[32], const uint8_t[32], uint64_t);

/**
 * mark_low_order(X, rep):
 * Return 1 if the key ${X} is of low order (u = 0, 1, or one of the two
 * u-coordinates of order 8; -1, on the twist, too), whose X25519 with any
 * key is zero, else 0.  ${X} is a representative if ${rep}, else a point,
 * which must also be encoded as X25519 public keys are (bit 255 clear,
 * u < p; else 1).  No secret is involved.
 */
int mark_low_order(const uint8_t[32], int);

/**
 * mark_check(MK, X, M, hour, replay, rep, epoch):
 * Check the mark ${M} sent after ${X} (a representative if ${rep}, else a
 * point: the formats) at the server's hour ${hour}: it
 * must be the mark of X in the epoch h-1, h or h+1 (all three compared in
 * constant time, no early exit), X must not be of low order, and if
 * ${replay} is not NULL the mark must be new to it (it is then recorded
 * with its epoch) and live at the filter's hour, which only goes forward
 * (so an ${hour} older than the filter's cannot let a forgotten mark
 * in).  Write the matching epoch to ${epoch} if not NULL.
 * Return MARK_AUTHENTIC or what was wrong; mark_why names it.
 */
enum mark_verdict mark_check(const uint8_t[32], const uint8_t[32],
    const uint8_t[32], uint64_t, struct seattle_replay *, int, uint64_t *);

/**
 * mark_why(verdict):
 * Return a sentence naming ${verdict}, for logs.
 */
const char * mark_why(enum mark_verdict);

/**
 * seattle_set_mark(s, MK, hour):
 * Use the mark on the session ${s}, before any byte is pulled or pushed.
 * A client sends the mark of its X in the hour ${hour} right after X
 * (MK from mark_key with the invite's B and SID).  A server requires it:
 * it sends nothing (seattle_pull writes nothing, seattle_may_send is 0)
 * until X and the mark have arrived and mark_check, with the server's
 * replay filter, found them authentic at its hour ${hour} (when the
 * connection came; a stale hour is safe, see mark_check); if they are
 * not, the session becomes SEATTLE_UNAUTHENTICATED and stays silent for
 * good (the program hands the connection elsewhere).  Return 0, or -1
 * (EINVAL) if the stream has begun.
 */
int seattle_set_mark(struct seattle *, const uint8_t[32], uint64_t);

/**
 * seattle_may_send(s):
 * Return 1 if seattle_pull gives bytes now, or 0 while a server requiring
 * the mark has not verified it, and for good once it found the first
 * flight unauthenticated.
 */
int seattle_may_send(const struct seattle *);

#endif /* !DUST_SEATTLE_MARK_H */
