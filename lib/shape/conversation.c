#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/skein.h"
#include "dust/conversation.h"
#include "dust/model.h"

/**
 * dust_conv_class(c, minfirst):
 * Return DUST_CONV_DATA if the conversation ${c} can carry session data
 * (its first step is the client's with at least ${minfirst} bytes, and a
 * client step follows a server step), DUST_CONV_COVER if only the first
 * condition holds, else DUST_CONV_NONE.
 */
int
dust_conv_class(const struct dust_conv * c, size_t minfirst)
{
	size_t i;
	int server = 0;

	if (c->nsteps == 0 || c->step[0].dir != DUST_C2S ||
	    c->step[0].len < minfirst)
		return (DUST_CONV_NONE);
	for (i = 1; i < c->nsteps; i++) {
		if (c->step[i].dir == DUST_S2C)
			server = 1;
		else if (server)
			return (DUST_CONV_DATA);
	}
	return (DUST_CONV_COVER);
}

/**
 * dust_conv_index(seed, n):
 * Return an index uniform on 0..${n}-1 (${n} >= 1) drawn deterministically
 * from the 32-byte ${seed} (Skein-MAC-256 expansion, rejection sampling).
 */
size_t
dust_conv_index(const uint8_t seed[32], size_t n)
{
	uint8_t msg[8 + 15], out[32];
	uint64_t v, limit, ctr;
	size_t i, j;

	/* Accept v below the largest multiple of n: no modulo bias. */
	limit = UINT64_MAX - UINT64_MAX % n;
	memcpy(msg + 8, "dust conv index", 15);
	for (ctr = 0;; ctr++) {
		for (i = 0; i < 8; i++)
			msg[i] = (uint8_t)(ctr >> (8 * i));
		skein256_mac(out, seed, 32, msg, sizeof(msg));
		for (j = 0; j < 4; j++) {
			for (v = 0, i = 0; i < 8; i++)
				v |= (uint64_t)out[8 * j + i] << (8 * i);
			if (v < limit) {
				sodium_memzero(out, sizeof(out));
				return ((size_t)(v % n));
			}
		}
	}
}

/**
 * dust_conv_draw(set, seed):
 * Return the conversation of ${set} that ${seed} selects among those
 * drawn (usable ones, or all followable ones).
 */
const struct dust_conv *
dust_conv_draw(const struct dust_convset * set, const uint8_t seed[32])
{

	return (&set->list[set->drawn[dust_conv_index(seed, set->ndrawn)]]);
}

/**
 * dust_convset_free(set):
 * Free ${set} and its conversations (NULL: nothing).
 */
void
dust_convset_free(struct dust_convset * set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; set->list != NULL && i < set->n; i++)
		free(set->list[i].step);
	free(set->list);
	free(set->drawn);
	free(set->firsts);
	free(set);
}
