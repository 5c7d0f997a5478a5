/*
 * Models with a format for the tests (header-only: each test is one
 * binary built from one .c file): a format object made of the captured
 * first flights of tests/vectors/tls13-hellos.txt or the starts of
 * tests/vectors/ssh-hellos.txt (hellotest.h's vec), and the built-in
 * "uniform" model with such a format.
 */
#ifndef FORMATTEST_H
#define FORMATTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dust/model.h"

#include "hellotest.h"

/* hex(b, len): a new JSON string of the ${len} bytes ${b} in hex. */
static inline json_t *
hex(const uint8_t * b, size_t len)
{
	char * s = malloc(2 * len + 1);
	json_t * v;
	size_t i;

	assert_non_null(s);
	for (i = 0; i < len; i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	v = json_string(s);
	free(s);
	return (v);
}

/*
 * format_of(prefix): a new format object of the vectors named ${prefix}:
 * their ClientHellos and server flights.
 */
static inline json_t *
format_of(const char * prefix)
{
	const uint8_t * h[TLSVEC_MAX];
	size_t lens[TLSVEC_MAX], n, i;
	json_t * o = json_object(), * c = json_array(), * s = json_array();

	n = pick(prefix, h, lens, 0);
	for (i = 0; i < n; i++)
		json_array_append_new(c, hex(h[i], lens[i]));
	n = pick(prefix, h, lens, 1);
	for (i = 0; i < n; i++)
		json_array_append_new(s, hex(h[i], lens[i]));
	json_object_set_new(o, "protocol", json_string("tls"));
	json_object_set_new(o, "client_hellos", c);
	json_object_set_new(o, "server_flights", s);
	return (o);
}

/*
 * ssh_format_of(prefix): a new SSH format object of the vectors named
 * ${prefix}: their client and server starts.
 */
static inline json_t *
ssh_format_of(const char * prefix)
{
	json_t * o = format_of(prefix);

	json_object_set_new(o, "protocol", json_string("ssh"));
	json_object_set(o, "client_starts", json_object_get(o,
	    "client_hellos"));
	json_object_set(o, "server_starts", json_object_get(o,
	    "server_flights"));
	json_object_del(o, "client_hellos");
	json_object_del(o, "server_flights");
	return (o);
}

/*
 * format_model_with(fmt): the built-in "uniform" model with the format
 * object ${fmt} (taken).
 */
static inline struct dust_model *
format_model_with(json_t * fmt)
{
	const char * text = dust_model_builtin_json("uniform");
	struct dust_model * m;
	json_t * root;
	char err[512], * s;

	assert_non_null(text);
	assert_non_null(root = json_loads(text, 0, NULL));
	json_object_set_new(root, "format", fmt);
	assert_non_null(s = json_dumps(root, 0));
	if ((m = dust_model_parse(s, strlen(s), err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	free(s);
	json_decref(root);
	return (m);
}

/*
 * format_model(prefix): the built-in "uniform" model with the TLS format
 * of the vectors named ${prefix}.
 */
static inline struct dust_model *
format_model(const char * prefix)
{

	return (format_model_with(format_of(prefix)));
}

#endif /* !FORMATTEST_H */
