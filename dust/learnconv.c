#include <math.h>
#include <stdio.h>
#include <string.h>

#include "capture/conntrack.h"

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
 * A handshake's round trip shorter than this (ms) is the sender's own
 * kernel answering (94 us median for a client on a virtual machine), not
 * a path: the capture point was beside it.  That time is part of the
 * sender's turn as replayed (a Dust peer dates the bytes it is answering
 * by the kernel's arrival stamp), so it is not taken off; taken off, the
 * tunnel's client answered 0.09 ms early.
 */
#define PATH_RTT_MIN_MS	0.5

/*
 * turn_ms(c, dir): the capture point's round trip, in ms, over the path
 * to the sender of direction ${dir} of ${c}, from its handshake (SYN to
 * SYN-ACK for the server, SYN-ACK to the client's ACK for the client), or
 * 0 if unknown or no path (PATH_RTT_MIN_MS).
 */
static double
turn_ms(const struct dust_ct_conn * c, int dir)
{
	double a = (dir == DUST_CT_S2C) ? c->tsyn : c->tsynack;
	double b = (dir == DUST_CT_S2C) ? c->tsynack : c->tack;

	/* (A SYN-ACK is noted only after a SYN, an ACK after a SYN-ACK.) */
	if (a < 0 || b < 0 || gap_ms(b, a) < PATH_RTT_MIN_MS)
		return (0);
	return (gap_ms(b, a));
}

/*
 * step_gap_ms(c, j, prev): the gap of ${c}'s data segment ${j} after the
 * segment at time ${prev}: its sender's think time.  When the direction
 * turns, what the capture point saw includes the round trip to the sender
 * and back, which the path adds again when Dust replays it (a step after
 * the peer's is timed from the peer's bytes' arrival), so it is taken off.
 */
static double
step_gap_ms(const struct dust_ct_conn * c, size_t j, double prev)
{
	const struct dust_ct_pkt * p = &c->pkts[j];
	double g = gap_ms(p->ts, prev);

	if (j > 0 && c->pkts[j - 1].dir != p->dir)
		g -= turn_ms(c, p->dir);
	return (g > 0 ? g : 0);
}

/*
 * close_gap_ms(c, n): if ${c}'s first FIN or RST came after its ${n} data
 * segments kept (all of them), return the closing side's think time
 * after the last one (step_gap_ms' round trip taken off when the
 * direction turns), else -1.
 */
static double
close_gap_ms(const struct dust_ct_conn * c, size_t n)
{
	const struct dust_ct_pkt * last = &c->pkts[n - 1];
	double g;

	if (c->tfin < 0 || n != c->npkts || c->tfin < last->ts)
		return (-1);
	g = gap_ms(c->tfin, last->ts);
	if (c->findir != last->dir)
		g -= turn_ms(c, c->findir);
	return (g > 0 ? g : 0);
}

/*
 * kept(c): how many of ${c}'s data segments a conversation keeps.
 */
static size_t
kept(const struct dust_ct_conn * c)
{

	return (c->npkts < LEARNCONV_STEPS_MAX ? c->npkts :
	    LEARNCONV_STEPS_MAX);
}

/*
 * idle_ms(ct, max): LEARNCONV_IDLE ms, or more when a kept gap of the
 * first ${max} conversations is longer (a gap must be below the idle
 * limit, or the peer would give up first).
 */
static double
idle_ms(const struct dust_ct * ct, size_t max)
{
	const struct dust_ct_conn * c;
	double idle = LEARNCONV_IDLE, prev, g;
	size_t i, j, n = 0;

	for (i = 0; i < dust_ct_nconns(ct) && n < max; i++) {
		if ((c = dust_ct_conn(ct, i))->npkts == 0)
			continue;
		n++;
		prev = c->tstart;
		for (j = 0; j < kept(c); j++) {
			g = floor(step_gap_ms(c, j, prev) + 0.5);
			if (g + 1000 > idle)
				idle = g + 1000;
			prev = c->pkts[j].ts;
		}
		g = floor(close_gap_ms(c, kept(c)) + 0.5);
		if (g + 1000 > idle)
			idle = g + 1000;
	}
	return (idle > 2147483647.0 ? 2147483647.0 : idle);
}

/*
 * write_ms(f, ms): write ${ms} to ${f} to the microsecond, without
 * trailing zeros (0.05, 20.945, 3): an invite carries 4 MiB of model,
 * about 2400 conversations over a path, and every byte of a step counts.
 */
static void
write_ms(FILE * f, double ms)
{
	char buf[32];
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "%.3f", ms);
	while (n > 1 && buf[n - 1] == '0')
		n--;
	if (buf[n - 1] == '.')
		n--;
	fwrite(buf, 1, n, f);
}

/*
 * write_first(f, c, prefix, plen): if ${c}'s first data segment is the
 * client's, captured whole and starting with the model's prefix (${plen}
 * bytes ${prefix}), write ",\"first\":" and the counts of its bytes
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
	fputs(",\"first\":[", f);
	for (i = 0; i < 256; i++)
		if (count[i] > 0)
			fprintf(f, "%s[%zu,%u]", k++ ? "," : "", i,
			    (unsigned)count[i]);
	fputc(']', f);
	return (1);
}

/*
 * write_conv(f, c, prefix, plen): one connection's data segments as
 * steps, with its first segment's multiset if it has one and how it was
 * closed (an object {"steps": ..., "first": ..., "close": ...}).
 */
static void
write_conv(FILE * f, const struct dust_ct_conn * c, const uint8_t * prefix,
    size_t plen)
{
	const struct dust_ct_pkt * p;
	double prev = c->tstart, g;
	size_t j, n = kept(c);

	fputs("{\"steps\":[", f);
	for (j = 0; j < n; j++) {
		p = &c->pkts[j];
		fprintf(f, "%s[%u,%u,", j ? "," : "", (unsigned)p->dir,
		    p->len > 65535 ? 65535u : (unsigned)p->len);
		write_ms(f, step_gap_ms(c, j, prev));
		fputc(']', f);
		prev = p->ts;
	}
	fputc(']', f);
	if ((g = close_gap_ms(c, n)) >= 0) {
		fprintf(f, ",\"close\":[%u,", (unsigned)c->findir);
		write_ms(f, g);
		fputc(']', f);
	}
	(void)write_first(f, c, prefix, plen);
	fputc('}', f);
}

/**
 * learnconv_write(f, ct, prefix, plen, max):
 * Write the model's "conversations" field (without a trailing comma) to
 * ${f}: one conversation per connection of ${ct} carrying data, in order of
 * first appearance, at most ${max} of them (and LEARNCONV_MAX), each the
 * object of its "steps", the first LEARNCONV_STEPS_MAX data segments [dir,
 * len, gap_ms] (gap to the previous data segment, less the round trip to
 * the sender when the direction turns, the first one's to the connection's
 * first frame, in ms with microsecond precision), its "close" if known,
 * and, when the first segment is the client's, captured whole and starts
 * with the client's prefix (${plen} bytes ${prefix}), its "first": the
 * counts of its bytes after the prefix; with "draw": "all" and an idle_ms
 * of LEARNCONV_IDLE or a second above the longest gap.  Return the number
 * of conversations written.
 */
size_t
learnconv_write(FILE * f, const struct dust_ct * ct, const uint8_t * prefix,
    size_t plen, size_t max)
{
	const struct dust_ct_conn * c;
	size_t i, n = 0;

	if (max > LEARNCONV_MAX)
		max = LEARNCONV_MAX;
	fprintf(f, "  \"conversations\": {\"idle_ms\": %.0f, \"draw\": "
	    "\"all\", \"list\": [", idle_ms(ct, max));
	for (i = 0; i < dust_ct_nconns(ct) && n < max; i++) {
		c = dust_ct_conn(ct, i);
		if (c->npkts == 0)
			continue;
		fputs(n ? ",\n" : "\n", f);
		write_conv(f, c, prefix, plen);
		n++;
	}
	fputs("\n  ]}", f);
	return (n);
}
