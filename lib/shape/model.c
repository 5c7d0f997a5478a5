#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dust/conversation.h"
#include "dust/dist.h"
#include "dust/model.h"
#include "format/format.h"
#include "exact.h"
#include "huffman.h"

#include "convparse.h"

/* Largest byte weight, and most points of an empirical distribution. */
#define WEIGHT_MAX	1e15
#define POINTS_MAX	65536

/* Where the loader writes its message. */
struct err {
	char * buf;
	size_t len;
};

/* The range and name of a sampled field. */
struct field {
	int64_t lo, hi;
	const char * noun;	/* For "lengths must be 1..65535". */
};

static const struct field F_LENGTH = { 1, DUST_LENGTH_MAX, "lengths" };
static const struct field F_FLOW = { 0, DUST_FLOW_MAX,
	"packets per second" };
static const struct field F_DURATION = { 1, DUST_DURATION_MAX,
	"durations (ms)" };
static const struct field F_GAP = { 0, DUST_DURATION_MAX, "gaps (ms)" };
static const struct field F_CONC = { 1, DUST_HOSTS_CONC_MAX,
	"connections at once" };
static const struct field F_COUNT = { 1, DUST_DURATION_MAX,
	"connections" };

/* fail(e, path, fmt, ...): write "path: message" to ${e}; return -1. */
static int fail(struct err *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct err * e, const char * path, const char * fmt, ...)
{
	va_list ap;
	int n;

	if (e->len == 0)
		return (-1);
	n = snprintf(e->buf, e->len, "%s: ", path);
	if (n >= 0 && (size_t)n < e->len) {
		va_start(ap, fmt);
		vsnprintf(e->buf + n, e->len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* sub(buf, path, key): "path.key" in ${buf} (of 128 bytes). */
static const char *
sub(char * buf, const char * path, const char * key)
{

	snprintf(buf, 128, "%s%s%s", path, path[0] ? "." : "", key);
	return (buf);
}

/* get_num(e, v, path, x): ${v} as a double in ${x}; 0, or -1 if no number. */
static int
get_num(struct err * e, const json_t * v, const char * path, double * x)
{

	if (!json_is_number(v))
		return (fail(e, path, "must be a number"));
	*x = json_number_value(v);
	if (!isfinite(*x))
		return (fail(e, path, "must be finite"));
	return (0);
}

/* get_int(e, v, path, f, x): an integer of field ${f}'s range in ${x}. */
static int
get_int(struct err * e, const json_t * v, const char * path,
    const struct field * f, int64_t * x)
{
	double d;

	if (get_num(e, v, path, &d))
		return (-1);
	if (d != floor(d))
		return (fail(e, path, "must be an integer"));
	if (d < (double)f->lo || d > (double)f->hi)
		return (fail(e, path, "%s must be %lld..%lld", f->noun,
		    (long long)f->lo, (long long)f->hi));
	*x = (int64_t)d;
	return (0);
}

/* check_keys(e, o, path, allowed, what): no key of ${o} outside ${allowed}. */
static int
check_keys(struct err * e, json_t * o, const char * path,
    const char * const * allowed, const char * what)
{
	const char * key;
	json_t * v;
	char p[128];
	size_t i;

	json_object_foreach(o, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return (fail(e, sub(p, path, key), "unknown field%s%s",
			    what ? " for family " : "", what ? what : ""));
	}
	return (0);
}

/* A family's name, its parameters, and which of them must be present. */
struct family {
	const char * name;
	enum dust_dist_family id;
	const char * keys[4];
	int required;		/* Bit i: keys[i] must be given. */
};

static const struct family families[] = {
	{ "fixed", DUST_DIST_FIXED, { "value", NULL, NULL, NULL }, 1 },
	{ "uniform", DUST_DIST_UNIFORM, { "min", "max", NULL, NULL }, 3 },
	{ "normal", DUST_DIST_NORMAL, { "mean", "sigma", "min", "max" }, 3 },
	{ "exponential", DUST_DIST_EXPONENTIAL,
	    { "mean", "min", "max", NULL }, 1 },
	{ "poisson", DUST_DIST_POISSON, { "lambda", "min", "max", NULL }, 1 },
	{ "empirical", DUST_DIST_EMPIRICAL, { "points", NULL, NULL, NULL }, 1 },
};

/* parse_points(e, v, path, f, d): the [value, weight] pairs of ${v}. */
static int
parse_points(struct err * e, json_t * v, const char * path,
    const struct field * f, struct dust_dist * d)
{
	char p[160], q[192];
	size_t i, n;
	double w, total = 0;
	json_t * pt;

	if (!json_is_array(v) || (n = json_array_size(v)) == 0)
		return (fail(e, path, "must be a non-empty array of "
		    "[value, weight] pairs"));
	if (n > POINTS_MAX)
		return (fail(e, path, "at most %d points", POINTS_MAX));
	if ((d->values = malloc(n * sizeof(int64_t))) == NULL ||
	    (d->cum = malloc(n * sizeof(double))) == NULL)
		return (fail(e, path, "out of memory"));
	d->npoints = n;
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		pt = json_array_get(v, i);
		if (!json_is_array(pt) || json_array_size(pt) != 2)
			return (fail(e, p, "must be a [value, weight] pair"));
		snprintf(q, sizeof(q), "%s[0]", p);
		if (get_int(e, json_array_get(pt, 0), q, f, &d->values[i]))
			return (-1);
		snprintf(q, sizeof(q), "%s[1]", p);
		if (get_num(e, json_array_get(pt, 1), q, &w))
			return (-1);
		if (w < 0 || w > WEIGHT_MAX)
			return (fail(e, q, "weights must be 0..1e15"));
		d->cum[i] = w;
		total += w;
	}
	if (total == 0)
		return (fail(e, path, "all weights are zero"));
	return (0);
}

/* parse_dist(e, o, path, f, d): the distribution ${o} of field ${f}. */
static int
parse_dist(struct err * e, json_t * o, const char * path,
    const struct field * f, struct dust_dist * d)
{
	const struct family * fam = NULL;
	const char * name;
	json_t * v;
	char p[128];
	size_t i;
	double x;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(o))
		return (fail(e, path, "must be an object"));
	if ((v = json_object_get(o, "family")) == NULL)
		return (fail(e, sub(p, path, "family"), "missing"));
	if (!json_is_string(v))
		return (fail(e, sub(p, path, "family"), "must be a string"));
	name = json_string_value(v);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strcmp(name, families[i].name) == 0)
			fam = &families[i];
	if (fam == NULL)
		return (fail(e, sub(p, path, "family"), "unknown family \"%s\" "
		    "(fixed, uniform, normal, exponential, poisson, empirical)",
		    name));
	{
		const char * allowed[6] = { "family", fam->keys[0],
		    fam->keys[1], fam->keys[2], fam->keys[3], NULL };

		if (check_keys(e, o, path, allowed, fam->name))
			return (-1);
	}
	for (i = 0; i < 4; i++)
		if ((fam->required >> i & 1) &&
		    json_object_get(o, fam->keys[i]) == NULL)
			return (fail(e, sub(p, path, fam->keys[i]),
			    "missing (family %s)", fam->name));
	d->family = fam->id;
	d->min = f->lo;
	d->max = f->hi;
	if ((v = json_object_get(o, "min")) != NULL &&
	    get_int(e, v, sub(p, path, "min"), f, &d->min))
		return (-1);
	if ((v = json_object_get(o, "max")) != NULL &&
	    get_int(e, v, sub(p, path, "max"), f, &d->max))
		return (-1);
	if (d->min > d->max)
		return (fail(e, sub(p, path, "min"), "must be <= max"));

	switch (fam->id) {
	case DUST_DIST_FIXED:
		if (get_int(e, json_object_get(o, "value"),
		    sub(p, path, "value"), f, &d->min))
			return (-1);
		d->max = d->min;
		break;
	case DUST_DIST_UNIFORM:
		break;
	case DUST_DIST_NORMAL:
		if (get_num(e, json_object_get(o, "mean"),
		    sub(p, path, "mean"), &d->mean))
			return (-1);
		if (fabs(d->mean) > DUST_DIST_MAXMEAN)
			return (fail(e, p, "must be within +-1e12"));
		if (get_num(e, json_object_get(o, "sigma"),
		    sub(p, path, "sigma"), &d->sigma))
			return (-1);
		if (!(d->sigma > 0))
			return (fail(e, p, "must be > 0"));
		if (d->sigma > DUST_DIST_MAXMEAN)
			return (fail(e, p, "must be <= 1e12"));
		break;
	case DUST_DIST_EXPONENTIAL:
		if (get_num(e, json_object_get(o, "mean"),
		    sub(p, path, "mean"), &d->mean))
			return (-1);
		if (!(d->mean > 0))
			return (fail(e, p, "must be > 0"));
		if (d->mean > DUST_DIST_MAXMEAN)
			return (fail(e, p, "must be <= 1e12"));
		break;
	case DUST_DIST_POISSON:
		if (get_num(e, json_object_get(o, "lambda"),
		    sub(p, path, "lambda"), &x))
			return (-1);
		if (!(x > 0))
			return (fail(e, p, "must be > 0"));
		if (x > DUST_DIST_MAXLAMBDA)
			return (fail(e, p, "must be <= 1e6"));
		d->mean = x;
		break;
	case DUST_DIST_EMPIRICAL:
		if (parse_points(e, json_object_get(o, "points"),
		    sub(p, path, "points"), f, d))
			return (-1);
		break;
	}
	if (dust_dist_prepare(d))
		return (fail(e, path, "min..max keeps %.3g of the "
		    "distribution (must keep >= %g)", d->mass,
		    DUST_DIST_MINMASS));
	return (0);
}

/*
 * quantize(weight, freq): integer frequencies summing to DUST_EXACT_TOTAL:
 * floor(w * TOTAL), at least 1 for a non-zero weight; the difference to
 * TOTAL is then added to (or taken from, never below 1) the largest
 * frequency, the lowest byte among equals.  Equal weights give equal
 * frequencies (256 x 4096).
 */
static void
quantize(const double weight[256], uint32_t freq[256])
{
	int64_t sum = 0, diff, take;
	unsigned int i, big;

	for (i = 0; i < 256; i++) {
		freq[i] = (uint32_t)floor(weight[i] * DUST_EXACT_TOTAL);
		if (weight[i] > 0 && freq[i] == 0)
			freq[i] = 1;
		sum += freq[i];
	}
	diff = (int64_t)DUST_EXACT_TOTAL - sum;
	while (diff != 0) {
		for (big = 0, i = 1; i < 256; i++)
			if (freq[i] > freq[big])
				big = i;
		if (diff > 0) {
			freq[big] += (uint32_t)diff;
			diff = 0;
		} else {
			take = (int64_t)freq[big] - 1;
			if (take > -diff)
				take = -diff;
			freq[big] -= (uint32_t)take;
			diff += take;
		}
	}
}

/* parse_bytes(e, v, path, part): the 256 byte weights. */
static int
parse_bytes(struct err * e, json_t * v, const char * path,
    struct dust_model_part * part)
{
	char p[160];
	double w, total = 0;
	size_t i, nz = 0;

	if (!json_is_array(v) || json_array_size(v) != 256)
		return (fail(e, path, "must be an array of 256 numbers"));
	for (i = 0; i < 256; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (get_num(e, json_array_get(v, i), p, &w))
			return (-1);
		if (w < 0 || w > WEIGHT_MAX)
			return (fail(e, p, "weights must be 0..1e15"));
		part->weight[i] = w;
		total += w;
		nz += (w > 0);
	}
	if (total == 0)
		return (fail(e, path, "all weights are zero"));
	if (nz < 2)
		return (fail(e, path, "at least two weights must be > 0 "
		    "(one byte carries no data)"));
	for (i = 0; i < 256; i++)
		part->weight[i] /= total;
	quantize(part->weight, part->freq);
	return (0);
}

/* parse_part(e, o, path, part): one direction of the model. */
static int
parse_part(struct err * e, json_t * o, const char * path,
    struct dust_model_part * part)
{
	static const char * const allowed[] = { "bytes", "length", "flow",
	    "duration", "prefix", "coder", NULL };
	static const char * const required[] = { "bytes", "length", "flow",
	    "duration", NULL };
	const char * s;
	json_t * v;
	char p[128];
	size_t i;

	if (o == NULL)
		return (fail(e, path, "missing"));
	if (!json_is_object(o))
		return (fail(e, path, "must be an object"));
	if (check_keys(e, o, path, allowed, NULL))
		return (-1);
	for (i = 0; required[i] != NULL; i++)
		if (json_object_get(o, required[i]) == NULL)
			return (fail(e, sub(p, path, required[i]), "missing"));
	if (parse_bytes(e, json_object_get(o, "bytes"),
	    sub(p, path, "bytes"), part))
		return (-1);
	if (parse_dist(e, json_object_get(o, "length"),
	    sub(p, path, "length"), &F_LENGTH, &part->length))
		return (-1);
	if (parse_dist(e, json_object_get(o, "flow"),
	    sub(p, path, "flow"), &F_FLOW, &part->flow))
		return (-1);
	if (parse_dist(e, json_object_get(o, "duration"),
	    sub(p, path, "duration"), &F_DURATION, &part->duration))
		return (-1);

	if ((v = json_object_get(o, "prefix")) != NULL) {
		if (!json_is_string(v))
			return (fail(e, sub(p, path, "prefix"),
			    "must be a string"));
		part->prefixlen = json_string_length(v);
		if (part->prefixlen > DUST_PREFIX_MAX)
			return (fail(e, sub(p, path, "prefix"),
			    "must be at most %d bytes", DUST_PREFIX_MAX));
		if (part->prefixlen > 0) {
			if ((part->prefix = malloc(part->prefixlen)) == NULL)
				return (fail(e, path, "out of memory"));
			memcpy(part->prefix, json_string_value(v),
			    part->prefixlen);
		}
	}

	part->coder = DUST_CODER_HUFFMAN;
	if ((v = json_object_get(o, "coder")) != NULL) {
		if (!json_is_string(v))
			return (fail(e, sub(p, path, "coder"),
			    "must be a string"));
		s = json_string_value(v);
		if (strcmp(s, "huffman") == 0)
			part->coder = DUST_CODER_HUFFMAN;
		else if (strcmp(s, "exact") == 0)
			part->coder = DUST_CODER_EXACT;
		else
			return (fail(e, sub(p, path, "coder"),
			    "unknown coder \"%s\" (huffman or exact)", s));
	}

	if ((part->huff = malloc(sizeof(*part->huff))) == NULL ||
	    (part->exact = malloc(sizeof(*part->exact))) == NULL)
		return (fail(e, path, "out of memory"));
	if (dust_huff_build(part->huff, part->freq) ||
	    dust_exact_build(part->exact, part->freq))
		return (fail(e, sub(p, path, "bytes"), "no code"));
	return (0);
}

/* Free what a part holds. */
static void
part_free(struct dust_model_part * part)
{

	dust_dist_free(&part->length);
	dust_dist_free(&part->flow);
	dust_dist_free(&part->duration);
	free(part->prefix);
	free(part->huff);
	free(part->exact);
}

/* Free what ${h} holds, and ${h} (NULL: nothing). */
static void
hosts_free(struct dust_hosts * h)
{

	if (h == NULL)
		return;
	dust_dist_free(&h->start_gap);
	dust_dist_free(&h->busy_gap);
	dust_dist_free(&h->concurrency);
	dust_dist_free(&h->lifetime);
	dust_dist_free(&h->idle_close);
	free(h);
}

/* parse_share(e, v, path, x): a number 0..1 in ${x}. */
static int
parse_share(struct err * e, const json_t * v, const char * path, double * x)
{

	if (get_num(e, v, path, x))
		return (-1);
	if (*x < 0 || *x > 1)
		return (fail(e, path, "must be 0..1"));
	return (0);
}

/* parse_close(e, o, h): the shares of who closes, "hosts.close". */
static int
parse_close(struct err * e, json_t * o, struct dust_hosts * h)
{
	static const char * const keys[] = { "client_fin", "server_fin",
	    "client_rst", "server_rst", NULL };
	double total = 0;
	char p[128];
	size_t i;

	if (o == NULL)
		return (fail(e, "hosts.close", "missing"));
	if (!json_is_object(o))
		return (fail(e, "hosts.close", "must be an object"));
	if (check_keys(e, o, "hosts.close", keys, NULL))
		return (-1);
	for (i = 0; keys[i] != NULL; i++) {
		if (json_object_get(o, keys[i]) == NULL)
			return (fail(e, sub(p, "hosts.close", keys[i]),
			    "missing"));
		if (parse_share(e, json_object_get(o, keys[i]),
		    sub(p, "hosts.close", keys[i]), &h->close[i]))
			return (-1);
		total += h->close[i];
	}
	if (total == 0)
		return (fail(e, "hosts.close", "all shares are zero"));
	for (i = 0; i < 4; i++)
		h->close[i] /= total;
	return (0);
}

/*
 * parse_hosts(e, o, hp): the host-level behaviour "hosts" (docs/models.md)
 * in a new *${hp}.
 */
static int
parse_hosts(struct err * e, json_t * o, struct dust_hosts ** hp)
{
	static const char * const keys[] = { "connections", "start_gap",
	    "busy_gap", "concurrency", "lifetime", "idle_close", "close", "keepalive",
	    NULL };
	static const struct {
		const char * key;
		const struct field * f;
		size_t off;
	} dists[] = {
		{ "start_gap", &F_GAP, offsetof(struct dust_hosts, start_gap) },
		{ "busy_gap", &F_GAP, offsetof(struct dust_hosts, busy_gap) },
		{ "concurrency", &F_CONC,
		    offsetof(struct dust_hosts, concurrency) },
		{ "lifetime", &F_DURATION,
		    offsetof(struct dust_hosts, lifetime) },
		{ "idle_close", &F_GAP,
		    offsetof(struct dust_hosts, idle_close) },
	};
	struct dust_hosts * h;
	char p[128];
	int64_t n;
	size_t i;

	if (!json_is_object(o))
		return (fail(e, "hosts", "must be an object"));
	if (check_keys(e, o, "hosts", keys, NULL))
		return (-1);
	for (i = 0; keys[i] != NULL; i++)
		if (json_object_get(o, keys[i]) == NULL)
			return (fail(e, sub(p, "hosts", keys[i]), "missing"));
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (fail(e, "hosts", "out of memory"));
	*hp = h;
	if (get_int(e, json_object_get(o, "connections"),
	    "hosts.connections", &F_COUNT, &n))
		return (-1);
	h->connections = (uint64_t)n;
	for (i = 0; i < sizeof(dists) / sizeof(dists[0]); i++)
		if (parse_dist(e, json_object_get(o, dists[i].key),
		    sub(p, "hosts", dists[i].key), dists[i].f,
		    (struct dust_dist *)((char *)h + dists[i].off)))
			return (-1);
	if (parse_close(e, json_object_get(o, "close"), h))
		return (-1);
	return (parse_share(e, json_object_get(o, "keepalive"),
	    "hosts.keepalive", &h->keepalive));
}

/**
 * dust_model_parse(json, len, errbuf, errlen):
 * Load the model in the ${len} bytes of JSON text ${json}.  Return it, or
 * NULL with a message naming the field and the reason in ${errbuf} (of
 * ${errlen} bytes), e.g. "client_to_server.bytes: all weights are zero".
 */
struct dust_model *
dust_model_parse(const char * json, size_t len, char * errbuf,
    size_t errlen)
{
	static const char * const allowed[] = { "name", "description",
	    "client_to_server", "server_to_client", "conversations", "format",
	    "hosts", NULL };
	struct err e = { errbuf, errlen };
	struct dust_model * m;
	json_error_t jerr;
	json_t * root, * v;

	if (errlen > 0)
		errbuf[0] = '\0';
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		fail(&e, "model", "out of memory");
		return (NULL);
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &jerr);
	if (root == NULL) {
		fail(&e, "json", "line %d column %d: %s", jerr.line,
		    jerr.column, jerr.text);
		goto err;
	}
	if (!json_is_object(root)) {
		fail(&e, "model", "must be a JSON object");
		goto err;
	}
	if (check_keys(&e, root, "", allowed, NULL))
		goto err;
	if ((v = json_object_get(root, "name")) != NULL) {
		if (!json_is_string(v)) {
			fail(&e, "name", "must be a string");
			goto err;
		}
		if ((m->name = strdup(json_string_value(v))) == NULL) {
			fail(&e, "name", "out of memory");
			goto err;
		}
	}
	if ((v = json_object_get(root, "description")) != NULL &&
	    !json_is_string(v)) {
		fail(&e, "description", "must be a string");
		goto err;
	}
	if (parse_part(&e, json_object_get(root, "client_to_server"),
	    "client_to_server", &m->part[DUST_C2S]))
		goto err;
	if (parse_part(&e, json_object_get(root, "server_to_client"),
	    "server_to_client", &m->part[DUST_S2C]))
		goto err;
	if ((v = json_object_get(root, "conversations")) != NULL &&
	    convparse(v, m, &m->conv, errbuf, errlen))
		goto err;
	if ((v = json_object_get(root, "format")) != NULL &&
	    format_parse(v, &m->format, errbuf, errlen))
		goto err;
	if ((v = json_object_get(root, "hosts")) != NULL &&
	    parse_hosts(&e, v, &m->hosts))
		goto err;
	json_decref(root);
	return (m);

err:
	json_decref(root);
	dust_model_free(m);
	return (NULL);
}

/**
 * dust_model_builtin(name, errbuf, errlen):
 * Load the built-in model ${name} ("uniform", "cover", "http", "tls").  Return
 * it, or NULL with a message in ${errbuf}.
 */
struct dust_model *
dust_model_builtin(const char * name, char * errbuf, size_t errlen)
{
	const char * json;

	if ((json = dust_model_builtin_json(name)) == NULL) {
		snprintf(errbuf, errlen, "model: no built-in model \"%s\"",
		    name);
		return (NULL);
	}
	return (dust_model_parse(json, strlen(json), errbuf, errlen));
}

/**
 * dust_model_free(m):
 * Free the model ${m} (NULL: nothing).
 */
void
dust_model_free(struct dust_model * m)
{

	if (m == NULL)
		return;
	part_free(&m->part[0]);
	part_free(&m->part[1]);
	dust_convset_free(m->conv);
	format_free(m->format);
	hosts_free(m->hosts);
	free(m->name);
	free(m);
}

/**
 * dust_model_entropy(part):
 * Return the entropy of ${part}'s byte weights in bits per byte: the most
 * uniform bits a wire byte can carry.
 */
double
dust_model_entropy(const struct dust_model_part * part)
{
	double h = 0;
	int i;

	for (i = 0; i < 256; i++)
		if (part->weight[i] > 0)
			h -= part->weight[i] * log2(part->weight[i]);
	return (h);
}
