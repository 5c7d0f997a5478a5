/*
 * The host-level behaviour of a capture's client (docs/models.md, the
 * "hosts" object): when its connections start, how many are open at once,
 * how long each lives and stays idle before its close, who closes it and
 * how, and whether an idle client sends keep-alives.  The capture is of
 * one client host and one server (dust model learn's --port or --filter
 * choose them).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture/conntrack.h"
#include "dust/model.h"
#include "warnp.h"

#include "learnhosts.h"
#include "learnvals.h"

/* A connection's span, for sorting by start. */
struct span {
	double start, end;
};

/* cmpdouble(a, b): qsort order of doubles. */
static int
cmpdouble(const void * a, const void * b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/* cmpspan(a, b): qsort order of spans, by start. */
static int
cmpspan(const void * a, const void * b)
{
	const struct span * x = a, * y = b;

	return ((x->start > y->start) - (x->start < y->start));
}

/* ms(secs): ${secs} as whole milliseconds for a distribution, >= ${lo}. */
static int64_t
ms(double secs, int64_t lo)
{
	double x = secs * 1000;

	if (!(x >= (double)lo))
		return (lo);
	if (x > DUST_DURATION_MAX)
		x = DUST_DURATION_MAX;
	return (vals_round2(x));
}

/*
 * spans_write(f, sp, n): sort the ${n} spans ${sp} by start and write the
 * "start_gap", "busy_gap" (the gaps to a start that found others open;
 * all gaps if none did) and "concurrency" fields they give.  Return 0,
 * or -1 out of memory.
 */
static int
spans_write(FILE * f, struct span * sp, size_t n)
{
	struct vals gap = { 0 }, busy = { 0 }, conc = { 0 };
	double * ends;
	size_t i, j, open;
	int rc = -1;

	if ((ends = malloc(n * sizeof(*ends))) == NULL)
		return (-1);
	qsort(sp, n, sizeof(*sp), cmpspan);
	for (i = 0; i < n; i++)
		ends[i] = sp[i].end;
	qsort(ends, n, sizeof(*ends), cmpdouble);
	for (i = j = 0; i < n; i++) {
		if (i > 0 && vals_add(&gap, ms(sp[i].start - sp[i - 1].start,
		    0)))
			goto done;
		/*
		 * Open at this start: those started before it, less those
		 * ended by then (a connection ends after its start), and it.
		 */
		while (j < n && ends[j] <= sp[i].start)
			j++;
		open = i + 1 > j ? i + 1 - j : 1;
		if (open > DUST_HOSTS_CONC_MAX)
			open = DUST_HOSTS_CONC_MAX;
		if (vals_add(&conc, (int64_t)open))
			goto done;
		/* A start that found others open: a busy host's gap. */
		if (i > 0 && open > 1 && vals_add(&busy, gap.v[gap.n - 1]))
			goto done;
	}
	/* One connection: no gap was seen; the next waits its lifetime. */
	if (gap.n == 0 && vals_add(&gap, ms(sp[0].end - sp[0].start, 0)))
		goto done;
	fputs(",\n    \"start_gap\": ", f);
	vals_write(f, &gap);
	fputs(",\n    \"busy_gap\": ", f);
	vals_write(f, busy.n > 0 ? &busy : &gap);
	fputs(",\n    \"concurrency\": ", f);
	vals_write(f, &conc);
	rc = 0;
done:
	free(ends);
	free(gap.v);
	free(busy.v);
	free(conc.v);
	return (rc);
}

/*
 * closes_write(f, ct, idle): write the "lifetime", "idle_close", "close"
 * and "keepalive" fields of the connections ${ct}, using ${idle} for the
 * idle times.  Return 0, or -1 out of memory.
 */
static int
closes_write(FILE * f, const struct dust_ct * ct, struct vals * idle)
{
	struct vals life = { 0 };
	const struct dust_ct_conn * c;
	double closes[4] = { 0 }, last, total;
	size_t i, n = dust_ct_nconns(ct), kept = 0;
	int k;

	for (i = 0; i < n; i++) {
		c = dust_ct_conn(ct, i);
		if (vals_add(&life, ms(c->tend - (c->tsyn >= 0 ? c->tsyn :
		    c->tstart), 1)))
			goto oom;
		kept += (c->keepalive[DUST_CT_C2S] > 0);
		if (c->tfin < 0)
			continue;
		k = c->finrst ? (c->findir == DUST_CT_C2S ?
		    DUST_CLOSE_CLIENT_RST : DUST_CLOSE_SERVER_RST) :
		    (c->findir == DUST_CT_C2S ? DUST_CLOSE_CLIENT_FIN :
		    DUST_CLOSE_SERVER_FIN);
		closes[k]++;
		last = c->npkts > 0 ? c->pkts[c->npkts - 1].ts : c->tstart;
		if (vals_add(idle, ms(c->tfin - last, 0)))
			goto oom;
	}
	/* No close seen (the capture ended first): the client's, at once. */
	if (idle->n == 0) {
		closes[DUST_CLOSE_CLIENT_FIN] = 1;
		if (vals_add(idle, 0))
			goto oom;
	}
	fputs(",\n    \"lifetime\": ", f);
	vals_write(f, &life);
	fputs(",\n    \"idle_close\": ", f);
	vals_write(f, idle);
	total = closes[0] + closes[1] + closes[2] + closes[3];
	fprintf(f, ",\n    \"close\": {\"client_fin\": %.4f, \"server_fin\": "
	    "%.4f, \"client_rst\": %.4f, \"server_rst\": %.4f}",
	    closes[0] / total, closes[1] / total, closes[2] / total,
	    closes[3] / total);
	fprintf(f, ",\n    \"keepalive\": %.4f", (double)kept / (double)n);
	free(life.v);
	return (0);
oom:
	free(life.v);
	return (-1);
}

/**
 * learnhosts_write(f, ct):
 * Write ",\n  \"hosts\": {...}", the host-level behaviour of the client
 * of the connections ${ct} (docs/models.md: start gaps, connections at
 * once, lifetimes, idle time before the close, who closes and how, and
 * keep-alives of an idle client), to ${f}.  Return 0, or -1 after a
 * warning (out of memory).
 */
int
learnhosts_write(FILE * f, const struct dust_ct * ct)
{
	const struct dust_ct_conn * c;
	struct vals idle = { 0 };
	struct span * sp;
	size_t i, n = dust_ct_nconns(ct);
	int rc = -1;

	if (n == 0)
		return (0);
	if ((sp = malloc(n * sizeof(*sp))) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		c = dust_ct_conn(ct, i);
		sp[i].start = c->tsyn >= 0 ? c->tsyn : c->tstart;
		/* In use until its close begins (the first FIN or RST). */
		sp[i].end = c->tfin >= 0 ? c->tfin : c->tend;
	}
	fprintf(f, ",\n  \"hosts\": {\n    \"connections\": %zu", n);
	if (spans_write(f, sp, n) || closes_write(f, ct, &idle))
		goto oom;
	fputs("\n  }", f);
	rc = 0;
	goto done;
oom:
	warn0("out of memory");
done:
	free(idle.v);
	free(sp);
	return (rc);
}
