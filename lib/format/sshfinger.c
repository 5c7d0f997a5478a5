/*
 * What an observer reads from two SSH KEXINITs (docs/formats.md): the
 * HASSH string of a client ("kex;enc;mac;compression" of its
 * client-to-server name-lists, as Salesforce's HASSH defines it before its
 * MD5) and the HASSHServer string of a server (its server-to-client
 * lists), and the algorithms the two sides agree on (RFC 4253 7.1).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sshhello.h"

/**
 * sshhello_hassh(fl, out, outlen):
 * Write the HASSH string of the client ${fl} ("kex;enc;mac;compression",
 * its client-to-server lists) or the HASSHServer string of a server
 * (server-to-client lists) to ${out}; its MD5 is not computed.  Return 0,
 * or -1 if it does not fit in ${outlen} bytes.
 */
int
sshhello_hassh(const struct sshhello_flight * fl, char * out, size_t outlen)
{
	int s = fl->side == SSHHELLO_SERVER;
	const struct fmt_span * l[4] = { &fl->list[SSHHELLO_KEX],
	    &fl->list[s ? SSHHELLO_ENC_SC : SSHHELLO_ENC_CS],
	    &fl->list[s ? SSHHELLO_MAC_SC : SSHHELLO_MAC_CS],
	    &fl->list[s ? SSHHELLO_CMP_SC : SSHHELLO_CMP_CS] };
	size_t i, n = 0;

	for (i = 0; i < 4; i++) {
		if (n + l[i]->len + 1 > outlen)
			return (-1);
		memcpy(out + n, fl->b + l[i]->off, l[i]->len);
		n += l[i]->len;
		out[n++] = i < 3 ? ';' : '\0';
	}
	return (0);
}

/**
 * sshhello_negotiate(c, s, list, out, outlen):
 * Write to ${out} the algorithm of the name-list ${list} that the client
 * ${c} and the server ${s} agree on (RFC 4253 7.1: the client's first that
 * the server lists).  Return 0, or -1 if there is none or it does not fit.
 */
int
sshhello_negotiate(const struct sshhello_flight * c,
    const struct sshhello_flight * s, int list, char * out, size_t outlen)
{
	const struct fmt_span * l = &c->list[list];
	size_t start, i;

	for (start = i = l->off; i <= l->off + l->len; i++) {
		if (i < l->off + l->len && c->b[i] != ',')
			continue;
		if (i - start < outlen) {
			memcpy(out, c->b + start, i - start);
			out[i - start] = '\0';
			if (sshhello_list_has(s, list, out))
				return (0);
		}
		start = i + 1;
	}
	return (-1);
}
