#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dust/conntrack.h"

#include "learnconv.h"

/* gap_ms(t, prev): ms from ${prev} to ${t}, never negative or absurd. */
static double
gap_ms(double t, double prev)
{
	double ms = (t - prev) * 1000;

	if (!(ms > 0))
		return (0);
	return (ms > 2147483647.0 ? 2147483647.0 : ms);
}

/*
 * idle_ms(ct): LEARNCONV_IDLE ms, or more when a kept gap is longer (a
 * gap must be below the idle limit, or the peer would give up first).
 */
static double
idle_ms(const struct dust_ct * ct)
{
	const struct dust_ct_conn * c;
	double idle = LEARNCONV_IDLE, prev, g;
	size_t i, j, n = 0;

	for (i = 0; i < dust_ct_nconns(ct) && n < LEARNCONV_MAX; i++) {
		if ((c = dust_ct_conn(ct, i))->npkts == 0)
			continue;
		n++;
		prev = c->tstart;
		for (j = 0; j < c->npkts && j < LEARNCONV_STEPS_MAX; j++) {
			g = floor(gap_ms(c->pkts[j].ts, prev) + 0.5);
			if (g + 1000 > idle)
				idle = g + 1000;
			prev = c->pkts[j].ts;
		}
	}
	return (idle > 2147483647.0 ? 2147483647.0 : idle);
}

/*
 * write_first(f, c, prefix, plen): if ${c}'s first data segment is the
 * client's, captured whole and starting with the model's prefix (${plen}
 * bytes ${prefix}), write ", \"first\": " and the counts of its bytes
 * after the prefix as [byte, count] pairs; return 1 if written.
 */
static int
write_first(FILE * f, const struct dust_ct_conn * c, const uint8_t * prefix,
    size_t plen)
{
	const struct dust_ct_side * s = &c->side[DUST_CT_C2S];
	uint32_t count[256] = { 0 };
	size_t i, k = 0;

	if (c->pkts[0].dir != DUST_CT_C2S || s->first == NULL ||
	    s->firstlen != s->firstwire || s->firstwire != c->pkts[0].len ||
	    s->firstlen <= plen || memcmp(s->first, prefix, plen) != 0)
		return (0);
	for (i = plen; i < s->firstlen; i++)
		count[s->first[i]]++;
	fputs(", \"first\": [", f);
	for (i = 0; i < 256; i++)
		if (count[i] > 0)
			fprintf(f, "%s[%zu, %u]", k++ ? ", " : "", i,
			    (unsigned)count[i]);
	fputc(']', f);
	return (1);
}

/*
 * write_conv(f, c, prefix, plen): one connection's data segments as
 * steps, with its first segment's multiset if it has one (an object
 * {"steps": ..., "first": ...}; else the array of steps).
 */
static void
write_conv(FILE * f, const struct dust_ct_conn * c, const uint8_t * prefix,
    size_t plen)
{
	const struct dust_ct_pkt * p;
	double prev = c->tstart;
	size_t j, n = c->npkts;

	if (n > LEARNCONV_STEPS_MAX)
		n = LEARNCONV_STEPS_MAX;
	fputs("{\"steps\": [", f);
	for (j = 0; j < n; j++) {
		p = &c->pkts[j];
		fprintf(f, "%s[%u, %u, %.3f]", j ? ", " : "", (unsigned)p->dir,
		    p->len > 65535 ? 65535u : (unsigned)p->len,
		    gap_ms(p->ts, prev));
		prev = p->ts;
	}
	fputc(']', f);
	(void)write_first(f, c, prefix, plen);
	fputc('}', f);
}

/**
 * learnconv_write(f, ct, prefix, plen):
 * Write the model's "conversations" field (without a trailing comma) to
 * ${f}: one conversation per connection of ${ct} carrying data, in order
 * of first appearance, at most LEARNCONV_MAX of them, each the object of
 * its "steps", the first LEARNCONV_STEPS_MAX data segments [dir, len,
 * gap_ms] (gap to the previous data segment, the first one's to the
 * connection's first frame, in ms with microsecond precision), and, when
 * the first segment is the client's, captured whole and starts with the
 * client's prefix (${plen} bytes ${prefix}), its "first": the counts of
 * its bytes after the prefix; with "draw": "all" and an idle_ms of
 * LEARNCONV_IDLE or a second above the longest gap.  Return the number of
 * conversations written.
 */
size_t
learnconv_write(FILE * f, const struct dust_ct * ct, const uint8_t * prefix,
    size_t plen)
{
	const struct dust_ct_conn * c;
	size_t i, n = 0;

	fprintf(f, "  \"conversations\": {\"idle_ms\": %.0f, \"draw\": "
	    "\"all\", \"list\": [", idle_ms(ct));
	for (i = 0; i < dust_ct_nconns(ct) && n < LEARNCONV_MAX; i++) {
		c = dust_ct_conn(ct, i);
		if (c->npkts == 0)
			continue;
		fputs(n ? ",\n    " : "\n    ", f);
		write_conv(f, c, prefix, plen);
		n++;
	}
	fputs("\n  ]}", f);
	return (n);
}
