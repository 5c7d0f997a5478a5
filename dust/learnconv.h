#ifndef DUST_LEARNCONV_H
#define DUST_LEARNCONV_H

#include <stdio.h>

#include "dust/conntrack.h"

/* Conversations and steps per conversation "dust model learn" keeps. */
#define LEARNCONV_MAX		1000
#define LEARNCONV_STEPS_MAX	4096
#define LEARNCONV_IDLE		60000	/* ms; more if a gap is longer. */

/**
 * learnconv_write(f, ct):
 * Write the model's "conversations" field (without a trailing comma) to
 * ${f}: one conversation per connection of ${ct} carrying data, in order
 * of first appearance, at most LEARNCONV_MAX of them, each the first
 * LEARNCONV_STEPS_MAX data segments [dir, len, gap_ms] (gap to the
 * previous data segment, the first one's to the connection's first frame,
 * in ms with microsecond precision), with "draw": "all" and an idle_ms
 * of LEARNCONV_IDLE or a second above the longest gap.  Return the number
 * of conversations written.
 */
size_t learnconv_write(FILE *, const struct dust_ct *);

#endif /* !DUST_LEARNCONV_H */
