#ifndef DUST_FORMAT_FORMAT_H
#define DUST_FORMAT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "sshhello.h"
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
 * or, for SSH-2 (lib/format/sshwire.c):
 *
 *   "format": {
 *     "protocol": "ssh",
 *     "client_starts": [ "5353482d...", ... ],  hex, >= 2 starts of one
 *                                               client: every byte it
 *                                               sent up to its NEWKEYS
 *                                               (more is ignored)
 *     "server_starts": [ "5353482d...", ... ]   the same of one server
 *   }
 *
 * The templates are learned from the captures when the model is loaded
 * (tlshello_learn, sshhello_learn), so a model file holds only what was
 * captured, and a capture that does not parse is refused at load with the
 * parser's message, naming the hello (or start) and the field.
 */

#define DUST_FORMAT_TLS		1	/* TLS 1.3 */
#define DUST_FORMAT_SSH		2	/* SSH-2 (OpenSSH) */

/*
 * How an SSH side frames its binary packets after NEWKEYS (RFC 4253 6,
 * OpenSSH's PROTOCOL.chacha20poly1305), as the learned negotiation
 * implies: packet_length is a multiple of ${block} from ${block} to
 * SSHWIRE_PACKET_LEN_MAX, followed by the packet and a ${tag}-byte tag;
 * the length is in the clear (aes*-gcm@openssh.com) or encrypted
 * (chacha20-poly1305@openssh.com: an observer cannot split the stream).
 */
struct format_sshframing {
	int clear_length;		/* packet_length readable on the wire. */
	size_t block;			/* 8 (ChaCha20) or 16 (AES). */
	size_t tag;			/* 16 */
	char cipher[SSHHELLO_NAME_MAX + 1];	/* The negotiated cipher. */
};

/* The SSH half of a format: templates of both starts and the framing. */
struct format_ssh {
	struct sshhello_template * client;	/* Learned client start. */
	struct sshhello_template * server;	/* Learned server start. */
	size_t client_newkeys;		/* Offset of the client's NEWKEYS in
					   its template: the client sends
					   it only after the server's start. */
	size_t server_ident;		/* Bytes of the server's template up
					   to the end of its identification
					   line: what it sends at accept. */
	struct format_sshframing cs;	/* Client to server. */
	struct format_sshframing sc;	/* Server to client. */
};

#define FORMAT_MAX_HELLOS	64	/* Captures kept per side. */

struct dust_format {
	int protocol;			/* DUST_FORMAT_TLS or _SSH */
	struct format_ssh * ssh;	/* DUST_FORMAT_SSH: all it needs (the
					   TLS fields below are unused). */
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
 * format_parse_ssh(v, f, errbuf, errlen):
 * (format_parse for "protocol": "ssh", lib/format/formatssh.c.)  Learn
 * the SSH templates and framing of the format object ${v} (a json_t *
 * whose keys format_parse has checked) into ${f}->ssh.  Return 0, or -1
 * with a message in ${errbuf} naming the field.
 */
int format_parse_ssh(const void *, struct dust_format *, char *, size_t);

/**
 * format_hex_captures(v, key, b, lens, n, errbuf, errlen):
 * Decode the array ${key} of the format object ${v} (a json_t *): 2 to
 * FORMAT_MAX_HELLOS hex strings into new buffers ${b}[i] of ${lens}[i]
 * bytes, their count in *${n} (what was decoded stays there to be freed,
 * also on error).  Return 0, or -1 with a message naming the entry.
 */
int format_hex_captures(const void *, const char *, uint8_t **, size_t *,
    size_t *, char *, size_t);

/**
 * format_learn_err(key, msg, errbuf, errlen):
 * Write to ${errbuf} the message ${msg} of a template learner about the
 * captures ${key}, its "hello N" or "start N" (counted from 1) written as
 * "KEY[N-1]" so that it names the entry of the model file.  Return -1.
 */
int format_learn_err(const char *, const char *, char *, size_t);

/**
 * format_finished_len(f):
 * Return the length of the client's encrypted Finished record (without
 * its header) for the cipher suite of ${f}: the hash's length + 4
 * (handshake header) + 1 (content type) + 16 (AEAD tag).
 */
size_t format_finished_len(const struct dust_format *);

/**
 * format_set_sni(f, host, err, errlen):
 * Make ${host} the server_name of the ClientHello of the TLS format ${f}
 * (the template's lengths fixed, its padding adjusted).  Return 0, or -1
 * with a message in ${err} (not a TLS format, not a host name).
 */
int format_set_sni(struct dust_format *, const char *, char *, size_t);

/**
 * format_free(f):
 * Free the format ${f} (NULL is fine).
 */
void format_free(struct dust_format *);

#endif /* !DUST_FORMAT_FORMAT_H */
