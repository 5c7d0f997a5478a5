#include <sys/socket.h>

#include <netinet/in.h>

#include <ifaddrs.h>
#include <stdint.h>

#include "socks/policy.h"

#include "ownaddrs.h"
#include "warnp.h"

/**
 * ownaddrs_deny(p):
 * Add the IPv4 and IPv6 addresses of this host's interfaces (getifaddrs)
 * to ${p}'s own addresses.  Return how many addresses were read, or -1
 * after printing a warning.
 */
int
ownaddrs_deny(struct policy * p)
{
	struct ifaddrs * ifa, * i;
	const struct sockaddr * sa;
	char why[128];
	int n = 0, rc = -1;

	if (getifaddrs(&ifa) != 0) {
		warnp("cannot read this host's addresses (getifaddrs)");
		return (-1);
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if ((sa = i->ifa_addr) == NULL)
			continue;
		if (sa->sa_family == AF_INET) {
			if (policy_add_own(p, 4, (const uint8_t *)
			    &((const struct sockaddr_in *)sa)->sin_addr, why,
			    sizeof(why)))
				goto toomany;
		} else if (sa->sa_family == AF_INET6) {
			if (policy_add_own(p, 6, (const uint8_t *)
			    &((const struct sockaddr_in6 *)sa)->sin6_addr, why,
			    sizeof(why)))
				goto toomany;
		} else
			continue;
		n++;
	}
	rc = n;
	goto done;

toomany:
	warn0("cannot refuse this host's own addresses: %s", why);
done:
	freeifaddrs(ifa);
	return (rc);
}
