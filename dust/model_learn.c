#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "args.h"
#include "capture/conntrack.h"
#include "dust/invite.h"
#include "dust/model.h"
#include "warnp.h"

#include "jsonw.h"
#include "learnconv.h"
#include "learnhosts.h"
#include "learnvals.h"
#include "learnformat.h"
#include "modelio.h"
#include "pcapread.h"
#include "model_learn.h"

/* Share of the connections whose first segment has the model's prefix. */
#define PREFIX_SHARE	0.75

/* One first data segment, for sorting. */
struct firstseg {
	const uint8_t * p;
	size_t n;
};

/* cmpseg(a, b): qsort order of first segments (bytes, then length). */
static int
cmpseg(const void * a, const void * b)
{
	const struct firstseg * x = a, * y = b;
	int c;

	if ((c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n)) != 0)
		return (c);
	return ((x->n > y->n) - (x->n < y->n));
}

/*
 * common_prefix(ct, dir, len):
 * Return the longest prefix that at least PREFIX_SHARE of the connections'
 * first data segments of direction ${dir} start with, its length in
 * ${len} (0 if none), cut before the first byte >= 0x80 (a model prefix is
 * a JSON string of bytes) and, if it holds a CR LF, after the last one.  Return NULL when out of memory.
 */
static const uint8_t *
common_prefix(const struct dust_ct * ct, int dir, size_t * len)
{
	const struct dust_ct_side * s;
	struct firstseg * v;
	size_t i, j, n = 0, lo, hi, best, bestlo, need, L;
	const uint8_t * p;

	*len = 0;
	if ((v = malloc((dust_ct_nconns(ct) + 1) * sizeof(*v))) == NULL)
		return (NULL);
	for (i = 0; i < dust_ct_nconns(ct); i++) {
		s = &dust_ct_conn(ct, i)->side[dir];
		if (s->first != NULL) {
			v[n].p = s->first;
			v[n++].n = s->firstlen;
		}
	}
	if (n == 0) {
		free(v);
		return ((const uint8_t *)"");
	}
	qsort(v, n, sizeof(*v), cmpseg);
	need = (size_t)ceil(PREFIX_SHARE * (double)n);

	/*
	 * The segments sharing the prefix of length L are a run of the sorted
	 * list; more than half of them share it, so the run for L + 1 is the
	 * longest sub-run (by byte L) of the run for L.
	 */
	lo = 0;
	hi = n;
	for (L = 0; L < MODELIO_PREFIX_MAX; L++) {
		best = 0;
		bestlo = lo;
		for (i = lo; i < hi; i = j) {
			if (v[i].n <= L) {
				j = i + 1;
				continue;
			}
			for (j = i; j < hi && v[j].n > L &&
			    v[j].p[L] == v[i].p[L]; j++)
				;
			if (j - i > best) {
				best = j - i;
				bestlo = i;
			}
		}
		if (best < need || v[bestlo].p[L] >= 0x80)
			break;
		lo = bestlo;
		hi = bestlo + best;
	}
	p = v[lo].p;

	/* A text prefix ends on a whole line (not inside a Date: header). */
	for (i = L; i >= 2; i--)
		if (p[i - 2] == '\r' && p[i - 1] == '\n') {
			L = i;
			break;
		}
	*len = L;
	free(v);
	return (p);
}

/*
 * write_json(f, v):
 * Write the JSON value ${v} compactly to ${f}.
 */
static void
write_json(FILE * f, const json_t * v)
{
	char * t;

	if ((t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) != NULL) {
		fputs(t, f);
		free(t);
	}
}

/*
 * learn_part(f, ct, dir, name, timing):
 * Write the model part of direction ${dir} (named ${name}) learned from
 * ${ct} to ${f}, with the flow and duration of the same part of the model
 * ${timing} if it is not NULL.  Return 0, or -1 after printing why it
 * cannot be learned.
 */
static int
learn_part(FILE * f, const struct dust_ct * ct, int dir, const char * name,
    const json_t * timing)
{
	struct vals len = { 0 }, flow = { 0 }, dur = { 0 };
	const struct dust_ct_conn * c;
	const uint64_t * bytes = dust_ct_bytes(ct, dir);
	const uint8_t * prefix;
	uint64_t * win = NULL, * nw;
	size_t i, j, nwin, maxwin = 0, nonzero = 0, plen;
	double secs;
	int rc = -1;

	for (i = 0; i < 256; i++)
		nonzero += (bytes[i] != 0);
	if (nonzero < 2) {
		warn0("%s: %zu distinct payload byte values seen (a model "
		    "needs at least 2)", name, nonzero);
		return (-1);
	}
	for (i = 0; i < dust_ct_nconns(ct); i++) {
		c = dust_ct_conn(ct, i);
		if (c->npkts == 0)
			continue;
		secs = c->tend - c->tstart;
		if (secs < 0 || !isfinite(secs))
			secs = 0;
		if (secs > 2147483.0)
			secs = 2147483.0;
		if (vals_add(&dur, vals_round2(secs * 1000 < 1 ? 1 :
		    secs * 1000)))
			goto oom;

		/* Packets in each second of the connection's life. */
		nwin = (size_t)ceil(secs);
		if (nwin == 0)
			nwin = 1;
		if (nwin > maxwin) {
			if ((nw = realloc(win, nwin * sizeof(*win))) == NULL)
				goto oom;
			win = nw;
			maxwin = nwin;
		}
		memset(win, 0, nwin * sizeof(*win));
		for (j = 0; j < c->npkts; j++) {
			if (c->pkts[j].dir != dir)
				continue;
			if (vals_add(&len, c->pkts[j].len > 65535 ? 65535 :
			    c->pkts[j].len))
				goto oom;
			secs = c->pkts[j].ts - c->tstart;
			win[secs >= (double)nwin ? nwin - 1 :
			    secs <= 0 ? 0 : (size_t)secs]++;
		}
		for (j = 0; j < nwin; j++)
			if (vals_add(&flow, win[j] > 65535 ? 65535 :
			    (int64_t)win[j]))
				goto oom;
	}

	fprintf(f, "  \"%s\": {\n    \"coder\": \"huffman\",\n", name);
	if ((prefix = common_prefix(ct, dir, &plen)) == NULL)
		goto oom;
	if (plen > 0) {
		fputs("    \"prefix\": ", f);
		jsonw_string(f, prefix, plen);
		fputs(",\n", f);
	}
	fputs("    \"bytes\": [", f);
	for (i = 0; i < 256; i++)
		fprintf(f, "%s%s%llu", i ? "," : "", (i % 16) ? " " :
		    "\n      ", (unsigned long long)bytes[i]);
	fputs("\n    ],\n    \"length\": ", f);
	vals_write(f, &len);
	fputs(",\n    \"flow\": ", f);
	if (timing != NULL)
		write_json(f, json_object_get(json_object_get(timing, name),
		    "flow"));
	else
		vals_write(f, &flow);
	fputs(",\n    \"duration\": ", f);
	if (timing != NULL)
		write_json(f, json_object_get(json_object_get(timing, name),
		    "duration"));
	else
		vals_write(f, &dur);
	fputs("\n  }", f);
	rc = 0;
	goto done;

oom:
	warn0("out of memory");
done:
	free(len.v);
	free(flow.v);
	free(dur.v);
	free(win);
	return (rc);
}

/*
 * model_text(ct, name, desc, timing, convs, lf, len):
 * Return the model learned from ${ct} as JSON text (its length in
 * *${len}), named ${name}, described by ${desc}, with the flow and
 * duration of ${timing} (if not NULL), at most ${convs} conversations
 * (0: none, per-packet mode) and the format of the connections ${lf} (if
 * there are any).  Return NULL after printing why it cannot be learned.
 */
static char *
model_text(const struct dust_ct * ct, const char * name, const char * desc,
    const json_t * timing, size_t convs, const struct learnformat * lf,
    size_t * len)
{
	const uint8_t * prefix;
	size_t plen;
	char * text = NULL;
	FILE * f;

	if ((f = open_memstream(&text, len)) == NULL) {
		warnp("open_memstream");
		return (NULL);
	}
	fputs("{\n  \"name\": ", f);
	jsonw_string(f, (const uint8_t *)name, strlen(name));
	fputs(",\n  \"description\": ", f);
	jsonw_string(f, (const uint8_t *)desc, strlen(desc));
	fputs(",\n", f);
	if (learn_part(f, ct, DUST_CT_C2S, "client_to_server", timing))
		goto err;
	fputs(",\n", f);
	if (learn_part(f, ct, DUST_CT_S2C, "server_to_client", timing))
		goto err;
	if (convs) {
		/* The first segments' multisets count what follows it. */
		if ((prefix = common_prefix(ct, DUST_CT_C2S, &plen)) == NULL) {
			warn0("out of memory");
			goto err;
		}
		fputs(",\n", f);
		learnconv_write(f, ct, prefix, plen, convs);
	}
	if (lf->n > 0)
		learnformat_write(f, lf);
	if (learnhosts_write(f, ct))
		goto err;
	fputs("\n}\n", f);
	if (fclose(f)) {
		warnp("open_memstream");
		free(text);
		return (NULL);
	}
	return (text);

err:
	fclose(f);
	free(text);
	return (NULL);
}

/*
 * learned_text(ct, name, desc, timing, convs, lf, len):
 * Return the text of model_text(), checked: it must load.  A model whose
 * conversations do not load (an SSH client's first segment is its banner
 * alone) is learned again per packet.  Return NULL after printing why it
 * cannot be learned (the loader's message: a format that does not load
 * names its field).
 */
static char *
learned_text(const struct dust_ct * ct, const char * name, const char * desc,
    const json_t * timing, size_t convs, const struct learnformat * lf,
    size_t * len)
{
	struct dust_model * m;
	char err[512], * text;

	if ((text = model_text(ct, name, desc, timing, convs, lf, len)) ==
	    NULL)
		return (NULL);
	if ((m = dust_model_parse(text, *len, err, sizeof(err))) == NULL &&
	    convs && strncmp(err, "conversations", 13) == 0) {
		warn0("%s: the model is per packet", err);
		free(text);
		if ((text = model_text(ct, name, desc, timing, 0, lf, len)) ==
		    NULL)
			return (NULL);
		m = dust_model_parse(text, *len, err, sizeof(err));
	}
	if (m == NULL) {
		warn0("the learned model does not load: %s", err);
		free(text);
		return (NULL);
	}
	dust_model_free(m);
	return (text);
}

/**
 * model_learn_usage(f):
 * Print the usage of "dust model learn" to ${f}.  Return 1 (the exit
 * status of a usage error).
 */
int
model_learn_usage(FILE * f)
{

	fprintf(f, "usage: dust model learn CAPTURE [--port P | "
	    "--filter BPF] [--name NAME] [--timing MODEL]\n"
	    "    [--conversations N | --no-conversations] [--hellos N | "
	    "--no-format] -o MODEL\n");
	return (1);
}

/**
 * model_learn_main(argc, argv):
 * Run "dust model learn CAPTURE [--port P | --filter BPF] -o MODEL"
 * (${argv}[0] is "learn").  Return the exit status.
 */
int
model_learn_main(int argc, char ** argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'P' },
		{ "filter", required_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },
		{ "timing", required_argument, NULL, 't' },
		{ "no-conversations", no_argument, NULL, 'C' },
		{ "conversations", required_argument, NULL, 'c' },
		{ "hellos", required_argument, NULL, 'H' },
		{ "no-format", no_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char * filter = NULL, * out = NULL, * name = NULL, * cap;
	const char * timing = NULL;
	json_t * tjson = NULL;
	char * ttext;
	size_t tlen;
	const char * base;
	char desc[512], mname[128], * dot;
	struct dust_ct * ct, * sct = NULL;
	uint64_t port = 0, convs = LEARNCONV_MAX, hellos = LEARNFORMAT_HELLOS;
	struct learnformat lf = { 0 };
	size_t nconns, ndata, i;
	char * text;
	FILE * f;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'P':
			if (args_uint("--port", optarg, 1, 65535, &port))
				return (1);
			break;
		case 'f':
			filter = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 't':
			timing = optarg;
			break;
		case 'C':
			convs = 0;
			break;
		case 'c':
			if (args_uint("--conversations", optarg, 1,
			    LEARNCONV_MAX, &convs))
				return (1);
			break;
		case 'H':
			if (args_uint("--hellos", optarg, 2,
			    FORMAT_MAX_HELLOS, &hellos))
				return (1);
			break;
		case 'F':
			hellos = 0;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			model_learn_usage(stdout);
			return (0);
		default:
			return (model_learn_usage(stderr));
		}
	}
	if (optind != argc - 1 || out == NULL)
		return (model_learn_usage(stderr));
	cap = argv[optind];
	if ((base = strrchr(cap, '/')) != NULL)
		base++;
	else
		base = cap;

	/* Flow and duration from another model: it must load. */
	if (timing != NULL) {
		if (modelio_check(timing) ||
		    (ttext = modelio_text(timing, &tlen)) == NULL)
			return (1);
		/* As the loader reads it: a prefix may hold \u0000. */
		tjson = json_loadb(ttext, tlen, JSON_ALLOW_NUL, NULL);
		free(ttext);
		if (tjson == NULL) {
			warn0("--timing %s: cannot read its JSON", timing);
			return (1);
		}
	}
	if ((ct = pcapread(cap, (uint16_t)port, filter,
	    hellos ? LEARNFORMAT_FLIGHT_MAX : 0, 0)) == NULL) {
		json_decref(tjson);
		return (1);
	}
	nconns = dust_ct_nconns(ct);
	for (i = ndata = 0; i < nconns; i++)
		ndata += (dust_ct_conn(ct, i)->npkts > 0);
	if (ndata == 0) {
		warn0("%s: %zu TCP connections, none carrying data", cap,
		    nconns);
		dust_ct_free(ct);
		json_decref(tjson);
		return (1);
	}
	if (hellos && learnformat_find(ct, hellos, &lf)) {
		dust_ct_free(ct);
		json_decref(tjson);
		return (1);
	}
	/* SSH: read again, keeping each side's start (several flights). */
	if (hellos && lf.n == 0 && learnformat_is_ssh(ct) &&
	    ((sct = pcapread(cap, (uint16_t)port, filter,
	    LEARNFORMAT_START_MAX, 1)) == NULL ||
	    learnformat_find_ssh(sct, hellos, &lf))) {
		dust_ct_free(sct);
		dust_ct_free(ct);
		json_decref(tjson);
		return (1);
	}

	if (name == NULL && strcmp(out, "-") == 0)
		name = "learned";
	if (name == NULL) {
		/* The output file's name without its folder and ".json". */
		snprintf(mname, sizeof(mname), "%s", strrchr(out, '/') ?
		    strrchr(out, '/') + 1 : out);
		if ((dot = strrchr(mname, '.')) != NULL && dot != mname)
			*dot = '\0';
		name = mname;
	}
	if (port)
		snprintf(desc, sizeof(desc), "Learned by dust model learn from "
		    "%zu TCP connections to port %u of %s.", ndata,
		    (unsigned)port, base);
	else
		snprintf(desc, sizeof(desc), "Learned by dust model learn from "
		    "%zu TCP connections of %s.", ndata, base);
	if (timing != NULL)
		snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc),
		    " Flow and duration from the model %s.", timing);
	if (lf.n > 0)
		snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc),
		    lf.protocol == DUST_FORMAT_SSH ? " SSH-2 format from the "
		    "starts of %zu of them." : " TLS 1.3 format from the first "
		    "flights of %zu of them.", lf.n);
	text = learned_text(ct, name, desc, tjson, convs, &lf, &tlen);
	dust_ct_free(sct);
	dust_ct_free(ct);
	json_decref(tjson);
	if (text == NULL)
		return (1);
	/* It loads, but an invite could not carry it. */
	if (tlen > INVITE_MODEL_MAX)
		warn0("the model is %zu bytes, more than an invite carries (%d):"
		    " keep fewer conversations (--conversations N)", tlen,
		    INVITE_MODEL_MAX);

	if (strcmp(out, "-") == 0)
		f = stdout;
	else if ((f = fopen(out, "w")) == NULL) {
		warnp("%s", out);
		free(text);
		return (1);
	}
	fwrite(text, 1, tlen, f);
	free(text);
	if (fflush(f) || ferror(f)) {
		warnp("%s", out);
		if (f != stdout) {
			fclose(f);
			remove(out);
		}
		return (1);
	}
	if (f != stdout)
		fclose(f);

	/* What was written must load. */
	if (f != stdout && modelio_check(out))
		return (1);
	return (0);
}
