#ifndef DUST_LEARNCONV_H
#define DUST_LEARNCONV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/conntrack.h"
#include "dust/conversation.h"

/* Conversations and steps per conversation "dust model learn" keeps. */
#define LEARNCONV_MAX		DUST_CONV_MAX	/* The loader's limit. */
#define LEARNCONV_STEPS_MAX	4096
#define LEARNCONV_IDLE		60000	/* ms; more if a gap is longer. */

/**
 * learnconv_write(f, ct, prefix, plen, max):
 * Write the model's "conversations" field (without a trailing comma) to
 * ${f}: one conversation per connection of ${ct} carrying data, in order of
 * first appearance, at most ${max} of them (and LEARNCONV_MAX), each the
 * object of its "steps", the first LEARNCONV_STEPS_MAX data segments [dir,
 * len, gap_ms] (gap to the previous data segment, less the round trip to
 * the sender when the direction turns, the first one's to the connection's
 * first frame, in ms with microsecond precision), its "close" if known,
 * and, when the first segment is the client's, captured whole and starts
 * with the client's prefix (${plen} bytes ${prefix}), its "first": the
 * counts of its bytes after the prefix; with "draw": "all" and an idle_ms
 * of LEARNCONV_IDLE or a second above the longest gap.  Return the number
 * of conversations written.
 */
size_t learnconv_write(FILE *, const struct dust_ct *, const uint8_t *,
    size_t, size_t);

#endif /* !DUST_LEARNCONV_H */
