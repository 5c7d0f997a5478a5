#ifndef DUST_POLICY_H
#define DUST_POLICY_H

#include <stddef.h>
#include <stdint.h>

/*
 * Which destinations an exit (proxymuxd) may connect to, so that it is not
 * an open proxy into the networks around it.  Rules are networks in CIDR
 * notation, each allowed or denied; the first that matches decides.  After
 * the user's rules come the built-in denials (loopback, private, link-local,
 * unspecified, multicast, carrier-grade NAT, benchmarking) and the exit
 * host's own addresses (given by the program, which reads them: this code
 * does no I/O); then everything else is allowed.
 *
 * An IPv6 address that embeds an IPv4 address (IPv4-mapped, IPv4-compatible,
 * NAT64, 6to4, Teredo) is judged twice under the same rules: as itself, and
 * as each IPv4 address it embeds; it is allowed only if every judgement
 * allows it.  Ports are checked separately against an allowed set (all of
 * 1-65535 unless restricted).
 */

#define POLICY_MAX_RULES	64
#define POLICY_MAX_OWN		1024

struct policy_rule {
	uint8_t net[16];	/* IPv4 in the first 4 bytes, or IPv6. */
	uint8_t v6;		/* 1 for IPv6. */
	uint8_t prefix;		/* Prefix length in bits. */
	uint8_t allow;		/* 1 allow, 0 deny. */
	const char * name;	/* For log lines. */
};

struct policy {
	struct policy_rule rules[POLICY_MAX_RULES];
	size_t nrules;		/* The user's rules come first. */
	struct policy_rule own[POLICY_MAX_OWN];	/* The host's own. */
	size_t nown;
	uint8_t ports[65536 / 8];	/* Bit set of allowed ports. */
};

/**
 * policy_init(p):
 * The default policy: all ports, the built-in denials only.
 */
void policy_init(struct policy *);

/**
 * policy_add(p, allow, cidr, why, whylen):
 * Add a user rule (before the built-in denials) for "${cidr}" such as
 * "127.0.0.1/32", "10.0.0.0/8" or "::1/128" (a bare address is a /32 or
 * /128).  Return 0, or -1 with what was wrong in ${why}.
 */
int policy_add(struct policy *, int, const char *, char *, size_t);

/**
 * policy_add_own(p, family, addr, why, whylen):
 * Refuse the exit host's own IPv4 (${family} 4, 4 bytes) or IPv6 (6, 16
 * bytes) address ${addr}, after the user's rules (so that an allow rule
 * can still open it).  Return 0, or -1 with what was wrong in ${why}.
 */
int policy_add_own(struct policy *, int, const uint8_t *, char *, size_t);

/**
 * policy_set_ports(p, list, why, whylen):
 * Allow only the ports in ${list}: "80,443,8000-8100".  Return 0, or -1
 * with what was wrong in ${why}.
 */
int policy_set_ports(struct policy *, const char *, char *, size_t);

/**
 * policy_port_ok(p, port):
 * Return 1 if ${port} is among the allowed ports, 0 if not (so that a
 * name need not be resolved for a port that is refused anyway).
 */
int policy_port_ok(const struct policy *, uint16_t);

/**
 * policy_check(p, family, addr, port, rule):
 * Decide whether the IPv4 (${family} 4, 4 bytes) or IPv6 (6, 16 bytes)
 * address ${addr} and ${port} may be connected to, judging an IPv6 address
 * also by the IPv4 addresses it embeds.  Return 1 if allowed, 0 if not;
 * *${rule} names the rule that decided.
 */
int policy_check(const struct policy *, int, const uint8_t *, uint16_t,
    const char **);

#endif /* !DUST_POLICY_H */
