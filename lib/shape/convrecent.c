#include <stdint.h>
#include <stdlib.h>

#include "dust/conversation.h"

/*
 * The conversations a client drew last: a ring of their indices in the
 * set's list, oldest first, and a bit per conversation for the lookup.
 */
struct dust_conv_recent {
	const struct dust_convset * set;
	size_t * ring;		/* keep entries, from head on: the oldest. */
	size_t keep, n, head;
	uint8_t * bit;		/* One bit per conversation of the list. */
};

/**
 * dust_conv_recent_new(set):
 * Create an empty record of the conversations of ${set} (which must
 * outlive it) drawn last, which keeps the last half as many as ${set}
 * draws from.  Return NULL on ENOMEM.
 */
struct dust_conv_recent *
dust_conv_recent_new(const struct dust_convset * set)
{
	struct dust_conv_recent * r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	r->set = set;
	r->keep = set->ndrawn / 2;
	if ((r->ring = calloc(r->keep + 1, sizeof(size_t))) == NULL ||
	    (r->bit = calloc(set->n / 8 + 1, 1)) == NULL) {
		dust_conv_recent_free(r);
		return (NULL);
	}
	return (r);
}

/* index_of(r, c): the place of ${c} in ${r}'s set's list. */
static size_t
index_of(const struct dust_conv_recent * r, const struct dust_conv * c)
{

	return ((size_t)(c - r->set->list));
}

/**
 * dust_conv_recent_has(r, c):
 * Return 1 if the conversation ${c} (of ${r}'s set) is among those ${r}
 * keeps, else 0.
 */
int
dust_conv_recent_has(const struct dust_conv_recent * r,
    const struct dust_conv * c)
{
	size_t i = index_of(r, c);

	return ((r->bit[i / 8] >> (i % 8)) & 1);
}

/**
 * dust_conv_recent_add(r, c):
 * Note the conversation ${c} (of ${r}'s set) as the last drawn; the
 * oldest is forgotten once ${r} holds as many as it keeps.
 */
void
dust_conv_recent_add(struct dust_conv_recent * r, const struct dust_conv * c)
{
	size_t i = index_of(r, c), old;

	if (r->keep == 0 || dust_conv_recent_has(r, c))
		return;
	if (r->n == r->keep) {
		old = r->ring[r->head];
		r->bit[old / 8] &= (uint8_t)~(1U << (old % 8));
		r->ring[r->head] = i;
		r->head = (r->head + 1) % r->keep;
	} else {
		r->ring[(r->head + r->n) % r->keep] = i;
		r->n++;
	}
	r->bit[i / 8] |= (uint8_t)(1U << (i % 8));
}

/**
 * dust_conv_recent_free(r):
 * Free ${r} (NULL: nothing).
 */
void
dust_conv_recent_free(struct dust_conv_recent * r)
{

	if (r == NULL)
		return;
	free(r->ring);
	free(r->bit);
	free(r);
}
