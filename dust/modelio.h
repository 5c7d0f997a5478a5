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

#endif /* !DUST_MODELIO_H */
