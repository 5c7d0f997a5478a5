/*
 * The SOCKS5 client (lib/socks/socks5_client.c) on any bytes from a
 * proxy, with a username and password offered when the input's length is
 * odd: it must never take more than it is given nor ask to send more than
 * SOCKS5_CLIENT_OUT_MAX bytes, and a refusal must say why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "socks/socks5_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
	struct socks5_dest d = {SOCKS5_ATYP_IPV4, {192, 0, 2, 1}, 4, 443};
	struct socks5_client c;
	uint8_t out[SOCKS5_CLIENT_OUT_MAX];
	size_t off = 0, used, outlen;
	enum socks5_client_status st;

	if (socks5_client_init(&c, &d, (size & 1) ? (const uint8_t *)"u" :
	    NULL, 1, (const uint8_t *)"p", 1, out, &outlen) || outlen != 3)
		abort();
	do {
		st = socks5_client_feed(&c, data + off, size - off, &used,
		    out, &outlen);
		off += used;
		if (off > size || outlen > sizeof(out))
			abort();
	} while (st == SOCKS5_CLIENT_SEND);
	if (st == SOCKS5_CLIENT_ERROR && c.why == NULL)
		abort();
	return (0);
}
