#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dust/seattle.h"
#include "crypto/skein.h"

#include "bytequeue.h"
#include "replay.h"

/*
 * The replay filter: a ring of the most recent client keys and marks (the
 * oldest slot is reused when it is full) indexed by a hash table of
 * chains.  Bucket numbers come from SipHash under a random key, so that a
 * prober cannot pile keys into one chain.  Each slot holds an epoch: an
 * entry counts while live (epoch >= hour - 1); client keys of
 * seattle_replay_seen take the filter's hour as their epoch.
 */
#define NIL	UINT32_MAX

static const uint8_t log_magic[SEATTLE_REPLAY_LOG_HEADER] =
    "dust replay log\001";

struct seattle_replay {
	uint8_t (*keys)[32];	/* Ring of remembered keys. */
	uint64_t * epochs;	/* Epoch of each ring slot. */
	uint32_t * next;	/* Chain link of each ring slot. */
	uint32_t * buckets;	/* First slot of each chain, or NIL. */
	size_t cap;		/* Ring slots. */
	size_t used;		/* Slots holding a key. */
	size_t head;		/* Slot the next key goes into. */
	size_t mask;		/* Buckets - 1 (a power of two). */
	uint64_t hour;		/* Latest hour given. */
	int journaling;		/* Queue log records of new marks. */
	struct bytequeue journal;
	uint8_t hkey[crypto_shorthash_KEYBYTES];
};

/* bucket(f, key): the chain that ${key} belongs to. */
static size_t
bucket(const struct seattle_replay * f, const uint8_t key[32])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	int i;

	crypto_shorthash(h, key, 32, f->hkey);
	for (i = 0; i < 8; i++)
		v |= (uint64_t)h[i] << (8 * i);
	return ((size_t)(v & f->mask));
}

/**
 * seattle_replay_new(capacity, rng):
 * Create a replay filter that remembers the ${capacity} most recent client
 * keys (oldest forgotten first).  A server program holds one across all
 * its connections.  Return NULL on error (ENOMEM, or ${capacity} is 0 or
 * over 2^31).
 */
struct seattle_replay *
seattle_replay_new(size_t capacity, const struct dust_rng * rng)
{
	struct seattle_replay * f;
	size_t nb, i;

	if (capacity == 0 || capacity > ((size_t)1 << 31))
		return (NULL);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (NULL);
	for (nb = 1; nb < capacity; nb <<= 1)
		continue;
	f->cap = capacity;
	f->mask = nb - 1;
	f->keys = calloc(capacity, 32);
	f->epochs = calloc(capacity, sizeof(uint64_t));
	f->next = calloc(capacity, sizeof(uint32_t));
	f->buckets = calloc(nb, sizeof(uint32_t));
	if (f->keys == NULL || f->epochs == NULL || f->next == NULL ||
	    f->buckets == NULL) {
		seattle_replay_free(f);
		return (NULL);
	}
	for (i = 0; i < nb; i++)
		f->buckets[i] = NIL;
	dust_rng_fill(rng, f->hkey, sizeof(f->hkey));
	return (f);
}

/* unlink_slot(f, slot): take ring slot ${slot} out of its chain. */
static void
unlink_slot(struct seattle_replay * f, uint32_t slot)
{
	uint32_t * p = &f->buckets[bucket(f, f->keys[slot])];

	while (*p != NIL && *p != slot)
		p = &f->next[*p];
	if (*p == slot)
		*p = f->next[slot];
}

/* live(f, epoch): an entry of ${epoch} still counts in ${f}. */
static int
live(const struct seattle_replay * f, uint64_t epoch)
{

	return (f->hour == 0 || epoch >= f->hour - 1);
}

/*
 * add(f, key, epoch, evict_live): record ${key} of ${epoch}, unless it is
 * live already.  The oldest slot is reused when the ring is full; if it
 * holds a live entry, only if ${evict_live}.  Return a
 * seattle_replay_verdict.
 */
static int
add(struct seattle_replay * f, const uint8_t key[32], uint64_t epoch,
    int evict_live)
{
	uint8_t rec[SEATTLE_REPLAY_LOG_RECORD];
	uint32_t slot;
	size_t b;

	b = bucket(f, key);
	for (slot = f->buckets[b]; slot != NIL; slot = f->next[slot])
		if (memcmp(f->keys[slot], key, 32) == 0 &&
		    live(f, f->epochs[slot]))
			return (SEATTLE_REPLAY_SEEN);

	/* Reuse the oldest slot if the ring is full. */
	slot = (uint32_t)f->head;
	if (f->used == f->cap && !evict_live && live(f, f->epochs[slot]))
		return (SEATTLE_REPLAY_FULL);

	/* A mark that cannot be journaled is refused: a restart forgets it. */
	if (f->journaling && !evict_live) {
		seattle_replay_log_record(rec, key, epoch);
		if (bytequeue_append(&f->journal, rec, sizeof(rec)))
			return (SEATTLE_REPLAY_FULL);
	}
	if (f->used == f->cap)
		unlink_slot(f, slot);
	else
		f->used++;
	memcpy(f->keys[slot], key, 32);
	f->epochs[slot] = epoch;
	f->next[slot] = f->buckets[b];
	f->buckets[b] = slot;
	f->head = (f->head + 1) % f->cap;
	return (SEATTLE_REPLAY_NEW);
}

/**
 * seattle_replay_seen(filter, X):
 * Record the client key ${X} (its ignored top two bits cleared) in
 * ${filter}.  Return 1 if it was there already (a replay), else 0.
 */
int
seattle_replay_seen(struct seattle_replay * f, const uint8_t X[32])
{
	uint8_t key[32];

	/* Bits 254, 255 are ignored on receive: a replay may change them. */
	memcpy(key, X, 32);
	key[31] &= 0x3f;
	/* The oldest key is forgotten when the ring is full. */
	return (add(f, key, f->hour, 1) == SEATTLE_REPLAY_SEEN);
}

/**
 * seattle_replay_advance(filter, hour):
 * Tell ${filter} that the hour is now ${hour}: marks whose epoch is below
 * ${hour} - 1 expire.  An hour earlier than one given before is ignored
 * (a clock stepping back expires nothing early).
 */
void
seattle_replay_advance(struct seattle_replay * f, uint64_t hour)
{

	if (hour > f->hour)
		f->hour = hour;
}

/**
 * seattle_replay_add(filter, mark, epoch):
 * Record the 32-byte ${mark} of the hour ${epoch} in ${filter}, reusing
 * the oldest slot if that holds nothing live, and if the filter keeps a
 * journal (seattle_replay_journal), queue its log record.  A full filter
 * refuses rather than forgetting a live mark: a forgotten one could be
 * replayed.  Return a seattle_replay_verdict.
 */
int
seattle_replay_add(struct seattle_replay * f, const uint8_t mark[32],
    uint64_t epoch)
{

	if (!live(f, epoch))
		return (SEATTLE_REPLAY_STALE);
	return (add(f, mark, epoch, 0));
}

/*
 * oldest(f, i): the ring slot of the ${i}-th oldest entry of ${f}
 * (${i} < f->used).
 */
static size_t
oldest(const struct seattle_replay * f, size_t i)
{

	return ((f->used < f->cap ? i : f->head + i) % f->cap);
}

/**
 * seattle_replay_live(filter):
 * Return the number of live marks and client keys ${filter} holds.
 */
size_t
seattle_replay_live(const struct seattle_replay * f)
{
	size_t i, n = 0;

	for (i = 0; i < f->used; i++)
		n += (size_t)live(f, f->epochs[oldest(f, i)]);
	return (n);
}

/**
 * seattle_replay_log_header(out):
 * Write the 16-byte header of a replay log to ${out}.
 */
void
seattle_replay_log_header(uint8_t out[SEATTLE_REPLAY_LOG_HEADER])
{

	memcpy(out, log_magic, SEATTLE_REPLAY_LOG_HEADER);
}

/* record_check(out, rec): the 8-byte check of the record ${rec}. */
static void
record_check(uint8_t out[8], const uint8_t rec[40])
{
	uint8_t h[32];

	skein256_hash(h, 32, rec, 40);
	memcpy(out, h, 8);
}

/**
 * seattle_replay_log_record(out, mark, epoch):
 * Write the 48-byte log record of ${mark} in the hour ${epoch} to ${out}.
 */
void
seattle_replay_log_record(uint8_t out[SEATTLE_REPLAY_LOG_RECORD],
    const uint8_t mark[32], uint64_t epoch)
{
	int i;

	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(epoch >> (56 - 8 * i));
	memcpy(out + 8, mark, 32);
	record_check(out + 40, out);
}

/**
 * seattle_replay_journal(filter):
 * From now on, queue the log record of every mark ${filter} records, for
 * the program to append to its log (seattle_replay_journal_take) before
 * it answers the connection.
 */
void
seattle_replay_journal(struct seattle_replay * f)
{

	f->journaling = 1;
}

/**
 * seattle_replay_journal_take(filter, buf, len):
 * Move up to ${len} queued log bytes (whole records if ${len} is a
 * multiple of 48) to ${buf}.  Return the number moved; 0 when none wait.
 */
size_t
seattle_replay_journal_take(struct seattle_replay * f, uint8_t * buf,
    size_t len)
{

	return (bytequeue_take(&f->journal, buf, len));
}

/*
 * load_record(f, rec): add the log record ${rec} to ${f}.  Return NULL, or
 * what is wrong with it.
 */
static const char *
load_record(struct seattle_replay * f, const uint8_t rec[48])
{
	uint8_t check[8];
	uint64_t epoch = 0;
	int i;

	record_check(check, rec);
	if (memcmp(check, rec + 40, 8) != 0)
		return ("damaged (its check does not match)");
	for (i = 0; i < 8; i++)
		epoch = epoch << 8 | rec[i];
	/* Expired: skipped.  Seen twice: counted once. */
	if (!live(f, epoch))
		return (NULL);
	if (add(f, rec + 8, epoch, 0) == SEATTLE_REPLAY_FULL)
		return ("one more live mark than the filter holds");
	return (NULL);
}

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
int
seattle_replay_load(struct seattle_replay * f, const uint8_t * log,
    size_t len, size_t * end, char * why, size_t whylen)
{
	const char * bad;
	size_t off, n;
	int journaling = f->journaling;

	*end = 0;
	if (len < SEATTLE_REPLAY_LOG_HEADER) {
		snprintf(why, whylen, "header truncated (%zu of %d bytes)",
		    len, SEATTLE_REPLAY_LOG_HEADER);
		return (-1);
	}
	if (memcmp(log, log_magic, SEATTLE_REPLAY_LOG_HEADER - 1) != 0) {
		snprintf(why, whylen, "not a replay log (bad header)");
		return (-1);
	}
	if (log[SEATTLE_REPLAY_LOG_HEADER - 1] != 1) {
		snprintf(why, whylen, "log version %d not supported (1 is)",
		    log[SEATTLE_REPLAY_LOG_HEADER - 1]);
		return (-1);
	}

	/* What is loaded is in the log already: no journal records. */
	f->journaling = 0;
	bad = NULL;
	for (off = SEATTLE_REPLAY_LOG_HEADER, n = 1; off < len;
	    off += SEATTLE_REPLAY_LOG_RECORD, n++) {
		*end = off;
		if (len - off < SEATTLE_REPLAY_LOG_RECORD)
			bad = "truncated";
		else
			bad = load_record(f, log + off);
		if (bad != NULL)
			break;
	}
	f->journaling = journaling;
	if (bad != NULL) {
		snprintf(why, whylen, "record %zu at offset %zu: %s", n, off,
		    bad);
		return (-1);
	}
	*end = len;
	return (0);
}

/**
 * seattle_replay_compact(filter, log, len):
 * Write the live marks of ${filter} (and client keys, in a filter that
 * seattle_replay_seen fills), oldest first, as a fresh replay log
 * to a new buffer ${log} (free it with free) of ${len} bytes: what a
 * program writes beside its log and renames over it.  Return 0, or -1 on
 * ENOMEM.
 */
int
seattle_replay_compact(const struct seattle_replay * f, uint8_t ** log,
    size_t * len)
{
	size_t i, slot, n = SEATTLE_REPLAY_LOG_HEADER;

	if ((*log = malloc(n + seattle_replay_live(f) *
	    SEATTLE_REPLAY_LOG_RECORD)) == NULL)
		return (-1);
	seattle_replay_log_header(*log);
	for (i = 0; i < f->used; i++) {
		slot = oldest(f, i);
		if (!live(f, f->epochs[slot]))
			continue;
		seattle_replay_log_record(*log + n, f->keys[slot],
		    f->epochs[slot]);
		n += SEATTLE_REPLAY_LOG_RECORD;
	}
	*len = n;
	return (0);
}

/**
 * seattle_replay_free(filter):
 * Free ${filter}.  NULL is allowed.
 */
void
seattle_replay_free(struct seattle_replay * f)
{

	if (f == NULL)
		return;
	free(f->keys);
	free(f->epochs);
	free(f->next);
	bytequeue_free(&f->journal);
	free(f->buckets);
	sodium_memzero(f->hkey, sizeof(f->hkey));
	free(f);
}
