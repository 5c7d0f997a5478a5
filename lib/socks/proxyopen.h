#ifndef DUST_PROXYOPEN_H
#define DUST_PROXYOPEN_H

#include <stddef.h>
#include <stdint.h>

#include "socks5.h"

/*
 * proxymux's extension of the pipemux protocol (docs/proxymux.md), without
 * I/O.  A SOCKS connection is a pipemux connection on the reserved port id
 * PROXYOPEN_PORT whose byte streams begin with a handshake of their own:
 *
 *   client -> server: the destination, ATYP || ADDR || PORT as in a SOCKS5
 *                     request (a domain with its length byte; see
 *                     socks5_dest_encode), then the connection's data.
 *   server -> client: one status byte, the SOCKS5 reply code (0x00 when
 *                     the destination is connected; anything else is
 *                     followed by the close frame), then the data.
 *
 * proxymux puts the destination (and any bytes the SOCKS client sent after
 * its request) in the data of the open frame; proxymuxd reads it as a
 * prefix of the stream, so a peer may also split it over write frames.
 */

#define PROXYOPEN_PORT		0xff	/* The port id of SOCKS connections. */
#define PROXYOPEN_DEST_MAX	(1 + 1 + 255 + 2)	/* Longest prefix. */

/* Streaming decoder of the destination prefix. */
struct proxyopen_dec {
	uint8_t buf[PROXYOPEN_DEST_MAX];
	size_t have;
};

/**
 * proxyopen_encode(dest, data, len, out, outlen):
 * Write the data of a proxymux open frame, the destination ${dest} then
 * ${len} bytes of ${data}, into ${out}.  Return the bytes written, or 0 if
 * ${out} (${outlen} bytes) is too small or ${dest} cannot be encoded.
 */
size_t proxyopen_encode(const struct socks5_dest *, const uint8_t *, size_t,
    uint8_t *, size_t);

/**
 * proxyopen_dec_init(dec):
 * Make ${dec} ready for the first byte of a connection's stream.
 */
void proxyopen_dec_init(struct proxyopen_dec *);

/**
 * proxyopen_dec_feed(dec, in, inlen, used, dest, code, why):
 * Take bytes of the stream from ${in} until the destination is whole.
 * Return 1 with it in ${dest} and *${used} the bytes of ${in} it took (the
 * rest is the connection's data); 0 if all ${inlen} bytes were taken and
 * more are needed; or -1 with the SOCKS5 reply code to send back in
 * *${code} and a sentence in *${why} (unknown address type: 0x08; empty
 * name or a name holding a NUL byte: 0x04).  After 1 or -1 the decoder
 * must not be fed again.
 */
int proxyopen_dec_feed(struct proxyopen_dec *, const uint8_t *, size_t,
    size_t *, struct socks5_dest *, uint8_t *, const char **);

/**
 * proxyopen_errno_code(err):
 * Return the SOCKS5 reply code for a connect that failed with errno
 * ${err}: ENETUNREACH 0x03; EHOSTUNREACH, EHOSTDOWN 0x04; ECONNREFUSED
 * 0x05; ETIMEDOUT 0x06; EACCES, EPERM 0x02; EAFNOSUPPORT 0x08; else 0x01.
 */
uint8_t proxyopen_errno_code(int);

/**
 * proxyopen_code_name(code):
 * Return the name RFC 1928 gives the reply code ${code}, for log lines.
 */
const char * proxyopen_code_name(uint8_t);

#endif /* !DUST_PROXYOPEN_H */
