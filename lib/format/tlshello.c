/*
 * TLS 1.3 first flights: a strict parser (docs/formats.md).
 *
 * A client's first flight is one ClientHello record: record header (type
 * 22, version 0x0301-0x0303, length <= 2^14), handshake header (type 1, a
 * length that fills the record: a hello split over records is refused),
 * legacy_version, random, legacy_session_id (<= 32 bytes), cipher_suites,
 * legacy_compression_methods (holding null) and the extensions, each of
 * which must fit the block, appear once, and (pre_shared_key) come last.
 * The bodies of server_name, supported_groups, ec_point_formats,
 * signature_algorithms, ALPN, padding (zeros only), supported_versions,
 * psk_key_exchange_modes and key_share are parsed to their last byte.
 *
 * A server's first flight is a ServerHello record (version 0x0303, one
 * handshake message of type 2, compression 0, supported_versions selecting
 * TLS 1.3, a key_share), an optional ChangeCipherSpec record (one byte,
 * 1), then application-data records (type 23, version 0x0303, 17 to
 * 2^14 + 256 bytes: TLS 1.3 ciphertext is at least a 16-byte tag and the
 * inner content type), of which only the lengths are kept.
 *
 * Every length is checked before it is used; an error is -1 with a message
 * naming the field ("ClientHello: extension 0x0033 (key_share) length 40
 * overruns the extensions block"), never a read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmtread.h"
#include "tlshello.h"

/* The random of a HelloRetryRequest (RFC 8446 4.1.3). */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c
};

/*
 * vec(r, n, what, min, unit, s): read a vector with an ${n}-byte length
 * prefix into ${s}: at least ${min} bytes, a multiple of ${unit}, within
 * what is left.  Return 0 or -1 naming ${what}.
 */
static int
vec(struct rd * r, size_t n, const char * what, size_t min, size_t unit,
    struct fmt_span * s)
{
	size_t len;

	if (rd_get(r, n, what, &len))
		return (-1);
	if (len > rd_left(r))
		return (rd_bad(r, "%s length %zu overruns the %zu bytes left",
		    what, len, rd_left(r)));
	if (len < min)
		return (rd_bad(r, "%s length %zu is under %zu", what, len,
		    min));
	if (len % unit)
		return (rd_bad(r, "%s length %zu is not a multiple of %zu",
		    what, len, unit));
	s->off = r->pos;
	s->len = len;
	r->pos += len;
	return (0);
}

/**
 * tlshello_is_grease(v):
 * Return nonzero if the 16-bit value ${v} is a GREASE value (RFC 8701).
 */
int
tlshello_is_grease(uint16_t v)
{

	return ((v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff));
}

/**
 * tlshello_ext_name(type):
 * Return the name of the extension ${type} ("key_share", "GREASE", ...,
 * "unknown").
 */
const char *
tlshello_ext_name(uint16_t type)
{
	static const struct {
		uint16_t type;
		const char * name;
	} names[] = {
		{ 0x0000, "server_name" }, { 0x0005, "status_request" },
		{ 0x000a, "supported_groups" }, { 0x000b, "ec_point_formats" },
		{ 0x000d, "signature_algorithms" }, { 0x0010, "alpn" },
		{ 0x0012, "signed_certificate_timestamp" },
		{ 0x0015, "padding" }, { 0x0016, "encrypt_then_mac" },
		{ 0x0017, "extended_master_secret" },
		{ 0x001b, "compress_certificate" },
		{ 0x001c, "record_size_limit" }, { 0x0023, "session_ticket" },
		{ 0x0029, "pre_shared_key" }, { 0x002a, "early_data" },
		{ 0x002b, "supported_versions" }, { 0x002c, "cookie" },
		{ 0x002d, "psk_key_exchange_modes" },
		{ 0x0031, "post_handshake_auth" }, { 0x0033, "key_share" },
		{ 0xff01, "renegotiation_info" }
	};
	size_t i;

	if (tlshello_is_grease(type))
		return ("GREASE");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			return (names[i].name);
	return ("unknown");
}

/*
 * record(r, type, minver, max, what, len): read a record header of type
 * ${type}, version ${minver} to 0x0303, and a body length of at most
 * ${max} bytes, all of which must be in r, into *${len}.  Return 0 or -1
 * naming ${what}.
 */
static int
record(struct rd * r, unsigned type, size_t minver, size_t max,
    const char * what, size_t * len)
{
	size_t t, v;

	if (rd_left(r) < 5)
		return (rd_bad(r, "%s record header truncated (%zu of 5 bytes)",
		    what, rd_left(r)));
	(void)rd_get(r, 1, what, &t);
	(void)rd_get(r, 2, what, &v);
	(void)rd_get(r, 2, what, len);
	if (t != type)
		return (rd_bad(r, "%s record type %zu, not %u", what, t, type));
	if (v < minver || v > 0x0303)
		return (rd_bad(r, "%s record version 0x%04zx", what, v));
	if (*len > max)
		return (rd_bad(r, "%s record length %zu exceeds %zu", what,
		    *len, max));
	if (*len > rd_left(r))
		return (rd_bad(r, "%s record length %zu overruns the %zu bytes "
		    "given", what, *len, rd_left(r)));
	return (0);
}

/*
 * handshake(r, type, name): read the handshake header of a message of
 * type ${type} (${name}) that fills the rest of r.  Return 0 or -1.
 */
static int
handshake(struct rd * r, unsigned type, const char * name)
{
	size_t t, len;

	if (rd_get(r, 1, "handshake type", &t) ||
	    rd_get(r, 3, "handshake length", &len))
		return (-1);
	if (t != type)
		return (rd_bad(r, "handshake type %zu, not %u (%s)", t, type,
		    name));
	if (len != rd_left(r))
		return (rd_bad(r, "handshake length %zu does not fill the "
		    "record (%zu bytes)", len, rd_left(r)));
	return (0);
}

/*
 * exts(r, ext, n, block): read the extensions block (which must end the
 * message) into ${ext}, its count in *${n} and its span in *${block}.
 * Return 0 or -1.
 */
static int
exts(struct rd * r, struct tlshello_ext * ext, size_t * n,
    struct fmt_span * block)
{
	size_t type, len, i;

	*n = 0;
	block->off = r->pos;
	block->len = 0;
	if (rd_left(r) == 0)
		return (0);
	if (vec(r, 2, "extensions block", 0, 1, block))
		return (-1);
	if (rd_left(r) != 0)
		return (rd_bad(r, "%zu bytes after the extensions block",
		    rd_left(r)));
	r->pos = block->off;
	while (r->pos < block->off + block->len) {
		if (block->off + block->len - r->pos < 4)
			return (rd_bad(r, "extension %zu header truncated",
			    *n));
		(void)rd_get(r, 2, "extension type", &type);
		(void)rd_get(r, 2, "extension length", &len);
		if (len > block->off + block->len - r->pos)
			return (rd_bad(r, "extension 0x%04zx (%s) length %zu "
			    "overruns the extensions block", type,
			    tlshello_ext_name((uint16_t)type), len));
		for (i = 0; i < *n; i++)
			if (ext[i].type == type)
				return (rd_bad(r, "extension 0x%04zx (%s) "
				    "appears twice", type,
				    tlshello_ext_name((uint16_t)type)));
		if (*n == TLSHELLO_MAX_EXTS)
			return (rd_bad(r, "more than %d extensions",
			    TLSHELLO_MAX_EXTS));
		ext[*n].type = (uint16_t)type;
		ext[*n].body.off = r->pos;
		ext[*n].body.len = len;
		(*n)++;
		r->pos += len;
	}
	return (0);
}

/*
 * body(r, e, what, wlen): point r at the body of the extension ${e}, and
 * write its name for errors to ${what} (${wlen} bytes).  Return r.
 */
static struct rd *
body(struct rd * r, const struct tlshello_ext * e, char * what, size_t wlen)
{

	r->pos = e->body.off;
	r->end = e->body.off + e->body.len;
	snprintf(what, wlen, "extension 0x%04x (%s)", e->type,
	    tlshello_ext_name(e->type));
	return (r);
}

/*
 * list(r, e, n, min, unit, s): the body of ${e} is one vector with an
 * ${n}-byte length of at least ${min} bytes in units of ${unit}; put its
 * span in ${s}.  Return 0 or -1.
 */
static int
list(struct rd * r, const struct tlshello_ext * e, size_t n, size_t min,
    size_t unit, struct fmt_span * s)
{
	char what[64];

	if (vec(body(r, e, what, sizeof(what)), n, what, min, unit, s))
		return (-1);
	if (rd_left(r) != 0)
		return (rd_bad(r, "%s has %zu bytes after its list", what,
		    rd_left(r)));
	return (0);
}

/* sni(r, e, ch): parse a ClientHello's server_name body.  Return 0 or -1. */
static int
sni(struct rd * r, const struct tlshello_ext * e, struct tlshello_client * ch)
{
	struct fmt_span names, name;
	size_t type;

	if (list(r, e, 2, 1, 1, &names))
		return (-1);
	r->pos = names.off;
	while (rd_left(r) > 0) {
		if (rd_get(r, 1, "server_name name_type", &type) ||
		    vec(r, 2, "server_name host_name", 1, 1, &name))
			return (-1);
		if (type != 0)
			return (rd_bad(r, "server_name name_type %zu, not 0 "
			    "(host_name)", type));
		if (ch->has_sni)
			return (rd_bad(r, "server_name holds two host_names"));
		ch->has_sni = 1;
		ch->sni = name;
	}
	return (0);
}

/* alpn(r, e, ch): parse a ClientHello's ALPN body.  Return 0 or -1. */
static int
alpn(struct rd * r, const struct tlshello_ext * e, struct tlshello_client * ch)
{
	struct fmt_span name;

	if (list(r, e, 2, 2, 1, &ch->alpn))
		return (-1);
	r->pos = ch->alpn.off;
	while (rd_left(r) > 0)
		if (vec(r, 1, "alpn protocol_name", 1, 1, &name))
			return (-1);
	return (0);
}

/* padding(r, e): check that a padding body is all zeros.  Return 0 or -1. */
static int
padding(struct rd * r, const struct tlshello_ext * e)
{
	size_t i;

	for (i = 0; i < e->body.len; i++)
		if (r->b[e->body.off + i] != 0)
			return (rd_bad(r, "padding byte %zu is 0x%02x, not 0",
			    i, r->b[e->body.off + i]));
	return (0);
}

/*
 * share(r, s): read one key_share entry into ${s}.  Return 0 or -1.
 */
static int
share(struct rd * r, struct tlshello_share * s)
{
	size_t group;

	s->group_off = r->pos;
	if (rd_get(r, 2, "key_share group", &group) ||
	    vec(r, 2, "key_share key_exchange", 1, 1, &s->key))
		return (-1);
	s->group = (uint16_t)group;
	if (group == TLS_GROUP_X25519 && s->key.len != 32)
		return (rd_bad(r, "key_share entry 0x001d (x25519) key length "
		    "%zu, not 32", s->key.len));
	return (0);
}

/* shares(r, e, ch): parse a ClientHello's key_share body.  Return 0 or -1. */
static int
shares(struct rd * r, const struct tlshello_ext * e,
    struct tlshello_client * ch)
{
	struct fmt_span all;
	size_t i;

	if (list(r, e, 2, 0, 1, &all))
		return (-1);
	r->pos = all.off;
	while (rd_left(r) > 0) {
		if (ch->nshares == TLSHELLO_MAX_SHARES)
			return (rd_bad(r, "more than %d key_share entries",
			    TLSHELLO_MAX_SHARES));
		if (share(r, &ch->share[ch->nshares]))
			return (-1);
		for (i = 0; i < ch->nshares; i++)
			if (ch->share[i].group == ch->share[ch->nshares].group)
				return (rd_bad(r, "key_share group 0x%04x "
				    "appears twice", ch->share[i].group));
		ch->nshares++;
	}
	return (0);
}

/*
 * client_ext(r, e, ch): parse the body of the ClientHello extension ${e}
 * if it is one this module reads.  Return 0 or -1.
 */
static int
client_ext(struct rd * r, const struct tlshello_ext * e,
    struct tlshello_client * ch)
{

	switch (e->type) {
	case TLS_EXT_SERVER_NAME:
		return (sni(r, e, ch));
	case TLS_EXT_SUPPORTED_GROUPS:
		return (list(r, e, 2, 2, 2, &ch->groups));
	case TLS_EXT_EC_POINT_FORMATS:
		return (list(r, e, 1, 1, 1, &ch->point_formats));
	case TLS_EXT_SIGNATURE_ALGORITHMS:
		return (list(r, e, 2, 2, 2, &ch->sigalgs));
	case TLS_EXT_ALPN:
		return (alpn(r, e, ch));
	case TLS_EXT_PADDING:
		return (padding(r, e));
	case TLS_EXT_SUPPORTED_VERSIONS:
		return (list(r, e, 1, 2, 2, &ch->versions));
	case TLS_EXT_PSK_KEY_EXCHANGE_MODES:
		return (list(r, e, 1, 1, 1, &ch->psk_modes));
	case TLS_EXT_KEY_SHARE:
		return (shares(r, e, ch));
	}
	return (0);
}

/*
 * client_body(r, ch): parse the ClientHello message after its handshake
 * header.  Return 0 or -1.
 */
static int
client_body(struct rd * r, struct tlshello_client * ch)
{
	size_t v, i, end = r->end;

	if (rd_get(r, 2, "legacy_version", &v))
		return (-1);
	if (v < 0x0300 || v > 0x0303)
		return (rd_bad(r, "legacy_version 0x%04zx", v));
	ch->legacy_version = (uint16_t)v;
	if (rd_left(r) < 32)
		return (rd_bad(r, "random truncated (%zu of 32 bytes)",
		    rd_left(r)));
	ch->random = r->pos;
	r->pos += 32;
	if (vec(r, 1, "legacy_session_id", 0, 1, &ch->session_id))
		return (-1);
	if (ch->session_id.len > 32)
		return (rd_bad(r, "legacy_session_id length %zu exceeds 32",
		    ch->session_id.len));
	if (vec(r, 2, "cipher_suites", 2, 2, &ch->suites) ||
	    vec(r, 1, "legacy_compression_methods", 1, 1, &ch->compression))
		return (-1);
	if (memchr(r->b + ch->compression.off, 0, ch->compression.len) == NULL)
		return (rd_bad(r, "legacy_compression_methods lacks null (0)"));
	if (exts(r, ch->ext, &ch->nexts, &ch->exts))
		return (-1);
	for (i = 0; i < ch->nexts; i++) {
		if (ch->ext[i].type == TLS_EXT_PRE_SHARED_KEY &&
		    i + 1 != ch->nexts)
			return (rd_bad(r, "extension 0x0029 (pre_shared_key) "
			    "is not the last"));
		if (ch->ext[i].type == TLS_EXT_PADDING)
			ch->padding = (int)i;
		if (client_ext(r, &ch->ext[i], ch))
			return (-1);
		r->end = end;
	}
	return (0);
}

/**
 * tlshello_parse_client(b, len, ch, err, errlen):
 * Parse ${b} (${len} bytes), a client's first flight: exactly one
 * ClientHello record, into ${ch}.  Return 0, or -1 with a message naming
 * the wrong field in ${err}.
 */
int
tlshello_parse_client(const uint8_t * b, size_t len,
    struct tlshello_client * ch, char * err, size_t errlen)
{
	struct rd r = { b, 0, len, "ClientHello", err, errlen };
	size_t rlen;

	memset(ch, 0, sizeof(*ch));
	ch->b = b;
	ch->padding = -1;
	if (record(&r, 22, 0x0301, TLSHELLO_PLAINTEXT_MAX, "handshake", &rlen))
		return (-1);
	if (rlen + 5 != len)
		return (rd_bad(&r, "%zu bytes after the record",
		    len - rlen - 5));
	ch->len = len;
	ch->record_version = rd_u16(b, 1);
	r.end = 5 + rlen;
	if (handshake(&r, 1, "client_hello") || client_body(&r, ch))
		return (-1);
	return (0);
}

/*
 * server_ext(r, e, sh): parse the body of the ServerHello extension ${e}
 * if it is one this module reads.  Return 0 or -1.
 */
static int
server_ext(struct rd * r, const struct tlshello_ext * e,
    struct tlshello_server * sh)
{
	char what[64];
	size_t v;

	body(r, e, what, sizeof(what));
	switch (e->type) {
	case TLS_EXT_SUPPORTED_VERSIONS:
		if (rd_get(r, 2, "supported_versions selected_version", &v))
			return (-1);
		sh->version = (uint16_t)v;
		break;
	case TLS_EXT_KEY_SHARE:
		if (sh->hrr) {
			if (rd_get(r, 2, "key_share selected_group", &v))
				return (-1);
			sh->share.group = (uint16_t)v;
		} else if (share(r, &sh->share))
			return (-1);
		sh->has_share = 1;
		break;
	default:
		return (0);
	}
	if (rd_left(r) != 0)
		return (rd_bad(r, "%s has %zu bytes after its value", what,
		    rd_left(r)));
	return (0);
}

/*
 * server_hello(r, sh): parse the ServerHello record.  Return 0 or -1.
 */
static int
server_hello(struct rd * r, struct tlshello_server * sh)
{
	struct fmt_span block;
	size_t rlen, v, i, end;

	if (record(r, 22, 0x0303, TLSHELLO_PLAINTEXT_MAX, "handshake", &rlen))
		return (-1);
	end = r->end;
	r->end = r->pos + rlen;
	sh->hello_len = r->end;
	if (handshake(r, 2, "server_hello") ||
	    rd_get(r, 2, "legacy_version", &v))
		return (-1);
	if (v != 0x0303)
		return (rd_bad(r, "legacy_version 0x%04zx, not 0x0303", v));
	sh->legacy_version = (uint16_t)v;
	if (rd_left(r) < 32)
		return (rd_bad(r, "random truncated (%zu of 32 bytes)",
		    rd_left(r)));
	sh->random = r->pos;
	sh->hrr = memcmp(r->b + r->pos, hrr_random, 32) == 0;
	r->pos += 32;
	if (vec(r, 1, "legacy_session_id_echo", 0, 1, &sh->session_id) ||
	    rd_get(r, 2, "cipher_suite", &v))
		return (-1);
	if (sh->session_id.len > 32)
		return (rd_bad(r, "legacy_session_id_echo length %zu exceeds "
		    "32", sh->session_id.len));
	sh->suite = (uint16_t)v;
	if (rd_get(r, 1, "legacy_compression_method", &v))
		return (-1);
	if (v != 0)
		return (rd_bad(r, "legacy_compression_method %zu, not 0", v));
	if (exts(r, sh->ext, &sh->nexts, &block))
		return (-1);
	for (i = 0; i < sh->nexts; i++) {
		if (server_ext(r, &sh->ext[i], sh))
			return (-1);
		r->end = sh->hello_len;
	}
	if (sh->version != 0x0304)
		return (rd_bad(r, "no supported_versions selecting TLS 1.3 "
		    "(0x0304)"));
	if (!sh->has_share)
		return (rd_bad(r, "no key_share"));
	r->pos = sh->hello_len;
	r->end = end;
	return (0);
}

/*
 * server_records(r, sh): parse the records after the ServerHello: an
 * optional ChangeCipherSpec, then application data.  Return 0 or -1.
 */
static int
server_records(struct rd * r, struct tlshello_server * sh)
{
	size_t len, v, min;
	char what[48];

	r->who = "server flight";
	if (rd_left(r) > 0 && r->b[r->pos] == 20) {
		if (record(r, 20, 0x0303, 1, "ChangeCipherSpec", &len) ||
		    rd_get(r, 1, "ChangeCipherSpec body", &v))
			return (-1);
		if (len != 1 || v != 1)
			return (rd_bad(r, "ChangeCipherSpec body 0x%02zx, not "
			    "0x01", v));
		sh->ccs = 1;
	}
	/* The AEAD tag (8 bytes for TLS_AES_128_CCM_8_SHA256) and a type. */
	min = (sh->suite == 0x1305 ? 8 : 16) + 1;
	while (rd_left(r) > 0) {
		if (sh->nrecords == TLSHELLO_MAX_RECORDS)
			return (rd_bad(r, "more than %d application_data "
			    "records", TLSHELLO_MAX_RECORDS));
		snprintf(what, sizeof(what), "application_data %zu",
		    sh->nrecords);
		if (r->b[r->pos] != 23 && rd_left(r) >= 5)
			return (rd_bad(r, "record type %u after the "
			    "ServerHello, where TLS 1.3 has application_data "
			    "(23)", r->b[r->pos]));
		if (record(r, 23, 0x0303, TLSHELLO_CIPHERTEXT_MAX, what, &len))
			return (-1);
		if (len < min)
			return (rd_bad(r, "%s record length %zu is under %zu",
			    what, len, min));
		sh->record_len[sh->nrecords++] = len;
		r->pos += len;
	}
	return (0);
}

/**
 * tlshello_record(b, len, type, rlen, err, errlen):
 * Read the header of the TLS 1.3 record at the start of the stream ${b}
 * (${len} bytes so far), after the handshake: type 20 (change_cipher_spec),
 * 21 (alert) or 23 (application_data), version 0x0303, a length of 1 to
 * 2^14 + 256 bytes.  Return 0 with its type in *${type} and its body length
 * in *${rlen} if the whole record is in ${b}, 1 if more bytes are needed,
 * or -1 with a message in ${err} if the header is not one.
 */
int
tlshello_record(const uint8_t * b, size_t len, uint8_t * type, size_t * rlen,
    char * err, size_t errlen)
{
	struct rd r = { b, 0, len, "record", err, errlen };
	size_t v;

	if (len < 1)
		return (1);
	if (b[0] != 20 && b[0] != 21 && b[0] != 23)
		return (rd_bad(&r, "type %u, not change_cipher_spec (20), "
		    "alert (21) or application_data (23)", b[0]));
	if (len >= 3 && (v = rd_u16(b, 1)) != 0x0303)
		return (rd_bad(&r, "version 0x%04zx, not 0x0303", v));
	if (len < 5)
		return (1);
	*type = b[0];
	*rlen = rd_u16(b, 3);
	if (*rlen == 0 || *rlen > TLSHELLO_CIPHERTEXT_MAX)
		return (rd_bad(&r, "length %zu, not 1 to %d", *rlen,
		    TLSHELLO_CIPHERTEXT_MAX));
	return (len - 5 < *rlen ? 1 : 0);
}

/**
 * tlshello_parse_server(b, len, sh, err, errlen):
 * Parse ${b} (${len} bytes), a TLS 1.3 server's first flight: a
 * ServerHello record, an optional ChangeCipherSpec record, then whole
 * application-data records, into ${sh}.  Return 0, or -1 with a message
 * naming the wrong field in ${err}.
 */
int
tlshello_parse_server(const uint8_t * b, size_t len,
    struct tlshello_server * sh, char * err, size_t errlen)
{
	struct rd r = { b, 0, len, "ServerHello", err, errlen };

	memset(sh, 0, sizeof(*sh));
	sh->b = b;
	sh->len = len;
	if (server_hello(&r, sh) || server_records(&r, sh))
		return (-1);
	return (0);
}
