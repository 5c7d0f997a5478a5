#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture/conntrack.h"
#include "format/format.h"
#include "format/tlshello.h"
#include "warnp.h"

#include "learnformat.h"

/* flight(c, dir): the first flight of ${dir} of ${c}, or NULL if not whole. */
static const struct dust_ct_side *
flight(const struct dust_ct_conn * c, int dir)
{
	const struct dust_ct_side * s = &c->side[dir];

	if (s->flightlen == 0 || (s->flightstate != DUST_CT_FLIGHT_DONE &&
	    s->flightstate != DUST_CT_FLIGHT_OPEN))
		return (NULL);
	return (s);
}

/* is_hello(c): nonzero if ${c}'s client flight is a ClientHello with SNI. */
static int
is_hello(const struct dust_ct_conn * c)
{
	const struct dust_ct_side * s = flight(c, DUST_CT_C2S);
	struct tlshello_client ch;
	char err[256];

	return (s != NULL && tlshello_parse_client(s->flight, s->flightlen,
	    &ch, err, sizeof(err)) == 0 && ch.has_sni);
}

/*
 * server_records(c): the application-data records of ${c}'s server flight
 * after a ServerHello (not a HelloRetryRequest), or -1 if it does not
 * parse.
 */
static int
server_records(const struct dust_ct_conn * c)
{
	const struct dust_ct_side * s = flight(c, DUST_CT_S2C);
	struct tlshello_server sh;
	char err[256];

	if (s == NULL || tlshello_parse_server(s->flight, s->flightlen, &sh,
	    err, sizeof(err)) || sh.hrr)
		return (-1);
	return ((int)sh.nrecords);
}

/**
 * learnformat_is_tls(c):
 * Return nonzero if the connection ${c} (flights kept) is TLS 1.3 as a
 * censor parses it: its client's first flight is one ClientHello record
 * with a server_name, and its server's first flight a ServerHello, an
 * optional ChangeCipherSpec and whole application-data records
 * (tlshello_parse_client, tlshello_parse_server).
 */
int
learnformat_is_tls(const struct dust_ct_conn * c)
{

	return (is_hello(c) && server_records(c) >= 0);
}

/*
 * same(a, b, dir): nonzero if the first flights of ${dir} of ${a} and
 * ${b} make a template (one client, or one server).
 */
static int
same(const struct dust_ct_conn * a, const struct dust_ct_conn * b, int dir)
{
	const uint8_t * h[2] = { a->side[dir].flight, b->side[dir].flight };
	size_t lens[2] = { a->side[dir].flightlen, b->side[dir].flightlen };
	struct tlshello_template * t;
	char err[256];

	if (tlshello_learn(dir == DUST_CT_C2S ? TLSHELLO_CLIENT :
	    TLSHELLO_SERVER, h, lens, 2, &t, err, sizeof(err)))
		return (0);
	tlshello_template_free(t);
	return (1);
}

/**
 * learnformat_find(ct, max, lf):
 * Pick in ${ct} (flights kept) up to ${max} connections of one TLS 1.3
 * client and server to learn a format from: the first that parses
 * (learnformat_is_tls, and an application-data record after the
 * ServerHello), then those whose hellos make templates with it.  Return
 * 0 with them in ${lf} (none if fewer than half of the connections
 * carrying data start with a ClientHello: not TLS), or -1 after printing
 * why a TLS capture gives fewer than 2.
 */
int
learnformat_find(const struct dust_ct * ct, size_t max, struct learnformat * lf)
{
	const struct dust_ct_conn * c;
	size_t i, ndata = 0, nhello = 0, nparse = 0;

	lf->protocol = DUST_FORMAT_TLS;
	lf->n = 0;
	if (max > FORMAT_MAX_HELLOS)
		max = FORMAT_MAX_HELLOS;
	for (i = 0; i < dust_ct_nconns(ct); i++) {
		if ((c = dust_ct_conn(ct, i))->npkts == 0)
			continue;
		ndata++;
		if (!is_hello(c))
			continue;
		nhello++;
		if (server_records(c) <= 0)
			continue;
		nparse++;
		if (lf->n < max && (lf->n == 0 ||
		    (same(lf->conn[0], c, DUST_CT_C2S) &&
		    same(lf->conn[0], c, DUST_CT_S2C))))
			lf->conn[lf->n++] = c;
	}
	if (nhello * 2 < ndata) {
		lf->n = 0;
		return (0);
	}
	if (lf->n < 2) {
		warn0("the capture is TLS (%zu of %zu connections start with a "
		    "ClientHello with a server_name), but a format needs the "
		    "first flights of 2 connections of one client and server, "
		    "with the server's encrypted handshake: %zu found (%zu "
		    "whose server flight parses); --no-format learns without "
		    "one", nhello, ndata, lf->n, nparse);
		return (-1);
	}
	return (0);
}

/* write_hexes(f, lf, dir): the first flights of ${dir} as a JSON array. */
static void
write_hexes(FILE * f, const struct learnformat * lf, int dir)
{
	const struct dust_ct_side * s;
	size_t i, k;

	fputs("[", f);
	for (i = 0; i < lf->n; i++) {
		s = &lf->conn[i]->side[dir];
		fputs(i ? ",\n      \"" : "\n      \"", f);
		for (k = 0; k < s->flightlen; k++)
			fprintf(f, "%02x", s->flight[k]);
		fputc('"', f);
	}
	fputs("\n    ]", f);
}

/**
 * learnformat_write(f, lf):
 * Write ",\n" and the model's "format" member of the connections ${lf} to
 * ${f}: their ClientHellos and server first flights as hex.
 */
void
learnformat_write(FILE * f, const struct learnformat * lf)
{

	if (lf->protocol == DUST_FORMAT_SSH) {
		learnformat_write_ssh(f, lf);
		return;
	}
	fputs(",\n  \"format\": {\n    \"protocol\": \"tls\",\n"
	    "    \"client_hellos\": ", f);
	write_hexes(f, lf, DUST_CT_C2S);
	fputs(",\n    \"server_flights\": ", f);
	write_hexes(f, lf, DUST_CT_S2C);
	fputs("\n  }", f);
}
