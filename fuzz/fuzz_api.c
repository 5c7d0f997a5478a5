/*
 * The API's request decoder (include/dust/api.h) on arbitrary bytes: a
 * client engine of the http model executes request after request until
 * one is bad or incomplete.  No crash, hang or leak; an error always
 * comes with its message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dust/api.h"
#include "dust/engine.h"
#include "dust/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dust_model * model;
static uint8_t out[DUST_API_RESPONSE_MAX];

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	static const uint8_t B[32] = { 9 };
	static const uint8_t sid[7] = { 0, 127, 0, 0, 1, 0x1f, 0x90 };
	struct dust_engine * e;
	const char * why;
	size_t outlen;
	int n;

	if (model == NULL &&
	    (model = dust_model_builtin("http", NULL, 0)) == NULL)
		abort();
	if ((e = dust_engine_client_new(model, B, sid, sizeof(sid),
	    NULL)) == NULL)
		abort();
	while ((n = dust_api_step(e, data, len, out, &outlen, &why)) > 0) {
		if (outlen > DUST_API_RESPONSE_MAX)
			abort();
		data += n;
		len -= (size_t)n;
	}
	if (n < 0 && why == NULL)
		abort();
	dust_engine_free(e);
	return (0);
}
