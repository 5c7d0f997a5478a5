#ifndef DUST_LEARNFORMAT_H
#define DUST_LEARNFORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "capture/conntrack.h"
#include "format/format.h"

/* Connections whose first flights "dust model learn" keeps by default. */
#define LEARNFORMAT_HELLOS	16

/* Bytes of a first flight the tracker keeps for learn and check. */
#define LEARNFORMAT_FLIGHT_MAX	65536

/* The connections a format is learned from. */
struct learnformat {
	size_t n;
	const struct dust_ct_conn * conn[FORMAT_MAX_HELLOS];
};

/**
 * learnformat_is_tls(c):
 * Return nonzero if the connection ${c} (flights kept) is TLS 1.3 as a
 * censor parses it: its client's first flight is one ClientHello record
 * with a server_name, and its server's first flight a ServerHello, an
 * optional ChangeCipherSpec and whole application-data records
 * (tlshello_parse_client, tlshello_parse_server).
 */
int learnformat_is_tls(const struct dust_ct_conn *);

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
int learnformat_find(const struct dust_ct *, size_t, struct learnformat *);

/**
 * learnformat_write(f, lf):
 * Write ",\n" and the model's "format" member of the connections ${lf} to
 * ${f}: their ClientHellos and server first flights as hex.
 */
void learnformat_write(FILE *, const struct learnformat *);

#endif /* !DUST_LEARNFORMAT_H */
