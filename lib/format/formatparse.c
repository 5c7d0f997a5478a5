/*
 * The loader of a model's "format" object (format.h, docs/models.md): the
 * captured hellos as hex, parsed one by one (so that an error names the
 * capture), then learned into templates, which must be ones the wire can
 * fill: a client that the Dust client can imitate (an X25519 key share
 * and uniform random fields, no key it cannot draw) and a server that
 * echoes its session id.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "format.h"
#include "tlshello.h"

/* Where the message goes. */
struct err {
	char * buf;
	size_t len;
};

/* The decoded captures of one side. */
struct caps {
	const char * key;	/* "client_hellos" or "server_flights" */
	size_t n;
	uint8_t * b[FORMAT_MAX_HELLOS];
	size_t len[FORMAT_MAX_HELLOS];
};

/* fail(e, fmt, ...): write "format." and the message to ${e}; return -1. */
static int fail(struct err *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct err * e, const char * fmt, ...)
{
	va_list ap;
	int n;

	if (e->len == 0)
		return (-1);
	n = snprintf(e->buf, e->len, "format");
	if (n >= 0 && (size_t)n < e->len) {
		va_start(ap, fmt);
		vsnprintf(e->buf + n, e->len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* hexval(c): the value of the hex digit ${c}, or -1. */
static int
hexval(char c)
{

	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * unhex(e, v, key, i, out, outlen): decode the hex string ${v}, entry ${i}
 * of ${key}, into a new buffer in *${out} of *${outlen} bytes.  Return 0
 * or -1.
 */
static int
unhex(struct err * e, const json_t * v, const char * key, size_t i,
    uint8_t ** out, size_t * outlen)
{
	const char * s;
	size_t n, k;
	int hi, lo;

	if (!json_is_string(v))
		return (fail(e, ".%s[%zu]: must be a string of hex digits", key,
		    i));
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0)
		return (fail(e, ".%s[%zu]: empty", key, i));
	if (n % 2)
		return (fail(e, ".%s[%zu]: odd number of hex digits (%zu)", key,
		    i, n));
	if ((*out = malloc(n / 2)) == NULL)
		return (fail(e, ".%s[%zu]: out of memory", key, i));
	for (k = 0; k < n; k += 2) {
		if ((hi = hexval(s[k])) < 0 || (lo = hexval(s[k + 1])) < 0) {
			free(*out);
			*out = NULL;
			return (fail(e, ".%s[%zu]: not hex (character %zu)",
			    key, i, hi < 0 ? k : k + 1));
		}
		(*out)[k / 2] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = n / 2;
	return (0);
}

/*
 * get_caps(e, o, key, c): decode the array ${key} of the format ${o} into
 * ${c}: 2 to FORMAT_MAX_HELLOS hex strings.  Return 0 or -1 (what was
 * decoded stays in ${c} for caps_free).
 */
static int
get_caps(struct err * e, const json_t * o, const char * key, struct caps * c)
{
	const json_t * v = json_object_get(o, key);
	size_t i, n;

	c->key = key;
	if (v == NULL)
		return (fail(e, ".%s: missing", key));
	if (!json_is_array(v))
		return (fail(e, ".%s: must be an array of hex strings", key));
	if ((n = json_array_size(v)) < 2 || n > FORMAT_MAX_HELLOS)
		return (fail(e, ".%s: %zu captures, must be 2 to %d (the "
		    "random fields are found by comparing them)", key, n,
		    FORMAT_MAX_HELLOS));
	for (i = 0; i < n; i++) {
		if (unhex(e, json_array_get(v, i), key, i, &c->b[i],
		    &c->len[i]))
			return (-1);
		c->n++;
	}
	return (0);
}

/* caps_free(c): free the decoded captures of ${c}. */
static void
caps_free(struct caps * c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->b[i]);
}

/**
 * format_hex_captures(v, key, b, lens, n, errbuf, errlen):
 * Decode the array ${key} of the format object ${v} (a json_t *): 2 to
 * FORMAT_MAX_HELLOS hex strings into new buffers ${b}[i] of ${lens}[i]
 * bytes, their count in *${n} (what was decoded stays there to be freed,
 * also on error).  Return 0, or -1 with a message naming the entry.
 */
int
format_hex_captures(const void * v, const char * key, uint8_t ** b,
    size_t * lens, size_t * n, char * errbuf, size_t errlen)
{
	struct err e = { errbuf, errlen };
	struct caps c = { 0 };
	int rc;

	rc = get_caps(&e, v, key, &c);
	memcpy(b, c.b, c.n * sizeof(c.b[0]));
	memcpy(lens, c.len, c.n * sizeof(c.len[0]));
	*n = c.n;
	return (rc);
}

/*
 * learn_err(e, key, msg): report the message ${msg} of tlshello_learn
 * about the captures ${key} (format_learn_err).  Return -1.
 */
static int
learn_err(struct err * e, const char * key, const char * msg)
{
	char out[512];

	(void)format_learn_err(key, msg, out, sizeof(out));
	return (fail(e, "%s", out));
}

/* numbered(p): the length of "hello " or "start " before a digit at ${p}. */
static size_t
numbered(const char * p)
{

	if ((strncmp(p, "hello ", 6) == 0 || strncmp(p, "start ", 6) == 0) &&
	    p[6] >= '1' && p[6] <= '9')
		return (6);
	return (0);
}

/**
 * format_learn_err(key, msg, errbuf, errlen):
 * Write to ${errbuf} the message ${msg} of a template learner about the
 * captures ${key}, its "hello N" or "start N" (counted from 1) written as
 * "KEY[N-1]" so that it names the entry of the model file.  Return -1.
 */
int
format_learn_err(const char * key, const char * msg, char * errbuf,
    size_t errlen)
{
	char out[512];
	size_t o = 0, k;
	const char * p = msg;
	char * end;
	unsigned long n;

	while (*p != '\0' && o + 80 < sizeof(out)) {
		if ((k = numbered(p)) > 0) {
			n = strtoul(p + k, &end, 10);
			k = (size_t)snprintf(out + o, sizeof(out) - o,
			    "%s%s[%lu]%s", p == msg ? "." : "", key, n - 1,
			    p == msg ? ":" : "");
			o += k;
			p = end;
		} else
			out[o++] = *p++;
	}
	out[o] = '\0';
	if (numbered(msg) > 0)
		snprintf(errbuf, errlen, "format%s", out);
	else
		snprintf(errbuf, errlen, "format.%s: %s", key, out);
	return (-1);
}

/*
 * check_clients(e, c): parse each ClientHello of ${c}.  Return 0 or -1.
 */
static int
check_clients(struct err * e, const struct caps * c)
{
	struct tlshello_client ch;
	char msg[256];
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (tlshello_parse_client(c->b[i], c->len[i], &ch, msg,
		    sizeof(msg)))
			return (fail(e, ".%s[%zu]: %s", c->key, i, msg));
		if (!ch.has_sni)
			return (fail(e, ".%s[%zu]: ClientHello: no server_name "
			    "(a censor expects one)", c->key, i));
	}
	return (0);
}

/*
 * check_servers(e, c, f): parse each server flight of ${c} and note its
 * record lengths, its ChangeCipherSpec and suite in ${f}.  Return 0 or
 * -1.
 */
static int
check_servers(struct err * e, const struct caps * c, struct dust_format * f)
{
	struct tlshello_server sh;
	char msg[256];
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (tlshello_parse_server(c->b[i], c->len[i], &sh, msg,
		    sizeof(msg)))
			return (fail(e, ".%s[%zu]: %s", c->key, i, msg));
		if (sh.hrr)
			return (fail(e, ".%s[%zu]: ServerHello: a "
			    "HelloRetryRequest", c->key, i));
		if (sh.nrecords == 0)
			return (fail(e, ".%s[%zu]: no application-data record "
			    "after the ServerHello (the encrypted handshake "
			    "is missing)", c->key, i));
		if (i == 0) {
			f->server_ccs = sh.ccs;
			f->suite = sh.suite;
		} else if (sh.ccs != f->server_ccs)
			return (fail(e, ".%s[%zu]: %s ChangeCipherSpec, "
			    "unlike %s[0]", c->key, i, sh.ccs ? "a" : "no",
			    c->key));
		f->nrecords[i] = sh.nrecords;
		memcpy(f->record_len[i], sh.record_len,
		    sh.nrecords * sizeof(sh.record_len[0]));
	}
	f->nflights = c->n;
	return (0);
}

/* find(t, place, kind): the first field of ${t} at ${place} of ${kind}. */
static const struct fmt_field *
find(const struct tlshello_template * t, int place, int kind)
{
	size_t i;

	for (i = 0; i < t->nfields; i++)
		if (t->field[i].place == place && t->field[i].kind == kind)
			return (&t->field[i]);
	return (NULL);
}

/*
 * check_templates(e, f): the templates of ${f} are ones the wire can fill:
 * the client's has a uniform 32-byte random, an X25519 key share, no key
 * of another group that changes per connection; the server's an X25519
 * key share and the echo of the client's session id, as long as it.
 * Return 0 or -1.
 */
static int
check_templates(struct err * e, const struct dust_format * f)
{
	const struct fmt_field * r, * sid, * echo;
	char fb[64];
	size_t i;

	r = find(f->client, TLSHELLO_AT_RANDOM, TLSHELLO_UNIFORM);
	if (r == NULL || r->len != 32)
		return (fail(e, ".client_hellos: no uniform 32-byte random"));
	if (find(f->client, TLSHELLO_AT_SHARE_KEY, TLSHELLO_X25519) == NULL)
		return (fail(e, ".client_hellos: no X25519 key_share that "
		    "changes per connection"));
	for (i = 0; i < f->client->nfields; i++)
		if (f->client->field[i].kind == TLSHELLO_KEY)
			return (fail(e, ".client_hellos: field %zu (%s) is a "
			    "key of a group that cannot be drawn (only X25519 "
			    "can)", i, tlshello_field_name(&f->client->field[i],
			    fb, sizeof(fb))));
	if (find(f->server, TLSHELLO_AT_SHARE_KEY, TLSHELLO_X25519) == NULL)
		return (fail(e, ".server_flights: no X25519 key_share that "
		    "changes per connection"));
	if ((echo = find(f->server, TLSHELLO_AT_SESSION_ID,
	    TLSHELLO_ECHO)) == NULL)
		return (fail(e, ".server_flights: no legacy_session_id_echo "
		    "(the server must echo the client's session id)"));
	sid = find(f->client, TLSHELLO_AT_SESSION_ID, TLSHELLO_UNIFORM);
	if (sid == NULL || sid->len != echo->len)
		return (fail(e, ".client_hellos: no uniform legacy_session_id "
		    "of the %zu bytes the server echoes", echo->len));
	return (0);
}

/*
 * set_sni(e, o, f): apply the optional "sni" of ${o} to the client
 * template of ${f}.  Return 0 or -1.
 */
static int
set_sni(struct err * e, const json_t * o, struct dust_format * f)
{
	const json_t * v = json_object_get(o, "sni");
	char msg[256];

	if (v == NULL)
		return (0);
	if (!json_is_string(v))
		return (fail(e, ".sni: must be a string (a host name)"));
	if (strlen(json_string_value(v)) != json_string_length(v))
		return (fail(e, ".sni: holds a NUL byte"));
	if (format_set_sni(f, json_string_value(v), msg, sizeof(msg)))
		return (fail(e, ".sni: %s", msg));
	return (0);
}

/*
 * check_keys(e, o, protocol): ${o} is an object of the known keys of its
 * "protocol", "tls" or "ssh" (into *${protocol}).  Return 0 or -1.
 */
static int
check_keys(struct err * e, const json_t * o, int * protocol)
{
	static const char * const tls[] = { "protocol", "client_hellos",
	    "server_flights", "sni", NULL };
	static const char * const ssh[] = { "protocol", "client_starts",
	    "server_starts", NULL };
	const char * const * allowed;
	const char * key;
	json_t * v;
	size_t i;

	if (!json_is_object(o))
		return (fail(e, ": must be an object"));
	if ((v = json_object_get(o, "protocol")) == NULL)
		return (fail(e, ".protocol: missing"));
	if (json_is_string(v) && strcmp(json_string_value(v), "tls") == 0)
		*protocol = DUST_FORMAT_TLS;
	else if (json_is_string(v) && strcmp(json_string_value(v), "ssh") == 0)
		*protocol = DUST_FORMAT_SSH;
	else
		return (fail(e, ".protocol: must be \"tls\" or \"ssh\""));
	allowed = *protocol == DUST_FORMAT_TLS ? tls : ssh;
	json_object_foreach((json_t *)(uintptr_t)o, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return (fail(e, ".%.64s: unknown field (%s)", key,
			    *protocol == DUST_FORMAT_TLS ? "protocol, "
			    "client_hellos, server_flights, sni" : "protocol, "
			    "client_starts, server_starts"));
	}
	return (0);
}

/*
 * learn(e, c, side, t): learn the template ${t} of ${side} from the
 * captures ${c}.  Return 0 or -1.
 */
static int
learn(struct err * e, const struct caps * c, int side,
    struct tlshello_template ** t)
{
	char msg[256];

	if (tlshello_learn(side, (const uint8_t * const *)c->b, c->len, c->n,
	    t, msg, sizeof(msg)))
		return (learn_err(e, c->key, msg));
	return (0);
}

/**
 * format_parse(v, f, errbuf, errlen):
 * Load the model's "format" object ${v} (a json_t *): check its keys, learn
 * the templates from the captures and the record lengths from the server's
 * flights.  Return 0 with a new format in *${f}, or -1 with a message in
 * ${errbuf} naming the field ("format.client_hellos[2]: ...").
 */
int
format_parse(const void * v, struct dust_format ** fp, char * errbuf,
    size_t errlen)
{
	struct err e = { errbuf, errlen };
	struct caps * cl = NULL, * sv = NULL;
	struct dust_format * f = NULL;
	int rc = -1, protocol = 0;

	*fp = NULL;
	if (errlen > 0)
		errbuf[0] = '\0';
	if (check_keys(&e, v, &protocol))
		return (-1);
	if ((cl = calloc(1, sizeof(*cl))) == NULL ||
	    (sv = calloc(1, sizeof(*sv))) == NULL ||
	    (f = calloc(1, sizeof(*f))) == NULL) {
		fail(&e, ": out of memory");
		goto done;
	}
	if ((f->protocol = protocol) == DUST_FORMAT_SSH) {
		if (format_parse_ssh(v, f, errbuf, errlen))
			goto done;
		goto ok;
	}
	if (get_caps(&e, v, "client_hellos", cl) ||
	    get_caps(&e, v, "server_flights", sv) ||
	    check_clients(&e, cl) || check_servers(&e, sv, f) ||
	    learn(&e, cl, TLSHELLO_CLIENT, &f->client) ||
	    learn(&e, sv, TLSHELLO_SERVER, &f->server) ||
	    check_templates(&e, f) || set_sni(&e, v, f))
		goto done;
ok:
	*fp = f;
	f = NULL;
	rc = 0;
done:
	if (cl != NULL)
		caps_free(cl);
	if (sv != NULL)
		caps_free(sv);
	free(cl);
	free(sv);
	format_free(f);
	return (rc);
}
