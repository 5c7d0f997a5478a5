#ifndef DUST_FORMAT_FORMAT_H
#define DUST_FORMAT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "tlshello.h"

/*
 * A model's protocol format (docs/formats.md, "Formats on the wire"): the
 * real protocol whose messages a Dust connection sends, learned from
 * captures of a real client and server.  A model with a format is carried
 * by the format's framing (lib/format/tlswire.c) instead of the seed's
 * content coder; the model's client_to_server and server_to_client parts
 * stay for `dust model check`'s statistics.
 *
 * In a model file (JSON), the format is the object "format":
 *
 *   "format": {
 *     "protocol": "tls",
 *     "client_hellos": [ "16030102...", ... ],   hex, >= 2 ClientHello
 *                                                records of one client
 *     "server_flights": [ "160303...", ... ],    hex, >= 2 first flights
 *                                                of one server: ServerHello
 *                                                record, ChangeCipherSpec,
 *                                                application-data records
 *     "sni": "www.example.com"                   optional: the server_name
 *                                                to send (default: the
 *                                                captured one)
 *   }
 *
 * The templates are learned from the captures when the model is loaded
 * (tlshello_learn), so a model file holds only what was captured, and a
 * capture that does not parse is refused at load with the parser's message,
 * naming the hello and the field.
 */

#define DUST_FORMAT_TLS		1	/* TLS 1.3 */

#define FORMAT_MAX_HELLOS	64	/* Captures kept per side. */

struct dust_format {
	int protocol;			/* DUST_FORMAT_TLS */
	struct tlshello_template * client;	/* Learned ClientHello. */
	struct tlshello_template * server;	/* Learned ServerHello. */
	/*
	 * The server's encrypted handshake as the captures have it: the
	 * lengths (without the 5-byte headers) of the application-data
	 * records of its first flight, one list per captured flight; a
	 * connection sends the list of one flight drawn at random.
	 */
	size_t nflights;
	size_t nrecords[FORMAT_MAX_HELLOS];
	size_t record_len[FORMAT_MAX_HELLOS][TLSHELLO_MAX_RECORDS];
	int server_ccs;			/* The captured server sends a CCS. */
	uint16_t suite;			/* The server's cipher suite. */
};

/**
 * format_parse(v, f, errbuf, errlen):
 * Load the model's "format" object ${v} (a json_t *): check its keys, learn
 * the templates from the captures and the record lengths from the server's
 * flights.  Return 0 with a new format in *${f}, or -1 with a message in
 * ${errbuf} naming the field ("format.client_hellos[2]: ...").
 */
int format_parse(const void *, struct dust_format **, char *, size_t);

/**
 * format_finished_len(f):
 * Return the length of the client's encrypted Finished record (without
 * its header) for the cipher suite of ${f}: the hash's length + 4
 * (handshake header) + 1 (content type) + 16 (AEAD tag).
 */
size_t format_finished_len(const struct dust_format *);

/**
 * format_free(f):
 * Free the format ${f} (NULL is fine).
 */
void format_free(struct dust_format *);

#endif /* !DUST_FORMAT_FORMAT_H */
