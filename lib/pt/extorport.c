#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "dust/rng.h"

#include "extorport.h"
#include "pt.h"
#include "ptaddr.h"

/* Where the exchange is: what tor sends next. */
enum { AUTHTYPES, SERVERHASH, STATUS, REPLYHEAD, REPLYBODY, DONE };

/**
 * extor_cookie_parse(cookie, file, len, why):
 * Check the ${len} bytes ${file} of an ExtORPort cookie file (the 32-byte
 * header, then 32 bytes of cookie) and copy its cookie to ${cookie}.
 * Return 0 on success, or -1 with *${why} naming the fault.
 */
int
extor_cookie_parse(uint8_t cookie[EXTOR_COOKIE_LEN], const uint8_t * file,
    size_t len, const char ** why)
{
	size_t hl = EXTOR_COOKIE_FILE_LEN - EXTOR_COOKIE_LEN;

	if (len != EXTOR_COOKIE_FILE_LEN) {
		*why = "an ExtORPort cookie file is 64 bytes long";
		return (-1);
	}
	if (memcmp(file, EXTOR_COOKIE_HEADER, hl) != 0) {
		*why = "no \"! Extended ORPort Auth Cookie !\" header";
		return (-1);
	}
	memcpy(cookie, file + hl, EXTOR_COOKIE_LEN);
	return (0);
}

/**
 * extor_hash(out, cookie, context, client_nonce, server_nonce):
 * HMAC-SHA256 keyed by ${cookie} of ${context} (EXTOR_SERVER_CONTEXT or
 * EXTOR_CLIENT_CONTEXT, without its NUL) || ${client_nonce} ||
 * ${server_nonce}, into ${out}.
 */
void
extor_hash(uint8_t out[EXTOR_HASH_LEN],
    const uint8_t cookie[EXTOR_COOKIE_LEN], const char * context,
    const uint8_t client_nonce[EXTOR_NONCE_LEN],
    const uint8_t server_nonce[EXTOR_NONCE_LEN])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, cookie, EXTOR_COOKIE_LEN);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)context,
	    strlen(context));
	crypto_auth_hmacsha256_update(&st, client_nonce, EXTOR_NONCE_LEN);
	crypto_auth_hmacsha256_update(&st, server_nonce, EXTOR_NONCE_LEN);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

/* Wipe the cookie and everything derived from it. */
static void
wipe_secrets(struct extor_client * c)
{

	sodium_memzero(c->cookie, sizeof(c->cookie));
	sodium_memzero(c->client_nonce, sizeof(c->client_nonce));
	sodium_memzero(c->buf, sizeof(c->buf));
}

/* End the exchange with ${status} and ${why}. */
static enum extor_status
finish(struct extor_client * c, enum extor_status status, const char * why)
{

	wipe_secrets(c);
	c->state = DONE;
	c->why = why;
	return (status);
}

/**
 * extor_client_init(c, cookie, useraddr, transport, rng):
 * Start an exchange with tor for a connection from ${useraddr} (NULL if
 * unknown) over ${transport}, authenticating with ${cookie}; the client
 * nonce comes from ${rng} (NULL: libsodium).  Return 0, or -1 if
 * ${transport} is not a transport name.
 */
int
extor_client_init(struct extor_client * c,
    const uint8_t cookie[EXTOR_COOKIE_LEN], const struct ptaddr * useraddr,
    const char * transport, const struct dust_rng * rng)
{

	memset(c, 0, sizeof(*c));
	if (!pt_name_valid(transport, strlen(transport)))
		return (-1);
	c->state = AUTHTYPES;
	memcpy(c->cookie, cookie, EXTOR_COOKIE_LEN);
	dust_rng_fill(rng, c->client_nonce, EXTOR_NONCE_LEN);
	if (useraddr != NULL)
		ptaddr_format(useraddr, c->useraddr);
	strcpy(c->transport, transport);
	return (0);
}

/* Take bytes until ${c}->buf holds ${need}; return 1 once it does. */
static int
fill(struct extor_client * c, size_t need, const uint8_t * in, size_t inlen,
    size_t * used)
{
	size_t n = need - c->have;

	if (n > inlen - *used)
		n = inlen - *used;
	if (n > 0)	/* ${in} may be NULL when ${inlen} is 0. */
		memcpy(c->buf + c->have, in + *used, n);
	c->have += n;
	*used += n;
	return (c->have == need);
}

/* The list of types has ended: choose SAFE_COOKIE, send the nonce. */
static enum extor_status
authtype(struct extor_client * c, uint8_t * out, size_t * outlen)
{

	if (!c->safe_cookie) {
		out[0] = 0;		/* "none of these" */
		*outlen = 1;
		return (finish(c, EXTOR_ERROR,
		    "tor offers no SAFE_COOKIE authentication"));
	}
	out[0] = EXTOR_AUTH_SAFE_COOKIE;
	memcpy(out + 1, c->client_nonce, EXTOR_NONCE_LEN);
	*outlen = 1 + EXTOR_NONCE_LEN;
	c->state = SERVERHASH;
	c->have = 0;
	return (EXTOR_SEND);
}

/* ServerHash || ServerNonce are in ${c}->buf: check, answer ClientHash. */
static enum extor_status
serverhash(struct extor_client * c, uint8_t * out, size_t * outlen)
{
	uint8_t expect[EXTOR_HASH_LEN];
	const uint8_t * sn = c->buf + EXTOR_HASH_LEN;
	int ok;

	extor_hash(expect, c->cookie, EXTOR_SERVER_CONTEXT, c->client_nonce,
	    sn);
	ok = (crypto_verify_32(expect, c->buf) == 0);
	sodium_memzero(expect, sizeof(expect));
	if (!ok)
		return (finish(c, EXTOR_ERROR, "tor's ServerHash is wrong "
		    "(not the cookie of this tor?)"));
	extor_hash(out, c->cookie, EXTOR_CLIENT_CONTEXT, c->client_nonce, sn);
	*outlen = EXTOR_HASH_LEN;
	wipe_secrets(c);
	c->state = STATUS;
	c->have = 0;
	return (EXTOR_SEND);
}

/* Append command ${code} with ${len} bytes of ${body} at ${out}+*${n}. */
static void
command(uint8_t * out, size_t * n, uint16_t code, const char * body,
    size_t len)
{

	out[(*n)++] = (uint8_t)(code >> 8);
	out[(*n)++] = (uint8_t)code;
	out[(*n)++] = (uint8_t)(len >> 8);
	out[(*n)++] = (uint8_t)len;
	memcpy(out + *n, body, len);
	*n += len;
}

/* The status byte is in ${c}->buf: send USERADDR, TRANSPORT, DONE. */
static enum extor_status
status(struct extor_client * c, uint8_t * out, size_t * outlen)
{

	if (c->buf[0] == 0)
		return (finish(c, EXTOR_ERROR,
		    "tor refused the authentication (status 0)"));
	if (c->buf[0] != 1)
		return (finish(c, EXTOR_ERROR,
		    "tor sent an authentication status neither 0 nor 1"));
	*outlen = 0;
	if (c->useraddr[0] != '\0')
		command(out, outlen, EXTOR_CMD_USERADDR, c->useraddr,
		    strlen(c->useraddr));
	command(out, outlen, EXTOR_CMD_TRANSPORT, c->transport,
	    strlen(c->transport));
	command(out, outlen, EXTOR_CMD_DONE, "", 0);
	c->state = REPLYHEAD;
	c->have = 0;
	return (EXTOR_SEND);
}

/*
 * A reply's body has been skipped: EXTOR_OKAY, EXTOR_DENIED, or
 * EXTOR_NEED_MORE to read the next reply (one not understood is ignored).
 */
static enum extor_status
replied(struct extor_client * c)
{

	if (c->reply == EXTOR_REPLY_OKAY)
		return (finish(c, EXTOR_OKAY, NULL));
	if (c->reply == EXTOR_REPLY_DENY)
		return (finish(c, EXTOR_DENIED,
		    "tor denied the connection (DENY)"));
	c->state = REPLYHEAD;
	c->have = 0;
	return (EXTOR_NEED_MORE);
}

/**
 * extor_client_feed(c, in, inlen, used, out, outlen):
 * Feed up to ${inlen} bytes from tor; *${used} is how many were taken
 * (bytes after OKAY are not taken: they are the OR protocol's).  On
 * EXTOR_SEND, ${out} (EXTOR_OUT_MAX bytes) holds *${outlen} bytes to send
 * before feeding the rest.  On EXTOR_ERROR and EXTOR_DENIED, ${c}->why
 * names the reason; on EXTOR_ERROR send *${outlen} bytes, if any (the 0
 * that declines tor's authentication types), before closing.
 */
enum extor_status
extor_client_feed(struct extor_client * c, const uint8_t * in,
    size_t inlen, size_t * used, uint8_t * out, size_t * outlen)
{
	enum extor_status st;
	size_t n;

	*used = 0;
	*outlen = 0;
	for (;;) {
		switch (c->state) {
		case AUTHTYPES:
			if (*used == inlen)
				return (EXTOR_NEED_MORE);
			if (in[*used] == 0) {
				(*used)++;
				return (authtype(c, out, outlen));
			}
			if (in[(*used)++] == EXTOR_AUTH_SAFE_COOKIE)
				c->safe_cookie = 1;
			if (++c->ntypes > 255)
				return (finish(c, EXTOR_ERROR, "tor lists "
				    "more than 255 authentication types"));
			break;
		case SERVERHASH:
			if (!fill(c, EXTOR_HASH_LEN + EXTOR_NONCE_LEN, in,
			    inlen, used))
				return (EXTOR_NEED_MORE);
			return (serverhash(c, out, outlen));
		case STATUS:
			if (!fill(c, 1, in, inlen, used))
				return (EXTOR_NEED_MORE);
			return (status(c, out, outlen));
		case REPLYHEAD:
			if (!fill(c, 4, in, inlen, used))
				return (EXTOR_NEED_MORE);
			c->reply = (uint16_t)(c->buf[0] << 8 | c->buf[1]);
			c->skip = (size_t)(c->buf[2] << 8 | c->buf[3]);
			c->state = REPLYBODY;
			break;
		case REPLYBODY:
			n = inlen - *used;
			n = (n < c->skip) ? n : c->skip;
			*used += n;
			c->skip -= n;
			if (c->skip > 0)
				return (EXTOR_NEED_MORE);
			if ((st = replied(c)) != EXTOR_NEED_MORE)
				return (st);
			break;
		default:
			c->why = "bytes from tor after the exchange ended";
			return (EXTOR_ERROR);
		}
	}
}

/**
 * extor_client_clear(c):
 * Wipe ${c} (its cookie and nonces included).
 */
void
extor_client_clear(struct extor_client * c)
{

	sodium_memzero(c, sizeof(*c));
}
