/*
 * Moving wire bytes between engines in the engine tests (header-only:
 * each test is one binary built from one .c file).
 */
#ifndef ENGINETEST_H
#define ENGINETEST_H

#include <stddef.h>
#include <stdint.h>

#include "dust/engine.h"

#include "shapetest.h"

/*
 * engine_deliver(e, w, off, max): give the bytes of ${w} from ${*off} on
 * to ${e}, at most ${max} at a time, moving ${*off} to the end.
 */
static inline void
engine_deliver(struct dust_engine * e, const struct bytes * w, size_t * off,
    size_t max)
{
	size_t n;

	while (*off < w->len) {
		n = w->len - *off < max ? w->len - *off : max;
		assert_int_equal(dust_put_encoded(e, w->b + *off, (uint16_t)n),
		    0);
		*off += n;
	}
}

#endif /* !ENGINETEST_H */
