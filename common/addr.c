#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/* Parse a decimal port 0..65535 that makes up all of ${s}. */
static int
parse_port(const char * s, unsigned int * port)
{
	char * end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return (-1);
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > 65535)
		return (-1);
	*port = (unsigned int)v;
	return (0);
}

/* A Unix socket path. */
static int
resolve_unix(const char * spec, struct sock_addr * a, char * why, size_t wl)
{
	struct sockaddr_un * sun = (struct sockaddr_un *)&a->ss;

	if (strlen(spec) >= sizeof(sun->sun_path)) {
		snprintf(why, wl, "address '%s': Unix socket path too long",
		    spec);
		return (-1);
	}
	memset(a, 0, sizeof(*a));
	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path, spec);
	a->family = AF_UNIX;
	a->len = sizeof(struct sockaddr_un);
	return (1);
}

/* "[literal]:port", IPv4 or IPv6. */
static int
resolve_literal(const char * spec, struct sock_addr * a, char * why,
    size_t wl)
{
	const char * close = strchr(spec, ']');
	char host[INET6_ADDRSTRLEN + 1];
	size_t hl;
	unsigned int port;

	if (close == NULL || close[1] != ':') {
		snprintf(why, wl, "address '%s': expected [ip]:port", spec);
		return (-1);
	}
	hl = (size_t)(close - spec - 1);
	if (hl == 0 || hl >= sizeof(host)) {
		snprintf(why, wl, "address '%s': bad IP address", spec);
		return (-1);
	}
	memcpy(host, spec + 1, hl);
	host[hl] = '\0';
	if (parse_port(close + 2, &port)) {
		snprintf(why, wl, "address '%s': port must be 0 to 65535",
		    spec);
		return (-1);
	}
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&a->ss)->sin_addr)
	    == 1) {
		struct sockaddr_in * sin = (struct sockaddr_in *)&a->ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		a->family = AF_INET;
		a->len = sizeof(*sin);
		return (1);
	}
	if (inet_pton(AF_INET6, host,
	    &((struct sockaddr_in6 *)&a->ss)->sin6_addr) == 1) {
		struct sockaddr_in6 * sin6 = (struct sockaddr_in6 *)&a->ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		a->family = AF_INET6;
		a->len = sizeof(*sin6);
		return (1);
	}
	snprintf(why, wl, "address '%s': '%s' is not an IPv4 or IPv6 address",
	    spec, host);
	return (-1);
}

/* "host:port", through getaddrinfo. */
static int
resolve_name(const char * spec, struct sock_addr * addrs, size_t max,
    char * why, size_t wl)
{
	const char * colon = strrchr(spec, ':');
	struct addrinfo hints, * res, * r;
	char host[256];
	unsigned int port;
	size_t n = 0;
	int rc;

	if (colon == NULL || colon == spec ||
	    (size_t)(colon - spec) >= sizeof(host)) {
		snprintf(why, wl, "address '%s': expected /unix/path, "
		    "host:port, [ipv4]:port or [ipv6]:port", spec);
		return (-1);
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	if (parse_port(colon + 1, &port)) {
		snprintf(why, wl, "address '%s': port must be 0 to 65535",
		    spec);
		return (-1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		snprintf(why, wl, "address '%s': cannot resolve '%s': %s",
		    spec, host, gai_strerror(rc));
		return (-1);
	}
	for (r = res; r != NULL && n < max; r = r->ai_next) {
		if (r->ai_addrlen > sizeof(addrs[n].ss))
			continue;
		memset(&addrs[n], 0, sizeof(addrs[n]));
		memcpy(&addrs[n].ss, r->ai_addr, r->ai_addrlen);
		addrs[n].family = r->ai_family;
		addrs[n].len = r->ai_addrlen;
		n++;
	}
	freeaddrinfo(res);
	if (n == 0) {
		snprintf(why, wl, "address '%s': no usable address", spec);
		return (-1);
	}
	return ((int)n);
}

/**
 * addr_resolve(spec, addrs, max, why, whylen):
 * Resolve the address ${spec} into at most ${max} entries of ${addrs}.
 * Return the number of entries (at least 1), or -1 with a sentence naming
 * what was wrong in ${why}.
 */
int
addr_resolve(const char * spec, struct sock_addr * addrs, size_t max,
    char * why, size_t wl)
{

	if (max == 0 || spec == NULL || *spec == '\0') {
		snprintf(why, wl, "empty address");
		return (-1);
	}
	if (spec[0] == '/')
		return (resolve_unix(spec, addrs, why, wl));
	if (spec[0] == '[')
		return (resolve_literal(spec, addrs, why, wl));
	return (resolve_name(spec, addrs, max, why, wl));
}

/**
 * addr_format(addr, buf, buflen):
 * Write ${addr} into ${buf} in the notation above ("[::1]:8025",
 * "/tmp/sock").  Return ${buf}.
 */
char *
addr_format(const struct sock_addr * a, char * buf, size_t bl)
{
	char host[INET6_ADDRSTRLEN];

	switch (a->family) {
	case AF_UNIX:
		snprintf(buf, bl, "%s",
		    ((const struct sockaddr_un *)&a->ss)->sun_path);
		break;
	case AF_INET: {
		const struct sockaddr_in * sin =
		    (const struct sockaddr_in *)&a->ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, bl, "[%s]:%u", host, ntohs(sin->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 * sin6 =
		    (const struct sockaddr_in6 *)&a->ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, bl, "[%s]:%u", host, ntohs(sin6->sin6_port));
		break;
	}
	default:
		snprintf(buf, bl, "(unknown address family %d)", a->family);
	}
	return (buf);
}
