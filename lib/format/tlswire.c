#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dust/rng.h"
#include "seattle/machine.h"
#include "seattle/mark.h"

#include "tlshello.h"
#include "tlswire.h"

/* What a side sends next. */
enum out_state {
	OUT_HELLO,		/* ClientHello, or the server's flight. */
	OUT_WAIT,		/* Client: for the server's confirmation. */
	OUT_FINISHED,		/* Client: ChangeCipherSpec and Finished. */
	OUT_DATA,		/* Records, when there is data. */
	OUT_ALERT,		/* Failed: one alert record, */
	OUT_DONE		/* then nothing. */
};

/* What a side reads next. */
enum in_state {
	IN_HELLO,		/* The peer's hello record, whole. */
	IN_RECORDS		/* ChangeCipherSpec (once), application data. */
};

/* The shortest application_data: a content type and a 16-byte tag. */
#define TLSWIRE_RECORD_MIN	17

/* The largest hello record (a handshake record's plaintext) and header. */
#define HELLO_MAX	(5 + TLSHELLO_PLAINTEXT_MAX)

/* A ChangeCipherSpec record, as TLS 1.3's middlebox compatibility sends. */
static const uint8_t ccs[6] = { 20, 0x03, 0x03, 0x00, 0x01, 0x01 };

struct tlswire {
	struct fmtwire base;		/* First: ops. */
	const struct dust_format * f;
	const struct tlshello_template * own;	/* Our hello's template. */
	const struct tlshello_template * peer;	/* The peer's. */
	struct seattle * s;
	int server;
	enum out_state out;
	enum in_state in;
	uint8_t * vals;			/* Our hello's field values. */
	uint8_t * pvals;		/* The peer's hello's. */
	uint8_t session_id[32];		/* Sent (client) or to echo. */
	size_t flight;			/* Server: the captured flight sent. */
	uint8_t * hello;		/* The peer's hello record so far. */
	size_t hlen;
	uint8_t hdr[5];			/* A record header so far, */
	size_t hdrlen;
	size_t body;			/* and the body bytes still to come; */
	int in_ccs;			/* the body is a ChangeCipherSpec's. */
	int ccs_seen;
	uint64_t records;		/* application_data records read. */
};

/* fail(w, state, why): the connection is off the format. */
static void
fail(struct tlswire * w, enum fmtwire_state state, const char * why)
{

	if (!fmtwire_fail(&w->base, state, "TLS", why))
		return;
	if (state == FMTWIRE_FAILED && w->out != OUT_DONE)
		w->out = OUT_ALERT;
	if (state == FMTWIRE_UNAUTHENTICATED)
		w->out = OUT_DONE;
}

/*
 * field_at(t, place, kind, off): the offset among ${t}'s values of its
 * first field at ${place} (of ${kind} if not 0) into ${off}.  Return 0, or
 * -1 if ${t} has none.
 */
static int
field_at(const struct tlshello_template * t, int place, int kind,
    size_t * off)
{
	size_t i;

	for (i = 0; i < t->nfields; i++) {
		if (t->field[i].place != place ||
		    (kind != 0 && t->field[i].kind != kind))
			continue;
		*off = fmt_voff(t->field, i);
		return (0);
	}
	return (-1);
}

/* The offset of the X25519 key share's value, which carries X or Y. */
static int
key_off(const struct tlshello_template * t, size_t * off)
{

	return (field_at(t, TLSHELLO_AT_SHARE_KEY, TLSHELLO_X25519, off));
}

/* The offset of the legacy session id's value, if it is 32 bytes. */
static int
sid_off(const struct tlshello_template * t, size_t * off)
{
	size_t i;

	for (i = 0; i < t->nfields; i++)
		if (t->field[i].place == TLSHELLO_AT_SESSION_ID &&
		    t->field[i].len == 32) {
			*off = fmt_voff(t->field, i);
			return (0);
		}
	return (-1);
}

/* flight_len(w): the server's first flight: hello, CCS, records. */
static size_t
flight_len(const struct tlswire * w)
{
	size_t i, n = w->own->len + (w->f->server_ccs ? sizeof(ccs) : 0);

	for (i = 0; i < w->f->nrecords[w->flight]; i++)
		n += 5 + w->f->record_len[w->flight][i];
	return (n);
}

/*
 * ready(w):
 * Return the length of what ${w} has to send now (a flight, or one
 * record with its header), or 0 if nothing.
 */
static size_t
ready(struct fmtwire * fw)
{
	struct tlswire * w = (struct tlswire *)fw;
	size_t n;

	switch (w->out) {
	case OUT_HELLO:
		if (!w->server)
			return (w->own->len);
		/* A server speaks once the client's hello has verified. */
		if (w->in == IN_HELLO || !seattle_may_send(w->s))
			return (0);
		return (flight_len(w));
	case OUT_WAIT:
		if (seattle_status(w->s) != SEATTLE_ESTABLISHED)
			return (0);
		w->out = OUT_FINISHED;
		/* FALLTHROUGH */
	case OUT_FINISHED:
		return (sizeof(ccs) + 5 + format_finished_len(w->f));
	case OUT_DATA:
		/*
		 * Records carry data: the tail of a padding unit (after a
		 * Finished longer than the code and IV) waits for some, as a
		 * TLS stack sends nothing while its application is silent.
		 */
		if (seattle_unsent(w->s) == 0 ||
		    seattle_status(w->s) != SEATTLE_ESTABLISHED ||
		    (n = seattle_ready(w->s)) < TLSWIRE_RECORD_MIN)
			return (0);
		return (5 + (n < TLSWIRE_RECORD_MAX ? n : TLSWIRE_RECORD_MAX));
	case OUT_ALERT:
		/* An alert is 2 bytes, a type and a tag: 19 encrypted. */
		return (5 + 19);
	case OUT_DONE:
		break;
	}
	return (0);
}

/* record(w, buf, len): an application_data record of ${len} stream bytes. */
static size_t
record(struct tlswire * w, uint8_t * buf, size_t len)
{

	buf[0] = 23;
	buf[1] = 0x03;
	buf[2] = 0x03;
	buf[3] = (uint8_t)(len >> 8);
	buf[4] = (uint8_t)len;
	seattle_pad_room(w->s, len);
	(void)seattle_pull(w->s, buf + 5, len);
	return (5 + len);
}

/*
 * client_hello(w, buf): the ClientHello with X in its key share and the
 * mark in its random (the first 64 bytes of the client's stream).
 */
static size_t
client_hello(struct tlswire * w, uint8_t * buf)
{
	size_t koff, roff;

	if (key_off(w->own, &koff) ||
	    field_at(w->own, TLSHELLO_AT_RANDOM, 0, &roff))
		return (0);
	(void)seattle_pull(w->s, w->vals + koff, 32);
	(void)seattle_pull(w->s, w->vals + roff, 32);
	if (tlshello_fill(w->own, w->vals, buf, w->base.why, sizeof(w->base.why)))
		return (0);
	w->out = OUT_WAIT;
	return (w->own->len);
}

/*
 * server_flight(w, buf): the ServerHello with Y in its key share and the
 * client's session id echoed, the CCS, and the captured flight's records,
 * carrying the server's code, IV and padding.
 */
static size_t
server_flight(struct tlswire * w, uint8_t * buf)
{
	size_t koff, soff, i, n;

	if (key_off(w->own, &koff))
		return (0);
	(void)seattle_pull(w->s, w->vals + koff, 32);
	if (sid_off(w->own, &soff) == 0)
		memcpy(w->vals + soff, w->session_id, 32);
	if (tlshello_fill(w->own, w->vals, buf, w->base.why, sizeof(w->base.why)))
		return (0);
	n = w->own->len;
	if (w->f->server_ccs) {
		memcpy(buf + n, ccs, sizeof(ccs));
		n += sizeof(ccs);
	}
	for (i = 0; i < w->f->nrecords[w->flight]; i++)
		n += record(w, buf + n, w->f->record_len[w->flight][i]);
	w->out = OUT_DATA;
	return (n);
}

/*
 * get(w, buf):
 * Write what ready said (exactly that many bytes) to ${buf}.
 * Return the number of bytes written.
 */
static size_t
get(struct fmtwire * fw, uint8_t * buf)
{
	struct tlswire * w = (struct tlswire *)fw;
	size_t n = ready(fw), k;

	if (n == 0)
		return (0);
	switch (w->out) {
	case OUT_HELLO:
		k = w->server ? server_flight(w, buf) : client_hello(w, buf);
		if (k != n) {
			/* The templates were checked at load: cannot be. */
			memset(buf, 0, n);
			fail(w, FMTWIRE_FAILED, "hello does not fill");
		}
		break;
	case OUT_FINISHED:
		memcpy(buf, ccs, sizeof(ccs));
		(void)record(w, buf + sizeof(ccs), n - sizeof(ccs) - 5);
		w->out = OUT_DATA;
		break;
	case OUT_DATA:
		(void)record(w, buf, n - 5);
		break;
	case OUT_ALERT:
		buf[0] = 23;
		memcpy(buf + 1, "\x03\x03\x00\x13", 4);
		randombytes_buf(buf + 5, 19);
		w->out = OUT_DONE;
		break;
	default:
		break;
	}
	return (n);
}

/*
 * peer_keys(w): the peer's hello has verified against its template: hand
 * its keys to Seattle (a client's X || M, as the seed's stream has them; a
 * server's Y) and keep or check the session id.  Return 0, or -1 on
 * ENOMEM.
 */
static int
peer_keys(struct tlswire * w)
{
	size_t koff = 0, roff = 0, soff = 0;
	int has_sid;

	if (key_off(w->peer, &koff) ||
	    (w->server && field_at(w->peer, TLSHELLO_AT_RANDOM, 0, &roff))) {
		fail(w, w->server ? FMTWIRE_UNAUTHENTICATED : FMTWIRE_FAILED,
		    "template without a key share or random");
		return (0);
	}
	has_sid = sid_off(w->peer, &soff) == 0;
	if (seattle_push(w->s, w->pvals + koff, 32))
		return (-1);
	if (!w->server) {
		if (has_sid &&
		    sodium_memcmp(w->pvals + soff, w->session_id, 32) != 0)
			fail(w, FMTWIRE_FAILED, "session id not echoed");
		return (0);
	}
	if (seattle_push(w->s, w->pvals + roff, 32))
		return (-1);
	if (has_sid)
		memcpy(w->session_id, w->pvals + soff, 32);
	if (seattle_status(w->s) == SEATTLE_UNAUTHENTICATED)
		fail(w, FMTWIRE_UNAUTHENTICATED, seattle_failure(w->s));
	return (0);
}

/* hello_body(w): the length the peer's hello record's header gives. */
static size_t
hello_body(const struct tlswire * w)
{

	return ((size_t)w->hello[3] << 8 | w->hello[4]);
}

/*
 * take_hello(w, b, len): read the peer's hello record from ${b}; once it
 * is whole, check it against the template and hand its keys to Seattle.
 * Return the bytes used.
 */
static size_t
take_hello(struct tlswire * w, const uint8_t * b, size_t len)
{
	size_t want, k;
	char err[128];

	/* The header first: its length says how much the record is. */
	if (w->hlen < 5) {
		k = 5 - w->hlen < len ? 5 - w->hlen : len;
		memcpy(w->hello + w->hlen, b, k);
		if ((w->hlen += k) == 5 && (w->hello[0] != 22 ||
		    w->hello[1] != 0x03 || hello_body(w) == 0 ||
		    5 + hello_body(w) > HELLO_MAX))
			fail(w, w->server ? FMTWIRE_UNAUTHENTICATED :
			    FMTWIRE_FAILED, "first record is not a handshake");
		return (k);
	}
	want = 5 + hello_body(w);
	k = want - w->hlen < len ? want - w->hlen : len;
	memcpy(w->hello + w->hlen, b, k);
	w->hlen += k;
	if (w->hlen < want)
		return (k);
	if (tlshello_extract(w->peer, w->hello, w->hlen, w->pvals, err,
	    sizeof(err))) {
		fail(w, w->server ? FMTWIRE_UNAUTHENTICATED : FMTWIRE_FAILED,
		    err);
		return (len);
	}
	w->in = IN_RECORDS;
	if (peer_keys(w))
		return (SIZE_MAX);
	return (k);
}

/*
 * take_records(w, b, len): records after the hello: one ChangeCipherSpec
 * (before any other), then application data, whose bodies go to Seattle
 * as they come.  Return the bytes used, or SIZE_MAX on ENOMEM.
 */
static size_t
take_records(struct tlswire * w, const uint8_t * b, size_t len)
{
	size_t k, rlen;

	if (w->body > 0) {
		k = w->body < len ? w->body : len;
		if (w->in_ccs) {
			/* Its body is the one byte 1. */
			if (b[0] != 1)
				fail(w, FMTWIRE_FAILED, "ChangeCipherSpec "
				    "body not 1");
			w->in_ccs = 0;
		} else if (seattle_push(w->s, b, k)) {
			return (SIZE_MAX);
		}
		w->body -= k;
		return (k);
	}
	k = 5 - w->hdrlen < len ? 5 - w->hdrlen : len;
	memcpy(w->hdr + w->hdrlen, b, k);
	if ((w->hdrlen += k) < 5)
		return (k);
	w->hdrlen = 0;
	rlen = (size_t)w->hdr[3] << 8 | w->hdr[4];
	if (w->hdr[1] != 0x03 || w->hdr[2] != 0x03) {
		fail(w, FMTWIRE_FAILED, "record version not 0x0303");
	} else if (w->hdr[0] == 20) {
		if (w->ccs_seen || w->records > 0 || rlen != 1)
			fail(w, FMTWIRE_FAILED, "ChangeCipherSpec out of place");
		w->ccs_seen = w->in_ccs = 1;
	} else if (w->hdr[0] != 23) {
		fail(w, FMTWIRE_FAILED, "record type not application_data");
	} else if (rlen < TLSWIRE_RECORD_MIN || rlen > TLSHELLO_CIPHERTEXT_MAX) {
		fail(w, FMTWIRE_FAILED, "application_data length out of "
		    "bounds");
	} else {
		w->records++;
	}
	if (w->base.state != FMTWIRE_OK)
		return (len);
	w->body = rlen;
	return (k);
}

/*
 * take(w, buf, len): the peer's bytes: its first flight, then what
 * follows.  Return the count taken, or SIZE_MAX on ENOMEM.
 */
static size_t
take(struct fmtwire * fw, const uint8_t * buf, size_t len)
{
	struct tlswire * w = (struct tlswire *)fw;

	if (w->in == IN_HELLO)
		return (take_hello(w, buf, len));
	return (take_records(w, buf, len));
}

/* fail_op(w, state, why): fail, as fmtwire_put asks. */
static void
fail_op(struct fmtwire * fw, enum fmtwire_state state, const char * why)
{

	fail((struct tlswire *)fw, state, why);
}

/*
 * hello_out(w):
 * Return 1 once a client has made its ClientHello (its key and mark are
 * on their way), or on a server; else 0.
 */
static int
hello_out(const struct fmtwire * fw)
{
	const struct tlswire * w = (const struct tlswire *)fw;

	return (w->server || w->out != OUT_HELLO);
}

/*
 * done(w):
 * Return 1 once a failed side has made its alert: the program closes.
 */
static int
done(const struct fmtwire * fw)
{
	const struct tlswire * w = (const struct tlswire *)fw;

	return (w->base.state != FMTWIRE_OK && w->out == OUT_DONE);
}

/*
 * destroy(w):
 * Wipe and free ${w} (NULL is fine).
 */
static void
destroy(struct fmtwire * fw)
{
	struct tlswire * w = (struct tlswire *)fw;

	if (w->vals != NULL)
		sodium_memzero(w->vals, w->own->vlen);
	if (w->pvals != NULL)
		sodium_memzero(w->pvals, w->peer->vlen);
	free(w->vals);
	free(w->pvals);
	free(w->hello);
	sodium_memzero(w, sizeof(*w));
	free(w);
}

static const struct fmtwire_ops tls_ops = {
	ready, get, take, fail_op, hello_out, done, destroy
};

/**
 * tlswire_new(f, server, s, rng):
 * (fmtwire_new for DUST_FORMAT_TLS; lib/format/wire.h has the rest.)
 * Create one side (a server if ${server}) of a connection in the format
 * ${f} over the Seattle session ${s} (both must outlive it), drawing the
 * values of the hellos' random fields and the server's flight from
 * ${rng}.  Return NULL on error (ENOMEM, or a template whose fields
 * cannot be drawn).
 */
struct fmtwire *
tlswire_new(const struct dust_format * f, int server, struct seattle * s,
    const struct dust_rng * rng)
{
	struct tlswire * w;
	uint8_t pick[8];
	size_t off;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (NULL);
	w->base.s = s;
	w->base.ops = &tls_ops;
	w->f = f;
	w->s = s;
	w->server = server;
	w->own = server ? f->server : f->client;
	w->peer = server ? f->client : f->server;
	if ((w->vals = malloc(w->own->vlen)) == NULL ||
	    (w->pvals = malloc(w->peer->vlen)) == NULL ||
	    (w->hello = malloc(HELLO_MAX)) == NULL)
		goto err;
	if (tlshello_draw(w->own, rng, w->vals)) {
		errno = EINVAL;
		goto err;
	}
	if (!server && sid_off(w->own, &off) == 0)
		memcpy(w->session_id, w->vals + off, 32);
	if (server) {
		dust_rng_fill(rng, pick, sizeof(pick));
		w->flight = (size_t)(pick[0] | pick[1] << 8 | pick[2] << 16) %
		    f->nflights;
	}
	/* One Seattle record fills one TLS record at most. */
	(void)seattle_set_record_data(s, TLSWIRE_RECORD_DATA);
	return (&w->base);
err:
	destroy(&w->base);
	return (NULL);
}
