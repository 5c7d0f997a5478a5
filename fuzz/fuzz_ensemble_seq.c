/*
 * libFuzzer target: an Ensemble client session and a server table joined
 * by up to three connections (link pairs), driven by a script the input
 * spells, one operation byte (and its arguments) at a time: open a
 * connection, pull messages into a connection's wire, deliver some of a
 * wire's bytes (in order, as TCP would), cut a connection (what is on its
 * wires is lost), application writes, reads, EOFs and aborts on either
 * side, bursts of 4,095 one-byte messages each way (14 reach Extend),
 * and hostile messages: well-formed messages of any command whose
 * session ID is one the sessions really hold (a fuzzer cannot guess 32
 * random bytes), with sequence numbers and ACK counts near the real
 * windows or anywhere, pushed into either side.
 *
 * fuzz_ensemble feeds the state machines arbitrary bytes; this target
 * reaches what needs a live session: Extend, Close, retransmission,
 * sequences of messages a hostile peer would send.  Besides the
 * sanitizers it checks, while no hostile message was sent, that each
 * side reads exactly a prefix of the other's stream (never a byte
 * changed, lost in the middle or duplicated); and after the script, that
 * one clean connection brings the session to a close with both streams
 * exact, unless it was aborted.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/ensemble.h"
#include "dust/rng.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NLINKS	3
#define WIRE	(64 * 1024)

/* Byte ${k} of either side's stream. */
static uint8_t
stream_byte(uint64_t k, int server)
{
	uint64_t x = (k + (server ? 0x9e37 : 0)) * 0x9E3779B97F4A7C15ULL;

	return ((uint8_t)(x >> 29));
}

/* What one side's application wrote and read. */
struct app {
	struct ens_session * s;
	uint64_t put, got;
	int eof;
};

/* A connection: its two links and the bytes on its wires. */
struct conn {
	struct ens_link * cl, * sl;
	uint8_t * w[2];			/* 0: to the server, 1: to the client. */
	size_t wlen[2];
};

struct world {
	struct ens_table * t;
	struct ens_session * c;
	struct app capp;
	struct app sapps[8];		/* Server sessions, by creation. */
	size_t nsess;
	struct conn k[NLINKS];
	int hostile;
	const uint8_t * in;
	size_t inlen;
};

/* The next input byte, or 0 when the input is used up. */
static uint8_t
next(struct world * W)
{

	if (W->inlen == 0)
		return (0);
	W->inlen--;
	return (*W->in++);
}

/* The table made a server session: give it an application. */
static void
created(void * cookie, struct ens_session * s)
{
	struct world * W = cookie;

	/* The table holds at most 4; more than 8 never exist at once. */
	if (W->nsess < 8) {
		memset(&W->sapps[W->nsess], 0, sizeof(W->sapps[0]));
		W->sapps[W->nsess].s = s;
		ens_session_set_cookie(s, &W->sapps[W->nsess]);
		W->nsess++;
	}
}

/* Write up to ${n} bytes of a side's stream into ${s}. */
static void
app_write(struct ens_session * s, struct app * a, int server, size_t n)
{
	uint8_t buf[4096];
	size_t i;
	ssize_t w;

	if (s == NULL || a == NULL || a->eof)
		return;
	if (n > sizeof(buf))
		n = sizeof(buf);
	if (n > ens_session_space(s))
		n = ens_session_space(s);
	for (i = 0; i < n; i++)
		buf[i] = stream_byte(a->put + i, server);
	if ((w = ens_session_write(s, buf, n)) < 0)
		return;
	/* The session promised this much room. */
	if ((size_t)w != n)
		abort();
	a->put += (size_t)w;
}

/* Read what ${s} has; check it against the peer's stream. */
static void
app_read(struct world * W, struct ens_session * s, struct app * a,
    int server)
{
	uint8_t buf[4096];
	size_t n, i;

	if (s == NULL || a == NULL)
		return;
	while ((n = ens_session_read(s, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n && !W->hostile; i++)
			if (buf[i] != stream_byte(a->got + i, !server))
				abort();
		a->got += n;
	}
}

/* The server session's application state, or NULL. */
static struct app *
sapp(struct ens_session * s)
{

	return (s == NULL ? NULL : ens_session_cookie(s));
}

/* Open the connection ${k} if it is not: a client and a server link. */
static void
conn_open(struct world * W, struct conn * k)
{

	if (k->cl != NULL)
		return;
	k->cl = ens_link_client(W->c);
	k->sl = ens_link_server(W->t);
	k->wlen[0] = k->wlen[1] = 0;
}

/* Cut the connection ${k}: its links end, its wires are lost. */
static void
conn_cut(struct conn * k)
{

	ens_link_end(k->cl);
	ens_link_end(k->sl);
	k->cl = k->sl = NULL;
	k->wlen[0] = k->wlen[1] = 0;
}

/* Pull from one end of ${k} onto its wire ${dir}, at most ${max}. */
static void
pull(struct conn * k, int dir, size_t max)
{
	struct ens_link * from = dir ? k->sl : k->cl;

	if (from == NULL)
		return;
	if (max < ENS_MSG_MAX)
		max = ENS_MSG_MAX;
	if (max > WIRE - k->wlen[dir])
		max = WIRE - k->wlen[dir];
	if (max < ENS_MSG_MAX)
		return;
	k->wlen[dir] += ens_link_pull(from, k->w[dir] + k->wlen[dir], max);
}

/* Deliver ${n} bytes of wire ${dir} of ${k}. */
static void
deliver(struct conn * k, int dir, size_t n)
{
	struct ens_link * to = dir ? k->cl : k->sl;

	if (to == NULL)
		return;
	if (n > k->wlen[dir])
		n = k->wlen[dir];
	ens_link_push(to, k->w[dir], n);
	memmove(k->w[dir], k->w[dir] + n, k->wlen[dir] - n);
	k->wlen[dir] -= n;
}

/* A well-formed message a hostile peer sends on ${k} in direction ${dir}. */
static void
hostile(struct world * W, struct conn * k, int dir)
{
	static const uint8_t cmds[] = {
		ENS_NEW, ENS_NEW_OK, ENS_CONTINUE, ENS_CONTINUE_OK, ENS_EXTEND,
		ENS_EXTEND_OK, ENS_CLOSE, ENS_CLOSE_OK, ENS_ACK, ENS_DATA,
		ENS_ERR_TOO_MANY, ENS_ERR_UNKNOWN, ENS_ERR_CLOSED,
		ENS_ERR_BAD_SEQ
	};
	static uint8_t buf[ENS_MSG_MAX], data[ENS_CHUNK];
	struct ens_msg m;
	struct ens_link * to = dir ? k->cl : k->sl;
	struct ens_session * s;
	uint8_t a = next(W), b = next(W), c = next(W);
	size_t n;

	if (to == NULL)
		return;
	W->hostile = 1;
	memset(&m, 0, sizeof(m));
	m.cmd = cmds[a % sizeof(cmds)];
	/* The ID: the client's newest, a server session's, or junk. */
	switch ((a >> 4) & 3) {
	case 0:
		memcpy(m.id, ens_session_id(W->c), ENS_ID_BYTES);
		break;
	case 1:
	case 2:
		if ((s = ens_link_session(k->sl)) != NULL)
			memcpy(m.id, ens_session_id(s), ENS_ID_BYTES);
		break;
	default:
		memset(m.id, b, ENS_ID_BYTES);
	}
	/* Numbers near where the windows are, or anywhere. */
	m.seq = (uint16_t)((b << 8) | c);
	m.next = (a & 0x40) ? (uint64_t)(b * 256 + c) :
	    (uint64_t)0 - (uint64_t)c;
	m.len = (uint16_t)((a & 0x80) ? c * 32 : c % 8);
	if (m.len > ENS_CHUNK)
		m.len = ENS_CHUNK;
	memset(data, b, m.len);
	m.data = data;
	n = ens_msg_encode(&m, buf);
	ens_link_push(to, buf, n);
}

/*
 * A burst on ${k}: 4,095 one-byte DATA messages each way (as many as the
 * window holds), all delivered and read.  Fourteen of them take the
 * session past ENS_EXTEND_AT: Extend, and hostile messages around it.
 */
static void
burst(struct world * W, struct conn * k)
{
	struct ens_session * s;
	int r;

	if (k->cl == NULL)
		return;
	s = ens_link_session(k->sl);
	(void)ens_session_set_chunk(W->c, 1);
	app_write(W->c, &W->capp, 0, ENS_WINDOW_MSGS - 1);
	if (s != NULL) {
		(void)ens_session_set_chunk(s, 1);
		app_write(s, sapp(s), 1, ENS_WINDOW_MSGS - 1);
	}
	for (r = 0; r < 8; r++) {
		pull(k, 0, WIRE);
		deliver(k, 0, WIRE);
		pull(k, 1, WIRE);
		deliver(k, 1, WIRE);
		app_read(W, W->c, &W->capp, 0);
		if ((s = ens_link_session(k->sl)) != NULL)
			app_read(W, s, sapp(s), 1);
	}
}

/* After the script: one clean connection must finish the session. */
static void
heal(struct world * W)
{
	struct conn * k = &W->k[0];
	struct ens_session * s = NULL;
	size_t j;
	int round, i;

	for (i = 0; i < NLINKS; i++)
		conn_cut(&W->k[i]);
	conn_open(W, k);
	for (round = 0; round < 400; round++) {
		if (ens_session_state(W->c) == ENS_ABORTED ||
		    ens_session_state(W->c) == ENS_CLOSED)
			break;
		if (k->sl != NULL && ens_link_session(k->sl) != NULL)
			s = ens_link_session(k->sl);
		ens_session_eof(W->c);
		W->capp.eof = 1;
		if (s != NULL && sapp(s) != NULL) {
			ens_session_eof(s);
			sapp(s)->eof = 1;
		}
		app_read(W, W->c, &W->capp, 0);
		app_read(W, s, sapp(s), 1);
		pull(k, 0, WIRE);
		deliver(k, 0, WIRE);
		pull(k, 1, WIRE);
		deliver(k, 1, WIRE);
		/* A failed link (a hostile message did it) is replaced. */
		if (ens_link_error(k->cl) != NULL ||
		    ens_link_error(k->sl) != NULL) {
			conn_cut(k);
			conn_open(W, k);
		}
	}
	if (W->hostile)
		return;
	/* Honest peers: closed (or aborted for a reason), never stuck. */
	if (ens_session_state(W->c) == ENS_ABORTED)
		return;
	if (ens_session_state(W->c) != ENS_CLOSED)
		abort();
	/*
	 * The client's server session is the one that heard from it (the
	 * others are orphans of lost NEW_OKs); exactly one did.
	 */
	for (s = NULL, j = 0; j < W->nsess; j++) {
		if (!ens_session_heard(W->sapps[j].s))
			continue;
		if (s != NULL)
			abort();
		s = W->sapps[j].s;
	}
	if (s == NULL)
		abort();
	if (W->capp.got != sapp(s)->put || sapp(s)->got != W->capp.put)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
	static uint8_t wires[NLINKS][2][WIRE];
	struct dust_rng_seeded rng;
	struct world W;
	struct conn * k;
	struct ens_session * s;
	uint8_t op, arg;
	int i;

	memset(&W, 0, sizeof(W));
	W.in = data;
	W.inlen = size;
	dust_rng_seeded_u64(&rng, 1);
	for (i = 0; i < NLINKS; i++) {
		W.k[i].w[0] = wires[i][0];
		W.k[i].w[1] = wires[i][1];
	}
	if ((W.t = ens_table_new(4, &rng.rng, created, &W)) == NULL ||
	    (W.c = ens_session_client_new()) == NULL)
		goto done;
	conn_open(&W, &W.k[0]);
	while (W.inlen > 0) {
		op = next(&W);
		k = &W.k[(op >> 4) % NLINKS];
		s = k->sl != NULL ? ens_link_session(k->sl) : NULL;
		switch (op & 15) {
		case 0:
			conn_open(&W, k);
			break;
		case 1:
			pull(k, op >> 6 & 1, (size_t)next(&W) * 64);
			break;
		case 2:
			arg = next(&W);
			deliver(k, op >> 6 & 1, arg < 8 ? arg : (size_t)arg *
			    (size_t)arg);
			break;
		case 3:
			conn_cut(k);
			break;
		case 4:
			if (ens_session_set_chunk(W.c, (size_t)next(&W) + 1))
				abort();
			app_write(W.c, &W.capp, 0, (size_t)next(&W) * 16);
			break;
		case 5:
			app_write(s, sapp(s), 1, (size_t)next(&W) * 16);
			break;
		case 6:
			app_read(&W, W.c, &W.capp, 0);
			break;
		case 7:
			app_read(&W, s, sapp(s), 1);
			break;
		case 8:
			ens_session_eof(W.c);
			W.capp.eof = 1;
			break;
		case 9:
			if (s != NULL && sapp(s) != NULL) {
				ens_session_eof(s);
				sapp(s)->eof = 1;
			}
			break;
		case 10:
			/* Rare: most scripts should get to test delivery. */
			if ((op >> 4) == 10)
				ens_session_abort(W.c, "fuzz");
			break;
		case 11:
		case 12:
			hostile(&W, k, (op & 15) == 12);
			break;
		case 13:
			burst(&W, k);
			break;
		default:
			/* Many small pulls and deliveries: a busy network. */
			pull(k, 0, 0);
			deliver(k, 0, (size_t)next(&W) * 8);
			pull(k, 1, 0);
			deliver(k, 1, (size_t)next(&W) * 8);
			break;
		}
	}
	heal(&W);
done:
	for (i = 0; i < NLINKS; i++)
		conn_cut(&W.k[i]);
	ens_session_free(W.c);
	ens_table_free(W.t);
	return (0);
}
