/*
 * The ExtORPort client on any bytes from tor.  An HMAC cannot be guessed,
 * so when the first byte is odd the target puts the right ServerHash where
 * it belongs (after the authentication types), so that the status byte
 * and the replies are reached too.  The second byte sets the size of the
 * pieces the input is fed in.  Nothing may be taken beyond what was fed,
 * nor more than EXTOR_OUT_MAX bytes asked to be sent.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/rng.h"

#include "pt/extorport.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t cookie[EXTOR_COOKIE_LEN] = "a fixed cookie for the fuzzer..";
static const uint8_t nonce[EXTOR_NONCE_LEN] = "a fixed client nonce, fuzzing..";

/* The fuzzer's "random" source: the fixed nonce. */
static void
fixed_fill(void * ctx, uint8_t * buf, size_t len)
{

	(void)ctx;
	memcpy(buf, nonce, len < sizeof(nonce) ? len : sizeof(nonce));
}

/* Build the stream from tor into ${in}; return its length. */
static size_t
stream(int splice, const uint8_t * data, size_t size, uint8_t * in)
{
	const uint8_t * end;
	size_t types;

	if (!splice || (end = memchr(data, 0, size)) == NULL ||
	    (size_t)(end - data) + 1 + EXTOR_NONCE_LEN > size) {
		memcpy(in, data, size);
		return (size);
	}
	types = (size_t)(end - data) + 1;
	memcpy(in, data, types);
	/* The server nonce is the input's next 32 bytes. */
	extor_hash(in + types, cookie, EXTOR_SERVER_CONTEXT, nonce,
	    data + types);
	memcpy(in + types + EXTOR_HASH_LEN, data + types, size - types);
	return (size + EXTOR_HASH_LEN);
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
	static uint8_t in[70000];
	struct dust_rng rng = { fixed_fill, NULL };
	struct extor_client c;
	uint8_t out[EXTOR_OUT_MAX];
	size_t len, step, off = 0, used, outlen;
	enum extor_status st = EXTOR_NEED_MORE;

	if (size < 3 || size > sizeof(in) - EXTOR_HASH_LEN)
		return (0);
	step = 1 + data[1] % 64;
	len = stream(data[0] & 1, data + 2, size - 2, in);
	if (extor_client_init(&c, cookie, NULL, "dust", &rng))
		abort();
	while (off < len) {
		size_t n = (len - off < step) ? len - off : step;

		st = extor_client_feed(&c, in + off, n, &used, out, &outlen);
		if (used > n || outlen > EXTOR_OUT_MAX)
			abort();
		off += used;
		if (st == EXTOR_NEED_MORE && used != n)
			abort();
		if (st != EXTOR_NEED_MORE && st != EXTOR_SEND)
			break;
	}
	if ((st == EXTOR_ERROR || st == EXTOR_DENIED) && c.why == NULL)
		abort();
	extor_client_clear(&c);
	return (0);
}
