#ifndef DUST_ADDR_H
#define DUST_ADDR_H

#include <sys/socket.h>
#include <stddef.h>

/*
 * Socket addresses as spiped writes them:
 *   /absolute/path/to/unix/socket
 *   host.name:port          (resolved with getaddrinfo)
 *   [ip.v4.ad.dr]:port
 *   [ipv6::addr]:port
 */
struct sock_addr {
	int family;			/* AF_INET, AF_INET6 or AF_UNIX. */
	socklen_t len;			/* Bytes used in ${ss}. */
	struct sockaddr_storage ss;
};

/**
 * addr_resolve(spec, addrs, max, why, whylen):
 * Resolve the address ${spec} into at most ${max} entries of ${addrs}.
 * Return the number of entries (at least 1), or -1 with a sentence naming
 * what was wrong in ${why}.
 */
int addr_resolve(const char *, struct sock_addr *, size_t, char *, size_t);

/**
 * addr_format(addr, buf, buflen):
 * Write ${addr} into ${buf} in the notation above ("[::1]:8025",
 * "/tmp/sock").  Return ${buf}.
 */
char * addr_format(const struct sock_addr *, char *, size_t);

#endif /* !DUST_ADDR_H */
