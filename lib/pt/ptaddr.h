#ifndef DUST_PTADDR_H
#define DUST_PTADDR_H

#include <stddef.h>
#include <stdint.h>

/*
 * Addresses as the Pluggable Transports interface writes them: an IP
 * literal and a port, "192.0.2.1:443" or "[2001:db8::1]:443" (IPv6 always
 * in brackets, never a host name).  TOR_PT_SERVER_BINDADDR, TOR_PT_ORPORT,
 * TOR_PT_EXTENDED_SERVER_PORT, TOR_PT_PROXY, the CMETHOD and SMETHOD lines
 * and the ExtORPort's USERADDR all use this one form.
 */

/* The longest text form, with its NUL: "[" 39 "]:" 5 digits. */
#define PTADDR_TEXTMAX	48

struct ptaddr {
	int v6;			/* 0: IPv4 (4 bytes of ${ip}), 1: IPv6 */
	uint8_t ip[16];		/* network byte order */
	uint16_t port;
};

/**
 * ptaddr_parse(a, s, len, port0, why, whylen):
 * Parse the ${len} bytes at ${s} as address:port into ${a}; port 0 is
 * accepted only if ${port0} is nonzero.  Return 0 on success, or -1 with
 * a message naming the fault in ${why} (${whylen} bytes).
 */
int ptaddr_parse(struct ptaddr *, const char *, size_t, int, char *,
    size_t);

/**
 * ptaddr_format(a, buf):
 * Write ${a} as "192.0.2.1:443" or "[2001:db8::1]:443" into ${buf}
 * (PTADDR_TEXTMAX bytes).  Return ${buf}.
 */
char * ptaddr_format(const struct ptaddr *, char[PTADDR_TEXTMAX]);

#endif /* !DUST_PTADDR_H */
