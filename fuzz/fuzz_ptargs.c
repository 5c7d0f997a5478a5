/*
 * Per-bridge arguments ("k=v;k=v") and TOR_PT_SERVER_TRANSPORT_OPTIONS
 * ("transport:k=v;...") on any bytes.  What parses must encode, parse back
 * to the same list and encode to the same text; the SOCKS5 form is tried
 * with the input cut into a username and a password at every place the
 * first byte names.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pt/ptargs.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Encode ${a}, parse it back and compare; abort on any difference. */
static void
round_trip(const struct ptargs * a)
{
	static char enc[4 * PTARGS_BUFLEN], enc2[4 * PTARGS_BUFLEN];
	struct ptargs b;
	size_t i, len, len2;

	if (ptargs_encode(a, enc, sizeof(enc), &len) ||
	    ptargs_parse(&b, enc, len, NULL) || b.n != a->n)
		abort();
	for (i = 0; i < a->n; i++)
		if (strcmp(ptargs_key(a, i), ptargs_key(&b, i)) ||
		    strcmp(ptargs_value(a, i), ptargs_value(&b, i)) ||
		    ptargs_key(a, i)[0] == '\0')
			abort();
	if (ptargs_encode(&b, enc2, sizeof(enc2), &len2) || len2 != len ||
	    memcmp(enc, enc2, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
	struct ptargs a;
	struct pt_error err;
	size_t cut;

	if (ptargs_parse(&a, (const char *)data, size, &err) == 0)
		round_trip(&a);
	else if (memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
		abort();

	if (size > 0) {
		cut = data[0] % size;
		if (ptargs_from_socks5_auth(&a, data + 1, cut, data + 1 + cut,
		    size - 1 - cut, &err) == 0)
			round_trip(&a);
	}

	if (ptargs_options_parse(&a, (const char *)data, size, "dust",
	    &err) == 0)
		round_trip(&a);
	return (0);
}
