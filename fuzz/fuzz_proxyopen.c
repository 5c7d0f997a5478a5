/*
 * proxymuxd's reading of a SOCKS connection's destination prefix, on any
 * bytes cut anywhere: the streaming decoder must agree with the one-shot
 * socks5_dest_decode, and re-encode to the bytes it took.  An address
 * decoded then goes through the destination policy, as in proxymuxd: an
 * IPv4 address must get the same verdict inside each IPv6 form that
 * embeds it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "socks/policy.h"
#include "socks/proxyopen.h"
#include "socks/socks5.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A policy with user rules and own addresses, made once. */
static const struct policy *
fuzz_policy(void)
{
	static struct policy p;
	static int made;
	static const uint8_t own4[4] = {203, 0, 113, 5};
	static const uint8_t own6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 5};
	char why[128];

	if (!made) {
		policy_init(&p);
		if (policy_add(&p, 1, "10.1.0.0/16", why, sizeof(why)) ||
		    policy_add(&p, 0, "192.0.2.0/24", why, sizeof(why)) ||
		    policy_add_own(&p, 4, own4, why, sizeof(why)) ||
		    policy_add_own(&p, 6, own6, why, sizeof(why)))
			abort();
		made = 1;
	}
	return (&p);
}

/* Judge ${d} as proxymuxd would, and check the embedded forms agree. */
static void
judge(const struct socks5_dest * d)
{
	/* Mapped, compatible, NAT64 /96 and /48, 6to4 around a.b.c.d. */
	static const uint8_t pre[5][6] = { {0}, {0}, {0, 0x64, 0xff, 0x9b},
	    {0, 0x64, 0xff, 0x9b, 0, 1}, {0x20, 0x02} };
	static const uint8_t at[5][4] = { {12, 13, 14, 15}, {12, 13, 14, 15},
	    {12, 13, 14, 15}, {6, 7, 9, 10}, {2, 3, 4, 5} };
	const struct policy * p = fuzz_policy();
	const char * rule = NULL;
	uint8_t a[16];
	int v, f, j;

	if (d->atyp == SOCKS5_ATYP_IPV6) {
		v = policy_check(p, 6, d->addr, d->port, &rule);
		if ((v != 0 && v != 1) || rule == NULL)
			abort();
		return;
	}
	if (d->atyp != SOCKS5_ATYP_IPV4)
		return;
	v = policy_check(p, 4, d->addr, d->port, &rule);
	if ((v != 0 && v != 1) || rule == NULL)
		abort();
	for (f = 0; f < 5; f++) {
		memset(a, 0, sizeof(a));
		memcpy(a, pre[f], sizeof(pre[f]));
		if (f == 0)
			a[10] = a[11] = 0xff;
		for (j = 0; j < 4; j++)
			a[at[f][j]] = d->addr[j];
		if (policy_check(p, 6, a, d->port, &rule) != v)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
	struct proxyopen_dec dec;
	struct socks5_dest d, d1;
	uint8_t enc[PROXYOPEN_DEST_MAX + 16], code;
	const char * why;
	size_t off, used, step, n, n1;
	int r = 0;

	if (size < 1)
		return (0);
	/* The first byte chooses the size of the pieces. */
	step = (size_t)data[0] % 17 + 1;
	data++;
	size--;
	proxyopen_dec_init(&dec);
	for (off = 0; off < size; off += used) {
		n = (size - off < step) ? size - off : step;
		r = proxyopen_dec_feed(&dec, data + off, n, &used, &d, &code,
		    &why);
		if (used > n || (r == 0 && used != n))
			abort();
		if (r != 0) {
			off += used;
			break;
		}
	}
	n1 = socks5_dest_decode(&d1, data, size);
	if (r == 1) {
		/* Same destination as the one-shot decoder, same bytes. */
		if (n1 != off || d1.atyp != d.atyp || d1.port != d.port ||
		    d1.addrlen != d.addrlen ||
		    memcmp(d1.addr, d.addr, d.addrlen) != 0)
			abort();
		if (proxyopen_encode(&d, data + off, 0, enc, sizeof(enc)) !=
		    off || memcmp(enc, data, off) != 0)
			abort();
		judge(&d);
	} else if (r == -1) {
		if (n1 != 0 || why == NULL || (code != SOCKS5_BAD_ATYP &&
		    code != SOCKS5_HOST_UNREACH))
			abort();
	} else if (n1 != 0) {
		/* Needs more, yet a whole destination was there. */
		abort();
	}
	return (0);
}
