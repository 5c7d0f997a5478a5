#ifndef DUST_OWNADDRS_H
#define DUST_OWNADDRS_H

#include "socks/policy.h"

/*
 * An exit refuses to connect to the host it runs on (its services would
 * otherwise be reachable from the clients as if from the host itself):
 * the addresses of every interface, as they are at start-up, are added to
 * the policy's own addresses.  An address added to an interface later is
 * not known (--deny it, or restart the exit).
 */

/**
 * ownaddrs_deny(p):
 * Add the IPv4 and IPv6 addresses of this host's interfaces (getifaddrs)
 * to ${p}'s own addresses.  Return how many addresses were read, or -1
 * after printing a warning.
 */
int ownaddrs_deny(struct policy *);

#endif /* !DUST_OWNADDRS_H */
