#ifndef DUST_PTARGS_H
#define DUST_PTARGS_H

#include <stddef.h>
#include <stdint.h>

#include "pt.h"

/*
 * Key/value arguments of the Pluggable Transports interface, held in one
 * fixed-size value (no allocation; a struct ptargs may be copied):
 *   - per-bridge arguments, which tor sends in the SOCKS5 username and
 *     password (RFC 1929) as "k=v;k=v", with '\\', '=' and ';' escaped
 *     by a backslash (pt-spec.txt, "Pluggable Transport Client
 *     Per-Connection Arguments");
 *   - TOR_PT_SERVER_TRANSPORT_OPTIONS, "transport:k=v;transport:k=v",
 *     with '\\', ':' and ';' escaped ("Pluggable Transport Server
 *     Environment Variables").
 * A backslash followed by any byte stands for that byte; an unescaped '='
 * in a value is taken as part of it (tor does not escape the '=' of a
 * bridge line's values).  Keys are unique and not empty; NUL bytes are
 * refused.
 */

#define PTARGS_MAXPAIRS		32	/* arguments in one list */
#define PTARGS_BUFLEN		1024	/* their keys and values, with NULs */
#define PTARGS_SOCKS_MAX	510	/* RFC 1929: 255 + 255 bytes */

struct ptargs {
	size_t n;			/* Arguments. */
	size_t used;			/* Bytes of ${buf} used. */
	struct {
		uint16_t key, value;	/* Offsets of NUL-ended strings. */
	} pair[PTARGS_MAXPAIRS];
	char buf[PTARGS_BUFLEN];
};

/**
 * ptargs_init(a):
 * Make ${a} an empty list.
 */
void ptargs_init(struct ptargs *);

/**
 * ptargs_key(a, i), ptargs_value(a, i):
 * Return the key (value) of argument ${i} (< ${a}->n) of ${a}.
 */
const char * ptargs_key(const struct ptargs *, size_t);
const char * ptargs_value(const struct ptargs *, size_t);

/**
 * ptargs_get(a, key):
 * Return the value of ${key} in ${a}, or NULL if it has none.
 */
const char * ptargs_get(const struct ptargs *, const char *);

/**
 * ptargs_add(a, key, klen, value, vlen, err):
 * Append the argument ${key}=${value} (${klen} and ${vlen} bytes) to ${a}.
 * Return 0 on success, or -1 with ${err} (if not NULL) naming the fault:
 * an empty key, a key given twice, a NUL byte, too many arguments.
 */
int ptargs_add(struct ptargs *, const char *, size_t, const char *, size_t,
    struct pt_error *);

/**
 * ptargs_parse(a, s, len, err):
 * Parse the ${len} bytes at ${s}, "k=v;k=v" with backslash escapes, into
 * ${a} (empty input: no arguments).  Return 0 on success, or -1 with
 * ${err} (if not NULL) naming the fault.
 */
int ptargs_parse(struct ptargs *, const char *, size_t, struct pt_error *);

/**
 * ptargs_from_socks5_auth(a, uname, ulen, passwd, plen, err):
 * Parse per-bridge arguments from the RFC 1929 username and password tor
 * sent: their concatenation, without a password that is one NUL byte
 * (what tor sends when the arguments fit in the username).  Return 0 on
 * success, or -1 with ${err} (if not NULL) naming the fault.
 */
int ptargs_from_socks5_auth(struct ptargs *, const uint8_t *, size_t,
    const uint8_t *, size_t, struct pt_error *);

/**
 * ptargs_encode(a, out, outlen, len):
 * Write ${a} as "k=v;k=v", '\\', '=' and ';' escaped, NUL-terminated,
 * into ${out} (${outlen} bytes); *${len} is its length.  Return 0 on
 * success, or -1 if it does not fit.
 */
int ptargs_encode(const struct ptargs *, char *, size_t, size_t *);

/**
 * ptargs_options_parse(a, s, len, transport, err):
 * Parse the ${len} bytes at ${s} as TOR_PT_SERVER_TRANSPORT_OPTIONS; put
 * the options given for ${transport} into ${a} (emptied first).  Every
 * item is checked, whichever its transport.  Return 0 on success, or -1
 * with ${err} (if not NULL) naming the fault.
 */
int ptargs_options_parse(struct ptargs *, const char *, size_t,
    const char *, struct pt_error *);

#endif /* !DUST_PTARGS_H */
