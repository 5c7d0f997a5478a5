#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "dust/seattle.h"

/*
 * The replay filter: a ring of the most recent client keys (the oldest is
 * overwritten when it is full) indexed by a hash table of chains.  Bucket
 * numbers come from SipHash under a random key, so that a prober cannot
 * pile keys into one chain.
 */
#define NIL	UINT32_MAX

struct seattle_replay {
	uint8_t (*keys)[32];	/* Ring of remembered keys. */
	uint32_t * next;	/* Chain link of each ring slot. */
	uint32_t * buckets;	/* First slot of each chain, or NIL. */
	size_t cap;		/* Ring slots. */
	size_t used;		/* Slots holding a key. */
	size_t head;		/* Slot the next key goes into. */
	size_t mask;		/* Buckets - 1 (a power of two). */
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
	f->next = calloc(capacity, sizeof(uint32_t));
	f->buckets = calloc(nb, sizeof(uint32_t));
	if (f->keys == NULL || f->next == NULL || f->buckets == NULL) {
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

/**
 * seattle_replay_seen(filter, X):
 * Record the client key ${X} (its ignored top two bits cleared) in
 * ${filter}.  Return 1 if it was there already (a replay), else 0.
 */
int
seattle_replay_seen(struct seattle_replay * f, const uint8_t X[32])
{
	uint8_t key[32];
	uint32_t slot;
	size_t b;

	/* Bits 254, 255 are ignored on receive: a replay may change them. */
	memcpy(key, X, 32);
	key[31] &= 0x3f;
	b = bucket(f, key);
	for (slot = f->buckets[b]; slot != NIL; slot = f->next[slot])
		if (memcmp(f->keys[slot], key, 32) == 0)
			return (1);

	/* Forget the oldest key if the ring is full, then add this one. */
	slot = (uint32_t)f->head;
	if (f->used == f->cap)
		unlink_slot(f, slot);
	else
		f->used++;
	memcpy(f->keys[slot], key, 32);
	f->next[slot] = f->buckets[b];
	f->buckets[b] = slot;
	f->head = (f->head + 1) % f->cap;
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
	free(f->next);
	free(f->buckets);
	sodium_memzero(f->hkey, sizeof(f->hkey));
	free(f);
}
