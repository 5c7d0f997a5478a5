#ifndef DUST_FORMAT_SSHHELLO_H
#define DUST_FORMAT_SSHHELLO_H

#include <stddef.h>
#include <stdint.h>

#include "dust/rng.h"

#include "fmtread.h"
#include "fmttmpl.h"

/*
 * SSH-2 connection starts, sans I/O (docs/formats.md): a strict parser of
 * what each side sends before its keys change (RFC 4253: the
 * identification line, then the binary packets KEXINIT, KEX_ECDH_INIT or
 * KEX_ECDH_REPLY, NEWKEYS), a reader of the encrypted packets that follow
 * where the cipher leaves their lengths visible, templates learned from
 * several captured connections of one client or server (the exact bytes,
 * and the fields that are random in the real protocol), and the HASSH
 * strings of the name-lists.  Offsets are from the first byte a side sent.
 * Errors are values: -1, with a message in ${err} naming the field.
 */

#define SSHHELLO_CLIENT		0
#define SSHHELLO_SERVER		1

#define SSHHELLO_IDENT_MAX	255	/* The line, CR LF included. */
#define SSHHELLO_PREAMBLE_MAX	8192	/* A server's lines before it. */
#define SSHHELLO_PACKET_MAX	35000	/* A whole packet (RFC 4253 6.1). */
#define SSHHELLO_NLISTS		10	/* Name-lists of a KEXINIT. */
#define SSHHELLO_NAME_MAX	64	/* One algorithm name (RFC 4251 6). */
#define SSHHELLO_MAX_FIELDS	16	/* Random fields of a template. */

/* Message numbers (RFC 4253 12, RFC 5656 7.1). */
#define SSH_MSG_KEXINIT		20
#define SSH_MSG_NEWKEYS		21
#define SSH_MSG_KEX_ECDH_INIT	30
#define SSH_MSG_KEX_ECDH_REPLY	31

/* The name-lists of a KEXINIT, in order. */
enum sshhello_list {
	SSHHELLO_KEX = 0, SSHHELLO_HOSTKEY, SSHHELLO_ENC_CS, SSHHELLO_ENC_SC,
	SSHHELLO_MAC_CS, SSHHELLO_MAC_SC, SSHHELLO_CMP_CS, SSHHELLO_CMP_SC,
	SSHHELLO_LANG_CS, SSHHELLO_LANG_SC
};

/* The key exchanges this module parses, and their key lengths. */
#define SSHHELLO_KEX_CURVE25519		1	/* curve25519-sha256 */
#define SSHHELLO_KEX_SNTRUP761		2	/* sntrup761x25519-sha512 */
#define SSHHELLO_X25519_LEN		32
#define SSHHELLO_SNTRUP_PK_LEN		1158	/* Encoded public key. */
#define SSHHELLO_SNTRUP_ROUNDED_LEN	1007	/* Rounded ciphertext. */
#define SSHHELLO_SNTRUP_CT_LEN		1039	/* Rounded + confirm. */

/* One binary packet before NEWKEYS (no MAC). */
struct sshhello_packet {
	size_t off;			/* Its packet_length field. */
	size_t len;			/* 4 + packet_length. */
	uint8_t msg;			/* The payload's first byte. */
	struct fmt_span payload;
	struct fmt_span padding;
};

/*
 * A parsed side of a connection start.  ${b} points into the caller's
 * bytes, which must outlive the struct.
 */
struct sshhello_flight {
	const uint8_t * b;
	size_t len;
	int side;			/* SSHHELLO_CLIENT or SSHHELLO_SERVER */
	struct fmt_span preamble;	/* A server's lines before. */
	struct fmt_span ident;	/* "SSH-2.0-...", no CR LF. */
	struct fmt_span software;	/* softwareversion */
	struct fmt_span comments;	/* After the space, or empty. */
	struct sshhello_packet kexinit;
	size_t cookie;			/* Offset of the 16 bytes. */
	struct fmt_span list[SSHHELLO_NLISTS];
	struct sshhello_packet kex;	/* KEX_ECDH_INIT or _REPLY. */
	int method;			/* SSHHELLO_KEX_* */
	struct fmt_span q;		/* Q_C or Q_S. */
	struct fmt_span hostkey;	/* K_S (server). */
	struct fmt_span hostkey_type;
	struct fmt_span sig;	/* The signature blob (server). */
	struct fmt_span sig_type;
	struct fmt_span sig_blob;	/* Its signature bytes. */
	struct sshhello_packet newkeys;
	size_t end;			/* After NEWKEYS. */
};

/**
 * sshhello_ident(b, len, side, fl, err, errlen):
 * Read the identification line of ${side} at the start of ${b} (${len}
 * bytes so far) into ${fl} (preamble, ident, software, comments): for a
 * server, after lines that do not start with "SSH-".  Return 0 with the
 * offset after its CR LF in ${fl}->end, 1 if more bytes are needed, or -1
 * with a message in ${err}.
 */
int sshhello_ident(const uint8_t *, size_t, int, struct sshhello_flight *,
    char *, size_t);

/**
 * sshhello_packet(b, len, p, err, errlen):
 * Read the binary packet before NEWKEYS at the start of ${b} (${len}
 * bytes so far) into ${p} (offsets from ${b}): packet_length of 12 or more
 * and at most SSHHELLO_PACKET_MAX - 4, padding_length of 4 or more leaving
 * a payload, 4 + packet_length a multiple of 8.  Return 0 if the whole
 * packet is there, 1 if more bytes are needed, -1 with a message.
 */
int sshhello_packet(const uint8_t *, size_t, struct sshhello_packet *,
    char *, size_t);

/**
 * sshhello_parse(side, b, len, fl, err, errlen):
 * Parse ${b} (${len} bytes), what ${side} sent from its first byte: the
 * identification line, KEXINIT, KEX_ECDH_INIT (client) or KEX_ECDH_REPLY
 * (server) of a key exchange this module knows, NEWKEYS, then encrypted
 * bytes (not read: from ${fl}->end on).  Return 0, or -1 with a message
 * naming the wrong field in ${err}.
 */
int sshhello_parse(int, const uint8_t *, size_t, struct sshhello_flight *,
    char *, size_t);

/* How the packets after NEWKEYS are framed, where an observer can tell. */
struct sshhello_framing {
	size_t block;		/* packet_length is a multiple of it. */
	size_t tag;		/* MAC or AEAD tag bytes after the packet. */
};

/**
 * sshhello_framing(enc, mac, fr, err, errlen):
 * The framing of packets encrypted with the cipher ${enc} and the MAC
 * ${mac} (ignored for an AEAD cipher): packet_length travels in the clear
 * with aes128-gcm@openssh.com and aes256-gcm@openssh.com, and with a
 * "-etm@openssh.com" MAC.  Return 0 with it in ${fr}, or -1 with a message
 * if the length is encrypted (chacha20-poly1305@openssh.com, a CTR or CBC
 * cipher with a MAC over the plaintext) or the algorithm unknown.
 */
int sshhello_framing(const char *, const char *, struct sshhello_framing *,
    char *, size_t);

/**
 * sshhello_record(fr, b, len, plen, err, errlen):
 * Read the encrypted packet at the start of the stream ${b} (${len} bytes
 * so far) framed as ${fr}: a clear packet_length of 16 or more, at most
 * SSHHELLO_PACKET_MAX, a multiple of the block size, then the tag.
 * Return 0 with the packet's bytes (length field and tag included) in
 * *${plen} if it is all there, 1 if more bytes are needed, -1 with a
 * message if the length breaks the framing.
 */
int sshhello_record(const struct sshhello_framing *, const uint8_t *, size_t,
    size_t *, char *, size_t);

/**
 * sshhello_hassh(fl, out, outlen):
 * Write the HASSH string of the client ${fl} ("kex;enc;mac;compression",
 * its client-to-server lists) or the HASSHServer string of a server
 * (server-to-client lists) to ${out}; its MD5 is not computed.  Return 0,
 * or -1 if it does not fit in ${outlen} bytes.
 */
int sshhello_hassh(const struct sshhello_flight *, char *, size_t);

/**
 * sshhello_negotiate(c, s, list, out, outlen):
 * Write to ${out} the algorithm of the name-list ${list} that the client
 * ${c} and the server ${s} agree on (RFC 4253 7.1: the client's first that
 * the server lists).  Return 0, or -1 if there is none or it does not fit.
 */
int sshhello_negotiate(const struct sshhello_flight *,
    const struct sshhello_flight *, int, char *, size_t);

/**
 * sshhello_list_has(fl, list, name):
 * Return nonzero if the name-list ${list} of ${fl} holds ${name}.
 */
int sshhello_list_has(const struct sshhello_flight *, int, const char *);

/* What a random field holds. */
enum sshhello_kind {
	SSHHELLO_UNIFORM = 1,	/* Uniform bytes. */
	SSHHELLO_X25519,	/* An X25519 public key. */
	SSHHELLO_SNTRUP_PK,	/* An encoded sntrup761 public key. */
	SSHHELLO_SNTRUP_CT,	/* A rounded sntrup761 ciphertext. */
	SSHHELLO_ED25519_R,	/* R of an Ed25519 signature: a point. */
	SSHHELLO_ED25519_S,	/* S of an Ed25519 signature: < L. */
	SSHHELLO_KEY		/* Another key or signature, as is. */
};

/* Where a random field is. */
enum sshhello_place {
	SSHHELLO_AT_COOKIE = 1,	/* The KEXINIT cookie. */
	SSHHELLO_AT_Q,		/* Q_C or Q_S: part ${index}. */
	SSHHELLO_AT_SIG,	/* The signature: part ${index}. */
	SSHHELLO_AT_PADDING	/* Padding of packet ${index} (0-2). */
};

/*
 * A template: the start of one captured side, from its first byte to the
 * end of NEWKEYS, kept as its exact bytes, and its random fields in order
 * of offset.  The values of a start are the bytes of its fields, field
 * after field (vlen bytes in all).
 */
struct sshhello_template {
	int side;
	uint8_t * bytes;
	size_t len;
	size_t nfields;
	struct fmt_field field[SSHHELLO_MAX_FIELDS];
	size_t vlen;
};

/**
 * sshhello_learn(side, starts, lens, n, t, err, errlen):
 * Learn a template from ${n} >= 2 captured starts of one client (or
 * server, by ${side}): ${starts}[i] of ${lens}[i] bytes, parsed as
 * sshhello_parse does.  Return 0 with a new template in *${t}, or -1 with
 * a message in ${err} (one does not parse, or they are not one client's
 * shape: which start, at which byte and field).
 */
int sshhello_learn(int, const uint8_t * const *, const size_t *, size_t,
    struct sshhello_template **, char *, size_t);

/**
 * sshhello_template_free(t):
 * Free the template ${t} (NULL is fine).
 */
void sshhello_template_free(struct sshhello_template *);

/**
 * sshhello_fill(t, vals, out, err, errlen):
 * Write to ${out} (${t}->len bytes) the template ${t} with its fields set
 * to ${vals} (${t}->vlen bytes).  Return 0, or -1 if a value is not one of
 * its kind (an X25519 key with bit 255 set, an sntrup761 encoding of a
 * value out of range, an R that is not a point of the prime-order
 * subgroup, an S not below L), with a message in ${err}.
 */
int sshhello_fill(const struct sshhello_template *, const uint8_t *,
    uint8_t *, char *, size_t);

/**
 * sshhello_extract(t, b, len, vals, err, errlen):
 * Parse ${b} (${len} bytes, a side's start as sshhello_parse takes it) as
 * a start of the template ${t} and write the values of its fields to
 * ${vals} (${t}->vlen bytes).  Return 0, or -1 if it does not parse or
 * differs from ${t} outside the fields (the message names the byte).
 */
int sshhello_extract(const struct sshhello_template *, const uint8_t *,
    size_t, uint8_t *, char *, size_t);

/**
 * sshhello_draw(t, rng, vals):
 * Draw values for the fields of ${t} into ${vals} (${t}->vlen bytes) as a
 * real implementation's look: uniform bytes, the public key of a fresh
 * X25519 secret (wiped), the encoding of a uniform element of sntrup761's
 * ring (public key) or of uniform rounded values (ciphertext), an Ed25519
 * R = rB for a fresh r (wiped) and a uniform S below L.  Return 0, or -1
 * if a field holds a key this module cannot draw (SSHHELLO_KEY).
 */
int sshhello_draw(const struct sshhello_template *, const struct dust_rng *,
    uint8_t *);

/**
 * sshhello_field_name(f, buf, buflen):
 * Write a name of the field ${f} ("KEXINIT cookie", "Q_C X25519 part",
 * ...) to ${buf}.  Return ${buf}.
 */
const char * sshhello_field_name(const struct fmt_field *, char *,
    size_t);

/**
 * sntrup761_encode(v, n, m, out):
 * Write the NTRU Prime encoding of the ${n} values ${v}, each below ${m}
 * (4591 for a public key's coefficients, 1531 for rounded ones), to
 * ${out}: SSHHELLO_SNTRUP_PK_LEN or SSHHELLO_SNTRUP_ROUNDED_LEN bytes for
 * n = 761.  Return the bytes written.
 */
size_t sntrup761_encode(const uint16_t *, size_t, uint32_t, uint8_t *);

/**
 * sntrup761_valid(b, len, m):
 * Return nonzero if the ${len} bytes ${b} are the encoding of 761 values
 * below ${m} (what sntrup761_encode writes), not of values out of range.
 */
int sntrup761_valid(const uint8_t *, size_t, uint32_t);

/**
 * sntrup761_decode(b, len, m, v):
 * Decode the ${len} bytes ${b} as the encoding of 761 values below ${m}
 * into ${v}.  Return 0, or -1 if ${b} is not such an encoding (what
 * sntrup761_valid refuses).
 */
int sntrup761_decode(const uint8_t *, size_t, uint32_t, uint16_t *);

#endif /* !DUST_FORMAT_SSHHELLO_H */
