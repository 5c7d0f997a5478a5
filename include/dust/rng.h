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

/* A reproducible generator: ChaCha20 keyed by a 32-byte seed. */
struct dust_rng_seeded {
	struct dust_rng rng;		/* Pass &s->rng to libdust. */
	uint8_t key[32];
	uint64_t counter;		/* 64-byte blocks used so far. */
	uint8_t block[64];
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

#endif /* !DUST_RNG_H */
