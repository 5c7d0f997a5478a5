#ifndef DUST_FORMAT_TLSHELLO_H
#define DUST_FORMAT_TLSHELLO_H

#include <stddef.h>
#include <stdint.h>

#include "dust/rng.h"

#include "fmtread.h"
#include "fmttmpl.h"

/*
 * TLS 1.3 first flights, sans I/O (docs/formats.md): a strict parser of a
 * client's ClientHello record and of a server's first flight (ServerHello,
 * ChangeCipherSpec, application-data records), templates learned from
 * several captured hellos of one client or server (the exact bytes, and
 * the fields that are random in the real protocol), and the JA3 and JA4
 * fingerprints of a ClientHello.  Offsets are from the first byte of the
 * record header.  Errors are values: -1, with a message in ${err} that
 * names the field that is wrong.
 */

#define TLSHELLO_PLAINTEXT_MAX	16384		/* 2^14: a handshake record. */
#define TLSHELLO_CIPHERTEXT_MAX	(16384 + 256)	/* A TLS 1.3 ciphertext. */
#define TLSHELLO_MAX_EXTS	64	/* Extensions of one hello. */
#define TLSHELLO_MAX_SHARES	8	/* key_share entries of a hello. */
#define TLSHELLO_MAX_RECORDS	32	/* Application-data records kept. */
#define TLSHELLO_MAX_FIELDS	64	/* Random fields of a template. */

/* Extension types this module reads or names. */
#define TLS_EXT_SERVER_NAME		0x0000
#define TLS_EXT_SUPPORTED_GROUPS	0x000a
#define TLS_EXT_EC_POINT_FORMATS	0x000b
#define TLS_EXT_SIGNATURE_ALGORITHMS	0x000d
#define TLS_EXT_ALPN			0x0010
#define TLS_EXT_PADDING			0x0015
#define TLS_EXT_PRE_SHARED_KEY		0x0029
#define TLS_EXT_SUPPORTED_VERSIONS	0x002b
#define TLS_EXT_PSK_KEY_EXCHANGE_MODES	0x002d
#define TLS_EXT_KEY_SHARE		0x0033

#define TLS_GROUP_X25519		0x001d

/* One extension: its type and its body (after the 4-byte header). */
struct tlshello_ext {
	uint16_t type;
	struct fmt_span body;
};

/* One key_share entry: its group (at ${group_off}) and its key_exchange. */
struct tlshello_share {
	uint16_t group;
	size_t group_off;
	struct fmt_span key;
};

/*
 * A parsed ClientHello record.  ${b} points into the caller's bytes, which
 * must outlive the struct.  Lists (suites, groups, ...) are spans of their
 * entries, without their length prefix; a span of length 0 means the
 * extension is absent (see has_ext for presence).
 */
struct tlshello_client {
	const uint8_t * b;
	size_t len;			/* Record header and body. */
	uint16_t record_version;
	uint16_t legacy_version;
	size_t random;			/* Offset of the 32-byte random. */
	struct fmt_span session_id;
	struct fmt_span suites;
	struct fmt_span compression;
	struct fmt_span exts;	/* The extensions block. */
	size_t nexts;
	struct tlshello_ext ext[TLSHELLO_MAX_EXTS];
	int has_sni;
	struct fmt_span sni;	/* The host_name. */
	struct fmt_span groups;
	struct fmt_span point_formats;
	struct fmt_span sigalgs;
	struct fmt_span alpn;	/* The protocol_name_list. */
	struct fmt_span versions;
	struct fmt_span psk_modes;
	int padding;			/* Index in ext[] of padding, or -1. */
	size_t nshares;
	struct tlshello_share share[TLSHELLO_MAX_SHARES];
};

/*
 * A parsed server first flight: the ServerHello record, a ChangeCipherSpec
 * record if present, then application-data records (their lengths only).
 */
struct tlshello_server {
	const uint8_t * b;
	size_t len;			/* The whole flight. */
	size_t hello_len;		/* The ServerHello record. */
	uint16_t legacy_version;
	int hrr;			/* A HelloRetryRequest. */
	size_t random;
	struct fmt_span session_id;	/* legacy_session_id_echo */
	uint16_t suite;
	size_t nexts;
	struct tlshello_ext ext[TLSHELLO_MAX_EXTS];
	uint16_t version;		/* selected_version. */
	int has_share;
	struct tlshello_share share;
	int ccs;			/* A ChangeCipherSpec record follows. */
	size_t nrecords;
	size_t record_len[TLSHELLO_MAX_RECORDS];	/* Without headers. */
};

/**
 * tlshello_parse_client(b, len, ch, err, errlen):
 * Parse ${b} (${len} bytes), a client's first flight: exactly one
 * ClientHello record, into ${ch}.  Return 0, or -1 with a message naming
 * the wrong field in ${err}.
 */
int tlshello_parse_client(const uint8_t *, size_t, struct tlshello_client *,
    char *, size_t);

/**
 * tlshello_parse_server(b, len, sh, err, errlen):
 * Parse ${b} (${len} bytes), a TLS 1.3 server's first flight: a
 * ServerHello record, an optional ChangeCipherSpec record, then whole
 * application-data records, into ${sh}.  Return 0, or -1 with a message
 * naming the wrong field in ${err}.
 */
int tlshello_parse_server(const uint8_t *, size_t, struct tlshello_server *,
    char *, size_t);

/**
 * tlshello_record(b, len, type, rlen, err, errlen):
 * Read the header of the TLS 1.3 record at the start of the stream ${b}
 * (${len} bytes so far), after the handshake: type 20 (change_cipher_spec),
 * 21 (alert) or 23 (application_data), version 0x0303, a length of 1 to
 * 2^14 + 256 bytes.  Return 0 with its type in *${type} and its body length
 * in *${rlen} if the whole record is in ${b}, 1 if more bytes are needed,
 * or -1 with a message in ${err} if the header is not one.
 */
int tlshello_record(const uint8_t *, size_t, uint8_t *, size_t *, char *,
    size_t);

/**
 * tlshello_ext_name(type):
 * Return the name of the extension ${type} ("key_share", "GREASE", ...,
 * "unknown").
 */
const char * tlshello_ext_name(uint16_t);

/**
 * tlshello_is_grease(v):
 * Return nonzero if the 16-bit value ${v} is a GREASE value (RFC 8701).
 */
int tlshello_is_grease(uint16_t);

/**
 * tlshello_ja3(ch, out, outlen):
 * Write the JA3 string of ${ch} (version, suites, extensions, groups, point
 * formats, in decimal, GREASE left out) to ${out}.  Return 0, or -1 if it
 * does not fit in ${outlen} bytes.
 */
int tlshello_ja3(const struct tlshello_client *, char *, size_t);

/**
 * tlshello_ja4(ch, raw, out, outlen):
 * Write the JA4 fingerprint of ${ch} ("t13d0412h2_..._...", FoxIO's
 * definition, for TLS over TCP) to ${out}, or with ${raw} nonzero its
 * unhashed form JA4_r.  Return 0, or -1 if it does not fit in ${outlen}.
 */
int tlshello_ja4(const struct tlshello_client *, int, char *, size_t);

/* What a random field holds. */
enum tlshello_kind {
	TLSHELLO_UNIFORM = 1,	/* Uniform bytes. */
	TLSHELLO_X25519,	/* An X25519 public key (a curve point). */
	TLSHELLO_KEY,		/* A key of another group, as is. */
	TLSHELLO_GREASE,	/* A GREASE value (RFC 8701). */
	TLSHELLO_ECHO		/* The client's legacy_session_id, echoed. */
};

/* Where a random field is in a hello's structure. */
enum tlshello_place {
	TLSHELLO_AT_RANDOM = 1,		/* random */
	TLSHELLO_AT_SESSION_ID,		/* legacy_session_id (echo) */
	TLSHELLO_AT_SHARE_KEY,		/* key_share entry ${index}'s key */
	TLSHELLO_AT_GREASE_SUITE,	/* cipher_suites[index] */
	TLSHELLO_AT_GREASE_EXT,		/* extension ${index}'s type */
	TLSHELLO_AT_GREASE_GROUP,	/* supported_groups[index] */
	TLSHELLO_AT_GREASE_SHARE,	/* key_share entry ${index}'s group */
	TLSHELLO_AT_GREASE_SIGALG,	/* signature_algorithms[index] */
	TLSHELLO_AT_GREASE_VERSION,	/* supported_versions[index] */
	TLSHELLO_AT_GREASE_PSK_MODE,	/* psk_key_exchange_modes[index] */
	TLSHELLO_AT_GREASE_ALPN		/* ALPN protocol ${index} */
};

#define TLSHELLO_CLIENT	0
#define TLSHELLO_SERVER	1

/*
 * A template: one captured hello record (a ClientHello, or a server's
 * ServerHello) kept as its exact bytes, and its random fields in order of
 * offset.  The values of a hello are the bytes of its fields, field after
 * field (vlen bytes in all).
 */
struct tlshello_template {
	int side;		/* TLSHELLO_CLIENT or TLSHELLO_SERVER */
	uint8_t * bytes;
	size_t len;
	size_t nfields;
	struct fmt_field field[TLSHELLO_MAX_FIELDS];
	size_t vlen;		/* Bytes of values, all fields. */
};

/**
 * tlshello_learn(side, hellos, lens, n, t, err, errlen):
 * Learn a template from ${n} >= 2 captured first flights of one client (or
 * server, by ${side}): ${hellos}[i] of ${lens}[i] bytes.  A server's
 * template is its ServerHello record.  Return 0 with a new template in
 * *${t}, or -1 with a message in ${err} (one does not parse, or they are
 * not the same client shape: which hello, at which byte and field).
 */
int tlshello_learn(int, const uint8_t * const *, const size_t *, size_t,
    struct tlshello_template **, char *, size_t);

/**
 * tlshello_template_free(t):
 * Free the template ${t} (NULL is fine).
 */
void tlshello_template_free(struct tlshello_template *);

/**
 * tlshello_fill(t, vals, out, err, errlen):
 * Write to ${out} (${t}->len bytes) the template ${t} with its fields set
 * to ${vals} (${t}->vlen bytes).  Return 0, or -1 if a value is not one
 * of its kind (a GREASE field not GREASE, an X25519 key with bit 255 set,
 * a linked field unlike the field it follows, two GREASE extensions of one
 * type), with a message in ${err}.
 */
int tlshello_fill(const struct tlshello_template *, const uint8_t *,
    uint8_t *, char *, size_t);

/**
 * tlshello_extract(t, b, len, vals, err, errlen):
 * Parse ${b} (${len} bytes: a ClientHello record, or a server's first
 * flight from its ServerHello on) as a hello of the template ${t} and
 * write the values of its fields to ${vals} (${t}->vlen bytes).  Return 0,
 * or -1 if it does not parse or differs from ${t} outside the fields (the
 * message names the byte and its field).
 */
int tlshello_extract(const struct tlshello_template *, const uint8_t *,
    size_t, uint8_t *, char *, size_t);

/**
 * tlshello_draw(t, rng, vals):
 * Draw values for the fields of ${t} into ${vals} (${t}->vlen bytes) as a
 * real implementation does: uniform bytes, the public key of a fresh
 * X25519 secret (wiped), GREASE values uniform among the 16 (8 for PSK
 * modes), linked fields equal, GREASE extensions (and key_share groups)
 * distinct.  Return 0, or -1 if a field holds a key of a group other than
 * X25519 (which this module cannot draw).
 */
int tlshello_draw(const struct tlshello_template *, const struct dust_rng *,
    uint8_t *);

/**
 * tlshello_set_sni(t, host, err, errlen):
 * Replace the server_name of the client template ${t} by ${host}, fixing
 * every enclosing length; a padding extension shrinks or grows (not below
 * 0 bytes) so that the hello keeps its length where it can, as a client
 * that pads does.  Return 0, or -1 (no server_name, a host name that is
 * not one) with a message in ${err}.
 */
int tlshello_set_sni(struct tlshello_template *, const char *, char *,
    size_t);

/**
 * tlshello_field_name(f, buf, buflen):
 * Write a name of the field ${f} ("key_share 0x001d key", "GREASE cipher
 * suite 0", ...) to ${buf}.  Return ${buf}.
 */
const char * tlshello_field_name(const struct fmt_field *, char *,
    size_t);

#endif /* !DUST_FORMAT_TLSHELLO_H */
