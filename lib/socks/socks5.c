#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "socks5.h"

enum { GREETING, AUTH, REQUEST, DONE };

/**
 * socks5_server_init(s):
 * Start the server side of one SOCKS5 exchange.
 */
void
socks5_server_init(struct socks5_server * s)
{

	memset(s, 0, sizeof(*s));
	s->state = GREETING;
}

/**
 * socks5_server_init_auth(s):
 * Start the server side of one SOCKS5 exchange that takes a username and
 * password (RFC 1929) when the client offers that method, else none:
 * ${s}->uname and ${s}->passwd hold what was sent (${s}->auth says if it
 * was), for the caller to judge.
 */
void
socks5_server_init_auth(struct socks5_server * s)
{

	socks5_server_init(s);
	s->want_auth = 1;
}

/**
 * socks5_reply(out, code):
 * Write the 10-byte reply to a CONNECT with status ${code} (bound address
 * 0.0.0.0:0, as a proxy that does not disclose it).  Return 10.
 */
size_t
socks5_reply(uint8_t * out, uint8_t code)
{
	static const uint8_t tail[7] = {0, SOCKS5_ATYP_IPV4, 0, 0, 0, 0, 0};

	out[0] = 5;
	out[1] = code;
	memcpy(out + 2, tail, sizeof(tail));
	out[9] = 0;
	return (10);
}

/* Fail with ${code} sent back (if it is a reply) and ${why} kept. */
static enum socks5_status
fail(struct socks5_server * s, const char * why, int code, uint8_t * reply,
    size_t * replylen)
{

	s->state = DONE;
	s->why = why;
	*replylen = (code >= 0) ? socks5_reply(reply, (uint8_t)code) : 0;
	return (SOCKS5_ERROR);
}

/* How long the message in ${s->buf} must be, knowing what we have. */
static size_t
wanted(const struct socks5_server * s)
{

	if (s->state == GREETING)
		return (s->have < 2 ? 2 : 2 + (size_t)s->buf[1]);
	if (s->state == AUTH)
		return (s->have < 2 ? 2 : s->have < 2 + (size_t)s->buf[1] + 1 ?
		    2 + (size_t)s->buf[1] + 1 :
		    2 + (size_t)s->buf[1] + 1 + s->buf[2 + s->buf[1]]);
	if (s->have < 5)
		return (5);
	switch (s->buf[3]) {
	case SOCKS5_ATYP_IPV4:
		return (4 + 4 + 2);
	case SOCKS5_ATYP_IPV6:
		return (4 + 16 + 2);
	case SOCKS5_ATYP_DOMAIN:
		return (4 + 1 + (size_t)s->buf[4] + 2);
	default:
		return (5);
	}
}

/* A whole greeting is in ${s->buf}: choose "no authentication". */
static enum socks5_status
greeting(struct socks5_server * s, uint8_t * reply, size_t * replylen)
{

	if (s->buf[0] != 5)
		return (fail(s, "not a SOCKS version 5 greeting", -1, reply,
		    replylen));
	if (s->want_auth && memchr(s->buf + 2, 0x02, s->buf[1]) != NULL) {
		s->state = AUTH;
		s->have = 0;
		reply[0] = 5;
		reply[1] = 0x02;
		*replylen = 2;
		return (SOCKS5_REPLY);
	}
	if (memchr(s->buf + 2, 0x00, s->buf[1]) == NULL) {
		s->state = DONE;
		s->why = "client offers no method but authentication";
		reply[0] = 5;
		reply[1] = 0xff;
		*replylen = 2;
		return (SOCKS5_ERROR);
	}
	s->state = REQUEST;
	s->have = 0;
	reply[0] = 5;
	reply[1] = 0x00;
	*replylen = 2;
	return (SOCKS5_REPLY);
}

/* A whole username/password message (RFC 1929) is in ${s->buf}. */
static enum socks5_status
auth(struct socks5_server * s, uint8_t * reply, size_t * replylen)
{
	size_t ulen = s->buf[1], plen = s->buf[2 + ulen];

	if (s->buf[0] != 1) {
		s->state = DONE;
		s->why = "not a username/password message of version 1";
		reply[0] = 1;
		reply[1] = 1;
		*replylen = 2;
		return (SOCKS5_ERROR);
	}
	s->auth = 1;
	memcpy(s->uname, s->buf + 2, ulen);
	s->ulen = ulen;
	memcpy(s->passwd, s->buf + 3 + ulen, plen);
	s->plen = plen;
	s->state = REQUEST;
	s->have = 0;
	reply[0] = 1;
	reply[1] = 0;
	*replylen = 2;
	return (SOCKS5_REPLY);
}

/* A whole request is in ${s->buf}. */
static enum socks5_status
request(struct socks5_server * s, uint8_t * reply, size_t * replylen)
{
	struct socks5_dest * d = &s->dest;
	const uint8_t * p;

	if (s->buf[0] != 5)
		return (fail(s, "request is not SOCKS version 5",
		    SOCKS5_FAILURE, reply, replylen));
	if (s->buf[1] != 0x01)
		return (fail(s, "command not supported (only CONNECT)",
		    SOCKS5_BAD_COMMAND, reply, replylen));
	d->atyp = s->buf[3];
	switch (d->atyp) {
	case SOCKS5_ATYP_IPV4:
		d->addrlen = 4;
		p = s->buf + 4;
		break;
	case SOCKS5_ATYP_IPV6:
		d->addrlen = 16;
		p = s->buf + 4;
		break;
	default: /* SOCKS5_ATYP_DOMAIN; others were refused in feed. */
		d->addrlen = s->buf[4];
		p = s->buf + 5;
		if (d->addrlen == 0 || memchr(p, 0, d->addrlen) != NULL)
			return (fail(s, "empty domain name or one with a NUL",
			    SOCKS5_HOST_UNREACH, reply, replylen));
	}
	memcpy(d->addr, p, d->addrlen);
	d->port = (uint16_t)(p[d->addrlen] << 8 | p[d->addrlen + 1]);
	s->state = DONE;
	*replylen = 0;
	return (SOCKS5_REQUEST);
}

/**
 * socks5_server_feed(s, in, inlen, used, reply, replylen):
 * Feed up to ${inlen} bytes from the client; *${used} is how many were
 * taken (bytes after a complete request are not taken: they are the
 * connection's first data).  When the return value is SOCKS5_REPLY or
 * SOCKS5_ERROR, ${reply} (at least 22 bytes) holds *${replylen} bytes to
 * send.  On SOCKS5_ERROR, ${s}->why names the fault.
 */
enum socks5_status
socks5_server_feed(struct socks5_server * s, const uint8_t * in,
    size_t inlen, size_t * used, uint8_t * reply, size_t * replylen)
{
	size_t need;

	*used = 0;
	*replylen = 0;
	if (s->state == DONE)
		return (fail(s, "bytes after the exchange ended", -1, reply,
		    replylen));
	for (;;) {
		need = wanted(s);
		if (s->state == REQUEST && s->have >= 4 &&
		    s->buf[3] != SOCKS5_ATYP_IPV4 &&
		    s->buf[3] != SOCKS5_ATYP_IPV6 &&
		    s->buf[3] != SOCKS5_ATYP_DOMAIN)
			return (fail(s, "address type not supported",
			    SOCKS5_BAD_ATYP, reply, replylen));
		if (s->have == need)
			break;
		if (*used == inlen)
			return (SOCKS5_NEED_MORE);
		s->buf[s->have++] = in[(*used)++];
	}
	if (s->state == GREETING)
		return (greeting(s, reply, replylen));
	if (s->state == AUTH)
		return (auth(s, reply, replylen));
	return (request(s, reply, replylen));
}

/**
 * socks5_dest_encode(d, out, outlen):
 * Write ${d} as ATYP || ADDR (a domain with its length byte) || PORT into
 * ${out}.  Return the bytes written, or 0 if ${outlen} is too small.
 */
size_t
socks5_dest_encode(const struct socks5_dest * d, uint8_t * out,
    size_t outlen)
{
	int isname = (d->atyp == SOCKS5_ATYP_DOMAIN);
	size_t n = 1 + (size_t)isname + d->addrlen + 2;

	if (outlen < n || d->addrlen > 255)
		return (0);
	*out++ = d->atyp;
	if (isname)
		*out++ = (uint8_t)d->addrlen;
	memcpy(out, d->addr, d->addrlen);
	out += d->addrlen;
	out[0] = (uint8_t)(d->port >> 8);
	out[1] = (uint8_t)d->port;
	return (n);
}

/**
 * socks5_dest_decode(d, in, inlen):
 * Read a destination written by socks5_dest_encode.  Return the bytes
 * used, or 0 if ${in} is not a whole, well-formed destination.
 */
size_t
socks5_dest_decode(struct socks5_dest * d, const uint8_t * in, size_t inlen)
{
	size_t head;

	if (inlen < 1)
		return (0);
	d->atyp = in[0];
	switch (d->atyp) {
	case SOCKS5_ATYP_IPV4:
		head = 1;
		d->addrlen = 4;
		break;
	case SOCKS5_ATYP_IPV6:
		head = 1;
		d->addrlen = 16;
		break;
	case SOCKS5_ATYP_DOMAIN:
		if (inlen < 2 || in[1] == 0)
			return (0);
		head = 2;
		d->addrlen = in[1];
		break;
	default:
		return (0);
	}
	if (inlen < head + d->addrlen + 2)
		return (0);
	memcpy(d->addr, in + head, d->addrlen);
	if (d->atyp == SOCKS5_ATYP_DOMAIN && memchr(d->addr, 0, d->addrlen))
		return (0);
	d->port = (uint16_t)(in[head + d->addrlen] << 8 |
	    in[head + d->addrlen + 1]);
	return (head + d->addrlen + 2);
}

/**
 * socks5_dest_format(d, buf, buflen):
 * Write ${d} for a log line ("[192.0.2.1]:80", "example.org:443").
 * Return ${buf}.
 */
char *
socks5_dest_format(const struct socks5_dest * d, char * buf, size_t bl)
{
	char host[INET6_ADDRSTRLEN];

	switch (d->atyp) {
	case SOCKS5_ATYP_IPV4:
		inet_ntop(AF_INET, d->addr, host, sizeof(host));
		snprintf(buf, bl, "[%s]:%u", host, d->port);
		break;
	case SOCKS5_ATYP_IPV6:
		inet_ntop(AF_INET6, d->addr, host, sizeof(host));
		snprintf(buf, bl, "[%s]:%u", host, d->port);
		break;
	default:
		/* Names are shown with anything unprintable as '?'. */
		snprintf(buf, bl, "%.*s:%u", (int)d->addrlen,
		    (const char *)d->addr, d->port);
		for (char * c = buf; *c && c < buf + d->addrlen; c++)
			if (*c < 0x21 || *c > 0x7e)
				*c = '?';
	}
	return (buf);
}
