/*
 * Model loader and samplers: the built-in models load and match
 * models/NAME.json; every validation error comes with its message; the
 * samplers of packet length, packets per second and duration follow their
 * distributions (Kolmogorov-Smirnov against the CDF, fixed seeds).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/dist.h"
#include "dust/model.h"
#include "shape/shaper.h"

#include "shapetest.h"

/* Every built-in model loads, and is the text of models/NAME.json. */
static void
test_builtin(void ** state)
{
	struct dust_model * m;
	const char * name, * json;
	char path[64], err[256], * text;
	size_t i, len;
	FILE * f;

	(void)state;
	for (i = 0; (name = dust_model_builtin_name(i)) != NULL; i++) {
		m = dust_model_builtin(name, err, sizeof(err));
		if (m == NULL)
			fail_msg("%s: %s", name, err);
		assert_string_equal(m->name, name);
		dust_model_free(m);

		json = dust_model_builtin_json(name);
		snprintf(path, sizeof(path), "models/%s.json", name);
		assert_non_null(f = fopen(path, "rb"));
		assert_non_null(text = malloc(1 << 20));
		len = fread(text, 1, (1 << 20) - 1, f);
		fclose(f);
		text[len] = '\0';
		if (strcmp(text, json) != 0)
			fail_msg("%s differs from the built-in model: run "
			    "sh scripts/gen-models.sh > "
			    "lib/shape/models_builtin.c", path);
		free(text);
	}
	assert_true(i >= 3);
	assert_null(dust_model_builtin("gopher", err, sizeof(err)));
	assert_string_equal(err, "model: no built-in model \"gopher\"");

	/* The http model's parts: prefix, coder, 97 bytes client side. */
	m = dust_model_builtin("http", err, sizeof(err));
	assert_int_equal(m->part[DUST_C2S].prefixlen, 5);
	assert_memory_equal(m->part[DUST_C2S].prefix, "GET /", 5);
	assert_int_equal(m->part[DUST_S2C].prefixlen, 17);
	assert_int_equal(m->part[DUST_C2S].coder, DUST_CODER_HUFFMAN);
	dust_model_free(m);
}

/*
 * A model text: the client part's field ${key} set to the JSON ${value}
 * (added if not a default field; removed if ${value} is NULL).
 */
static char *
model_with(const char * key, const char * value)
{
	static const char * const keys[] = { "bytes", "length", "flow",
	    "duration", NULL };
	static char json[(1 << 20) + 4096], part[1 << 20];
	char ones[1024];
	const char * defaults[4];
	size_t off = 0, i;
	int found = 0;

	for (i = 0; i < 256; i++)
		off += (size_t)snprintf(ones + off, sizeof(ones) - off,
		    "%s1", i ? "," : "");
	defaults[0] = ones;
	defaults[1] = "{\"family\": \"fixed\", \"value\": 100}";
	defaults[2] = "{\"family\": \"fixed\", \"value\": 10}";
	defaults[3] = "{\"family\": \"fixed\", \"value\": 1000}";
	off = 0;
	part[0] = '\0';
	for (i = 0; keys[i] != NULL; i++) {
		const char * v = defaults[i];

		if (strcmp(keys[i], key) == 0) {
			found = 1;
			if ((v = value) == NULL)
				continue;
		}
		off += (size_t)snprintf(part + off, sizeof(part) - off,
		    "%s\"%s\": %s%s%s", off ? ", " : "", keys[i],
		    i == 0 && v == ones ? "[" : "", v,
		    i == 0 && v == ones ? "]" : "");
	}
	if (!found && value != NULL)
		snprintf(part + off, sizeof(part) - off, ", \"%s\": %s", key,
		    value);
	snprintf(json, sizeof(json), "{\"name\": \"t\", "
	    "\"client_to_server\": {%s}, \"server_to_client\": {\"bytes\": [%s],"
	    " \"length\": %s, \"flow\": %s, \"duration\": %s}}", part, ones,
	    defaults[1], defaults[2], defaults[3]);
	return (json);
}

/* load_fails(json, message): loading ${json} fails with ${message}. */
static void
load_fails(const char * json, const char * message)
{
	struct dust_model * m;
	char err[256];

	m = dust_model_parse(json, strlen(json), err, sizeof(err));
	if (m != NULL)
		fail_msg("loaded: %s", json);
	if (strcmp(err, message) != 0)
		fail_msg("got \"%s\", wanted \"%s\"", err, message);
}

/* Every validation error names the field and says what is wrong. */
static void
test_errors(void ** state)
{
	static const struct {
		const char * key, * value, * message;
	} cases[] = {
		{ "bytes", "[0]", "client_to_server.bytes: must be an array "
		    "of 256 numbers" },
		{ "bytes", "7", "client_to_server.bytes: must be an array "
		    "of 256 numbers" },
		{ "length", "{\"family\": \"gamma\"}",
		    "client_to_server.length.family: unknown family \"gamma\" "
		    "(fixed, uniform, normal, exponential, poisson, "
		    "empirical)" },
		{ "length", "{\"value\": 3}",
		    "client_to_server.length.family: missing" },
		{ "length", "{\"family\": 3}",
		    "client_to_server.length.family: must be a string" },
		{ "length", "[]", "client_to_server.length: must be an object" },
		{ "length", NULL, "client_to_server.length: missing" },
		{ "length", "{\"family\": \"normal\", \"mean\": 500, "
		    "\"sigma\": 0}",
		    "client_to_server.length.sigma: must be > 0" },
		{ "length", "{\"family\": \"normal\", \"mean\": 500}",
		    "client_to_server.length.sigma: missing (family normal)" },
		{ "length", "{\"family\": \"normal\", \"mean\": \"x\", "
		    "\"sigma\": 1}",
		    "client_to_server.length.mean: must be a number" },
		{ "length", "{\"family\": \"normal\", \"mean\": 1e13, "
		    "\"sigma\": 1}",
		    "client_to_server.length.mean: must be within +-1e12" },
		{ "length", "{\"family\": \"uniform\", \"min\": 1, "
		    "\"max\": 70000}",
		    "client_to_server.length.max: lengths must be 1..65535" },
		{ "length", "{\"family\": \"uniform\", \"min\": 0, "
		    "\"max\": 7}",
		    "client_to_server.length.min: lengths must be 1..65535" },
		{ "length", "{\"family\": \"uniform\", \"min\": 9, "
		    "\"max\": 7}",
		    "client_to_server.length.min: must be <= max" },
		{ "length", "{\"family\": \"uniform\", \"min\": 1.5, "
		    "\"max\": 7}",
		    "client_to_server.length.min: must be an integer" },
		{ "length", "{\"family\": \"uniform\", \"max\": 7}",
		    "client_to_server.length.min: missing (family uniform)" },
		{ "length", "{\"family\": \"fixed\", \"value\": 5, "
		    "\"sigma\": 2}",
		    "client_to_server.length.sigma: unknown field for family "
		    "fixed" },
		{ "length", "{\"family\": \"exponential\", \"mean\": -1}",
		    "client_to_server.length.mean: must be > 0" },
		{ "length", "{\"family\": \"normal\", \"mean\": 100, "
		    "\"sigma\": 1, \"min\": 200, \"max\": 300}",
		    "client_to_server.length: min..max keeps 0 of the "
		    "distribution (must keep >= 0.01)" },
		{ "length", "{\"family\": \"empirical\", \"points\": []}",
		    "client_to_server.length.points: must be a non-empty array "
		    "of [value, weight] pairs" },
		{ "length", "{\"family\": \"empirical\", \"points\": "
		    "[[10, 1], [20]]}",
		    "client_to_server.length.points[1]: must be a "
		    "[value, weight] pair" },
		{ "length", "{\"family\": \"empirical\", \"points\": "
		    "[[10, 1], [0, 1]]}",
		    "client_to_server.length.points[1][0]: lengths must be "
		    "1..65535" },
		{ "length", "{\"family\": \"empirical\", \"points\": "
		    "[[10, -1]]}",
		    "client_to_server.length.points[0][1]: weights must be "
		    "0..1e15" },
		{ "length", "{\"family\": \"empirical\", \"points\": "
		    "[[10, 0], [11, 0]]}",
		    "client_to_server.length.points: all weights are zero" },
		{ "flow", "{\"family\": \"poisson\", \"lambda\": 0}",
		    "client_to_server.flow.lambda: must be > 0" },
		{ "flow", "{\"family\": \"poisson\", \"lambda\": 2e6}",
		    "client_to_server.flow.lambda: must be <= 1e6" },
		{ "flow", "{\"family\": \"fixed\", \"value\": 70000}",
		    "client_to_server.flow.value: packets per second must be "
		    "0..65535" },
		{ "duration", "{\"family\": \"fixed\", \"value\": 0}",
		    "client_to_server.duration.value: durations (ms) must be "
		    "1..2147483647" },
		{ "prefix", "5", "client_to_server.prefix: must be a string" },
		{ "coder", "\"lz77\"", "client_to_server.coder: unknown coder "
		    "\"lz77\" (huffman or exact)" },
		{ "colour", "1", "client_to_server.colour: unknown field" },
		{ "coder", "1", "client_to_server.coder: must be a string" },
		{ "length", "{\"family\": \"normal\", \"mean\": 5, "
		    "\"sigma\": 2e12}",
		    "client_to_server.length.sigma: must be <= 1e12" },
		{ "duration", "{\"family\": \"exponential\", "
		    "\"mean\": 2e12}",
		    "client_to_server.duration.mean: must be <= 1e12" },
		{ "length", "{\"family\": \"exponential\", \"mean\": 1e400}",
		    "json: line 1 column 608: real number overflow near "
		    "'1e400'" },
	};
	char bytes[2048], json[4096];
	size_t i, off;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		load_fails(model_with(cases[i].key, cases[i].value),
		    cases[i].message);

	/* Byte weights. */
	for (i = off = 0; i < 256; i++)
		off += (size_t)snprintf(bytes + off, sizeof(bytes) - off,
		    "%s%s", i ? "," : "", i == 3 ? "-1" : "1");
	snprintf(json, sizeof(json), "[%s]", bytes);
	load_fails(model_with("bytes", json),
	    "client_to_server.bytes[3]: weights must be 0..1e15");
	for (i = off = 0; i < 256; i++)
		off += (size_t)snprintf(bytes + off, sizeof(bytes) - off,
		    "%s%s", i ? "," : "", i == 7 ? "\"a\"" : "0");
	snprintf(json, sizeof(json), "[%s]", bytes);
	load_fails(model_with("bytes", json),
	    "client_to_server.bytes[7]: must be a number");
	for (i = off = 0; i < 256; i++)
		off += (size_t)snprintf(bytes + off, sizeof(bytes) - off,
		    "%s0", i ? "," : "");
	snprintf(json, sizeof(json), "[%s]", bytes);
	load_fails(model_with("bytes", json),
	    "client_to_server.bytes: all weights are zero");
	for (i = off = 0; i < 256; i++)
		off += (size_t)snprintf(bytes + off, sizeof(bytes) - off,
		    "%s%s", i ? "," : "", i == 65 ? "3" : "0");
	snprintf(json, sizeof(json), "[%s]", bytes);
	load_fails(model_with("bytes", json),
	    "client_to_server.bytes: at least two weights must be > 0 "
	    "(one byte carries no data)");

	/* The prefix: at most DUST_PREFIX_MAX bytes. */
	{
		static char big[DUST_PREFIX_MAX + 8];

		memset(big, 'x', DUST_PREFIX_MAX + 3);
		big[0] = big[DUST_PREFIX_MAX + 2] = '"';
		load_fails(model_with("prefix", big),
		    "client_to_server.prefix: must be at most 4096 bytes");
	}

	/* At most 65536 empirical points. */
	{
		static char big[65537 * 9 + 64];
		size_t k, o;

		o = (size_t)snprintf(big, sizeof(big),
		    "{\"family\": \"empirical\", \"points\": [");
		for (k = 0; k < 65537; k++)
			o += (size_t)snprintf(big + o, sizeof(big) - o,
			    "%s[5, 1]", k ? "," : "");
		snprintf(big + o, sizeof(big) - o, "]}");
		load_fails(model_with("length", big),
		    "client_to_server.length.points: at most 65536 points");
	}

	/* Whole-document errors. */
	load_fails("[1, 2]", "model: must be a JSON object");
	load_fails("{\"client_to_server\": ", "json: line 1 column 21: "
	    "unexpected token near end of file");
	load_fails("{\"name\": 1}", "name: must be a string");
	load_fails("{\"description\": []}", "description: must be a string");
	load_fails("{\"name\": \"a\", \"name\": \"b\"}",
	    "json: line 1 column 20: duplicate object key near '\"name\"'");
	load_fails("{\"size\": 1}", "size: unknown field");
	load_fails("{}", "client_to_server: missing");
	load_fails("{\"client_to_server\": 3}",
	    "client_to_server: must be an object");
	/* server_to_client is checked too. */
	{
		char * j = model_with("flow", "{\"family\": \"fixed\", "
		    "\"value\": 1}");
		char * s = strstr(j, "\"server_to_client\"");

		memcpy(s, "\"server_to_klient\"", 18);
		load_fails(j, "server_to_klient: unknown field");
	}

	/* And a good one loads, without touching the error buffer much. */
	{
		char err[64];
		const char * j = model_with("coder", "\"exact\"");
		struct dust_model * m = dust_model_parse(j, strlen(j), err,
		    sizeof(err));

		assert_non_null(m);
		assert_int_equal(m->part[0].coder, DUST_CODER_EXACT);
		assert_string_equal(err, "");
		dust_model_free(m);
	}
}

/* Weights are quantized to integers summing to DUST_EXACT_TOTAL. */
static void
test_quantize(void ** state)
{
	struct dust_rng_seeded r;
	struct dust_model * m;
	double w[256];
	uint64_t sum;
	int kind, seed, i;

	(void)state;
	dust_rng_seeded_u64(&r, 21);
	for (kind = 0; kind < NKINDS; kind++) {
		for (seed = 0; seed < 10; seed++) {
			random_weights(&r, kind, w);
			m = model_of_weights(w, "huffman", "");
			for (i = 0, sum = 0; i < 256; i++) {
				sum += m->part[0].freq[i];
				assert_int_equal(m->part[0].freq[i] > 0,
				    w[i] > 0);
			}
			assert_true(sum == DUST_EXACT_TOTAL);
			dust_model_free(m);
		}
	}
}

/* cmp_i64(a, b): for qsort. */
static int
cmp_i64(const void * a, const void * b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return ((x > y) - (x < y));
}

/*
 * ks(x, n, d): the Kolmogorov-Smirnov distance of the ${n} samples ${x}
 * (sorted here) from the distribution ${d}, over the integers.
 */
static double
ks(int64_t * x, size_t n, const struct dust_dist * d)
{
	double dmax = 0, f, lo, hi;
	size_t i, j;

	qsort(x, n, sizeof(x[0]), cmp_i64);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && x[j] == x[i]; j++)
			;
		/* Just below x[i], and at x[i]. */
		lo = fabs((double)i / (double)n - dust_dist_cdf(d, x[i] - 1));
		f = dust_dist_cdf(d, x[i]);
		hi = fabs((double)j / (double)n - f);
		if (lo > dmax)
			dmax = lo;
		if (hi > dmax)
			dmax = hi;
	}
	return (dmax);
}

/*
 * The KS threshold at 20000 samples: 1.95 / sqrt(n) = 0.0138 (alpha 0.001
 * for a continuous distribution; conservative over the integers).
 */
#define KS_N	20000
#define KS_MAX	(1.95 / sqrt(KS_N))

/* check_ks(d, seed, what): KS_N samples of ${d} pass KS; returns D. */
static double
check_ks(const struct dust_dist * d, uint64_t seed, const char * what)
{
	static int64_t x[KS_N];
	struct dust_rng_seeded r;
	double D;
	size_t i;

	dust_rng_seeded_u64(&r, seed);
	for (i = 0; i < KS_N; i++) {
		x[i] = dust_dist_sample(d, &r.rng);
		assert_true(x[i] >= d->min && x[i] <= d->max);
	}
	D = ks(x, KS_N, d);
	printf("%s: KS D = %.4f (max %.4f)\n", what, D, KS_MAX);
	assert_true(D < KS_MAX);
	return (D);
}

/* Samplers of every family against their CDFs. */
static void
test_samplers(void ** state)
{
	static const char * const dists[] = {
		"{\"family\": \"normal\", \"mean\": 420, \"sigma\": 160, "
		    "\"min\": 40, \"max\": 1460}",
		"{\"family\": \"normal\", \"mean\": 10, \"sigma\": 30, "
		    "\"min\": 1, \"max\": 65535}",
		"{\"family\": \"exponential\", \"mean\": 300}",
		"{\"family\": \"exponential\", \"mean\": 300, \"min\": 100, "
		    "\"max\": 700}",
		"{\"family\": \"poisson\", \"lambda\": 3.5}",
		"{\"family\": \"poisson\", \"lambda\": 900, \"min\": 850}",
		"{\"family\": \"poisson\", \"lambda\": 40000}",
		"{\"family\": \"uniform\", \"min\": 1, \"max\": 1460}",
		"{\"family\": \"empirical\", \"points\": [[1460, 50], "
		    "[60, 5], [1448, 10], [60, 5], [300, 0.5]]}",
	};
	struct dust_model * m;
	const struct dust_dist * d;
	size_t i;
	char err[256];

	(void)state;
	for (i = 0; i < sizeof(dists) / sizeof(dists[0]); i++) {
		const char * j = model_with("length", dists[i]);

		m = dust_model_parse(j, strlen(j), err, sizeof(err));
		if (m == NULL)
			fail_msg("%s", err);
		d = &m->part[0].length;
		check_ks(d, 500 + i, dists[i]);
		dust_model_free(m);
	}

	/* The power check: normal samples are not uniform's. */
	{
		const char * j = model_with("length", dists[0]);
		static int64_t x[KS_N];
		struct dust_rng_seeded r;
		struct dust_model * u;

		m = dust_model_parse(j, strlen(j), err, sizeof(err));
		u = dust_model_builtin("uniform", err, sizeof(err));
		dust_rng_seeded_u64(&r, 9);
		for (i = 0; i < KS_N; i++)
			x[i] = dust_dist_sample(&m->part[0].length, &r.rng);
		assert_true(ks(x, KS_N, &u->part[0].length) > KS_MAX);
		dust_model_free(m);
		dust_model_free(u);
	}

	/* Fixed: always the value; empirical merged duplicates. */
	m = dust_model_builtin("cover", err, sizeof(err));
	assert_int_equal(dust_dist_sample(&m->part[0].length, NULL), 1024);
	assert_int_equal(dust_dist_sample(&m->part[1].duration, NULL),
	    86400000);
	dust_model_free(m);

	/* The built-in http model's durations (truncated exponential). */
	m = dust_model_builtin("http", err, sizeof(err));
	check_ks(&m->part[0].duration, 600, "http duration");
	check_ks(&m->part[1].length, 601, "http s2c length");
	assert_int_equal(m->part[1].length.npoints, 8);
	dust_model_free(m);
}

/* packet_count: cover gives one packet per 25 ms exactly. */
static void
test_count_cover(void ** state)
{
	struct dust_model * m;
	struct dust_shaper s;
	struct dust_rng_seeded r;
	char err[256];
	uint64_t total = 0, ms = 0;
	int i;

	(void)state;
	m = dust_model_builtin("cover", err, sizeof(err));
	dust_shaper_init(&s, &m->part[0], DUST_CODER_HUFFMAN, NULL, NULL,
	    NULL);
	for (i = 0; i < 4000; i++)
		assert_int_equal(dust_shaper_count(&s, 25), 1);
	assert_int_equal(dust_shaper_count(&s, 1000), 40);
	assert_int_equal(dust_shaper_count(&s, 65535), 2621);
	/* Random intervals: floor(elapsed / 25) packets in all. */
	dust_shaper_init(&s, &m->part[0], DUST_CODER_HUFFMAN, NULL, NULL,
	    NULL);
	dust_rng_seeded_u64(&r, 3);
	for (i = 0; i < 10000; i++) {
		uint16_t step = (uint16_t)dust_rng_uniform(&r.rng, 300);

		total += dust_shaper_count(&s, step);
		ms += step;
		assert_true(total == ms / 25);
	}
	dust_model_free(m);
}

/*
 * packet_count with a Poisson flow: the packets in each whole second,
 * counted with 10 ms calls, follow Poisson(25) (KS, KS_N seconds).
 */
static void
test_count_poisson(void ** state)
{
	static int64_t x[KS_N];
	struct dust_model * m;
	struct dust_shaper s;
	struct dust_rng_seeded r;
	char err[256];
	size_t i;
	int t;

	(void)state;
	m = dust_model_builtin("http", err, sizeof(err));
	dust_rng_seeded_u64(&r, 4);
	dust_shaper_init(&s, &m->part[DUST_S2C], DUST_CODER_HUFFMAN, &r.rng,
	    NULL, NULL);
	for (i = 0; i < KS_N; i++) {
		x[i] = 0;
		for (t = 0; t < 100; t++)
			x[i] += dust_shaper_count(&s, 10);
	}
	printf("http s2c packets per second: KS D = %.4f\n",
	    ks(x, KS_N, &m->part[DUST_S2C].flow));
	assert_true(ks(x, KS_N, &m->part[DUST_S2C].flow) < KS_MAX);
	/* Lengths and durations through the shaper stay in range. */
	for (i = 0; i < 1000; i++) {
		uint16_t l = dust_shaper_length(&s);
		uint32_t d = dust_shaper_duration(&s);

		assert_true(l >= 1 && l <= 1460);
		assert_true(d >= 2000 && d <= 120000);
	}
	dust_model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_quantize),
		cmocka_unit_test(test_samplers),
		cmocka_unit_test(test_count_cover),
		cmocka_unit_test(test_count_poisson),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
