/*
 * SSH-2 connection starts: a strict parser (docs/formats.md).
 *
 * What a side sends first (RFC 4253): the identification line
 * "SSH-2.0-softwareversion SP comments CR LF" (255 bytes at most; a server
 * may send other lines first, none starting with "SSH-"), then binary
 * packets without a MAC (packet_length, padding_length, payload, at least
 * 4 bytes of padding, 4 + packet_length a multiple of 8): KEXINIT (a
 * 16-byte cookie, ten name-lists of names of 1 to 64 printable bytes
 * without commas, first_kex_packet_follows 0, reserved 0), the key
 * exchange message (RFC 5656 7.1, curve25519-sha256 and
 * sntrup761x25519-sha512: the client's Q_C; the server's host key K_S, Q_S
 * and signature) and NEWKEYS.  What follows is encrypted.
 *
 * Every length is checked before it is used; an error is -1 with a message
 * naming the field ("KEXINIT: name-list 2 (encryption client to server)
 * length 4000 overruns the 120 bytes left"), never a read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmtread.h"
#include "sshhello.h"

/* The name-lists' names, for messages. */
static const char * list_names[SSHHELLO_NLISTS] = {
	"kex algorithms", "server host key algorithms",
	"encryption client to server", "encryption server to client",
	"MAC client to server", "MAC server to client",
	"compression client to server", "compression server to client",
	"languages client to server", "languages server to client"
};

/*
 * string(r, what, s): read an SSH string (a 32-bit length, then its bytes)
 * into ${s}.  Return 0 or -1 naming ${what}.
 */
static int
string(struct rd * r, const char * what, struct fmt_span * s)
{
	size_t len;

	if (rd_left(r) < 4)
		return (rd_bad(r, "%s length truncated (%zu of 4 bytes)", what,
		    rd_left(r)));
	len = rd_u32(r->b + r->pos);
	r->pos += 4;
	if (len > rd_left(r))
		return (rd_bad(r, "%s length %zu overruns the %zu bytes left",
		    what, len, rd_left(r)));
	s->off = r->pos;
	s->len = len;
	r->pos += len;
	return (0);
}

/*
 * line(b, len, side, start, fl, r): check the line [start, len) of ${b},
 * which ends in LF: the identification line, or (server) one before it.
 * Return 0 if it is the identification line, 2 if a line before, -1.
 */
static int
line(const uint8_t * b, size_t len, int side, size_t start,
    struct sshhello_flight * fl, struct rd * r)
{
	const uint8_t * l = b + start;
	size_t n = len - start, i, sp;

	if (n < 4 || memcmp(l, "SSH-", 4) != 0) {
		if (side == SSHHELLO_CLIENT)
			return (rd_bad(r, "the client's first line does not "
			    "start with \"SSH-\""));
		return (2);
	}
	if (n > SSHHELLO_IDENT_MAX)
		return (rd_bad(r, "line of %zu bytes, over %d", n,
		    SSHHELLO_IDENT_MAX));
	if (n < 2 || l[n - 2] != '\r')
		return (rd_bad(r, "line does not end in CR LF"));
	if (n >= 8 && memcmp(l, "SSH-2.0-", 8) == 0)
		i = 8;
	else if (side == SSHHELLO_SERVER && n >= 9 &&
	    memcmp(l, "SSH-1.99-", 9) == 0)
		i = 9;
	else
		return (rd_bad(r, "protoversion is not 2.0"));
	for (sp = i; sp < n - 2 && l[sp] != ' '; sp++)
		if (l[sp] < 0x21 || l[sp] > 0x7e || l[sp] == '-')
			return (rd_bad(r, "softwareversion byte %zu is 0x%02x",
			    sp - i, l[sp]));
	if (sp == i)
		return (rd_bad(r, "softwareversion is empty"));
	for (i = sp; i < n - 2; i++)
		if (l[i] < 0x20 || l[i] > 0x7e)
			return (rd_bad(r, "comments byte %zu is 0x%02x", i - sp,
			    l[i]));
	fl->ident.off = start;
	fl->ident.len = n - 2;
	fl->software.off = start + (l[4] == '2' ? 8 : 9);
	fl->software.len = start + sp - fl->software.off;
	fl->comments.off = start + sp + (sp < n - 2);
	fl->comments.len = start + n - 2 - fl->comments.off;
	fl->preamble.off = 0;
	fl->preamble.len = start;
	fl->end = len;
	return (0);
}

/**
 * sshhello_ident(b, len, side, fl, err, errlen):
 * Read the identification line of ${side} at the start of ${b} (${len}
 * bytes so far) into ${fl} (preamble, ident, software, comments): for a
 * server, after lines that do not start with "SSH-".  Return 0 with the
 * offset after its CR LF in ${fl}->end, 1 if more bytes are needed, or -1
 * with a message in ${err}.
 */
int
sshhello_ident(const uint8_t * b, size_t len, int side,
    struct sshhello_flight * fl, char * err, size_t errlen)
{
	struct rd r = { b, 0, len, "identification", err, errlen };
	size_t start = 0, i, n;
	int rc;

	for (i = 0; i < len; i++) {
		if (b[i] == '\0')
			return (rd_bad(&r, "NUL byte at %zu", i));
		if (b[i] != '\n')
			continue;
		if ((rc = line(b, i + 1, side, start, fl, &r)) != 2)
			return (rc);
		start = i + 1;
		if (start > SSHHELLO_PREAMBLE_MAX)
			return (rd_bad(&r, "over %d bytes of lines before the "
			    "identification line", SSHHELLO_PREAMBLE_MAX));
	}
	n = len - start < 4 ? len - start : 4;
	if (memcmp(b + start, "SSH-", n) == 0 &&
	    len - start >= SSHHELLO_IDENT_MAX)
		return (rd_bad(&r, "line of over %d bytes",
		    SSHHELLO_IDENT_MAX));
	if (memcmp(b + start, "SSH-", n) != 0 && side == SSHHELLO_CLIENT)
		return (rd_bad(&r, "the client's first line does not start "
		    "with \"SSH-\""));
	if (len > SSHHELLO_PREAMBLE_MAX + SSHHELLO_IDENT_MAX)
		return (rd_bad(&r, "no identification line in %zu bytes", len));
	return (1);
}

/**
 * sshhello_packet(b, len, p, err, errlen):
 * Read the binary packet before NEWKEYS at the start of ${b} (${len}
 * bytes so far) into ${p} (offsets from ${b}): packet_length of 12 or more
 * and at most SSHHELLO_PACKET_MAX - 4, padding_length of 4 or more leaving
 * a payload, 4 + packet_length a multiple of 8.  Return 0 if the whole
 * packet is there, 1 if more bytes are needed, -1 with a message.
 */
int
sshhello_packet(const uint8_t * b, size_t len, struct sshhello_packet * p,
    char * err, size_t errlen)
{
	struct rd r = { b, 0, len, "packet", err, errlen };
	size_t plen, pad;

	if (len < 4)
		return (1);
	plen = rd_u32(b);
	if (plen < 12 || plen > SSHHELLO_PACKET_MAX - 4)
		return (rd_bad(&r, "packet_length %zu, not 12 to %d", plen,
		    SSHHELLO_PACKET_MAX - 4));
	if ((4 + plen) % 8)
		return (rd_bad(&r, "packet_length %zu: 4 + it is not a "
		    "multiple of 8", plen));
	if (len < 5)
		return (1);
	pad = b[4];
	if (pad < 4)
		return (rd_bad(&r, "padding_length %zu is under 4", pad));
	if (pad > plen - 2)
		return (rd_bad(&r, "padding_length %zu leaves no payload in "
		    "packet_length %zu", pad, plen));
	if (len - 4 < plen)
		return (1);
	p->off = 0;
	p->len = 4 + plen;
	p->payload.off = 5;
	p->payload.len = plen - 1 - pad;
	p->padding.off = 5 + p->payload.len;
	p->padding.len = pad;
	p->msg = b[5];
	return (0);
}

/*
 * next(r, fl, p, msg, name): read the next packet, which must be all in
 * r and be of type ${msg} (${name}), into ${p}.  Return 0 or -1.
 */
static int
next(struct rd * r, struct sshhello_packet * p, unsigned msg,
    const char * name)
{
	char e[192];
	int rc;

	r->who = name;
	rc = sshhello_packet(r->b + r->pos, rd_left(r), p, e, sizeof(e));
	if (rc == 1)
		return (rd_bad(r, "packet truncated (%zu bytes)", rd_left(r)));
	if (rc)		/* The message without its "packet: ". */
		return (rd_bad(r, "%s", e + strlen("packet: ")));
	if (p->msg != msg)
		return (rd_bad(r, "message type %u, not %u", p->msg, msg));
	p->off += r->pos;
	p->payload.off += r->pos;
	p->padding.off += r->pos;
	r->pos = p->payload.off + 1;
	r->end = p->padding.off;
	return (0);
}

/* name_ok(b, len): nonzero if ${b} is an algorithm name (RFC 4251 6). */
static int
name_ok(const uint8_t * b, size_t len)
{
	size_t i;

	if (len == 0 || len > SSHHELLO_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if (b[i] <= 0x20 || b[i] >= 0x7f || b[i] == ',')
			return (0);
	return (1);
}

/* namelist(r, k, s): read name-list ${k} into ${s}.  Return 0 or -1. */
static int
namelist(struct rd * r, size_t k, struct fmt_span * s)
{
	char what[64];
	size_t i, start;

	snprintf(what, sizeof(what), "name-list %zu (%s)", k, list_names[k]);
	if (string(r, what, s))
		return (-1);
	if (s->len == 0 && k < SSHHELLO_LANG_CS)
		return (rd_bad(r, "%s is empty", what));
	for (start = i = s->off; s->len > 0 && i <= s->off + s->len; i++) {
		if (i < s->off + s->len && r->b[i] != ',')
			continue;
		if (!name_ok(r->b + start, i - start))
			return (rd_bad(r, "%s name %zu is not an algorithm "
			    "name", what, start - s->off));
		start = i + 1;
	}
	return (0);
}

/* kexinit(r, fl): parse the KEXINIT payload.  Return 0 or -1. */
static int
kexinit(struct rd * r, struct sshhello_flight * fl)
{
	size_t k;

	if (rd_left(r) < 16)
		return (rd_bad(r, "cookie truncated (%zu of 16 bytes)",
		    rd_left(r)));
	fl->cookie = r->pos;
	r->pos += 16;
	for (k = 0; k < SSHHELLO_NLISTS; k++)
		if (namelist(r, k, &fl->list[k]))
			return (-1);
	if (rd_left(r) < 5)
		return (rd_bad(r, "first_kex_packet_follows and reserved "
		    "truncated (%zu of 5 bytes)", rd_left(r)));
	if (r->b[r->pos] != 0)
		return (rd_bad(r, "first_kex_packet_follows %u, not 0 (a "
		    "guessed packet, which this parser does not follow)",
		    r->b[r->pos]));
	if (rd_u32(r->b + r->pos + 1) != 0)
		return (rd_bad(r, "reserved %zu, not 0", rd_u32(r->b + r->pos +
		    1)));
	r->pos += 5;
	if (rd_left(r) != 0)
		return (rd_bad(r, "%zu bytes after reserved", rd_left(r)));
	return (0);
}

/**
 * sshhello_list_has(fl, list, name):
 * Return nonzero if the name-list ${list} of ${fl} holds ${name}.
 */
int
sshhello_list_has(const struct sshhello_flight * fl, int list,
    const char * name)
{
	const struct fmt_span * s = &fl->list[list];
	size_t n = strlen(name), i, start;

	for (start = i = s->off; i <= s->off + s->len; i++) {
		if (i < s->off + s->len && fl->b[i] != ',')
			continue;
		if (i - start == n && memcmp(fl->b + start, name, n) == 0)
			return (1);
		start = i + 1;
	}
	return (0);
}

/*
 * method(r, fl, len, what): the key exchange whose public value of ${len}
 * bytes (${what}) this is: it must be in ${fl}'s kex list.  Return 0 with
 * fl->method set, or -1.
 */
static int
method(struct rd * r, struct sshhello_flight * fl, size_t len,
    const char * what)
{
	size_t sntrup = fl->side == SSHHELLO_CLIENT ?
	    SSHHELLO_SNTRUP_PK_LEN + 32 : SSHHELLO_SNTRUP_CT_LEN + 32;

	if (len == SSHHELLO_X25519_LEN) {
		fl->method = SSHHELLO_KEX_CURVE25519;
		if (!sshhello_list_has(fl, SSHHELLO_KEX, "curve25519-sha256") &&
		    !sshhello_list_has(fl, SSHHELLO_KEX,
		    "curve25519-sha256@libssh.org"))
			return (rd_bad(r, "%s is a curve25519-sha256 key, "
			    "which the kex algorithms do not list", what));
		return (0);
	}
	if (len == sntrup) {
		fl->method = SSHHELLO_KEX_SNTRUP761;
		if (!sshhello_list_has(fl, SSHHELLO_KEX,
		    "sntrup761x25519-sha512") && !sshhello_list_has(fl,
		    SSHHELLO_KEX, "sntrup761x25519-sha512@openssh.com"))
			return (rd_bad(r, "%s is an sntrup761x25519-sha512 "
			    "key, which the kex algorithms do not list", what));
		return (0);
	}
	return (rd_bad(r, "%s length %zu, not 32 (curve25519-sha256) or %zu "
	    "(sntrup761x25519-sha512)", what, len, sntrup));
}

/*
 * blob(r, s, what, type, body): read the inner string "type" of the blob
 * ${s} into ${type}, and point r at the rest.  Return 0 or -1.
 */
static int
blob(struct rd * r, struct fmt_span s, const char * what,
    struct fmt_span * type)
{
	char w[64];

	r->pos = s.off;
	r->end = s.off + s.len;
	snprintf(w, sizeof(w), "%s type", what);
	if (string(r, w, type))
		return (-1);
	if (!name_ok(r->b + type->off, type->len))
		return (rd_bad(r, "%s is not an algorithm name", w));
	return (0);
}

/* is(b, s, name): nonzero if the span ${s} of ${b} is ${name}. */
static int
is(const uint8_t * b, struct fmt_span s, const char * name)
{

	return (s.len == strlen(name) && memcmp(b + s.off, name, s.len) == 0);
}

/*
 * reply_blobs(r, fl): parse the blobs K_S and the signature of a
 * KEX_ECDH_REPLY.  Return 0 or -1.
 */
static int
reply_blobs(struct rd * r, struct sshhello_flight * fl)
{
	struct fmt_span key;
	char name[SSHHELLO_NAME_MAX + 1];
	size_t end = r->end, pos = r->pos;

	if (blob(r, fl->hostkey, "K_S", &fl->hostkey_type))
		return (-1);
	if (is(r->b, fl->hostkey_type, "ssh-ed25519")) {
		if (string(r, "K_S ssh-ed25519 key", &key))
			return (-1);
		if (key.len != 32 || rd_left(r) != 0)
			return (rd_bad(r, "K_S ssh-ed25519 key of %zu bytes "
			    "and %zu after, not 32 and 0", key.len,
			    rd_left(r)));
	}
	if (blob(r, fl->sig, "signature", &fl->sig_type) ||
	    string(r, "signature blob", &fl->sig_blob))
		return (-1);
	if (rd_left(r) != 0)
		return (rd_bad(r, "%zu bytes after the signature blob",
		    rd_left(r)));
	memcpy(name, r->b + fl->sig_type.off, fl->sig_type.len);
	name[fl->sig_type.len] = '\0';
	if (!sshhello_list_has(fl, SSHHELLO_HOSTKEY, name))
		return (rd_bad(r, "signature type %s is not in the server host "
		    "key algorithms", name));
	if (is(r->b, fl->sig_type, "ssh-ed25519") && fl->sig_blob.len != 64)
		return (rd_bad(r, "ssh-ed25519 signature of %zu bytes, not 64",
		    fl->sig_blob.len));
	r->pos = pos;
	r->end = end;
	return (0);
}

/* kex(r, fl): parse the key exchange message's payload.  Return 0 or -1. */
static int
kex(struct rd * r, struct sshhello_flight * fl)
{

	if (fl->side == SSHHELLO_CLIENT) {
		if (string(r, "Q_C", &fl->q) || method(r, fl, fl->q.len,
		    "Q_C"))
			return (-1);
	} else {
		if (string(r, "K_S", &fl->hostkey) ||
		    string(r, "Q_S", &fl->q) ||
		    string(r, "signature", &fl->sig) ||
		    method(r, fl, fl->q.len, "Q_S"))
			return (-1);
		if (rd_left(r) == 0 && reply_blobs(r, fl))
			return (-1);
	}
	if (rd_left(r) != 0)
		return (rd_bad(r, "%zu bytes after the message", rd_left(r)));
	return (0);
}

/**
 * sshhello_parse(side, b, len, fl, err, errlen):
 * Parse ${b} (${len} bytes), what ${side} sent from its first byte: the
 * identification line, KEXINIT, KEX_ECDH_INIT (client) or KEX_ECDH_REPLY
 * (server) of a key exchange this module knows, NEWKEYS, then encrypted
 * bytes (not read: from ${fl}->end on).  Return 0, or -1 with a message
 * naming the wrong field in ${err}.
 */
int
sshhello_parse(int side, const uint8_t * b, size_t len,
    struct sshhello_flight * fl, char * err, size_t errlen)
{
	struct rd r = { b, 0, len, "identification", err, errlen };
	int rc;

	memset(fl, 0, sizeof(*fl));
	fl->b = b;
	fl->len = len;
	fl->side = side;
	if ((rc = sshhello_ident(b, len, side, fl, err, errlen)) == 1)
		return (rd_bad(&r, "line truncated (%zu bytes, no LF)", len));
	if (rc)
		return (-1);
	r.pos = fl->end;
	if (next(&r, &fl->kexinit, SSH_MSG_KEXINIT, "KEXINIT") ||
	    kexinit(&r, fl))
		return (-1);
	r.pos = fl->kexinit.off + fl->kexinit.len;
	r.end = len;
	if (next(&r, &fl->kex, side == SSHHELLO_CLIENT ?
	    SSH_MSG_KEX_ECDH_INIT : SSH_MSG_KEX_ECDH_REPLY,
	    side == SSHHELLO_CLIENT ? "KEX_ECDH_INIT" : "KEX_ECDH_REPLY") ||
	    kex(&r, fl))
		return (-1);
	r.pos = fl->kex.off + fl->kex.len;
	r.end = len;
	if (next(&r, &fl->newkeys, SSH_MSG_NEWKEYS, "NEWKEYS"))
		return (-1);
	if (fl->newkeys.payload.len != 1)
		return (rd_bad(&r, "payload of %zu bytes, not 1",
		    fl->newkeys.payload.len));
	fl->end = fl->newkeys.off + fl->newkeys.len;
	return (0);
}

/*
 * etm_tag(mac): the tag length of the encrypt-then-MAC ${mac}, or 0 if it
 * is not one.
 */
static size_t
etm_tag(const char * mac)
{
	static const struct {
		const char * name;
		size_t tag;
	} macs[] = {
		{ "hmac-sha2-256-etm@openssh.com", 32 },
		{ "hmac-sha2-512-etm@openssh.com", 64 },
		{ "hmac-sha1-etm@openssh.com", 20 },
		{ "umac-64-etm@openssh.com", 8 },
		{ "umac-128-etm@openssh.com", 16 }
	};
	size_t i;

	for (i = 0; i < sizeof(macs) / sizeof(macs[0]); i++)
		if (strcmp(mac, macs[i].name) == 0)
			return (macs[i].tag);
	return (0);
}

/**
 * sshhello_framing(enc, mac, fr, err, errlen):
 * The framing of packets encrypted with the cipher ${enc} and the MAC
 * ${mac} (ignored for an AEAD cipher): packet_length travels in the clear
 * with aes128-gcm@openssh.com and aes256-gcm@openssh.com, and with a
 * "-etm@openssh.com" MAC.  Return 0 with it in ${fr}, or -1 with a message
 * if the length is encrypted (chacha20-poly1305@openssh.com, a CTR or CBC
 * cipher with a MAC over the plaintext) or the algorithm unknown.
 */
int
sshhello_framing(const char * enc, const char * mac,
    struct sshhello_framing * fr, char * err, size_t errlen)
{
	struct rd r = { NULL, 0, 0, "framing", err, errlen };

	if (strcmp(enc, "chacha20-poly1305@openssh.com") == 0)
		return (rd_bad(&r, "%s encrypts packet_length: an observer "
		    "sees one stream, not its packets", enc));
	if (strcmp(enc, "aes128-gcm@openssh.com") == 0 ||
	    strcmp(enc, "aes256-gcm@openssh.com") == 0) {
		fr->block = 16;
		fr->tag = 16;
		return (0);
	}
	if (strncmp(enc, "aes", 3) != 0 || (strstr(enc, "-ctr") == NULL &&
	    strstr(enc, "-cbc") == NULL))
		return (rd_bad(&r, "unknown cipher %s", enc));
	if ((fr->tag = etm_tag(mac)) == 0)
		return (rd_bad(&r, "%s with %s encrypts packet_length", enc,
		    mac));
	fr->block = 16;
	return (0);
}

/**
 * sshhello_record(fr, b, len, plen, err, errlen):
 * Read the encrypted packet at the start of the stream ${b} (${len} bytes
 * so far) framed as ${fr}: a clear packet_length of 16 or more, at most
 * SSHHELLO_PACKET_MAX, a multiple of the block size, then the tag.
 * Return 0 with the packet's bytes (length field and tag included) in
 * *${plen} if it is all there, 1 if more bytes are needed, -1 with a
 * message if the length breaks the framing.
 */
int
sshhello_record(const struct sshhello_framing * fr, const uint8_t * b,
    size_t len, size_t * plen, char * err, size_t errlen)
{
	struct rd r = { b, 0, len, "encrypted packet", err, errlen };
	size_t l;

	if (len < 4)
		return (1);
	l = rd_u32(b);
	if (l < 16 || l > SSHHELLO_PACKET_MAX || l % fr->block)
		return (rd_bad(&r, "packet_length %zu, not a multiple of %zu "
		    "from 16 to %d", l, fr->block, SSHHELLO_PACKET_MAX));
	*plen = 4 + l + fr->tag;
	return (len < *plen ? 1 : 0);
}
