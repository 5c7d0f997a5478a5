#ifndef DUST_LEARNHOSTS_H
#define DUST_LEARNHOSTS_H

#include <stdio.h>

#include "capture/conntrack.h"

/**
 * learnhosts_write(f, ct):
 * Write ",\n  \"hosts\": {...}", the host-level behaviour of the client
 * of the connections ${ct} (docs/models.md: start gaps, connections at
 * once, lifetimes, idle time before the close, who closes and how, and
 * keep-alives of an idle client), to ${f}.  Return 0, or -1 after a
 * warning (out of memory).
 */
int learnhosts_write(FILE *, const struct dust_ct *);

#endif /* !DUST_LEARNHOSTS_H */
