#include <sodium.h>
#include <string.h>

#include "dust/rng.h"

/**
 * dust_rng_fill(rng, buf, len):
 * Fill ${buf} with ${len} random bytes from ${rng}, or from
 * randombytes_buf if ${rng} is NULL.
 */
void
dust_rng_fill(const struct dust_rng * rng, uint8_t * buf, size_t len)
{

	if (rng == NULL)
		randombytes_buf(buf, len);
	else
		rng->fill(rng->ctx, buf, len);
}

/**
 * dust_rng_uniform(rng, bound):
 * Return a uniform integer in [0, ${bound}) (${bound} >= 1), without
 * modulo bias.
 */
uint32_t
dust_rng_uniform(const struct dust_rng * rng, uint32_t bound)
{
	uint32_t v, limit;
	uint8_t b[4];

	if (bound <= 1)
		return (0);
	/* Reject the top values that would make some residues likelier. */
	limit = UINT32_MAX - (UINT32_MAX % bound);
	do {
		dust_rng_fill(rng, b, 4);
		v = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		    (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	} while (v >= limit);
	return (v % bound);
}

/* The fill function of the seeded generator: ChaCha20 keystream. */
static void
seeded_fill(void * ctx, uint8_t * buf, size_t len)
{
	struct dust_rng_seeded * s = ctx;
	static const uint8_t nonce[8] = {0};
	size_t n;

	while (len > 0) {
		if (s->used == sizeof(s->block)) {
			memset(s->block, 0, sizeof(s->block));
			crypto_stream_chacha20_xor_ic(s->block, s->block,
			    sizeof(s->block), nonce, s->counter++, s->key);
			s->used = 0;
		}
		n = sizeof(s->block) - s->used;
		if (n > len)
			n = len;
		memcpy(buf, s->block + s->used, n);
		s->used += n;
		buf += n;
		len -= n;
	}
}

/**
 * dust_rng_seeded_init(s, seed):
 * Initialize the reproducible generator ${s} from a 32-byte ${seed}.
 */
void
dust_rng_seeded_init(struct dust_rng_seeded * s, const uint8_t seed[32])
{

	memcpy(s->key, seed, 32);
	s->counter = 0;
	s->used = sizeof(s->block);
	s->rng.fill = seeded_fill;
	s->rng.ctx = s;
}

/**
 * dust_rng_seeded_u64(s, seed):
 * Initialize ${s} from a small integer seed (tests with fixed seeds).
 */
void
dust_rng_seeded_u64(struct dust_rng_seeded * s, uint64_t seed)
{
	uint8_t key[32] = {0};
	int i;

	for (i = 0; i < 8; i++)
		key[i] = (uint8_t)(seed >> (8 * i));
	dust_rng_seeded_init(s, key);
}
