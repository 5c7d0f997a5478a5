#ifndef DUST_SOCKS5_H
#define DUST_SOCKS5_H

#include <stddef.h>
#include <stdint.h>

/*
 * The server side of SOCKS version 5 (RFC 1928), sans-I/O: CONNECT with
 * IPv4, IPv6 or a domain name, and no authentication (method 0x00) or, if
 * asked for, a username and password (method 0x02, RFC 1929).
 * Bytes from the client go in; replies to send come out; the parser says
 * when it has a whole request, and what is wrong when it cannot have one.
 */

/* Reply codes of RFC 1928 section 6. */
#define SOCKS5_OK		0x00	/* succeeded */
#define SOCKS5_FAILURE		0x01	/* general SOCKS server failure */
#define SOCKS5_NOT_ALLOWED	0x02	/* connection not allowed by ruleset */
#define SOCKS5_NET_UNREACH	0x03	/* network unreachable */
#define SOCKS5_HOST_UNREACH	0x04	/* host unreachable */
#define SOCKS5_REFUSED		0x05	/* connection refused */
#define SOCKS5_TTL_EXPIRED	0x06	/* TTL expired */
#define SOCKS5_BAD_COMMAND	0x07	/* command not supported */
#define SOCKS5_BAD_ATYP		0x08	/* address type not supported */

/* Address types. */
#define SOCKS5_ATYP_IPV4	0x01
#define SOCKS5_ATYP_DOMAIN	0x03
#define SOCKS5_ATYP_IPV6	0x04

/* A destination as the request named it. */
struct socks5_dest {
	uint8_t atyp;			/* SOCKS5_ATYP_* */
	uint8_t addr[256];		/* 4 or 16 bytes, or the name */
	size_t addrlen;			/* (a name is not NUL-terminated) */
	uint16_t port;
};

enum socks5_status {
	SOCKS5_NEED_MORE,	/* Feed more bytes. */
	SOCKS5_REPLY,		/* Send the reply bytes, then feed more. */
	SOCKS5_REQUEST,		/* A CONNECT request is complete: ${dest}. */
	SOCKS5_ERROR		/* Send the reply bytes (if any), close. */
};

struct socks5_server {
	int state;		/* Where in the exchange we are. */
	uint8_t buf[513];	/* The message being assembled. */
	int want_auth;		/* Take a username and password. */
	int auth;		/* ... and they were sent: */
	uint8_t uname[255], passwd[255];
	size_t ulen, plen;
	size_t have;		/* Bytes of it so far. */
	struct socks5_dest dest;
	const char * why;	/* For SOCKS5_ERROR: what was wrong. */
};

/**
 * socks5_server_init(s):
 * Start the server side of one SOCKS5 exchange.
 */
void socks5_server_init(struct socks5_server *);

/**
 * socks5_server_init_auth(s):
 * Start the server side of one SOCKS5 exchange that takes a username and
 * password (RFC 1929) when the client offers that method, else none:
 * ${s}->uname and ${s}->passwd hold what was sent (${s}->auth says if it
 * was), for the caller to judge.
 */
void socks5_server_init_auth(struct socks5_server *);

/**
 * socks5_server_feed(s, in, inlen, used, reply, replylen):
 * Feed up to ${inlen} bytes from the client; *${used} is how many were
 * taken (bytes after a complete request are not taken: they are the
 * connection's first data).  When the return value is SOCKS5_REPLY or
 * SOCKS5_ERROR, ${reply} (at least 22 bytes) holds *${replylen} bytes to
 * send.  On SOCKS5_ERROR, ${s}->why names the fault.
 */
enum socks5_status socks5_server_feed(struct socks5_server *,
    const uint8_t *, size_t, size_t *, uint8_t *, size_t *);

/**
 * socks5_reply(out, code):
 * Write the 10-byte reply to a CONNECT with status ${code} (bound address
 * 0.0.0.0:0, as a proxy that does not disclose it).  Return 10.
 */
size_t socks5_reply(uint8_t *, uint8_t);

/**
 * socks5_dest_encode(d, out, outlen):
 * Write ${d} as ATYP || ADDR (a domain with its length byte) || PORT into
 * ${out}.  Return the bytes written, or 0 if ${outlen} is too small.
 */
size_t socks5_dest_encode(const struct socks5_dest *, uint8_t *, size_t);

/**
 * socks5_dest_decode(d, in, inlen):
 * Read a destination written by socks5_dest_encode.  Return the bytes
 * used, or 0 if ${in} is not a whole, well-formed destination.
 */
size_t socks5_dest_decode(struct socks5_dest *, const uint8_t *, size_t);

/**
 * socks5_dest_format(d, buf, buflen):
 * Write ${d} for a log line ("[192.0.2.1]:80", "example.org:443").
 * Return ${buf}.
 */
char * socks5_dest_format(const struct socks5_dest *, char *, size_t);

#endif /* !DUST_SOCKS5_H */
