#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dust/rng.h"
#include "dust/seattle.h"
#include "seattle/machine.h"
#include "seattle/mark.h"

#include "sshhello.h"
#include "sshwire.h"

/* What a side sends next. */
enum out_state {
	OUT_BANNER,		/* Server: its identification line, at once
				   (what every SSH server sends at accept;
				   the template's bytes, no secret). */
	OUT_START,		/* Client: its start but NEWKEYS; server: the
				   rest of its start and a packet of its
				   stream. */
	OUT_WAIT,		/* Client: for the server's start. */
	OUT_NEWKEYS,		/* Client: NEWKEYS and a packet. */
	OUT_DATA,		/* Packets, when there is data. */
	OUT_DONE		/* Nothing (unauthenticated or failed). */
};

/* What a side reads next. */
enum in_state {
	IN_START,		/* The peer's start, whole. */
	IN_PACKETS		/* Binary packets. */
};

#define SNTRUP_P	761
#define SNTRUP_Q	4591

struct sshwire {
	struct fmtwire base;		/* First: ops. */
	const struct format_ssh * x;
	const struct sshhello_template * own;	/* Our start's template. */
	const struct sshhello_template * peer;	/* The peer's. */
	const struct format_sshframing * ofr;	/* Our packets' framing. */
	const struct format_sshframing * ifr;	/* The peer's. */
	struct seattle * s;
	int server;
	enum out_state out;
	enum in_state in;
	uint8_t * vals;			/* Our start's field values. */
	uint8_t * pvals;		/* The peer's start's. */
	uint8_t * filled;		/* Client: its start, filled. */
	uint64_t mr[16];		/* Client: mixed with the mark. */
	uint8_t * start;		/* The peer's start so far, */
	size_t slen;
	size_t need;			/* and how long it is sent. */
	uint8_t hdr[4];			/* A clear packet_length so far, */
	size_t hdrlen;
	size_t body;			/* and the bytes still to come. */
};

/* fail(w, state, why): the connection is off the format: say nothing. */
static void
fail(struct sshwire * w, enum fmtwire_state state, const char * why)
{

	if (fmtwire_fail(&w->base, state, "SSH", why))
		w->out = OUT_DONE;
}

/*
 * field_off(t, kind, off): the offset among ${t}'s values of its field in
 * Q of ${kind} into ${off}.  Return 0, or -1 if ${t} has none.
 */
static int
field_off(const struct sshhello_template * t, int kind, size_t * off)
{
	size_t i;

	for (i = 0; i < t->nfields; i++)
		if (t->field[i].place == SSHHELLO_AT_Q &&
		    t->field[i].kind == kind) {
			*off = fmt_voff(t->field, i);
			return (0);
		}
	return (-1);
}

/* stream_max(fr): the stream bytes of the largest packet framed as ${fr}. */
static size_t
stream_max(const struct format_sshframing * fr)
{

	return ((fr->clear_length ? 0 : 4) + SSHWIRE_PACKET_LEN_MAX + fr->tag);
}

/*
 * stream_len(fr, n): the stream bytes of one packet framed as ${fr} that
 * carries the ${n} > 0 ready bytes: all of them if they fit, rounded up
 * to the framing with room for a whole padding record (Seattle's 35
 * bytes) if they are not exact, so that the stream ends at a unit's end.
 */
static size_t
stream_len(const struct format_sshframing * fr, size_t n)
{
	size_t head = fr->clear_length ? 0 : 4;
	size_t smin = head + fr->block + fr->tag;
	size_t smax = stream_max(fr);
	size_t S;

	if (n >= smax)
		return (smax);
	S = n < smin ? smin : n;
	S += (fr->block - (S - head - fr->tag) % fr->block) % fr->block;
	while (S != n && S - n < SEATTLE_PADDING_BYTES)
		S += fr->block;
	if (S > smax)
		S = n - (n - head - fr->tag) % fr->block;
	return (S);
}

/* wire_len(fr, n): the wire bytes of the packet of stream_len(fr, n). */
static size_t
wire_len(const struct format_sshframing * fr, size_t n)
{

	return (stream_len(fr, n) + (fr->clear_length ? 4 : 0));
}

/*
 * packet(w, buf, n): a packet carrying the ${n} > 0 ready stream bytes
 * (and padding to its size).  Return its wire bytes.
 */
static size_t
packet(struct sshwire * w, uint8_t * buf, size_t n)
{
	size_t S = stream_len(w->ofr, n), k = 0;

	if (w->ofr->clear_length) {
		k = S - w->ofr->tag;
		buf[0] = (uint8_t)(k >> 24);
		buf[1] = (uint8_t)(k >> 16);
		buf[2] = (uint8_t)(k >> 8);
		buf[3] = (uint8_t)k;
		k = 4;
	}
	seattle_pad_room(w->s, S);
	(void)seattle_pull(w->s, buf + k, S);
	return (k + S);
}

/*
 * ready(w):
 * Return the length of what ${w} has to send now (its start, or one
 * packet), or 0 if nothing.
 */
static size_t
ready(struct fmtwire * fw)
{
	struct sshwire * w = (struct sshwire *)fw;
	size_t n;

	switch (w->out) {
	case OUT_BANNER:
		return (w->x->server_ident);
	case OUT_START:
		if (!w->server)
			return (w->x->client_newkeys);
		/* The rest once the client's start has verified. */
		if (w->slen < w->need || !seattle_may_send(w->s) ||
		    (n = seattle_ready(w->s)) < SEATTLE_KEY_BYTES)
			return (0);
		n -= SEATTLE_KEY_BYTES;
		return (w->own->len - w->x->server_ident +
		    (n > 0 ? wire_len(w->ofr, n) : 0));
	case OUT_WAIT:
		if (w->in != IN_PACKETS)
			return (0);
		w->out = OUT_NEWKEYS;
		/* FALLTHROUGH */
	case OUT_NEWKEYS:
		n = seattle_ready(w->s);
		return (w->own->len - w->x->client_newkeys +
		    (n > 0 ? wire_len(w->ofr, n) : 0));
	case OUT_DATA:
		if ((n = seattle_ready(w->s)) == 0)
			return (0);
		return (wire_len(w->ofr, n));
	default:
		break;
	}
	return (0);
}

/*
 * client_start(w, buf): the client's start but NEWKEYS: X in Q_C's X25519
 * part, the mark in the first values of its sntrup761 public key (the
 * first 64 bytes of the client's stream).  Return its length, or 0.
 */
static size_t
client_start(struct sshwire * w, uint8_t * buf)
{
	uint16_t v[SNTRUP_P];
	uint8_t M[32];
	size_t xoff, poff;

	if (field_off(w->own, SSHHELLO_X25519, &xoff) ||
	    field_off(w->own, SSHHELLO_SNTRUP_PK, &poff) ||
	    sntrup761_decode(w->vals + poff, SSHHELLO_SNTRUP_PK_LEN,
	    SNTRUP_Q, v))
		return (0);
	(void)seattle_pull(w->s, w->vals + xoff, 32);
	(void)seattle_pull(w->s, M, 32);
	sshwire_mark_put(M, w->mr, v);
	(void)sntrup761_encode(v, SNTRUP_P, SNTRUP_Q, w->vals + poff);
	sodium_memzero(M, sizeof(M));
	if (sshhello_fill(w->own, w->vals, w->filled, w->base.why, sizeof(w->base.why)))
		return (0);
	memcpy(buf, w->filled, w->x->client_newkeys);
	w->out = OUT_WAIT;
	return (w->x->client_newkeys);
}

/*
 * server_start(w, buf, n): the server's start after its identification
 * line (sent already), with Y in Q_S's X25519 part, then a packet of its
 * ${n} next stream bytes (code, IV).  Return its length, or 0.
 */
static size_t
server_start(struct sshwire * w, uint8_t * buf, size_t n)
{
	size_t yoff, k;

	if (field_off(w->own, SSHHELLO_X25519, &yoff))
		return (0);
	(void)seattle_pull(w->s, w->vals + yoff, 32);
	if (sshhello_fill(w->own, w->vals, w->filled, w->base.why,
	    sizeof(w->base.why)))
		return (0);
	k = w->own->len - w->x->server_ident;
	memcpy(buf, w->filled + w->x->server_ident, k);
	if (n > 0)
		k += packet(w, buf + k, n);
	w->out = OUT_DATA;
	return (k);
}

/*
 * get(w, buf):
 * Write what ready said (exactly that many bytes) to ${buf}.
 * Return the number of bytes written.
 */
static size_t
get(struct fmtwire * fw, uint8_t * buf)
{
	struct sshwire * w = (struct sshwire *)fw;
	size_t n = ready(fw), k = 0, nk;

	if (n == 0)
		return (0);
	switch (w->out) {
	case OUT_BANNER:
		memcpy(buf, w->own->bytes, n);
		w->out = OUT_START;
		break;
	case OUT_START:
		if (w->server)
			k = server_start(w, buf, seattle_ready(w->s) -
			    SEATTLE_KEY_BYTES);
		else
			k = client_start(w, buf);
		if (k != n) {
			/* The templates were checked at load: cannot be. */
			memset(buf, 0, n);
			fail(w, FMTWIRE_FAILED, "start does not fill");
		}
		break;
	case OUT_NEWKEYS:
		nk = w->own->len - w->x->client_newkeys;
		memcpy(buf, w->filled + w->x->client_newkeys, nk);
		if (n > nk)
			(void)packet(w, buf + nk, seattle_ready(w->s));
		w->out = OUT_DATA;
		break;
	case OUT_DATA:
		(void)packet(w, buf, seattle_ready(w->s));
		break;
	default:
		break;
	}
	return (n);
}

/*
 * client_keys(w): the client's start has verified against its template:
 * hand X and the mark its sntrup761 key carries to Seattle, as the seed's
 * stream has them.  Return 0, or -1 on ENOMEM.
 */
static int
client_keys(struct sshwire * w)
{
	uint16_t v[SNTRUP_P];
	uint8_t M[32];
	size_t xoff, poff;

	if (field_off(w->peer, SSHHELLO_X25519, &xoff) ||
	    field_off(w->peer, SSHHELLO_SNTRUP_PK, &poff) ||
	    sntrup761_decode(w->pvals + poff, SSHHELLO_SNTRUP_PK_LEN,
	    SNTRUP_Q, v)) {
		fail(w, FMTWIRE_UNAUTHENTICATED, "Q_C's sntrup761 public key "
		    "does not decode");
		return (0);
	}
	sshwire_mark_take(v, M);
	if (seattle_push(w->s, w->pvals + xoff, 32) ||
	    seattle_push(w->s, M, 32))
		return (-1);
	if (seattle_status(w->s) == SEATTLE_UNAUTHENTICATED)
		fail(w, FMTWIRE_UNAUTHENTICATED, seattle_failure(w->s));
	return (0);
}

/*
 * start_done(w): the peer's start is there (a client's but its NEWKEYS,
 * which it sends after the server's start: taken from the template for
 * now): check it against its template and hand its key to Seattle.
 * Return 0, or -1 on ENOMEM.
 */
static int
start_done(struct sshwire * w)
{
	char err[128];
	size_t yoff;

	if (w->server)
		memcpy(w->start + w->need, w->peer->bytes + w->need,
		    w->peer->len - w->need);
	if (sshhello_extract(w->peer, w->start, w->peer->len, w->pvals, err,
	    sizeof(err))) {
		fail(w, w->server ? FMTWIRE_UNAUTHENTICATED : FMTWIRE_FAILED,
		    err);
		return (0);
	}
	if (w->server)
		return (client_keys(w));
	if (field_off(w->peer, SSHHELLO_X25519, &yoff)) {
		fail(w, FMTWIRE_FAILED, "template without an X25519 key");
		return (0);
	}
	return (seattle_push(w->s, w->pvals + yoff, 32));
}

/*
 * take_start(w, b, len): read the peer's start from ${b}, each byte
 * outside its template's fields checked as it comes; once all but a
 * client's NEWKEYS is there, check it all; packets come after its end.
 * Return the bytes used, or SIZE_MAX on ENOMEM.
 */
static size_t
take_start(struct sshwire * w, const uint8_t * b, size_t len)
{
	size_t to = w->slen < w->need ? w->need : w->peer->len;
	size_t k = to - w->slen < len ? to - w->slen : len;

	memcpy(w->start + w->slen, b, k);
	w->slen += k;
	if (fmt_outside(w->start, w->peer->bytes, w->slen, w->peer->field,
	    w->peer->nfields) < w->slen) {
		fail(w, (w->server && w->slen <= w->need) ?
		    FMTWIRE_UNAUTHENTICATED : FMTWIRE_FAILED,
		    "start differs from the template");
		return (len);
	}
	if (w->slen == w->need && to == w->need && start_done(w))
		return (SIZE_MAX);
	if (w->slen == w->peer->len)
		w->in = IN_PACKETS;
	return (k);
}

/*
 * take_packets(w, b, len): binary packets after the start, whose bytes go
 * to Seattle as they come: all of them if packet_length is encrypted,
 * else each packet's after its clear packet_length, which must fit the
 * framing.  Return the bytes used, or SIZE_MAX on ENOMEM.
 */
static size_t
take_packets(struct sshwire * w, const uint8_t * b, size_t len)
{
	size_t k, plen;

	if (!w->ifr->clear_length || w->body > 0) {
		k = (w->ifr->clear_length && w->body < len) ? w->body : len;
		if (seattle_push(w->s, b, k))
			return (SIZE_MAX);
		w->body -= w->ifr->clear_length ? k : 0;
		return (k);
	}
	k = 4 - w->hdrlen < len ? 4 - w->hdrlen : len;
	memcpy(w->hdr + w->hdrlen, b, k);
	if ((w->hdrlen += k) < 4)
		return (k);
	w->hdrlen = 0;
	plen = (size_t)w->hdr[0] << 24 | (size_t)w->hdr[1] << 16 |
	    (size_t)w->hdr[2] << 8 | w->hdr[3];
	if (plen < w->ifr->block || plen > SSHHELLO_PACKET_MAX - 4 ||
	    plen % w->ifr->block) {
		fail(w, FMTWIRE_FAILED, "packet_length off the framing");
		return (len);
	}
	w->body = plen + w->ifr->tag;
	return (k);
}

/*
 * take(w, buf, len): the peer's bytes: its first flight, then what
 * follows.  Return the count taken, or SIZE_MAX on ENOMEM.
 */
static size_t
take(struct fmtwire * fw, const uint8_t * buf, size_t len)
{
	struct sshwire * w = (struct sshwire *)fw;

	if (w->in == IN_START)
		return (take_start(w, buf, len));
	return (take_packets(w, buf, len));
}

/* fail_op(w, state, why): fail, as fmtwire_put asks. */
static void
fail_op(struct fmtwire * fw, enum fmtwire_state state, const char * why)
{

	fail((struct sshwire *)fw, state, why);
}

/*
 * hello_out(w):
 * Return 1 once a client has made its start (its key and mark are on
 * their way), or on a server; else 0.
 */
static int
hello_out(const struct fmtwire * fw)
{
	const struct sshwire * w = (const struct sshwire *)fw;

	return (w->server || w->out != OUT_START);
}

/*
 * done(w):
 * Return 1 once a side has failed: it sends nothing more and closes.
 */
static int
done(const struct fmtwire * fw)
{

	return (fw->state != FMTWIRE_OK);
}

/*
 * destroy(w):
 * Wipe and free ${w} (NULL is fine).
 */
static void
destroy(struct fmtwire * fw)
{
	struct sshwire * w = (struct sshwire *)fw;

	if (w->vals != NULL)
		sodium_memzero(w->vals, w->own->vlen);
	if (w->pvals != NULL)
		sodium_memzero(w->pvals, w->peer->vlen);
	free(w->vals);
	free(w->pvals);
	free(w->filled);
	free(w->start);
	sodium_memzero(w, sizeof(*w));
	free(w);
}

static const struct fmtwire_ops ssh_ops = {
	ready, get, take, fail_op, hello_out, done, destroy
};

/**
 * sshwire_new(f, server, s, rng):
 * (fmtwire_new for DUST_FORMAT_SSH; lib/format/wire.h has the rest.)
 * Create one side (a server if ${server}) of a connection in the format
 * ${f} over the Seattle session ${s} (both must outlive it), drawing the
 * values of the starts' random fields from ${rng}.  Return NULL on error
 * (ENOMEM, or a template whose fields cannot be drawn).
 */
struct fmtwire *
sshwire_new(const struct dust_format * f, int server, struct seattle * s,
    const struct dust_rng * rng)
{
	struct sshwire * w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (NULL);
	w->base.s = s;
	w->base.ops = &ssh_ops;
	w->x = f->ssh;
	w->s = s;
	w->server = server;
	/* A server's identification line goes first, at once. */
	w->out = server ? OUT_BANNER : OUT_START;
	w->own = server ? w->x->server : w->x->client;
	w->peer = server ? w->x->client : w->x->server;
	w->ofr = server ? &w->x->sc : &w->x->cs;
	w->ifr = server ? &w->x->cs : &w->x->sc;
	/* A client sends its NEWKEYS later: the server checks all but it. */
	w->need = server ? w->x->client_newkeys : w->peer->len;
	if ((w->vals = malloc(w->own->vlen)) == NULL ||
	    (w->pvals = malloc(w->peer->vlen)) == NULL ||
	    (w->filled = malloc(w->own->len)) == NULL ||
	    (w->start = malloc(w->peer->len)) == NULL)
		goto err;
	if (sshhello_draw(w->own, rng, w->vals)) {
		errno = EINVAL;
		goto err;
	}
	if (!server)
		sshwire_mark_draw(rng, w->mr);
	/*
	 * Two Seattle records fill the largest packet: records of about 16
	 * KiB, as the TLS format's, keep Seattle's checks of bulk records
	 * in the caches (one per packet, 32 KiB: 150 MB/s each way on
	 * loopback; two: 190-210).
	 */
	(void)seattle_set_record_data(s, stream_max(w->ofr) / 2 -
	    SEATTLE_PADDING_BYTES);
	return (&w->base);
err:
	destroy(&w->base);
	return (NULL);
}
