#ifndef DUST_RNG_H
#define DUST_RNG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Where randomness comes from.  Every function of libdust that needs
 * random bytes takes a const struct dust_rng *; NULL means libsodium's
 * randombytes_buf, the only source used outside tests.  Tests and the
 * published transcript vectors pass a seeded generator instead, so that
 * their bytes are reproducible.
 */
struct dust_rng {
	void (*fill)(void * ctx, uint8_t * buf, size_t len);
	void * ctx;
};

/*
 * A keyed stream: the ChaCha20 keystream of a 32-byte key, made
 * DUST_RNG_BLOCK bytes at a time.  With a fixed seed it is the
 * reproducible generator of tests; keyed once from a session's rng
 * (dust_rng_seeded_from) it is the session's source of bulk random bytes
 * (filler, bytes after a failure, per-packet samples), so that these cost
 * no system call each.
 */
#define DUST_RNG_BLOCK	1024
struct dust_rng_seeded {
	struct dust_rng rng;		/* Pass &s->rng to libdust. */
	uint8_t key[32];
	uint64_t counter;		/* 64-byte ChaCha20 blocks made. */
	uint8_t block[DUST_RNG_BLOCK];
	size_t used;			/* Bytes of ${block} handed out. */
};

/**
 * dust_rng_fill(rng, buf, len):
 * Fill ${buf} with ${len} random bytes from ${rng}, or from
 * randombytes_buf if ${rng} is NULL.
 */
void dust_rng_fill(const struct dust_rng *, uint8_t *, size_t);

/**
 * dust_rng_uniform(rng, bound):
 * Return a uniform integer in [0, ${bound}) (${bound} >= 1), without
 * modulo bias.
 */
uint32_t dust_rng_uniform(const struct dust_rng *, uint32_t);

/**
 * dust_rng_seeded_init(s, seed):
 * Initialize the reproducible generator ${s} from a 32-byte ${seed}.
 */
void dust_rng_seeded_init(struct dust_rng_seeded *, const uint8_t[32]);

/**
 * dust_rng_seeded_u64(s, seed):
 * Initialize ${s} from a small integer seed (tests with fixed seeds).
 */
void dust_rng_seeded_u64(struct dust_rng_seeded *, uint64_t);

/**
 * dust_rng_seeded_from(s, rng):
 * Key the stream ${s} with 32 bytes drawn from ${rng} (NULL: libsodium):
 * one draw, after which ${s} makes any number of bytes without a system
 * call.  Wipe it with dust_rng_seeded_wipe when done.
 */
void dust_rng_seeded_from(struct dust_rng_seeded *, const struct dust_rng *);

/**
 * dust_rng_seeded_wipe(s):
 * Forget the key and the unused bytes of ${s} (sodium_memzero).
 */
void dust_rng_seeded_wipe(struct dust_rng_seeded *);

#endif /* !DUST_RNG_H */
