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

/*
 * seeded_fill(ctx, buf, len): the fill function of the keyed stream
 * ${ctx}: its next ${len} keystream bytes to ${buf}, a block at a time.
 *
 * Why ChaCha20 (and not Skein-256 in stream form, which lib/crypto has
 * too): libsodium's ChaCha20 is vectorized, about 1 ns a byte in blocks
 * of 1 KiB (3 ns in blocks of 64, and a getrandom() call costs about
 * 600 ns), and it is one call.  To an observer its keystream under a
 * uniform 256-bit key that never leaves the process is as unpredictable
 * as the rng that drew the key (ChaCha20 is a PRF); each stream has its
 * own key, so the nonce can be fixed, and a 64-bit counter of 64-byte
 * blocks never wraps.  Making DUST_RNG_BLOCK bytes at a time yields the
 * same bytes as making them one block at a time: the keystream is one.
 */
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
			    sizeof(s->block), nonce, s->counter, s->key);
			s->counter += sizeof(s->block) / 64;
			s->used = 0;
		}
		n = sizeof(s->block) - s->used;
		if (n > len)
			n = len;
		memcpy(buf, s->block + s->used, n);
		/* Bytes handed out are not kept. */
		sodium_memzero(s->block + s->used, n);
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

/**
 * dust_rng_seeded_from(s, rng):
 * Key the stream ${s} with 32 bytes drawn from ${rng} (NULL: libsodium):
 * one draw, after which ${s} makes any number of bytes without a system
 * call.  Wipe it with dust_rng_seeded_wipe when done.
 */
void
dust_rng_seeded_from(struct dust_rng_seeded * s, const struct dust_rng * rng)
{
	uint8_t key[32];

	dust_rng_fill(rng, key, sizeof(key));
	dust_rng_seeded_init(s, key);
	sodium_memzero(key, sizeof(key));
}

/**
 * dust_rng_seeded_wipe(s):
 * Forget the key and the unused bytes of ${s} (sodium_memzero).
 */
void
dust_rng_seeded_wipe(struct dust_rng_seeded * s)
{

	sodium_memzero(s, sizeof(*s));
}
