#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

/* The built-in denials, checked after the user's rules. */
static const struct {
	const char * cidr;
} builtin_deny[] = {
	{ "0.0.0.0/8" }, { "10.0.0.0/8" }, { "100.64.0.0/10" },
	{ "127.0.0.0/8" }, { "169.254.0.0/16" }, { "172.16.0.0/12" },
	{ "192.168.0.0/16" }, { "224.0.0.0/3" },
	{ "::/128" }, { "::1/128" }, { "fc00::/7" }, { "fe80::/10" },
	{ "ff00::/8" },
};
#define NBUILTIN (sizeof(builtin_deny) / sizeof(builtin_deny[0]))

/* Parse "${cidr}" into ${r}.  Return 0 or -1. */
static int
parse_cidr(struct policy_rule * r, const char * cidr, char * why,
    size_t wl)
{
	char host[64];
	const char * slash = strchr(cidr, '/');
	size_t hl = slash ? (size_t)(slash - cidr) : strlen(cidr);
	unsigned long bits;
	char * end;

	if (hl == 0 || hl >= sizeof(host))
		goto bad;
	memcpy(host, cidr, hl);
	host[hl] = '\0';
	memset(r->net, 0, sizeof(r->net));
	if (inet_pton(AF_INET, host, r->net) == 1)
		r->v6 = 0;
	else if (inet_pton(AF_INET6, host, r->net) == 1)
		r->v6 = 1;
	else
		goto bad;
	bits = r->v6 ? 128 : 32;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			goto bad;
		bits = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || bits > (r->v6 ? 128UL : 32UL))
			goto bad;
	}
	r->prefix = (uint8_t)bits;
	r->name = cidr;
	return (0);

bad:
	snprintf(why, wl, "'%s' is not a network: expected ADDRESS[/BITS] "
	    "(IPv4 or IPv6)", cidr);
	return (-1);
}

/**
 * policy_init(p):
 * The default policy: all ports, the built-in denials only.
 */
void
policy_init(struct policy * p)
{
	char why[128];
	size_t i;

	memset(p, 0, sizeof(*p));
	memset(p->ports, 0xff, sizeof(p->ports));
	p->ports[0] &= (uint8_t)~1;	/* Port 0 is never a destination. */
	for (i = 0; i < NBUILTIN; i++) {
		(void)parse_cidr(&p->rules[i], builtin_deny[i].cidr, why,
		    sizeof(why));
		p->rules[i].allow = 0;
	}
	p->nrules = NBUILTIN;
}

/**
 * policy_add(p, allow, cidr, why, whylen):
 * Add a user rule (before the built-in denials) for "${cidr}" such as
 * "127.0.0.1/32", "10.0.0.0/8" or "::1/128" (a bare address is a /32 or
 * /128).  Return 0, or -1 with what was wrong in ${why}.
 */
int
policy_add(struct policy * p, int allow, const char * cidr, char * why,
    size_t wl)
{
	struct policy_rule r;
	size_t users = p->nrules - NBUILTIN;

	if (p->nrules == POLICY_MAX_RULES) {
		snprintf(why, wl, "more than %d network rules",
		    POLICY_MAX_RULES - (int)NBUILTIN);
		return (-1);
	}
	if (parse_cidr(&r, cidr, why, wl))
		return (-1);
	r.allow = allow ? 1 : 0;
	/* Insert after the user's earlier rules, before the built-ins. */
	memmove(&p->rules[users + 1], &p->rules[users],
	    NBUILTIN * sizeof(p->rules[0]));
	p->rules[users] = r;
	p->nrules++;
	return (0);
}

/**
 * policy_set_ports(p, list, why, whylen):
 * Allow only the ports in ${list}: "80,443,8000-8100".  Return 0, or -1
 * with what was wrong in ${why}.
 */
int
policy_set_ports(struct policy * p, const char * list, char * why,
    size_t wl)
{
	const char * s = list;
	unsigned long lo, hi, v;
	char * end;

	memset(p->ports, 0, sizeof(p->ports));
	for (;;) {
		if (*s < '0' || *s > '9')
			goto bad;
		lo = hi = strtoul(s, &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				goto bad;
			hi = strtoul(end + 1, &end, 10);
		}
		if (lo == 0 || lo > hi || hi > 65535)
			goto bad;
		for (v = lo; v <= hi; v++)
			p->ports[v / 8] |= (uint8_t)(1 << (v % 8));
		if (*end == '\0')
			return (0);
		if (*end != ',')
			goto bad;
		s = end + 1;
	}

bad:
	snprintf(why, wl, "'%s' is not a port list: expected PORT or "
	    "LOW-HIGH (1-65535), separated by commas", list);
	return (-1);
}

/* Does ${addr} (16 or 4 bytes) fall in rule ${r}? */
static int
matches(const struct policy_rule * r, int v6, const uint8_t * addr)
{
	unsigned int full = r->prefix / 8, rest = r->prefix % 8;

	if (r->v6 != v6)
		return (0);
	if (memcmp(r->net, addr, full))
		return (0);
	if (rest == 0)
		return (1);
	return (((r->net[full] ^ addr[full]) & (0xff00 >> rest)) == 0);
}

/**
 * policy_port_ok(p, port):
 * Return 1 if ${port} is among the allowed ports, 0 if not (so that a
 * name need not be resolved for a port that is refused anyway).
 */
int
policy_port_ok(const struct policy * p, uint16_t port)
{

	return ((p->ports[port / 8] >> (port % 8)) & 1);
}

/**
 * policy_check(p, family, addr, port, rule):
 * Decide whether the IPv4 (${family} 4, 4 bytes) or IPv6 (6, 16 bytes)
 * address ${addr} and ${port} may be connected to.  Return 1 if allowed,
 * 0 if not; *${rule} names the rule that decided.
 */
int
policy_check(const struct policy * p, int family, const uint8_t * addr,
    uint16_t port, const char ** rule)
{
	static const uint8_t mapped[12] =
	    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	int v6 = (family == 6);
	size_t i;

	/* An IPv4-mapped IPv6 address is judged as the IPv4 address. */
	if (v6 && memcmp(addr, mapped, sizeof(mapped)) == 0) {
		addr += 12;
		v6 = 0;
	}
	if (!policy_port_ok(p, port)) {
		*rule = "port not allowed";
		return (0);
	}
	for (i = 0; i < p->nrules; i++) {
		if (matches(&p->rules[i], v6, addr)) {
			*rule = p->rules[i].name;
			return (p->rules[i].allow);
		}
	}
	*rule = "default allow";
	return (1);
}
