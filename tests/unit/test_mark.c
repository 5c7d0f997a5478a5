/*
 * The mark (lib/seattle/mark.h, docs/protocol.md "The mark (first-flight
 * authentication)") and the replay filter's epochs and log
 * (lib/seattle/replay.h): skew, wrong keys, replays within one filter and
 * across a restart (log, loader, filter), expiry, a full filter,
 * truncated and damaged logs, low-order client keys, and the Seattle
 * client and server with the mark on.  The mark's known answer is in the
 * marked transcript (test_seattle_transcript.c,
 * tests/vectors/seattle-mark-transcript.txt).  Fixed seeds throughout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "crypto/elligator.h"
#include "dust/rng.h"
#include "dust/seattle.h"

#include "seattle/machine.h"
#include "seattle/mark.h"
#include "seattle/replay.h"

/* 2026-01-01 00:00 UTC in hours: any hour would do. */
#define HOUR	((uint64_t)1767225600 / 3600)

/* The server: key pair, SID 192.0.2.1:443, mark key; a wrong mark key. */
static uint8_t srv_b[32], srv_B[32], sid[SEATTLE_SID_MAX];
static uint8_t MK[32], wrong_MK[32];
static size_t sidlen;

/* setup(state): the server's keys, shared by all tests. */
static int
setup(void ** state)
{
	static const uint8_t addr[4] = {192, 0, 2, 1};
	struct dust_rng_seeded r;
	uint8_t b2[32], B2[32];

	(void)state;
	dust_rng_seeded_u64(&r, 1600);
	dust_rng_fill(&r.rng, srv_b, 32);
	crypto_scalarmult_base(srv_B, srv_b);
	sidlen = seattle_sid(sid, 0, addr, 443, 0);
	mark_key(MK, srv_B, sid, sidlen);
	dust_rng_fill(&r.rng, b2, 32);
	crypto_scalarmult_base(B2, b2);
	mark_key(wrong_MK, B2, sid, sidlen);
	return (0);
}

/* client_key(X, seed): a client representative from ${seed}. */
static void
client_key(uint8_t X[32], uint64_t seed)
{
	struct dust_rng_seeded r;
	uint8_t x[32];

	dust_rng_seeded_u64(&r, seed);
	(void)elligator2_key_pair(X, x, &r.rng);
}

/* The client's epoch may be h-1, h, h+1 of the server's h; not h+-2. */
static void
test_skew(void ** state)
{
	uint8_t X[32], M[32];
	uint64_t e;
	int d;

	(void)state;
	client_key(X, 1);
	for (d = -3; d <= 3; d++) {
		mark_make(M, MK, X, HOUR + (uint64_t)(int64_t)d);
		e = 0;
		assert_int_equal(mark_check(MK, X, M, HOUR, NULL, 1, &e),
		    d >= -1 && d <= 1 ? MARK_AUTHENTIC : MARK_WRONG);
		if (d >= -1 && d <= 1)
			assert_true(e == HOUR + (uint64_t)(int64_t)d);
	}
	/* Hour 0 has no hour -1, and does not wrap to 2^64 - 1. */
	mark_make(M, MK, X, UINT64_MAX);
	assert_int_equal(mark_check(MK, X, M, 0, NULL, 1, NULL), MARK_WRONG);
	mark_make(M, MK, X, 1);
	assert_int_equal(mark_check(MK, X, M, 0, NULL, 1, NULL), MARK_AUTHENTIC);
	assert_true(mark_hour(1767225600 + 3599) == HOUR);
	assert_true(mark_hour(1767225600 + 3600) == HOUR + 1);
}

/* A mark under another key, of another X, or altered, is refused. */
static void
test_wrong(void ** state)
{
	uint8_t X[32], X2[32], M[32], zero[32] = {0};
	int bit;

	(void)state;
	client_key(X, 2);
	client_key(X2, 3);
	mark_make(M, wrong_MK, X, HOUR);
	assert_int_equal(mark_check(MK, X, M, HOUR, NULL, 1, NULL), MARK_WRONG);
	mark_make(M, MK, X2, HOUR);
	assert_int_equal(mark_check(MK, X, M, HOUR, NULL, 1, NULL), MARK_WRONG);
	assert_int_equal(mark_check(MK, X, zero, HOUR, NULL, 1, NULL),
	    MARK_WRONG);
	mark_make(M, MK, X, HOUR);
	for (bit = 0; bit < 256; bit += 37) {
		M[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		assert_int_equal(mark_check(MK, X, M, HOUR, NULL, 1, NULL),
		    MARK_WRONG);
		M[bit / 8] ^= (uint8_t)(1 << (bit % 8));
	}
	/* X's ignored top bits are bound too: a replay cannot vary them. */
	X[31] ^= 0x80;
	assert_int_equal(mark_check(MK, X, M, HOUR, NULL, 1, NULL), MARK_WRONG);
	X[31] ^= 0x80;
	assert_int_equal(mark_check(MK, X, M, HOUR, NULL, 1, NULL),
	    MARK_AUTHENTIC);
}

/* The second sight of a mark is a replay; other marks are not. */
static void
test_replay(void ** state)
{
	struct dust_rng_seeded r;
	struct seattle_replay * f;
	uint8_t X[32], M[32], M2[32];

	(void)state;
	dust_rng_seeded_u64(&r, 4);
	assert_non_null(f = seattle_replay_new(16, &r.rng));
	client_key(X, 5);
	mark_make(M, MK, X, HOUR);
	mark_make(M2, MK, X, HOUR + 1);
	assert_int_equal(mark_check(MK, X, M, HOUR, f, 1, NULL), MARK_AUTHENTIC);
	assert_int_equal(mark_check(MK, X, M, HOUR, f, 1, NULL), MARK_REPLAYED);
	/* An hour later it is still within its window. */
	assert_int_equal(mark_check(MK, X, M, HOUR + 1, f, 1, NULL),
	    MARK_REPLAYED);
	/* The same X's mark of another hour is another mark. */
	assert_int_equal(mark_check(MK, X, M2, HOUR + 1, f, 1, NULL),
	    MARK_AUTHENTIC);
	/* A wrong mark is not recorded. */
	assert_int_equal(seattle_replay_live(f), 2);
	assert_int_equal(mark_check(wrong_MK, X, M, HOUR, f, 1, NULL),
	    MARK_WRONG);
	assert_int_equal(seattle_replay_live(f), 2);
	/*
	 * A session that gives an old hour (created long before its first
	 * flight came) cannot let in a mark the filter has expired.
	 */
	seattle_replay_advance(f, HOUR + 3);
	assert_int_equal(seattle_replay_live(f), 0);
	assert_int_equal(mark_check(MK, X, M, HOUR, f, 1, NULL), MARK_EXPIRED);
	assert_int_equal(seattle_replay_live(f), 0);
	seattle_replay_free(f);
}

/* A filter's slots: expiry as hours pass in, and a full filter. */
static void
test_expiry(void ** state)
{
	struct dust_rng_seeded r;
	struct seattle_replay * f;
	uint8_t k[4][32];
	int i;

	(void)state;
	dust_rng_seeded_u64(&r, 6);
	dust_rng_fill(&r.rng, (uint8_t *)k, sizeof(k));
	assert_non_null(f = seattle_replay_new(2, &r.rng));
	seattle_replay_advance(f, HOUR);
	assert_int_equal(seattle_replay_add(f, k[0], HOUR - 1),
	    SEATTLE_REPLAY_NEW);
	assert_int_equal(seattle_replay_add(f, k[1], HOUR + 1),
	    SEATTLE_REPLAY_NEW);
	assert_int_equal(seattle_replay_add(f, k[0], HOUR - 1),
	    SEATTLE_REPLAY_SEEN);
	/* Full of live marks: refused, nothing forgotten. */
	assert_int_equal(seattle_replay_add(f, k[2], HOUR),
	    SEATTLE_REPLAY_FULL);
	assert_int_equal(seattle_replay_add(f, k[0], HOUR - 1),
	    SEATTLE_REPLAY_SEEN);
	/* Older than h - 1: refused as stale. */
	assert_int_equal(seattle_replay_add(f, k[3], HOUR - 2),
	    SEATTLE_REPLAY_STALE);

	/* An hour on, k[0]'s epoch is h - 2: it expires, its slot is free. */
	seattle_replay_advance(f, HOUR + 1);
	assert_int_equal(seattle_replay_live(f), 1);
	assert_int_equal(seattle_replay_add(f, k[2], HOUR),
	    SEATTLE_REPLAY_NEW);
	assert_int_equal(seattle_replay_live(f), 2);
	/* A clock stepping back expires nothing and revives nothing. */
	seattle_replay_advance(f, HOUR - 5);
	assert_int_equal(seattle_replay_live(f), 2);
	assert_int_equal(seattle_replay_add(f, k[0], HOUR - 1),
	    SEATTLE_REPLAY_STALE);
	/* k[1] (h + 1) outlives k[2] (h). */
	seattle_replay_advance(f, HOUR + 2);
	assert_int_equal(seattle_replay_live(f), 1);
	assert_int_equal(seattle_replay_add(f, k[1], HOUR + 1),
	    SEATTLE_REPLAY_SEEN);
	seattle_replay_advance(f, HOUR + 3);
	assert_int_equal(seattle_replay_live(f), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(seattle_replay_add(f, k[i], HOUR + 3),
		    i < 2 ? SEATTLE_REPLAY_NEW : SEATTLE_REPLAY_FULL);
	seattle_replay_free(f);
}

/*
 * journal_log(f, log): the header and ${f}'s journal as a log in ${log}
 * (at most 16 + 48 * 8 bytes).  Return its length.
 */
static size_t
journal_log(struct seattle_replay * f, uint8_t * log)
{

	seattle_replay_log_header(log);
	return (SEATTLE_REPLAY_LOG_HEADER + seattle_replay_journal_take(f,
	    log + SEATTLE_REPLAY_LOG_HEADER, 48 * 8));
}

/* Marks accepted before a restart are refused after it. */
static void
test_restart(void ** state)
{
	struct dust_rng_seeded r;
	struct seattle_replay * f, * g;
	uint8_t X[3][32], M[3][32], log[16 + 48 * 8], * clog;
	size_t len, end, clen;
	char why[128];
	int i;

	(void)state;
	dust_rng_seeded_u64(&r, 7);
	assert_non_null(f = seattle_replay_new(16, &r.rng));
	seattle_replay_journal(f);
	for (i = 0; i < 3; i++) {
		client_key(X[i], 10 + (uint64_t)i);
		mark_make(M[i], MK, X[i], HOUR - 1 + (uint64_t)i);
	}
	assert_int_equal(mark_check(MK, X[0], M[0], HOUR, f, 1, NULL),
	    MARK_AUTHENTIC);
	assert_int_equal(mark_check(MK, X[1], M[1], HOUR, f, 1, NULL),
	    MARK_AUTHENTIC);
	/* A replay adds nothing to the journal. */
	assert_int_equal(mark_check(MK, X[1], M[1], HOUR, f, 1, NULL),
	    MARK_REPLAYED);
	len = journal_log(f, log);
	assert_int_equal(len, 16 + 2 * 48);
	assert_int_equal(seattle_replay_journal_take(f, log, 48), 0);

	/* The restart: a fresh filter, loaded from the log. */
	assert_non_null(g = seattle_replay_new(16, &r.rng));
	seattle_replay_advance(g, HOUR);
	assert_int_equal(seattle_replay_load(g, log, len, &end, why,
	    sizeof(why)), 0);
	assert_int_equal(end, len);
	assert_int_equal(seattle_replay_live(g), 2);
	assert_int_equal(mark_check(MK, X[0], M[0], HOUR, g, 1, NULL),
	    MARK_REPLAYED);
	assert_int_equal(mark_check(MK, X[1], M[1], HOUR, g, 1, NULL),
	    MARK_REPLAYED);
	assert_int_equal(mark_check(MK, X[2], M[2], HOUR, g, 1, NULL),
	    MARK_AUTHENTIC);

	/* Compaction an hour on: M[0] (epoch h - 1) has expired. */
	seattle_replay_advance(g, HOUR + 1);
	assert_int_equal(seattle_replay_compact(g, &clog, &clen), 0);
	assert_int_equal(clen, 16 + 2 * 48);
	assert_memory_equal(clog, log, 16);
	seattle_replay_log_record(log, M[1], HOUR);
	assert_memory_equal(clog + 16, log, 48);
	seattle_replay_log_record(log, M[2], HOUR + 1);
	assert_memory_equal(clog + 64, log, 48);
	seattle_replay_free(f);

	/* Loading the first log an hour on skips the expired record. */
	assert_non_null(f = seattle_replay_new(16, &r.rng));
	seattle_replay_advance(f, HOUR + 1);
	len = 16;
	seattle_replay_log_header(log);
	seattle_replay_log_record(log + len, M[0], HOUR - 1);
	len += 48;
	seattle_replay_log_record(log + len, M[1], HOUR);
	len += 48;
	assert_int_equal(seattle_replay_load(f, log, len, &end, why,
	    sizeof(why)), 0);
	assert_int_equal(seattle_replay_live(f), 1);
	assert_int_equal(mark_check(MK, X[1], M[1], HOUR + 1, f, 1, NULL),
	    MARK_REPLAYED);
	free(clog);
	seattle_replay_free(f);
	seattle_replay_free(g);
}

/*
 * load_fails(log, len, cap, want_end, want_why, want_live): loading the
 * ${len}-byte ${log} into a filter of ${cap} fails at ${want_end} with a
 * reason starting with ${want_why}, having loaded ${want_live} marks.
 */
static void
load_fails(const uint8_t * log, size_t len, size_t cap, size_t want_end,
    const char * want_why, size_t want_live)
{
	struct dust_rng_seeded r;
	struct seattle_replay * f;
	size_t end = 12345;
	char why[128];

	dust_rng_seeded_u64(&r, 8);
	assert_non_null(f = seattle_replay_new(cap, &r.rng));
	seattle_replay_advance(f, HOUR);
	assert_int_equal(seattle_replay_load(f, log, len, &end, why,
	    sizeof(why)), -1);
	if (strncmp(why, want_why, strlen(want_why)) != 0)
		fail_msg("load said \"%s\", wanted \"%s...\"", why, want_why);
	assert_int_equal(end, want_end);
	assert_int_equal(seattle_replay_live(f), want_live);
	seattle_replay_free(f);
}

/* Bad logs: an error naming the record and its offset, never a crash. */
static void
test_bad_logs(void ** state)
{
	uint8_t log[16 + 3 * 48], k[3][32];
	struct dust_rng_seeded r;
	size_t i;

	(void)state;
	dust_rng_seeded_u64(&r, 9);
	dust_rng_fill(&r.rng, (uint8_t *)k, sizeof(k));
	seattle_replay_log_header(log);
	for (i = 0; i < 3; i++)
		seattle_replay_log_record(log + 16 + 48 * i, k[i], HOUR);

	load_fails(log, 0, 8, 0, "header truncated (0 of 16", 0);
	load_fails(log, 15, 8, 0, "header truncated (15 of 16", 0);
	log[0] ^= 1;
	load_fails(log, sizeof(log), 8, 0, "not a replay log", 0);
	log[0] ^= 1;
	log[15] = 2;
	load_fails(log, sizeof(log), 8, 0, "log version 2", 0);
	log[15] = 1;
	/* A torn last record: the two before it are loaded. */
	load_fails(log, sizeof(log) - 1, 8, 112, "record 3 at offset 112: "
	    "truncated", 2);
	load_fails(log, 16 + 48 + 1, 8, 64, "record 2 at offset 64: "
	    "truncated", 1);
	/* A flipped bit anywhere in a record: epoch, mark or check. */
	for (i = 0; i < 48; i += 7) {
		log[64 + i] ^= 0x10;
		load_fails(log, sizeof(log), 8, 64, "record 2 at offset 64: "
		    "damaged", 1);
		log[64 + i] ^= 0x10;
	}
	/* More live marks than the filter holds. */
	load_fails(log, sizeof(log), 2, 112, "record 3 at offset 112: one "
	    "more live mark", 2);
	/* The header alone is an empty log. */
	{
		struct seattle_replay * f;
		size_t end;
		char why[64];

		assert_non_null(f = seattle_replay_new(2, &r.rng));
		assert_int_equal(seattle_replay_load(f, log, 16, &end, why,
		    sizeof(why)), 0);
		assert_int_equal(end, 16);
		assert_int_equal(seattle_replay_live(f), 0);
		seattle_replay_free(f);
	}
}

/* The u-coordinates of the points of order 1, 2, 4 and 8 on the curve. */
static const char * const low_u[4] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"
};

/*
 * Every representative of a low-order point (each u with both tweaks,
 * i.e. both points +-v, and all four top-bit pairs) is refused even with
 * a valid mark; the list is checked: X25519 of any key with it is zero.
 * Of the eight points, three have representatives: (0, 0) (its only
 * representative is 0, top bits aside) and the two of order 4 (u = 1);
 * the identity has no u, and Elligator 2 reaches none of the four of
 * order 8 (-2u(u + A) is not a square there): elligator2_rev refuses.
 */
static void
test_low_order(void ** state)
{
	struct dust_rng_seeded r;
	uint8_t u[32], got[32], X[32], M[32], sk[32], out[32];
	static const size_t want[4] = {8, 8, 0, 0};
	size_t n, total = 0;
	int i, tweak;

	(void)state;
	dust_rng_seeded_u64(&r, 11);
	for (i = 0; i < 4; i++) {
		assert_int_equal(sodium_hex2bin(u, 32, low_u[i], 64, NULL,
		    NULL, NULL), 0);
		dust_rng_fill(&r.rng, sk, 32);
		/* crypto_scalarmult refuses an all-zero result. */
		assert_int_equal(crypto_scalarmult(out, sk, u), -1);
		n = 0;
		for (tweak = 0; tweak < 8; tweak++) {
			if (elligator2_rev(X, u,
			    (uint8_t)((tweak & 1) | (tweak >> 1) << 6)) != 0)
				continue;
			elligator2_map(got, X);
			assert_memory_equal(got, u, 32);
			assert_int_equal(mark_low_order(X, 1), 1);
			mark_make(M, MK, X, HOUR);
			assert_int_equal(mark_check(MK, X, M, HOUR, NULL, 1, NULL),
			    MARK_LOW_ORDER);
			print_message("u %.8s..., tweak %d: X %02x%02x...\n",
			    low_u[i], tweak, X[0], X[1]);
			n++;
		}
		assert_int_equal(n, want[i]);
		total += n;
	}
	print_message("low-order representatives refused: %zu\n", total);
	/* And an ordinary key is not of low order. */
	client_key(X, 12);
	assert_int_equal(mark_low_order(X, 1), 0);
}

/* A pair of Seattle sessions, the mark on both sides. */
struct pair {
	struct dust_rng_seeded rc, rs;
	struct seattle * c, * s;
};

/* pair_new(p, seed, cmk, chour, smk, replay): client and server. */
static void
pair_new(struct pair * p, uint64_t seed, const uint8_t * cmk, uint64_t chour,
    const uint8_t * smk, struct seattle_replay * replay)
{

	dust_rng_seeded_u64(&p->rc, seed * 2);
	dust_rng_seeded_u64(&p->rs, seed * 2 + 1);
	assert_non_null(p->c = seattle_client_new(srv_B, sid, sidlen,
	    &p->rc.rng));
	assert_non_null(p->s = seattle_server_new(srv_b, sid, sidlen, replay,
	    &p->rs.rng));
	if (cmk != NULL)
		assert_int_equal(seattle_set_mark(p->c, cmk, chour), 0);
	if (smk != NULL)
		assert_int_equal(seattle_set_mark(p->s, smk, HOUR), 0);
}

/*
 * talk(p): the exchange, the client's first flight in pieces; both end
 * established and data passes both ways.
 */
static void
talk(struct pair * p)
{
	uint8_t buf[256];
	int held = !seattle_may_send(p->s);

	seattle_pull(p->c, buf, 64);			/* X, M */
	assert_int_equal(seattle_push(p->s, buf, 40), 0);
	if (held)
		assert_int_equal(seattle_pull(p->s, buf + 64, 32), 0);
	assert_int_equal(seattle_push(p->s, buf + 40, 24), 0);
	assert_int_equal(seattle_may_send(p->s), 1);
	assert_int_equal(seattle_pull(p->s, buf, 96), 96); /* Y, code, IV */
	assert_int_equal(seattle_push(p->c, buf, 96), 0);
	assert_int_equal(seattle_status(p->c), SEATTLE_ESTABLISHED);
	assert_int_equal(seattle_write(p->c, (const uint8_t *)"ping", 4), 0);
	assert_int_equal(seattle_pull(p->c, buf, 64 + 39), 64 + 39);
	assert_int_equal(seattle_push(p->s, buf, 64 + 39), 0);
	assert_int_equal(seattle_status(p->s), SEATTLE_ESTABLISHED);
	assert_int_equal(seattle_read(p->s, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(seattle_write(p->s, (const uint8_t *)"pong", 4), 0);
	seattle_pull(p->s, buf, 39);
	assert_int_equal(seattle_push(p->c, buf, 39), 0);
	assert_int_equal(seattle_read(p->c, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "pong", 4);
}

/* pair_free(p): free both sessions. */
static void
pair_free(struct pair * p)
{

	seattle_free(p->c);
	seattle_free(p->s);
}

/* The marked client and the server requiring the mark talk. */
static void
test_pair(void ** state)
{
	struct dust_rng_seeded r;
	struct seattle_replay * f;
	struct pair p;
	uint8_t buf[64];

	(void)state;
	dust_rng_seeded_u64(&r, 13);
	assert_non_null(f = seattle_replay_new(16, &r.rng));
	pair_new(&p, 1, MK, HOUR, MK, f);
	/* Before anything arrives the server may not send: no Y. */
	assert_int_equal(seattle_may_send(p.s), 0);
	assert_int_equal(seattle_pull(p.s, buf, 64), 0);
	talk(&p);
	pair_free(&p);
	/* A client an hour ahead, and one an hour behind. */
	pair_new(&p, 2, MK, HOUR + 1, MK, f);
	talk(&p);
	pair_free(&p);
	pair_new(&p, 3, MK, HOUR - 1, MK, f);
	talk(&p);
	pair_free(&p);
	assert_int_equal(seattle_replay_live(f), 3);
	/* A marked client and a server that checks no mark: M is filler. */
	pair_new(&p, 4, MK, HOUR, NULL, NULL);
	talk(&p);
	pair_free(&p);
	/* Too late to turn the mark on. */
	pair_new(&p, 5, NULL, 0, NULL, NULL);
	seattle_pull(p.c, buf, 1);
	assert_int_equal(seattle_set_mark(p.c, MK, HOUR), -1);
	assert_int_equal(seattle_push(p.s, buf, 1), 0);
	assert_int_equal(seattle_set_mark(p.s, MK, HOUR), -1);
	pair_free(&p);
	seattle_replay_free(f);
}

/*
 * refused(p, first, len, why): the server of ${p} fed ${first} (${len}
 * bytes) then more is unauthenticated for ${why}, and has produced no
 * byte at any point.
 */
static void
refused(struct pair * p, const uint8_t * first, size_t len, const char * why)
{
	uint8_t buf[512];
	size_t out = 0, i;

	for (i = 0; i < len; i += 16) {
		assert_int_equal(seattle_push(p->s, first + i,
		    len - i < 16 ? len - i : 16), 0);
		out += seattle_pull(p->s, buf, 100);
	}
	assert_int_equal(seattle_status(p->s), SEATTLE_UNAUTHENTICATED);
	assert_string_equal(seattle_failure(p->s), why);
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(seattle_push(p->s, buf, sizeof(buf)), 0);
	out += seattle_pull(p->s, buf, sizeof(buf));
	assert_int_equal(seattle_may_send(p->s), 0);
	assert_int_equal(seattle_push_end(p->s), -1);
	assert_int_equal(seattle_status(p->s), SEATTLE_UNAUTHENTICATED);
	assert_int_equal(out, 0);
}

/* Wrong, absent and replayed marks: unauthenticated, and silent. */
static void
test_refused(void ** state)
{
	struct dust_rng_seeded r;
	struct seattle_replay * f;
	struct pair p, q;
	uint8_t first[128], lo[32], zero[32] = {0};

	(void)state;
	dust_rng_seeded_u64(&r, 14);
	assert_non_null(f = seattle_replay_new(16, &r.rng));

	/* A client holding another invite's key. */
	pair_new(&p, 6, wrong_MK, HOUR, MK, f);
	seattle_pull(p.c, first, 128);
	refused(&p, first, 128, mark_why(MARK_WRONG));
	pair_free(&p);

	/* A client without the mark: X then filler. */
	pair_new(&p, 7, NULL, 0, MK, f);
	seattle_pull(p.c, first, 128);
	refused(&p, first, 128, mark_why(MARK_WRONG));
	pair_free(&p);

	/* Two hours off. */
	pair_new(&p, 8, MK, HOUR + 2, MK, f);
	seattle_pull(p.c, first, 64);
	refused(&p, first, 64, mark_why(MARK_WRONG));
	pair_free(&p);

	/* A first flight seen already, replayed to a second session. */
	pair_new(&p, 9, MK, HOUR, MK, f);
	seattle_pull(p.c, first, 64);
	assert_int_equal(seattle_push(p.s, first, 64), 0);
	assert_int_equal(seattle_may_send(p.s), 1);
	pair_new(&q, 10, NULL, 0, MK, f);
	refused(&q, first, 64, mark_why(MARK_REPLAYED));
	pair_free(&q);
	pair_free(&p);

	/* A low-order key with a valid mark (only an invite holder can). */
	assert_int_equal(elligator2_rev(lo, zero, 0), 0);
	memcpy(first, lo, 32);
	mark_make(first + 32, MK, lo, HOUR);
	pair_new(&p, 11, NULL, 0, MK, f);
	refused(&p, first, 64, mark_why(MARK_LOW_ORDER));
	pair_free(&p);

	/* Half a first flight: waiting, still silent. */
	pair_new(&p, 12, MK, HOUR, MK, f);
	seattle_pull(p.c, first, 63);
	assert_int_equal(seattle_push(p.s, first, 63), 0);
	assert_int_equal(seattle_status(p.s), SEATTLE_HANDSHAKING);
	assert_int_equal(seattle_pull(p.s, first, 64), 0);
	assert_int_equal(seattle_push_end(p.s), -1);
	assert_int_equal(seattle_status(p.s), SEATTLE_FAILED);
	assert_int_equal(seattle_pull(p.s, first, 64), 0);
	pair_free(&p);
	seattle_replay_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skew),
		cmocka_unit_test(test_wrong),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_bad_logs),
		cmocka_unit_test(test_low_order),
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_refused),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
