#include <string.h>

#include "socks5_client.h"

enum { METHOD, AUTH, REPLY, DONE };

/* request(c, out): the CONNECT request; its length. */
static size_t
request(const struct socks5_client * c, uint8_t * out)
{
	size_t n;

	out[0] = 5;
	out[1] = 1;		/* CONNECT */
	out[2] = 0;
	n = 3 + socks5_dest_encode(&c->dest, out + 3,
	    SOCKS5_CLIENT_OUT_MAX - 3);
	return (n);
}

/**
 * socks5_client_init(c, dest, user, ulen, pass, plen, out, outlen):
 * Start a CONNECT to ${dest} (IPv4 or IPv6), with the username and
 * password given (${user} NULL: no authentication offered); the greeting
 * to send is written to ${out} (SOCKS5_CLIENT_OUT_MAX bytes), *${outlen}
 * bytes.  Return 0, or -1 if ${dest} or a length is not acceptable.
 */
int
socks5_client_init(struct socks5_client * c, const struct socks5_dest * dest,
    const uint8_t * user, size_t ulen, const uint8_t * pass, size_t plen,
    uint8_t * out, size_t * outlen)
{

	memset(c, 0, sizeof(*c));
	if ((dest->atyp != SOCKS5_ATYP_IPV4 || dest->addrlen != 4) &&
	    (dest->atyp != SOCKS5_ATYP_IPV6 || dest->addrlen != 16))
		return (-1);
	if (user != NULL && (ulen < 1 || ulen > 255 || plen < 1 ||
	    plen > 255))
		return (-1);
	c->dest = *dest;
	c->state = METHOD;
	out[0] = 5;
	out[1] = 1;
	out[2] = 0x00;
	if (user != NULL) {
		c->auth = 1;
		memcpy(c->user, user, ulen);
		c->ulen = ulen;
		memcpy(c->pass, pass, plen);
		c->plen = plen;
		out[2] = 0x02;
	}
	*outlen = 3;
	return (0);
}

/* fail(c, why): end with ${why}. */
static enum socks5_client_status
fail(struct socks5_client * c, const char * why)
{

	c->state = DONE;
	c->why = why;
	return (SOCKS5_CLIENT_ERROR);
}

/* wanted(c): how long the message in ${c->buf} is, knowing what we have. */
static size_t
wanted(const struct socks5_client * c)
{

	if (c->state != REPLY)
		return (2);
	if (c->have < 5)
		return (5);
	switch (c->buf[3]) {
	case SOCKS5_ATYP_IPV4:
		return (4 + 4 + 2);
	case SOCKS5_ATYP_IPV6:
		return (4 + 16 + 2);
	default: /* SOCKS5_ATYP_DOMAIN; others were refused. */
		return (4 + 1 + (size_t)c->buf[4] + 2);
	}
}

/* A whole message is in ${c->buf}: act on it. */
static enum socks5_client_status
message(struct socks5_client * c, uint8_t * out, size_t * outlen)
{

	c->have = 0;
	switch (c->state) {
	case METHOD:
		if (c->buf[0] != 5)
			return (fail(c, "the proxy does not speak SOCKS 5"));
		if (c->buf[1] == 0x02 && c->auth) {
			out[0] = 1;
			out[1] = (uint8_t)c->ulen;
			memcpy(out + 2, c->user, c->ulen);
			out[2 + c->ulen] = (uint8_t)c->plen;
			memcpy(out + 3 + c->ulen, c->pass, c->plen);
			*outlen = 3 + c->ulen + c->plen;
			c->state = AUTH;
			return (SOCKS5_CLIENT_SEND);
		}
		if (c->buf[1] != 0x00)
			return (fail(c, c->auth ? "the proxy accepts neither "
			    "our username and password nor no authentication" :
			    "the proxy wants authentication"));
		*outlen = request(c, out);
		c->state = REPLY;
		return (SOCKS5_CLIENT_SEND);
	case AUTH:
		if (c->buf[1] != 0)
			return (fail(c, "the proxy refused our username and "
			    "password"));
		*outlen = request(c, out);
		c->state = REPLY;
		return (SOCKS5_CLIENT_SEND);
	default: /* REPLY */
		c->state = DONE;
		c->code = c->buf[1];
		if (c->buf[1] != SOCKS5_OK)
			return (fail(c, "the proxy refused the connection"));
		return (SOCKS5_CLIENT_DONE);
	}
}

/**
 * socks5_client_feed(c, in, inlen, used, out, outlen):
 * Feed up to ${inlen} bytes from the proxy; *${used} is how many were
 * taken.  On SOCKS5_CLIENT_SEND, ${out} holds *${outlen} bytes to send.
 * On SOCKS5_CLIENT_ERROR, ${c}->why names the fault (and ${c}->code is the
 * proxy's reply code, if it refused the CONNECT).
 */
enum socks5_client_status
socks5_client_feed(struct socks5_client * c, const uint8_t * in,
    size_t inlen, size_t * used, uint8_t * out, size_t * outlen)
{

	*used = 0;
	*outlen = 0;
	if (c->state == DONE)
		return (fail(c, "bytes after the exchange ended"));
	for (;;) {
		if (c->state == REPLY && c->have >= 4) {
			if (c->buf[0] != 5)
				return (fail(c, "the proxy's reply is not "
				    "SOCKS 5"));
			if (c->buf[3] != SOCKS5_ATYP_IPV4 &&
			    c->buf[3] != SOCKS5_ATYP_IPV6 &&
			    c->buf[3] != SOCKS5_ATYP_DOMAIN)
				return (fail(c, "the proxy's reply has an "
				    "unknown address type"));
		}
		if (c->have == wanted(c))
			return (message(c, out, outlen));
		if (*used == inlen)
			return (SOCKS5_CLIENT_NEED_MORE);
		c->buf[c->have++] = in[(*used)++];
	}
}
