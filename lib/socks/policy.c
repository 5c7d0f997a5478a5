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
	{ "192.168.0.0/16" }, { "198.18.0.0/15" }, { "224.0.0.0/3" },
	{ "::/128" }, { "::1/128" }, { "fc00::/7" }, { "fe80::/10" },
	{ "ff00::/8" },
};
#define NBUILTIN (sizeof(builtin_deny) / sizeof(builtin_deny[0]))

/*
 * The IPv6 forms that embed an IPv4 address: an address whose first
 * ${plen} bytes are ${prefix} carries the IPv4 address's bytes at ${at},
 * each XORed with ${xor}.  An address may match several entries (Teredo
 * embeds two addresses); each embedded address is judged.
 */
static const struct embedding {
	uint8_t prefix[12];
	uint8_t plen;
	uint8_t at[4];
	uint8_t xor;
} embeddings[] = {
	/* IPv4-mapped, ::ffff:0:0/96 (RFC 4291). */
	{ {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 12, {12, 13, 14, 15}, 0 },
	/* IPv4-compatible, ::/96 (RFC 4291; :: and ::1 excepted, below). */
	{ {0}, 12, {12, 13, 14, 15}, 0 },
	/* NAT64 well-known prefix, 64:ff9b::/96 (RFC 6052). */
	{ {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}, 12,
	    {12, 13, 14, 15}, 0 },
	/*
	 * NAT64 local-use prefix, 64:ff9b:1::/48 (RFC 8215), laid out as
	 * RFC 6052 lays out a /48: bits 48-63, then bits 72-87 after the
	 * u octet (bits 64-71).
	 */
	{ {0, 0x64, 0xff, 0x9b, 0, 1}, 6, {6, 7, 9, 10}, 0 },
	/* 6to4, 2002::/16 (RFC 3056): bits 16-47. */
	{ {0x20, 0x02}, 2, {2, 3, 4, 5}, 0 },
	/* Teredo, 2001::/32 (RFC 4380): the server, bits 32-63... */
	{ {0x20, 0x01, 0, 0}, 4, {4, 5, 6, 7}, 0 },
	/* ... and the client, the last 32 bits inverted. */
	{ {0x20, 0x01, 0, 0}, 4, {12, 13, 14, 15}, 0xff },
};
#define NEMBEDDINGS (sizeof(embeddings) / sizeof(embeddings[0]))

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
 * policy_add_own(p, family, addr, why, whylen):
 * Refuse the exit host's own IPv4 (${family} 4, 4 bytes) or IPv6 (6, 16
 * bytes) address ${addr}, after the user's rules (so that an allow rule
 * can still open it).  Return 0, or -1 with what was wrong in ${why}.
 */
int
policy_add_own(struct policy * p, int family, const uint8_t * addr,
    char * why, size_t wl)
{
	struct policy_rule * r;
	size_t i;

	/* An address on several interfaces is listed once. */
	for (i = 0; i < p->nown; i++) {
		if (matches(&p->own[i], family == 6, addr))
			return (0);
	}
	if (p->nown == POLICY_MAX_OWN) {
		snprintf(why, wl, "more than %d addresses of this host",
		    POLICY_MAX_OWN);
		return (-1);
	}
	r = &p->own[p->nown++];
	memset(r, 0, sizeof(*r));
	r->v6 = (family == 6);
	memcpy(r->net, addr, r->v6 ? 16 : 4);
	r->prefix = r->v6 ? 128 : 32;
	r->allow = 0;
	r->name = "own address";
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

/*
 * Write into ${v4} the IPv4 addresses the IPv6 address ${addr} embeds.
 * Return how many (at most NEMBEDDINGS).
 */
static size_t
embedded_v4(const uint8_t * addr, uint8_t v4[][4])
{
	static const uint8_t zero[15] = {0};
	const struct embedding * e;
	size_t i, j, n = 0;

	/* The unspecified and loopback addresses are themselves. */
	if (memcmp(addr, zero, 15) == 0 && addr[15] <= 1)
		return (0);
	for (i = 0; i < NEMBEDDINGS; i++) {
		e = &embeddings[i];
		if (memcmp(addr, e->prefix, e->plen) != 0)
			continue;
		for (j = 0; j < 4; j++)
			v4[n][j] = addr[e->at[j]] ^ e->xor;
		n++;
	}
	return (n);
}

/*
 * Judge the address ${addr} (IPv6 if ${v6}) by the rules alone: the
 * user's and the built-in ones, then the host's own addresses.  Return 1
 * if allowed, 0 if not; *${rule} names the rule that decided.
 */
static int
judge(const struct policy * p, int v6, const uint8_t * addr,
    const char ** rule)
{
	size_t i;

	for (i = 0; i < p->nrules; i++) {
		if (matches(&p->rules[i], v6, addr)) {
			*rule = p->rules[i].name;
			return (p->rules[i].allow);
		}
	}
	for (i = 0; i < p->nown; i++) {
		if (matches(&p->own[i], v6, addr)) {
			*rule = p->own[i].name;
			return (0);
		}
	}
	*rule = "default allow";
	return (1);
}

/**
 * policy_check(p, family, addr, port, rule):
 * Decide whether the IPv4 (${family} 4, 4 bytes) or IPv6 (6, 16 bytes)
 * address ${addr} and ${port} may be connected to, judging an IPv6 address
 * also by the IPv4 addresses it embeds.  Return 1 if allowed, 0 if not;
 * *${rule} names the rule that decided.
 */
int
policy_check(const struct policy * p, int family, const uint8_t * addr,
    uint16_t port, const char ** rule)
{
	uint8_t v4[NEMBEDDINGS][4];
	size_t i, n;

	if (!policy_port_ok(p, port)) {
		*rule = "port not allowed";
		return (0);
	}
	if (family != 6)
		return (judge(p, 0, addr, rule));

	/* As itself, then as each IPv4 address inside it: all must allow. */
	if (!judge(p, 1, addr, rule))
		return (0);
	n = embedded_v4(addr, v4);
	for (i = 0; i < n; i++) {
		if (!judge(p, 0, v4[i], rule))
			return (0);
	}
	return (1);
}
