#ifndef DUST_SHAPE_CONVPARSE_H
#define DUST_SHAPE_CONVPARSE_H

#include <stddef.h>

#include <jansson.h>

#include "dust/conversation.h"
#include "dust/model.h"

/**
 * convparse(v, m, set, errbuf, errlen):
 * Load the "conversations" value ${v} of the model ${m} (whose parts are
 * loaded) into *${set}, computing which conversations are usable.  Return
 * 0, or -1 with a message naming the field in ${errbuf} (e.g.
 * "conversations.list[3][0]: directions must be 0 or 1").
 */
int convparse(const json_t *, const struct dust_model *,
    struct dust_convset **, char *, size_t);

#endif /* !DUST_SHAPE_CONVPARSE_H */
