#ifndef CONVTEST_H
#define CONVTEST_H

/*
 * Helpers of the conversation tests: the built-in uniform model (no
 * prefix, every byte value, 8 bits per byte: a usable first step needs 48
 * bytes) with a "conversations" field added.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dust/model.h"

/* conv_model_text(conv): uniform's JSON text with "conversations": conv. */
static char *
conv_model_text(const char * conv)
{
	const char * base = dust_model_builtin_json("uniform");
	size_t blen = strlen(base), clen = strlen(conv);
	char * t;

	/* Drop the closing brace (and what follows it). */
	while (blen > 0 && base[blen - 1] != '}')
		blen--;
	blen--;
	if ((t = malloc(blen + clen + 32)) == NULL)
		abort();
	memcpy(t, base, blen);
	sprintf(t + blen, ", \"conversations\": %s}\n", conv);
	return (t);
}

/* conv_model(conv, err): load uniform with "conversations": ${conv}. */
static struct dust_model *
conv_model(const char * conv, char * err, size_t errlen)
{
	char * t = conv_model_text(conv);
	struct dust_model * m = dust_model_parse(t, strlen(t), err, errlen);

	free(t);
	return (m);
}

#endif /* !CONVTEST_H */
