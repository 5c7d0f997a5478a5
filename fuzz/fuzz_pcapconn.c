/*
 * The connection tracker (lib/capture/conntrack.c) on any frames.  Input:
 * one byte choosing the link type, then frames, each a 2-byte big-endian
 * length and that many bytes (the last one takes what is left); the port
 * filter is on when the link-type byte is odd; first flights are kept,
 * up to 64 bytes when its bit 7 is set (to reach the limit), else 64 KiB,
 * and when its bit 6 is set the first bytes of each side are kept instead
 * (dust_ct_keep_starts, for SSH).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "capture/conntrack.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const int links[] = { DUST_CT_LINK_NULL, DUST_CT_LINK_ETHERNET,
    DUST_CT_LINK_RAW, DUST_CT_LINK_RAW_OLD, DUST_CT_LINK_LOOP,
    DUST_CT_LINK_SLL, DUST_CT_LINK_IPV4, DUST_CT_LINK_IPV6,
    DUST_CT_LINK_SLL2, 147 };

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
	const struct dust_ct_conn * c;
	struct dust_ct * ct;
	size_t off = 1, n, i, j, fmax;
	uint64_t total;
	double ts = 0;
	int lt;

	if (size < 1)
		return (0);
	lt = links[(data[0] >> 1) % (sizeof(links) / sizeof(links[0]))];
	if ((ct = dust_ct_new((data[0] & 1) ? 80 : 0)) == NULL)
		abort();
	fmax = (data[0] & 0x80) ? 64 : 65536;
	/* First flights (TLS), or the first bytes of each side (SSH). */
	if (data[0] & 0x40)
		dust_ct_keep_starts(ct, fmax);
	else
		dust_ct_keep_flights(ct, fmax);
	while (off < size) {
		n = size - off;
		if (n >= 2 && (size_t)((data[off] << 8) | data[off + 1]) <=
		    n - 2) {
			n = (size_t)((data[off] << 8) | data[off + 1]);
			off += 2;
		}
		if (dust_ct_frame(ct, lt, data + off, n, n, ts) < 0)
			abort();
		off += n;
		ts += 0.001;
	}

	/* What the tracker holds must be consistent with what it was fed. */
	total = 0;
	for (i = 0; i < dust_ct_nconns(ct); i++) {
		c = dust_ct_conn(ct, i);
		if (c->npkts > size || c->tend < c->tstart)
			abort();
		for (j = 0; j < 2; j++)
			if (c->side[j].firstlen > DUST_CT_FIRST_MAX ||
			    c->side[j].firstlen > size ||
			    c->side[j].flightlen > fmax ||
			    c->side[j].flightlen > size ||
			    (c->side[j].flightlen > 0) !=
			    (c->side[j].flight != NULL) ||
			    (c->side[j].flightstate == DUST_CT_FLIGHT_BROKEN &&
			    c->side[j].flight != NULL))
				abort();
		total += c->side[0].payload + c->side[1].payload;
	}
	for (j = 0; j < 256; j++)
		total -= dust_ct_bytes(ct, 0)[j] + dust_ct_bytes(ct, 1)[j];
	if (total != 0)
		abort();
	dust_ct_free(ct);
	return (0);
}
