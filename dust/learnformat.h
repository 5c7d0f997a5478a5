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

/* Bytes of an SSH side's start kept: a server's lines, ident, KEXINIT,
   the key exchange and NEWKEYS fit. */
#define LEARNFORMAT_START_MAX	16384

/* The connections a format is learned from. */
struct learnformat {
	int protocol;		/* DUST_FORMAT_TLS or _SSH */
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
 * learnformat_is_ssh(ct):
 * Return nonzero if at least half of the connections of ${ct} carrying
 * data have a client whose first segment begins with "SSH-": a capture
 * to read again with dust_ct_keep_starts for learnformat_find_ssh.
 */
int learnformat_is_ssh(const struct dust_ct *);

/**
 * learnformat_is_ssh_start(c):
 * Return nonzero if the connection ${c} (starts kept) is SSH-2 as a
 * censor parses it: each side's start (identification, KEXINIT, the key
 * exchange, NEWKEYS) parses (sshhello_parse).
 */
int learnformat_is_ssh_start(const struct dust_ct_conn *);

/**
 * learnformat_find_ssh(ct, max, lf):
 * Pick in ${ct} (starts kept: dust_ct_keep_starts) up to ${max}
 * connections of one SSH client and server to learn a format from: the
 * first whose starts parse (sshhello_parse, both sides), then those whose
 * starts make templates with it.  Return 0 with them in ${lf}, or -1
 * after printing why fewer than 2 are found.
 */
int learnformat_find_ssh(const struct dust_ct *, size_t,
    struct learnformat *);

/**
 * learnformat_write(f, lf):
 * Write ",\n" and the model's "format" member of the connections ${lf} to
 * ${f}: their ClientHellos and server first flights as hex (TLS), or
 * their client and server starts up to NEWKEYS (SSH).
 */
void learnformat_write(FILE *, const struct learnformat *);

/**
 * learnformat_write_ssh(f, lf):
 * (learnformat_write of an SSH format, dust/learnssh.c.)  Write ",\n" and
 * the model's "format" member of the connections ${lf} to ${f}: their
 * client and server starts up to NEWKEYS as hex.
 */
void learnformat_write_ssh(FILE *, const struct learnformat *);

#endif /* !DUST_LEARNFORMAT_H */
