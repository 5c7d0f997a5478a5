#ifndef DUST_EXTORPORT_H
#define DUST_EXTORPORT_H

#include <stddef.h>
#include <stdint.h>

#include "dust/rng.h"

#include "pt.h"
#include "ptaddr.h"

/*
 * The client side of tor's Extended ORPort (ext-orport-spec.txt), what a
 * transport server speaks to tor, sans-I/O: bytes from tor go in, bytes
 * to send to tor come out, and the status says what is next.
 *   1. tor lists its authentication types; we choose SAFE_COOKIE (1) and
 *      send a 32-byte client nonce ("Authentication type: SAFE_COOKIE");
 *   2. tor sends ServerHash and ServerNonce; we check ServerHash in
 *      constant time and answer ClientHash, both HMAC-SHA256 keyed by the
 *      cookie over the specification's context string and both nonces;
 *   3. tor sends a status byte (1: authenticated);
 *   4. we send USERADDR (if known), TRANSPORT and DONE ("The extended
 *      ORPort protocol"), and tor replies OKAY or DENY (other replies are
 *      skipped).  After OKAY the connection carries the OR protocol.
 * The cookie and every secret derived from it are wiped as soon as they
 * are no longer needed.
 */

#define EXTOR_COOKIE_LEN	32
#define EXTOR_COOKIE_FILE_LEN	64	/* header, then the cookie */
#define EXTOR_COOKIE_HEADER	"! Extended ORPort Auth Cookie !\n"
#define EXTOR_NONCE_LEN		32
#define EXTOR_HASH_LEN		32
#define EXTOR_AUTH_SAFE_COOKIE	1
#define EXTOR_OUT_MAX		256	/* bytes one step may ask to send */

/* Command codes (ext-orport-spec.txt, "Protocol"). */
#define EXTOR_CMD_DONE		0x0000
#define EXTOR_CMD_USERADDR	0x0001
#define EXTOR_CMD_TRANSPORT	0x0002
#define EXTOR_REPLY_OKAY	0x1000
#define EXTOR_REPLY_DENY	0x1001

/* The HMAC context strings (ext-orport-spec.txt, SAFE_COOKIE). */
#define EXTOR_SERVER_CONTEXT	\
	"ExtORPort authentication server-to-client hash"
#define EXTOR_CLIENT_CONTEXT	\
	"ExtORPort authentication client-to-server hash"

enum extor_status {
	EXTOR_NEED_MORE,	/* Feed more bytes from tor. */
	EXTOR_SEND,		/* Send the out bytes, then feed the rest. */
	EXTOR_OKAY,		/* tor said OKAY: relay the connection. */
	EXTOR_DENIED,		/* tor said DENY: close. */
	EXTOR_ERROR		/* ${why} says what was wrong: close. */
};

struct extor_client {
	int state;
	uint8_t cookie[EXTOR_COOKIE_LEN];	/* secret */
	uint8_t client_nonce[EXTOR_NONCE_LEN];
	uint8_t buf[EXTOR_HASH_LEN + EXTOR_NONCE_LEN];	/* a message */
	size_t have;			/* bytes of it */
	size_t ntypes;			/* authentication types listed */
	int safe_cookie;		/* ...one of which is SAFE_COOKIE */
	uint16_t reply;			/* the reply whose body is skipped */
	size_t skip;			/* bytes of that body left */
	char useraddr[PTADDR_TEXTMAX];	/* "" if unknown */
	char transport[PT_NAMEMAX + 1];
	const char * why;		/* for EXTOR_ERROR and EXTOR_DENIED */
};

/**
 * extor_cookie_parse(cookie, file, len, why):
 * Check the ${len} bytes ${file} of an ExtORPort cookie file (the 32-byte
 * header, then 32 bytes of cookie) and copy its cookie to ${cookie}.
 * Return 0 on success, or -1 with *${why} naming the fault.
 */
int extor_cookie_parse(uint8_t[EXTOR_COOKIE_LEN], const uint8_t *, size_t,
    const char **);

/**
 * extor_hash(out, cookie, context, client_nonce, server_nonce):
 * HMAC-SHA256 keyed by ${cookie} of ${context} (EXTOR_SERVER_CONTEXT or
 * EXTOR_CLIENT_CONTEXT, without its NUL) || ${client_nonce} ||
 * ${server_nonce}, into ${out}.
 */
void extor_hash(uint8_t[EXTOR_HASH_LEN], const uint8_t[EXTOR_COOKIE_LEN],
    const char *, const uint8_t[EXTOR_NONCE_LEN],
    const uint8_t[EXTOR_NONCE_LEN]);

/**
 * extor_client_init(c, cookie, useraddr, transport, rng):
 * Start an exchange with tor for a connection from ${useraddr} (NULL if
 * unknown) over ${transport}, authenticating with ${cookie}; the client
 * nonce comes from ${rng} (NULL: libsodium).  Return 0, or -1 if
 * ${transport} is not a transport name.
 */
int extor_client_init(struct extor_client *, const uint8_t[EXTOR_COOKIE_LEN],
    const struct ptaddr *, const char *, const struct dust_rng *);

/**
 * extor_client_feed(c, in, inlen, used, out, outlen):
 * Feed up to ${inlen} bytes from tor; *${used} is how many were taken
 * (bytes after OKAY are not taken: they are the OR protocol's).  On
 * EXTOR_SEND, ${out} (EXTOR_OUT_MAX bytes) holds *${outlen} bytes to send
 * before feeding the rest.  On EXTOR_ERROR and EXTOR_DENIED, ${c}->why
 * names the reason; on EXTOR_ERROR send *${outlen} bytes, if any (the 0
 * that declines tor's authentication types), before closing.
 */
enum extor_status extor_client_feed(struct extor_client *, const uint8_t *,
    size_t, size_t *, uint8_t *, size_t *);

/**
 * extor_client_clear(c):
 * Wipe ${c} (its cookie and nonces included).
 */
void extor_client_clear(struct extor_client *);

#endif /* !DUST_EXTORPORT_H */
