#ifndef DUST_FUZZ_FUZZHELLO_H
#define DUST_FUZZ_FUZZHELLO_H

/*
 * What fuzz_tlshello and fuzz_sshhello share: the check of a parsed span,
 * the split of one input into two captures to learn a template from, and
 * the buffers of a fill-and-extract round trip.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "format/fmtread.h"

/* within(s, len): abort unless ${s} lies within ${len} bytes. */
static inline void
within(struct fmt_span s, size_t len)
{

	if (s.off > len || s.len > len - s.off)
		abort();
}

/*
 * split_two(b, len, h, lens): the two captures in ${b}: its first two
 * bytes are the length of the first, the rest is the second.  Return 0,
 * or -1 if ${b} does not hold them.
 */
static inline int
split_two(const uint8_t * b, size_t len, const uint8_t * h[2],
    size_t lens[2])
{

	if (len < 2 || (size_t)(b[0] << 8 | b[1]) > len - 2)
		return (-1);
	lens[0] = (size_t)(b[0] << 8 | b[1]);
	h[0] = b + 2;
	h[1] = h[0] + lens[0];
	lens[1] = len - 2 - lens[0];
	return (0);
}

/* The buffers of a round trip: drawn values, values back, a fill. */
struct roundbufs {
	uint8_t * vals;
	uint8_t * back;
	uint8_t * out;
};

/*
 * roundbufs_new(rb, vlen, len): allocate ${rb} for ${vlen} bytes of values
 * and a ${len}-byte template; abort if out of memory.
 */
static inline void
roundbufs_new(struct roundbufs * rb, size_t vlen, size_t len)
{

	rb->vals = malloc(vlen + 1);
	rb->back = malloc(vlen + 1);
	rb->out = malloc(len);
	if (rb->vals == NULL || rb->back == NULL || rb->out == NULL)
		abort();
}

/* roundbufs_free(rb): free the buffers of ${rb}. */
static inline void
roundbufs_free(struct roundbufs * rb)
{

	free(rb->vals);
	free(rb->back);
	free(rb->out);
}

#endif /* !DUST_FUZZ_FUZZHELLO_H */
