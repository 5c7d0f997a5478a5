/*
 * The SOCKS5 server parser (without authentication, and with RFC 1929's
 * username and password when the input's length is odd) and the
 * destination decoder on any bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "socks/socks5.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
	struct socks5_server s;
	struct socks5_dest d;
	uint8_t reply[32], enc[300];
	size_t used, rl, off = 0, n;
	enum socks5_status st;
	char buf[300];

	if (size & 1)
		socks5_server_init_auth(&s);
	else
		socks5_server_init(&s);
	do {
		st = socks5_server_feed(&s, data + off, size - off, &used,
		    reply, &rl);
		off += used;
		if (off > size || rl > 10)
			abort();
	} while (st == SOCKS5_REPLY);
	if (st == SOCKS5_REQUEST)
		socks5_dest_format(&s.dest, buf, sizeof(buf));
	if (s.ulen > sizeof(s.uname) || s.plen > sizeof(s.passwd) ||
	    (s.auth && !s.want_auth))
		abort();

	/* A destination that decodes must encode to the same bytes. */
	if ((n = socks5_dest_decode(&d, data, size)) != 0) {
		if (socks5_dest_encode(&d, enc, sizeof(enc)) != n)
			abort();
		for (size_t i = 0; i < n; i++)
			if (enc[i] != data[i])
				abort();
		socks5_dest_format(&d, buf, sizeof(buf));
	}
	return (0);
}
