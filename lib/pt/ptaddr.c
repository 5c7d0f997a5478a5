#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ptaddr.h"

/* Parse a decimal port of 1-5 digits into ${port}.  Return 0 or -1. */
static int
parse_port(const char * s, size_t len, int port0, uint16_t * port)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535 || (v == 0 && !port0))
		return (-1);
	*port = (uint16_t)v;
	return (0);
}

/* Parse an IP literal of ${len} bytes (v6: without brackets).  0 or -1. */
static int
parse_ip(struct ptaddr * a, const char * s, size_t len, int v6)
{
	char host[64];

	if (len == 0 || len >= sizeof(host) || memchr(s, '\0', len))
		return (-1);
	memcpy(host, s, len);
	host[len] = '\0';
	memset(a->ip, 0, sizeof(a->ip));
	a->v6 = v6;
	return (inet_pton(v6 ? AF_INET6 : AF_INET, host, a->ip) == 1 ? 0 : -1);
}

/**
 * ptaddr_parse(a, s, len, port0, why, whylen):
 * Parse the ${len} bytes at ${s} as address:port into ${a}; port 0 is
 * accepted only if ${port0} is nonzero.  Return 0 on success, or -1 with
 * a message naming the fault in ${why} (${whylen} bytes).
 */
int
ptaddr_parse(struct ptaddr * a, const char * s, size_t len, int port0,
    char * why, size_t whylen)
{
	const char * colon, * close;
	int v6 = (len > 0 && s[0] == '[');

	if (v6) {
		if ((close = memchr(s, ']', len)) == NULL) {
			snprintf(why, whylen, "no ']' after an IPv6 address");
			return (-1);
		}
		colon = close + 1;
		if (colon == s + len || *colon != ':') {
			snprintf(why, whylen, "no :port after the address");
			return (-1);
		}
		if (parse_ip(a, s + 1, (size_t)(close - s - 1), 1)) {
			snprintf(why, whylen, "not an IPv6 address");
			return (-1);
		}
	} else {
		if ((colon = memchr(s, ':', len)) == NULL) {
			snprintf(why, whylen, "no :port after the address");
			return (-1);
		}
		if (memchr(colon + 1, ':', len - (size_t)(colon + 1 - s))) {
			snprintf(why, whylen,
			    "an IPv6 address must be in brackets");
			return (-1);
		}
		if (parse_ip(a, s, (size_t)(colon - s), 0)) {
			snprintf(why, whylen,
			    "not an IPv4 address (host names are not allowed)");
			return (-1);
		}
	}
	if (parse_port(colon + 1, len - (size_t)(colon + 1 - s), port0,
	    &a->port)) {
		snprintf(why, whylen, "port not a number in %d-65535",
		    port0 ? 0 : 1);
		return (-1);
	}
	return (0);
}

/**
 * ptaddr_format(a, buf):
 * Write ${a} as "192.0.2.1:443" or "[2001:db8::1]:443" into ${buf}
 * (PTADDR_TEXTMAX bytes).  Return ${buf}.
 */
char *
ptaddr_format(const struct ptaddr * a, char buf[PTADDR_TEXTMAX])
{
	char ip[INET6_ADDRSTRLEN];

	if (inet_ntop(a->v6 ? AF_INET6 : AF_INET, a->ip, ip, sizeof(ip)) ==
	    NULL)
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, PTADDR_TEXTMAX, a->v6 ? "[%s]:%u" : "%s:%u", ip,
	    (unsigned)a->port);
	return (buf);
}
