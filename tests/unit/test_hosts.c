/*
 * The "hosts" object of a model (docs/models.md): a valid one loads with
 * its values (the shares of who closes made to sum to 1), a model without
 * one loads with none, and every malformed field is refused with a
 * message naming it.
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

/* The fields of a valid "hosts" object, in order. */
static const char * const keys[] = { "connections", "start_gap",
    "busy_gap", "concurrency", "lifetime", "idle_close", "close",
    "keepalive", NULL };
static const char * const values[] = {
	"120",
	"{\"family\": \"empirical\", \"points\": [[0, 3], [40, 1], "
	    "[2500, 1]]}",
	"{\"family\": \"uniform\", \"min\": 0, \"max\": 40}",
	"{\"family\": \"empirical\", \"points\": [[1, 2], [6, 1]]}",
	"{\"family\": \"uniform\", \"min\": 50, \"max\": 9000}",
	"{\"family\": \"fixed\", \"value\": 5000}",
	"{\"client_fin\": 0.6, \"server_fin\": 0.2, \"client_rst\": 0.1, "
	    "\"server_rst\": 0.1}",
	"0.25",
};

/*
 * model_hosts(key, value): a model text whose "hosts" object has its
 * field ${key} set to the JSON ${value} (removed if ${value} is NULL;
 * added if ${key} is not one of keys); ${key} "-" leaves out the object,
 * "=" makes it ${value}.
 */
static char *
model_hosts(const char * key, const char * value)
{
	static char json[1 << 16];
	char hosts[8192], ones[1024];
	size_t off = 0, i;
	int found = 0;

	for (i = 0; i < 256; i++)
		off += (size_t)snprintf(ones + off, sizeof(ones) - off,
		    "%s1", i ? "," : "");
	off = 0;
	for (i = 0; keys[i] != NULL; i++) {
		const char * v = values[i];

		if (strcmp(keys[i], key) == 0) {
			found = 1;
			if ((v = value) == NULL)
				continue;
		}
		off += (size_t)snprintf(hosts + off, sizeof(hosts) - off,
		    "%s\"%s\": %s", off ? ", " : "", keys[i], v);
	}
	if (!found && value != NULL && strcmp(key, "=") != 0)
		snprintf(hosts + off, sizeof(hosts) - off, ", \"%s\": %s",
		    key, value);
	snprintf(json, sizeof(json), "{\"name\": \"t\", "
	    "\"client_to_server\": {\"bytes\": [%s], \"length\": {\"family\":"
	    " \"fixed\", \"value\": 100}, \"flow\": {\"family\": \"fixed\", "
	    "\"value\": 10}, \"duration\": {\"family\": \"fixed\", \"value\": "
	    "1000}}, \"server_to_client\": {\"bytes\": [%s], \"length\": "
	    "{\"family\": \"fixed\", \"value\": 100}, \"flow\": {\"family\": "
	    "\"fixed\", \"value\": 10}, \"duration\": {\"family\": \"fixed\", "
	    "\"value\": 1000}}%s%s%s}", ones, ones,
	    strcmp(key, "-") == 0 ? "" : ", \"hosts\": {",
	    strcmp(key, "-") == 0 ? "" : strcmp(key, "=") == 0 ? value : hosts,
	    strcmp(key, "-") == 0 ? "" : "}");
	return (json);
}

/* The valid object loads with its values; none gives NULL. */
static void
test_load(void ** state)
{
	struct dust_model * m;
	struct dust_rng_seeded rng;
	const char * json;
	char err[256];
	int64_t x;
	int i;

	(void)state;
	json = model_hosts("", NULL);
	if ((m = dust_model_parse(json, strlen(json), err, sizeof(err))) ==
	    NULL)
		fail_msg("%s", err);
	assert_non_null(m->hosts);
	assert_int_equal(m->hosts->connections, 120);
	assert_int_equal(m->hosts->start_gap.npoints, 3);
	assert_int_equal(m->hosts->concurrency.min, 1);
	assert_int_equal(m->hosts->concurrency.max, 6);
	assert_int_equal(m->hosts->idle_close.min, 5000);
	assert_true(m->hosts->close[DUST_CLOSE_CLIENT_FIN] > 0.5999 &&
	    m->hosts->close[DUST_CLOSE_CLIENT_FIN] < 0.6001);
	assert_true(m->hosts->close[DUST_CLOSE_SERVER_RST] > 0.0999 &&
	    m->hosts->close[DUST_CLOSE_SERVER_RST] < 0.1001);
	assert_true(m->hosts->keepalive == 0.25);
	/* Samples are the points given (seeded). */
	dust_rng_seeded_u64(&rng, 2026);
	for (i = 0; i < 1000; i++) {
		x = dust_dist_sample(&m->hosts->start_gap, &rng.rng);
		assert_true(x == 0 || x == 40 || x == 2500);
		x = dust_dist_sample(&m->hosts->concurrency, &rng.rng);
		assert_true(x == 1 || x == 6);
	}
	dust_model_free(m);

	/* Shares are weights: made to sum to 1. */
	json = model_hosts("close", "{\"client_fin\": 0.5, \"server_fin\": "
	    "0.5, \"client_rst\": 0.5, \"server_rst\": 0.5}");
	assert_non_null(m = dust_model_parse(json, strlen(json), err,
	    sizeof(err)));
	assert_true(m->hosts->close[DUST_CLOSE_CLIENT_RST] == 0.25);
	dust_model_free(m);

	json = model_hosts("-", NULL);
	assert_non_null(m = dust_model_parse(json, strlen(json), err,
	    sizeof(err)));
	assert_null(m->hosts);
	dust_model_free(m);
}

/* Every malformed field is refused, named. */
static void
test_errors(void ** state)
{
	static const struct {
		const char * key, * value, * message;
	} cases[] = {
		{ "=", "\"x\": 1", "hosts.x: unknown field" },
		{ "connections", NULL, "hosts.connections: missing" },
		{ "connections", "0", "hosts.connections: connections must "
		    "be 1..2147483647" },
		{ "connections", "\"many\"", "hosts.connections: must be a "
		    "number" },
		{ "start_gap", NULL, "hosts.start_gap: missing" },
		{ "busy_gap", NULL, "hosts.busy_gap: missing" },
		{ "busy_gap", "{\"family\": \"normal\", \"mean\": 3}",
		    "hosts.busy_gap.sigma: missing (family normal)" },
		{ "start_gap", "{\"family\": \"fixed\", \"value\": -1}",
		    "hosts.start_gap.value: gaps (ms) must be 0..2147483647" },
		{ "concurrency", "{\"family\": \"fixed\", \"value\": 0}",
		    "hosts.concurrency.value: connections at once must be "
		    "1..256" },
		{ "concurrency", "[1]",
		    "hosts.concurrency: must be an object" },
		{ "lifetime", "{\"family\": \"gamma\"}",
		    "hosts.lifetime.family: unknown family \"gamma\" (fixed, "
		    "uniform, normal, exponential, poisson, empirical)" },
		{ "idle_close", "{\"family\": \"empirical\", \"points\": []}",
		    "hosts.idle_close.points: must be a non-empty array of "
		    "[value, weight] pairs" },
		{ "close", NULL, "hosts.close: missing" },
		{ "close", "1", "hosts.close: must be an object" },
		{ "close", "{\"client_fin\": 1, \"server_fin\": 0, "
		    "\"client_rst\": 0}", "hosts.close.server_rst: missing" },
		{ "close", "{\"client_fin\": 1.5, \"server_fin\": 0, "
		    "\"client_rst\": 0, \"server_rst\": 0}",
		    "hosts.close.client_fin: must be 0..1" },
		{ "close", "{\"client_fin\": 0, \"server_fin\": 0, "
		    "\"client_rst\": 0, \"server_rst\": 0}",
		    "hosts.close: all shares are zero" },
		{ "close", "{\"client_fin\": 1, \"server_fin\": 0, "
		    "\"client_rst\": 0, \"server_rst\": 0, \"peer\": 0}",
		    "hosts.close.peer: unknown field" },
		{ "keepalive", "-0.1", "hosts.keepalive: must be 0..1" },
		{ "keepalive", "true", "hosts.keepalive: must be a number" },
		{ "reuse", "1", "hosts.reuse: unknown field" },
	};
	struct dust_model * m;
	const char * json;
	static char text[1 << 16];
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json = model_hosts(cases[i].key, cases[i].value);
		m = dust_model_parse(json, strlen(json), err, sizeof(err));
		if (m != NULL)
			fail_msg("loaded: %s", json);
		if (strcmp(err, cases[i].message) != 0)
			fail_msg("case %zu: got \"%s\", wanted \"%s\"", i, err,
			    cases[i].message);
	}
	/* Not an object at all. */
	snprintf(text, sizeof(text), "%s", model_hosts("-", NULL));
	snprintf(text + strlen(text) - 1, 32, ", \"hosts\": 7}");
	assert_null(dust_model_parse(text, strlen(text), err, sizeof(err)));
	assert_string_equal(err, "hosts: must be an object");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_errors),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
