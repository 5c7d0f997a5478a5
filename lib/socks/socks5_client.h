#ifndef DUST_SOCKS5_CLIENT_H
#define DUST_SOCKS5_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "socks5.h"

/*
 * The client side of SOCKS version 5 (RFC 1928), sans-I/O: a CONNECT to
 * an IPv4 or IPv6 destination, without authentication or with a username
 * and password (RFC 1929).  The greeting comes from socks5_client_init;
 * then bytes from the proxy go in, bytes to send come out, and the status
 * says what is next.  Bytes after the proxy's reply are not taken: they
 * are the destination's.
 */

/* Bytes one step may ask to send: a username and password message. */
#define SOCKS5_CLIENT_OUT_MAX	(3 + 255 + 255)

enum socks5_client_status {
	SOCKS5_CLIENT_NEED_MORE,	/* Feed more bytes. */
	SOCKS5_CLIENT_SEND,		/* Send the out bytes, feed the rest. */
	SOCKS5_CLIENT_DONE,		/* Connected through the proxy. */
	SOCKS5_CLIENT_ERROR		/* ${why} (and ${code}) say why. */
};

struct socks5_client {
	int state;
	uint8_t buf[4 + 1 + 255 + 2];	/* The message being read. */
	size_t have;
	struct socks5_dest dest;
	int auth;			/* A username and password, */
	uint8_t user[255], pass[255];	/* these, */
	size_t ulen, plen;		/* of these lengths (1 to 255). */
	uint8_t code;			/* The proxy's reply code. */
	const char * why;
};

/**
 * socks5_client_init(c, dest, user, ulen, pass, plen, out, outlen):
 * Start a CONNECT to ${dest} (IPv4 or IPv6), with the username and
 * password given (${user} NULL: no authentication offered); the greeting
 * to send is written to ${out} (SOCKS5_CLIENT_OUT_MAX bytes), *${outlen}
 * bytes.  Return 0, or -1 if ${dest} or a length is not acceptable.
 */
int socks5_client_init(struct socks5_client *, const struct socks5_dest *,
    const uint8_t *, size_t, const uint8_t *, size_t, uint8_t *, size_t *);

/**
 * socks5_client_feed(c, in, inlen, used, out, outlen):
 * Feed up to ${inlen} bytes from the proxy; *${used} is how many were
 * taken.  On SOCKS5_CLIENT_SEND, ${out} holds *${outlen} bytes to send.
 * On SOCKS5_CLIENT_ERROR, ${c}->why names the fault (and ${c}->code is the
 * proxy's reply code, if it refused the CONNECT).
 */
enum socks5_client_status socks5_client_feed(struct socks5_client *,
    const uint8_t *, size_t, size_t *, uint8_t *, size_t *);

#endif /* !DUST_SOCKS5_CLIENT_H */
