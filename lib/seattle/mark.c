#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "crypto/elligator.h"
#include "crypto/skein.h"

#include "mark.h"
#include "replay.h"

/*
 * The u-coordinates (little-endian, canonical) whose points have an order
 * dividing 8: 0 (the identity and the point of order 2), 1 (order 4) and
 * the two of order 8; and p - 1, of order 4 on the twist (the map never
 * gives it; listed so that the list is that of every u whose X25519 with
 * a clamped key is zero).
 */
static const uint8_t low_order[5][32] = {
	{0},
	{1},
	{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
	 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
	 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
	{0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
	 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
	 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}
};

/*
 * point_canonical(u): 1 if the point ${u} is encoded as an X25519 public
 * key is (RFC 7748: u < p = 2^255 - 19, so bit 255 is clear), else 0.
 */
static int
point_canonical(const uint8_t u[32])
{
	size_t i;

	if (u[31] & 0x80)
		return (0);
	/* p <= u < 2^255: ff..ff 7f on top, and the low byte >= 0xed. */
	if (u[31] != 0x7f || u[0] < 0xed)
		return (1);
	for (i = 1; i < 31; i++)
		if (u[i] != 0xff)
			return (1);
	return (0);
}

/**
 * mark_hour(unix_time):
 * Return the mark's epoch of ${unix_time} (seconds): floor(t / 3600).
 */
uint64_t
mark_hour(uint64_t t)
{

	return (t / MARK_HOUR_SECONDS);
}

/**
 * mark_key(MK, B, sid, sidlen):
 * Compute the mark key ${MK} = Skein-256-256(B || SID || "dust mark key")
 * from the server's static public key ${B} and the server identifier
 * ${sid} (${sidlen} bytes).  A server computes it once at start.
 */
void
mark_key(uint8_t MK[32], const uint8_t B[32], const uint8_t * sid,
    size_t sidlen)
{
	struct skein256_ctx ctx;

	skein256_init(&ctx, 32);
	skein256_update(&ctx, B, 32);
	skein256_update(&ctx, sid, sidlen);
	skein256_update(&ctx, (const uint8_t *)"dust mark key", 13);
	skein256_final(&ctx, MK);
}

/**
 * mark_make(M, MK, X, epoch):
 * Compute the mark ${M} = Skein-MAC-256(MK; X || E || "dust mark") of the
 * representative ${X} (as sent, top bits included) in the hour ${epoch}.
 */
void
mark_make(uint8_t M[32], const uint8_t MK[32], const uint8_t X[32],
    uint64_t epoch)
{
	struct skein256_ctx ctx;
	uint8_t E[8];
	int i;

	for (i = 0; i < 8; i++)
		E[i] = (uint8_t)(epoch >> (56 - 8 * i));
	skein256_init_mac(&ctx, MK, 32, 32);
	skein256_update(&ctx, X, 32);
	skein256_update(&ctx, E, 8);
	skein256_update(&ctx, (const uint8_t *)"dust mark", 9);
	skein256_final(&ctx, M);
	sodium_memzero(&ctx, sizeof(ctx));
}

/**
 * mark_low_order(X, rep):
 * Return 1 if the key ${X} is of low order (u = 0, 1, or one of the two
 * u-coordinates of order 8; -1, on the twist, too), whose X25519 with any
 * key is zero, else 0.  ${X} is a representative if ${rep}, else a point,
 * which must also be encoded as X25519 public keys are (bit 255 clear,
 * u < p; else 1).  No secret is involved.
 */
int
mark_low_order(const uint8_t X[32], int rep)
{
	uint8_t u[32];
	size_t i;
	int found = 0;

	if (rep)
		elligator2_map(u, X);
	else if (!point_canonical(X))
		return (1);
	else
		memcpy(u, X, 32);
	for (i = 0; i < sizeof(low_order) / sizeof(low_order[0]); i++)
		found |= crypto_verify_32(u, low_order[i]) + 1;
	return (found);
}

/*
 * match(MK, X, M, hour, epoch): 1 if ${M} is the mark of ${X} in the hour
 * h-1, h or h+1 of ${hour} (its epoch then in ${epoch}), else 0.  Every
 * candidate is computed and compared, and the matching one is selected
 * with masks, so the time taken does not say which epoch matched.
 */
static int
match(const uint8_t MK[32], const uint8_t X[32], const uint8_t M[32],
    uint64_t hour, uint64_t * epoch)
{
	uint8_t want[32];
	uint64_t e, found = 0, m, any = 0;
	int i;

	for (i = -1; i <= 1; i++) {
		/* Hour 0 has no h-1 (1970: only tests meet it). */
		if (hour == 0 && i == -1)
			continue;
		e = hour + (uint64_t)(int64_t)i;
		mark_make(want, MK, X, e);
		m = (uint64_t)(crypto_verify_32(want, M) + 1);
		found |= (0 - m) & e;
		any |= m;
	}
	sodium_memzero(want, sizeof(want));
	*epoch = found;
	return ((int)any);
}

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
enum mark_verdict
mark_check(const uint8_t MK[32], const uint8_t X[32], const uint8_t M[32],
    uint64_t hour, struct seattle_replay * replay, int rep, uint64_t * epoch)
{
	uint64_t e;

	if (!match(MK, X, M, hour, &e))
		return (MARK_WRONG);
	if (epoch != NULL)
		*epoch = e;
	if (mark_low_order(X, rep))
		return (MARK_LOW_ORDER);
	if (replay == NULL)
		return (MARK_AUTHENTIC);
	seattle_replay_advance(replay, hour);
	switch (seattle_replay_add(replay, M, e)) {
	case SEATTLE_REPLAY_NEW:
		return (MARK_AUTHENTIC);
	case SEATTLE_REPLAY_SEEN:
		return (MARK_REPLAYED);
	case SEATTLE_REPLAY_STALE:
		return (MARK_EXPIRED);
	default:
		return (MARK_FILTER_FULL);
	}
}

/**
 * mark_why(verdict):
 * Return a sentence naming ${verdict}, for logs.
 */
const char *
mark_why(enum mark_verdict v)
{

	switch (v) {
	case MARK_AUTHENTIC:
		return ("mark authentic");
	case MARK_WRONG:
		return ("no mark or a wrong one after the client key");
	case MARK_LOW_ORDER:
		return ("client key of low order");
	case MARK_REPLAYED:
		return ("mark replayed");
	case MARK_EXPIRED:
		return ("mark's hour expired in the replay filter");
	case MARK_FILTER_FULL:
		return ("replay filter full of live marks");
	}
	return ("unknown mark verdict");
}
