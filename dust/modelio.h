#ifndef DUST_MODELIO_H
#define DUST_MODELIO_H

#include <stddef.h>

#include "dust/model.h"

/* Longest required prefix a learned model gets. */
#define MODELIO_PREFIX_MAX	DUST_PREFIX_MAX

/**
 * modelio_text(model, len):
 * Return the JSON text of ${model}: the file of that path, else the
 * built-in model of that name (malloc'd, ${len} bytes, NUL-terminated), or
 * NULL after printing what was wrong.
 */
char * modelio_text(const char *, size_t *);

/**
 * modelio_load(model):
 * Load ${model} (a path or a built-in name) with the shape loader.  Return
 * it, or NULL after printing the loader's message.
 */
struct dust_model * modelio_load(const char *);

/**
 * modelio_check(model):
 * Return 0 if ${model} loads, else -1 after printing why not.
 */
int modelio_check(const char *);

/**
 * modelio_invite(text, why, whylen):
 * Load the model an invite carries in its model field ${text}: none (only
 * white space: "uniform"), a model's JSON text (starting with '{'), or a
 * built-in model's name.  Return it, or NULL with the loader's message in
 * ${why}.  This is the one loader of an invite's model: dust client,
 * server and engine use it, and dust invite checks its model with it.
 */
struct dust_model * modelio_invite(const char *, char *, size_t);

#endif /* !DUST_MODELIO_H */
