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

#include "dust/keyfile.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"

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

/*
 * conv_fixture(conv, b, B, sid, sidlen): load uniform with
 * "conversations": ${conv} (NULL, the reason on stderr, on error), and
 * make the server's keys ${b}, ${B} (seed 7) and identifier ${sid} of
 * ${sidlen} bytes (192.0.2.1:443).
 */
static inline struct dust_model *
conv_fixture(const char * conv, uint8_t b[32], uint8_t B[32], uint8_t * sid,
    size_t * sidlen)
{
	struct dust_rng_seeded r;
	const uint8_t addr[4] = { 192, 0, 2, 1 };
	struct dust_model * m;
	char err[256];

	if ((m = conv_model(conv, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return (NULL);
	}
	dust_rng_seeded_u64(&r, 7);
	keyfile_generate(b, B, &r.rng);
	*sidlen = seattle_sid(sid, 0, addr, 443, 0);
	return (m);
}

#endif /* !CONVTEST_H */
