/*
 * proxymuxd's reading of a SOCKS connection's destination prefix, on any
 * bytes cut anywhere: the streaming decoder must agree with the one-shot
 * socks5_dest_decode, and re-encode to the bytes it took.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "socks/proxyopen.h"
#include "socks/socks5.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
	struct proxyopen_dec dec;
	struct socks5_dest d, d1;
	uint8_t enc[PROXYOPEN_DEST_MAX + 16], code;
	const char * why;
	size_t off, used, step, n, n1;
	int r = 0;

	if (size < 1)
		return (0);
	/* The first byte chooses the size of the pieces. */
	step = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	proxyopen_dec_init(&dec);
	for (off = 0; off < size; off += used) {
		n = (size - off < step) ? size - off : step;
		r = proxyopen_dec_feed(&dec, data + off, n, &used, &d, &code,
		    &why);
		if (used > n || (r == 0 && used != n))
			abort();
		if (r != 0) {
			off += used;
			break;
		}
	}
	n1 = socks5_dest_decode(&d1, data, size);
	if (r == 1) {
		/* Same destination as the one-shot decoder, same bytes. */
		if (n1 != off || d1.atyp != d.atyp || d1.port != d.port ||
		    d1.addrlen != d.addrlen ||
		    memcmp(d1.addr, d.addr, d.addrlen) != 0)
			abort();
		if (proxyopen_encode(&d, data + off, 0, enc, sizeof(enc)) !=
		    off || memcmp(enc, data, off) != 0)
			abort();
	} else if (r == -1) {
		if (n1 != 0 || why == NULL || (code != SOCKS5_BAD_ATYP &&
		    code != SOCKS5_HOST_UNREACH))
			abort();
	} else if (n1 != 0) {
		/* Needs more, yet a whole destination was there. */
		abort();
	}
	return (0);
}
