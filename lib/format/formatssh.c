/*
 * The loader of an SSH model's "format" object (format.h): the captured
 * starts of one client and one server as hex, each parsed (so that an
 * error names the capture), learned into templates the wire can fill
 * (lib/format/sshwire.c), and the framing of the packets after NEWKEYS
 * that the learned KEXINITs negotiate.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "sshhello.h"

/* The decoded starts of one side, and the first one parsed. */
struct starts {
	const char * key;	/* "client_starts" or "server_starts" */
	int side;
	size_t n;
	uint8_t * b[FORMAT_MAX_HELLOS];
	size_t len[FORMAT_MAX_HELLOS];
	struct sshhello_flight fl;	/* Of b[0]. */
};

/* fail(err, errlen, fmt, ...): write "format" and the message; return -1. */
static int fail(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char * err, size_t errlen, const char * fmt, ...)
{
	va_list ap;
	int n;

	if (errlen == 0)
		return (-1);
	n = snprintf(err, errlen, "format");
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/*
 * load(v, st, err, errlen): decode and parse the starts ${st}->key of the
 * format ${v}.  Return 0 or -1 (what was decoded stays for starts_free).
 */
static int
load(const void * v, struct starts * st, char * err, size_t errlen)
{
	struct sshhello_flight fl;
	char msg[256];
	size_t i;

	if (format_hex_captures(v, st->key, st->b, st->len, &st->n, err,
	    errlen))
		return (-1);
	for (i = st->n; i > 0; i--) {
		if (sshhello_parse(st->side, st->b[i - 1], st->len[i - 1], &fl,
		    msg, sizeof(msg)))
			return (fail(err, errlen, ".%s[%zu]: %s", st->key, i - 1,
			    msg));
	}
	/* Parse the first again: its spans point into b[0]. */
	return (sshhello_parse(st->side, st->b[0], st->len[0], &st->fl, msg,
	    sizeof(msg)));
}

/* starts_free(st): free the decoded starts of ${st}. */
static void
starts_free(struct starts * st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		free(st->b[i]);
}

/* find(t, place, kind): the first field of ${t} at ${place} of ${kind}. */
static const struct fmt_field *
find(const struct sshhello_template * t, int place, int kind)
{
	size_t i;

	for (i = 0; i < t->nfields; i++)
		if (t->field[i].place == place && t->field[i].kind == kind)
			return (&t->field[i]);
	return (NULL);
}

/*
 * drawable(t, key, err, errlen): every field of ${t} (from the captures
 * ${key}) is one that sshhello_draw can draw, and it has an X25519 key.
 * Return 0 or -1.
 */
static int
drawable(const struct sshhello_template * t, const char * key, char * err,
    size_t errlen)
{
	char fb[64];
	size_t i;

	for (i = 0; i < t->nfields; i++)
		if (t->field[i].kind == SSHHELLO_KEY)
			return (fail(err, errlen, ".%s: field %zu (%s) cannot "
			    "be drawn (only ssh-ed25519 signatures can)", key,
			    i, sshhello_field_name(&t->field[i], fb,
			    sizeof(fb))));
	if (find(t, SSHHELLO_AT_Q, SSHHELLO_X25519) == NULL)
		return (fail(err, errlen, ".%s: no X25519 key that changes "
		    "per connection", key));
	return (0);
}

/*
 * check_templates(x, cl, sv, err, errlen): the templates of ${x} (from
 * ${cl}, ${sv}) are ones the wire can fill: both drawable, the client's
 * key exchange sntrup761x25519-sha512 (its public key carries the mark),
 * the server's the same.  Return 0 or -1.
 */
static int
check_templates(const struct format_ssh * x, const struct starts * cl,
    const struct starts * sv, char * err, size_t errlen)
{

	if (drawable(x->client, cl->key, err, errlen) ||
	    drawable(x->server, sv->key, err, errlen))
		return (-1);
	if (cl->fl.method != SSHHELLO_KEX_SNTRUP761)
		return (fail(err, errlen, ".%s: the key exchange is "
		    "curve25519-sha256, whose only uniform field, the 16-byte "
		    "KEXINIT cookie, cannot hold the 32-byte mark (capture "
		    "sntrup761x25519-sha512)", cl->key));
	if (find(x->client, SSHHELLO_AT_Q, SSHHELLO_SNTRUP_PK) == NULL)
		return (fail(err, errlen, ".%s: the sntrup761 public key is "
		    "the same in every start", cl->key));
	if (sv->fl.method != cl->fl.method)
		return (fail(err, errlen, ".%s: the key exchange is not the "
		    "client's", sv->key));
	return (0);
}

/*
 * framing(cl, sv, enc, mac, what, fr, err, errlen): the framing of the
 * cipher and MAC the starts ${cl} and ${sv} negotiate in their name-lists
 * ${enc}, ${mac} (${what}: "client-to-server" or "server-to-client") into
 * ${fr}.  Return 0 or -1.
 */
static int
framing(const struct starts * cl, const struct starts * sv, int enc, int mac,
    const char * what, struct format_sshframing * fr, char * err,
    size_t errlen)
{
	struct sshhello_framing f;
	char m[SSHHELLO_NAME_MAX + 1], msg[192];

	if (sshhello_negotiate(&cl->fl, &sv->fl, enc, fr->cipher,
	    sizeof(fr->cipher)) ||
	    sshhello_negotiate(&cl->fl, &sv->fl, mac, m, sizeof(m)))
		return (fail(err, errlen, ".%s: no %s cipher and MAC that the "
		    "client and the server agree on", sv->key, what));
	if (strcmp(fr->cipher, "chacha20-poly1305@openssh.com") == 0) {
		/* packet_length is encrypted; 8-byte blocks, Poly1305 tag. */
		fr->clear_length = 0;
		fr->block = 8;
		fr->tag = 16;
		return (0);
	}
	if (sshhello_framing(fr->cipher, m, &f, msg, sizeof(msg)))
		return (fail(err, errlen, ".%s: %s cipher %s (MAC %s) is not "
		    "supported (chacha20-poly1305@openssh.com, "
		    "aes128-gcm@openssh.com, aes256-gcm@openssh.com and AES "
		    "with an -etm@openssh.com MAC are): %s", sv->key, what,
		    fr->cipher, m, msg));
	fr->clear_length = 1;
	fr->block = f.block;
	fr->tag = f.tag;
	return (0);
}

/*
 * learn(st, t, err, errlen): learn the template ${t} of the starts ${st}.
 * Return 0 or -1.
 */
static int
learn(const struct starts * st, struct sshhello_template ** t, char * err,
    size_t errlen)
{
	char msg[256];

	if (sshhello_learn(st->side, (const uint8_t * const *)st->b, st->len,
	    st->n, t, msg, sizeof(msg)))
		return (format_learn_err(st->key, msg, err, errlen));
	return (0);
}

/**
 * format_parse_ssh(v, f, errbuf, errlen):
 * (format_parse for "protocol": "ssh".)  Learn the SSH templates and
 * framing of the format object ${v} (a json_t * whose keys format_parse
 * has checked) into ${f}->ssh.  Return 0, or -1 with a message in
 * ${errbuf} naming the field.
 */
int
format_parse_ssh(const void * v, struct dust_format * f, char * errbuf,
    size_t errlen)
{
	struct starts * cl = NULL, * sv = NULL;
	struct format_ssh * x;
	int rc = -1;

	if ((x = f->ssh = calloc(1, sizeof(*x))) == NULL ||
	    (cl = calloc(1, sizeof(*cl))) == NULL ||
	    (sv = calloc(1, sizeof(*sv))) == NULL) {
		free(cl);
		return (fail(errbuf, errlen, ": out of memory"));
	}
	cl->key = "client_starts";
	cl->side = SSHHELLO_CLIENT;
	sv->key = "server_starts";
	sv->side = SSHHELLO_SERVER;
	if (load(v, cl, errbuf, errlen) || load(v, sv, errbuf, errlen) ||
	    learn(cl, &x->client, errbuf, errlen) ||
	    learn(sv, &x->server, errbuf, errlen) ||
	    check_templates(x, cl, sv, errbuf, errlen) ||
	    framing(cl, sv, SSHHELLO_ENC_CS, SSHHELLO_MAC_CS,
	    "client-to-server", &x->cs, errbuf, errlen) ||
	    framing(cl, sv, SSHHELLO_ENC_SC, SSHHELLO_MAC_SC,
	    "server-to-client", &x->sc, errbuf, errlen))
		goto done;
	x->client_newkeys = cl->fl.newkeys.off;
	x->server_ident = sv->fl.kexinit.off;
	rc = 0;
done:
	starts_free(cl);
	starts_free(sv);
	free(cl);
	free(sv);
	return (rc);
}
