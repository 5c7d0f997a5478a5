/*
 * pipemux frames, control messages and the sans-I/O link state: exact
 * encodings, the streaming decoder over every split of a stream, every
 * protocol error, and two link states wired back to back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/muxframe.h"
#include "dust/muxlink.h"
#include "dust/rng.h"

/* Exact bytes of each frame kind (docs/spec.md §7). */
static void
test_encode_kinds(void ** state)
{
	static const uint8_t open_exp[] = {0x80, 0x02, 0x01, 0x02, 0x07,
	    'h', 'i'};
	static const uint8_t open0_exp[] = {0x80, 0x00, 0xff, 0xff, 0xfe};
	static const uint8_t write_exp[] = {0x00, 0x03, 0x12, 0x34,
	    'a', 'b', 'c'};
	static const uint8_t close_exp[] = {0x00, 0x00, 0xab, 0xcd};
	static const uint8_t win_exp[] = {0x01, 0x00, 0x05, 0x00, 0x01,
	    0x00, 0x00};
	struct muxframe f;
	uint8_t buf[MUXFRAME_OPEN_HDR + MUXFRAME_MAXDATA + 1];

	(void)state;
	f = (struct muxframe){MUXFRAME_OPEN, 0x0102, 7,
	    (const uint8_t *)"hi", 2};
	assert_int_equal(muxframe_encode(buf, &f), sizeof(open_exp));
	assert_memory_equal(buf, open_exp, sizeof(open_exp));
	f = (struct muxframe){MUXFRAME_OPEN, 0xffff, 0xfe, NULL, 0};
	assert_int_equal(muxframe_encode(buf, &f), sizeof(open0_exp));
	assert_memory_equal(buf, open0_exp, sizeof(open0_exp));
	f = (struct muxframe){MUXFRAME_WRITE, 0x1234, 0,
	    (const uint8_t *)"abc", 3};
	assert_int_equal(muxframe_encode(buf, &f), sizeof(write_exp));
	assert_memory_equal(buf, write_exp, sizeof(write_exp));
	f = (struct muxframe){MUXFRAME_CLOSE, 0xabcd, 0, NULL, 0};
	assert_int_equal(muxframe_encode(buf, &f), sizeof(close_exp));
	assert_memory_equal(buf, close_exp, sizeof(close_exp));
	assert_int_equal(muxctl_window(buf, 5, 65536), MUXCTL_WINDOW_LEN);
	assert_memory_equal(buf, win_exp, sizeof(win_exp));

	/* The largest frame: length 0x7fff, the open bit apart. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(muxframe_open_hdr(buf, 1, 2, MUXFRAME_MAXDATA), 5);
	assert_int_equal(buf[0], 0xff);
	assert_int_equal(buf[1], 0xff);
	assert_int_equal(muxframe_write_hdr(buf, 1, MUXFRAME_MAXDATA), 4);
	assert_int_equal(buf[0], 0x7f);

	/* What cannot be encoded. */
	f = (struct muxframe){MUXFRAME_WRITE, 1, 0, NULL, 0};
	assert_int_equal(muxframe_encode(buf, &f), 0);
	f = (struct muxframe){MUXFRAME_CLOSE, 1, 0, buf, 1};
	assert_int_equal(muxframe_encode(buf, &f), 0);
	f = (struct muxframe){MUXFRAME_WRITE, 1, 0, buf,
	    MUXFRAME_MAXDATA + 1};
	assert_int_equal(muxframe_encode(buf, &f), 0);
}

/* The frames of the split test, and their encoding. */
#define NFRAMES	7
static struct muxframe frames[NFRAMES];
static uint8_t payload[40000];
static uint8_t stream[NFRAMES * (MUXFRAME_OPEN_HDR + MUXFRAME_MAXDATA)];
static size_t streamlen;

/* Build a stream holding one frame of every kind and size class. */
static void
build_stream(void)
{
	struct dust_rng_seeded s;
	size_t i;

	dust_rng_seeded_u64(&s, 42);
	dust_rng_fill(&s.rng, payload, sizeof(payload));
	frames[0] = (struct muxframe){MUXFRAME_OPEN, 1, 3, NULL, 0};
	frames[1] = (struct muxframe){MUXFRAME_OPEN, 2, 4, payload, 10};
	frames[2] = (struct muxframe){MUXFRAME_WRITE, 1, 0, payload + 5, 1};
	frames[3] = (struct muxframe){MUXFRAME_WRITE, 0, 0, payload, 14};
	frames[4] = (struct muxframe){MUXFRAME_WRITE, 2, 0, payload + 7,
	    MUXFRAME_MAXDATA};
	frames[5] = (struct muxframe){MUXFRAME_CLOSE, 1, 0, NULL, 0};
	frames[6] = (struct muxframe){MUXFRAME_OPEN, 65535, 255, payload,
	    MUXFRAME_MAXDATA};
	streamlen = 0;
	for (i = 0; i < NFRAMES; i++)
		streamlen += muxframe_encode(stream + streamlen, &frames[i]);
}

/* Feed ${stream} cut at the ascending offsets ${cuts}; check the frames. */
static void
decode_with_cuts(const size_t * cuts, size_t ncuts)
{
	static struct muxframe_dec d;
	struct muxframe f;
	const uint8_t * p;
	const char * err = NULL;
	size_t pos = 0, len, k, got = 0;
	int r;

	muxframe_dec_init(&d);
	for (k = 0; k <= ncuts; k++) {
		size_t end = (k < ncuts) ? cuts[k] : streamlen;

		p = stream + pos;
		len = end - pos;
		pos = end;
		while ((r = muxframe_dec_next(&d, &p, &len, &f, &err)) == 1) {
			assert_true(got < NFRAMES);
			assert_int_equal(f.kind, frames[got].kind);
			assert_int_equal(f.id, frames[got].id);
			assert_int_equal(f.port, frames[got].port);
			assert_int_equal(f.len, frames[got].len);
			if (f.len > 0)
				assert_memory_equal(f.data, frames[got].data,
				    f.len);
			got++;
		}
		assert_int_equal(r, 0);
		assert_int_equal(len, 0);
	}
	assert_int_equal(got, NFRAMES);
	assert_int_equal(muxframe_dec_end(&d, &err), 0);
}

/* Every single cut, every cut pair near the headers, and byte by byte. */
static void
test_decoder_splits(void ** state)
{
	struct dust_rng_seeded s;
	size_t cuts[64], i, j, n;

	(void)state;
	build_stream();
	decode_with_cuts(NULL, 0);
	for (i = 0; i <= streamlen; i++) {
		cuts[0] = i;
		decode_with_cuts(cuts, 1);
	}
	/* Every pair of cuts in the first 60 bytes (all the small frames). */
	for (i = 0; i <= 60; i++)
		for (j = i; j <= 60; j++) {
			cuts[0] = i;
			cuts[1] = j;
			decode_with_cuts(cuts, 2);
		}
	/* 200 random cuttings into up to 64 pieces (seed 7). */
	dust_rng_seeded_u64(&s, 7);
	for (i = 0; i < 200; i++) {
		n = 1 + dust_rng_uniform(&s.rng, 64);
		for (j = 0; j < n; j++)
			cuts[j] = dust_rng_uniform(&s.rng,
			    (uint32_t)streamlen + 1);
		/* Sort the cuts (insertion sort). */
		for (j = 1; j < n; j++) {
			size_t v = cuts[j], k = j;

			while (k > 0 && cuts[k - 1] > v) {
				cuts[k] = cuts[k - 1];
				k--;
			}
			cuts[k] = v;
		}
		decode_with_cuts(cuts, n);
	}
}

/* Feed ${len} bytes in one piece; return the decoder's result. */
static int
decode_once(const uint8_t * buf, size_t len, const char ** err)
{
	static struct muxframe_dec d;
	struct muxframe f;
	int r;

	muxframe_dec_init(&d);
	while ((r = muxframe_dec_next(&d, &buf, &len, &f, err)) == 1)
		;
	if (r == 0)
		r = muxframe_dec_end(&d, err) ? -2 : 0;
	return (r);
}

/* Each decoder error, named. */
static void
test_decoder_errors(void ** state)
{
	static const uint8_t open0[] = {0x80, 0x00, 0x00, 0x00, 0x01};
	static const uint8_t close0[] = {0x00, 0x00, 0x00, 0x00};
	static const uint8_t cut_hdr[] = {0x80, 0x01, 0x00};
	static const uint8_t cut_data[] = {0x00, 0x05, 0x00, 0x01, 'a'};
	static const uint8_t ok[] = {0x00, 0x01, 0x00, 0x01, 'a'};
	const char * err = NULL;

	(void)state;
	assert_int_equal(decode_once(open0, sizeof(open0), &err), -1);
	assert_non_null(strstr(err, "open frame on connection id 0"));
	assert_int_equal(decode_once(close0, sizeof(close0), &err), -1);
	assert_non_null(strstr(err, "close frame on connection id 0"));
	assert_int_equal(decode_once(cut_hdr, sizeof(cut_hdr), &err), -2);
	assert_non_null(strstr(err, "inside a frame header"));
	assert_int_equal(decode_once(cut_data, sizeof(cut_data), &err), -2);
	assert_non_null(strstr(err, "inside a frame's data"));
	assert_int_equal(decode_once(ok, sizeof(ok), &err), 0);
}

/* Control messages: several per frame, and each malformation. */
static void
test_control(void ** state)
{
	uint8_t buf[3 * MUXCTL_WINDOW_LEN];
	struct muxctl m;
	const uint8_t * p;
	const char * err = NULL;
	size_t len;

	(void)state;
	muxctl_window(buf, 1, 1);
	muxctl_window(buf + 7, 65535, 0xffffffffU);
	muxctl_window(buf + 14, 300, 65536);
	p = buf;
	len = sizeof(buf);
	assert_int_equal(muxctl_next(&p, &len, &m, &err), 1);
	assert_int_equal(m.id, 1);
	assert_int_equal(m.increment, 1);
	assert_int_equal(muxctl_next(&p, &len, &m, &err), 1);
	assert_int_equal(m.id, 65535);
	assert_int_equal(m.increment, 0xffffffffU);
	assert_int_equal(muxctl_next(&p, &len, &m, &err), 1);
	assert_int_equal(m.id, 300);
	assert_int_equal(m.increment, 65536);
	assert_int_equal(muxctl_next(&p, &len, &m, &err), 0);

	/* RESET, between two WINDOWs. */
	muxctl_window(buf, 1, 1);
	assert_int_equal(muxctl_reset(buf + 7, 0x0203), MUXCTL_RESET_LEN);
	assert_int_equal(buf[7], 0x02);
	assert_int_equal(buf[8], 0x02);
	assert_int_equal(buf[9], 0x03);
	muxctl_window(buf + 10, 4, 4);
	p = buf;
	len = 17;
	assert_int_equal(muxctl_next(&p, &len, &m, &err), 1);
	assert_int_equal(muxctl_next(&p, &len, &m, &err), 1);
	assert_int_equal(m.type, MUXCTL_RESET);
	assert_int_equal(m.id, 0x0203);
	assert_int_equal(muxctl_next(&p, &len, &m, &err), 1);
	assert_int_equal(m.id, 4);
	assert_int_equal(muxctl_next(&p, &len, &m, &err), 0);
	p = buf + 7;
	len = 2;
	assert_int_equal(muxctl_next(&p, &len, &m, &err), -1);
	assert_non_null(strstr(err, "truncated RESET"));
	muxctl_reset(buf, 0);
	p = buf;
	len = 3;
	assert_int_equal(muxctl_next(&p, &len, &m, &err), -1);
	assert_non_null(strstr(err, "id 0"));

	muxctl_window(buf, 1, 1);
	p = buf;
	len = 6;
	assert_int_equal(muxctl_next(&p, &len, &m, &err), -1);
	assert_non_null(strstr(err, "truncated"));
	buf[0] = 0x09;
	p = buf;
	len = 7;
	assert_int_equal(muxctl_next(&p, &len, &m, &err), -1);
	assert_non_null(strstr(err, "unknown type"));
	muxctl_window(buf, 0, 5);
	p = buf;
	len = 7;
	assert_int_equal(muxctl_next(&p, &len, &m, &err), -1);
	assert_non_null(strstr(err, "id 0"));
	muxctl_window(buf, 9, 0);
	p = buf;
	len = 7;
	assert_int_equal(muxctl_next(&p, &len, &m, &err), -1);
	assert_non_null(strstr(err, "zero increment"));
}

/* One side of a pair of link states, and what its callbacks saw. */
struct side {
	struct muxlink * l;
	uint8_t * out;			/* Bytes for the peer. */
	size_t outlen;
	int refuse;			/* Refuse opens. */
	int nopen, neof, ncredit, nfreed, nreset;
	size_t ndata;			/* Data bytes delivered. */
	uint8_t lastport;
	void * lastuser;
};

#define OUTMAX	(4 * 1024 * 1024)

/* Callback: append to the side's output. */
static int
cb_output(void * cookie, const uint8_t * h, size_t hl, const uint8_t * d,
    size_t dl)
{
	struct side * s = cookie;

	if (s->outlen + hl + dl > OUTMAX)
		return (-1);
	memcpy(s->out + s->outlen, h, hl);
	if (dl > 0)
		memcpy(s->out + s->outlen + hl, d, dl);
	s->outlen += hl + dl;
	return (0);
}

/* Callback: an open; the handle is the id plus 0x10000. */
static void *
cb_open(void * cookie, uint16_t id, uint8_t port)
{
	struct side * s = cookie;

	s->nopen++;
	s->lastport = port;
	return (s->refuse ? NULL : (void *)(uintptr_t)(0x10000 + id));
}

/* Callback: data. */
static int
cb_data(void * cookie, void * user, const uint8_t * buf, size_t len)
{
	struct side * s = cookie;

	s->ndata += len;
	s->lastuser = user;
	return (0);
}

/* Callback: the peer half-closed. */
static void
cb_eof(void * cookie, void * user)
{
	struct side * s = cookie;

	s->neof++;
	s->lastuser = user;
}

/* Callback: credit. */
static void
cb_credit(void * cookie, void * user)
{
	struct side * s = cookie;

	s->ncredit++;
}

/* Callback: the id is free. */
static void
cb_freed(void * cookie, void * user)
{
	struct side * s = cookie;

	s->nfreed++;
	s->lastuser = user;
}

/* Callback: the peer reset. */
static void
cb_reset(void * cookie, void * user)
{
	struct side * s = cookie;

	s->nreset++;
	s->lastuser = user;
}

static const struct muxlink_cbs cbs = {
	cb_output, cb_open, cb_data, cb_eof, cb_credit, cb_freed, cb_reset
};

static uint8_t bigbuf[MUXLINK_WINDOW + 1];

/* Create a client and a server side. */
static void
pair_new(struct side * c, struct side * s)
{

	memset(c, 0, sizeof(*c));
	memset(s, 0, sizeof(*s));
	c->out = malloc(OUTMAX);
	s->out = malloc(OUTMAX);
	assert_non_null(c->out);
	assert_non_null(s->out);
	assert_non_null(c->l = muxlink_new(0, &cbs, c));
	assert_non_null(s->l = muxlink_new(1, &cbs, s));
}

/* Free both sides. */
static void
pair_free(struct side * c, struct side * s)
{

	muxlink_free(c->l);
	muxlink_free(s->l);
	free(c->out);
	free(s->out);
}

/* Deliver ${from}'s output to ${to}; return muxlink_input's result. */
static int
flush(struct side * from, struct side * to)
{
	int r;

	r = muxlink_input(to->l, from->out, from->outlen);
	from->outlen = 0;
	return (r);
}

/* Open, data both ways, half-close both ways, the id freed on both. */
static void
test_link_lifecycle(void ** state)
{
	struct side c, s;
	uint16_t id, id2;
	int cu;

	(void)state;
	pair_new(&c, &s);
	assert_int_equal(muxlink_open(c.l, 9, &cu, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(muxlink_sendable(c.l, id), MUXLINK_WINDOW);
	assert_int_equal(muxlink_send(c.l, id, bigbuf, 100000), 0);
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(s.nopen, 1);
	assert_int_equal(s.lastport, 9);
	assert_int_equal(s.ndata, 100000);
	assert_ptr_equal(s.lastuser, (void *)(uintptr_t)(0x10000 + 1));

	/* The server answers, then half-closes; the client sees it. */
	assert_int_equal(muxlink_send(s.l, id, bigbuf, 5), 0);
	assert_int_equal(muxlink_close(s.l, id), 0);
	assert_int_equal(flush(&s, &c), 0);
	assert_int_equal(c.ndata, 5);
	assert_int_equal(c.neof, 1);
	assert_ptr_equal(c.lastuser, &cu);
	assert_int_equal(muxlink_sendable(s.l, id), 0);

	/* The client still sends after the server's close. */
	assert_int_equal(muxlink_send(c.l, id, bigbuf, 10), 0);
	assert_int_equal(muxlink_close(c.l, id), 0);
	assert_int_equal(c.nfreed, 1);
	assert_int_equal(muxlink_count(c.l), 0);
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(s.ndata, 100010);
	assert_int_equal(s.neof, 1);
	assert_int_equal(s.nfreed, 1);
	assert_int_equal(muxlink_count(s.l), 0);

	/* Ids go round: the next one is 2, not the one just freed. */
	assert_int_equal(muxlink_open(c.l, 9, &cu, &id2), 0);
	assert_int_equal(id2, 2);
	assert_int_equal(flush(&c, &s), 0);
	pair_free(&c, &s);
}

/* Ids: 1 to 65535 in turn, never 0; exhaustion; a freed id comes back. */
static void
test_link_ids(void ** state)
{
	struct side c, s;
	uint16_t id;
	uint32_t i;
	int cu;

	(void)state;
	pair_new(&c, &s);
	for (i = 1; i <= 65535; i++) {
		assert_int_equal(muxlink_open(c.l, 1, &cu, &id), 0);
		assert_int_equal(id, i);
	}
	assert_int_equal(muxlink_count(c.l), 65535);
	assert_int_equal(muxlink_open(c.l, 1, &cu, &id), -1);
	assert_non_null(strstr(muxlink_error(c.l), "all 65535"));
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(s.nopen, 65535);

	/* Free id 7 both ways: the next open gets it. */
	assert_int_equal(muxlink_close(c.l, 7), 0);
	assert_int_equal(muxlink_close(s.l, 7), 0);
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(flush(&s, &c), 0);
	assert_int_equal(muxlink_open(c.l, 1, &cu, &id), 0);
	assert_int_equal(id, 7);
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(muxlink_count(s.l), 65535);
	pair_free(&c, &s);
}

/* The window: sending stops at it, credit returns in quarter batches. */
static void
test_link_window(void ** state)
{
	struct side c, s;
	uint16_t id;
	int cu;

	(void)state;
	pair_new(&c, &s);
	assert_int_equal(muxlink_open(c.l, 1, &cu, &id), 0);
	assert_int_equal(muxlink_send(c.l, id, bigbuf, MUXLINK_WINDOW), 0);
	assert_int_equal(muxlink_sendable(c.l, id), 0);
	assert_int_equal(muxlink_send(c.l, id, bigbuf, 1), -1);
	assert_non_null(strstr(muxlink_error(c.l), "beyond its credit"));
	muxlink_free(c.l);
	assert_non_null(c.l = muxlink_new(0, &cbs, &c));
	c.outlen = 0;
	s.outlen = 0;

	assert_int_equal(muxlink_open(c.l, 1, &cu, &id), 0);
	assert_int_equal(muxlink_send(c.l, id, bigbuf, MUXLINK_WINDOW), 0);
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(s.ndata, MUXLINK_WINDOW);

	/* Less than a batch consumed: no credit yet. */
	assert_int_equal(muxlink_consumed(s.l, id,
	    MUXLINK_CREDIT_BATCH - 1), 0);
	assert_int_equal(s.outlen, 0);
	assert_int_equal(muxlink_consumed(s.l, id, 1), 0);
	assert_int_equal(s.outlen, MUXFRAME_HDR + MUXCTL_WINDOW_LEN);
	assert_int_equal(flush(&s, &c), 0);
	assert_int_equal(c.ncredit, 1);
	assert_int_equal(muxlink_sendable(c.l, id), MUXLINK_CREDIT_BATCH);

	/* Consuming more than was received is the caller's bug. */
	assert_int_equal(muxlink_consumed(s.l, id, MUXLINK_WINDOW), -1);
	pair_free(&c, &s);
}

/*
 * A larger window (muxlink_set_window, as dust's streams use): four times
 * pipemux's may be in flight, credit returns in batches of a quarter of
 * it, a credit beyond it is an error; it cannot be set out of range or
 * while a connection is open.
 */
static void
test_link_set_window(void ** state)
{
	struct side c, s;
	uint16_t id;
	uint32_t w = 4 * MUXLINK_WINDOW;
	int cu, i;
	uint8_t h[MUXFRAME_HDR], m[MUXCTL_WINDOW_LEN];

	(void)state;
	pair_new(&c, &s);
	assert_int_equal(muxlink_set_window(c.l, MUXLINK_WINDOW - 1), -1);
	assert_int_equal(muxlink_set_window(c.l, MUXLINK_WINDOW_MAX + 1), -1);
	assert_int_equal(muxlink_set_window(c.l, w), 0);
	assert_int_equal(muxlink_set_window(s.l, w), 0);
	assert_int_equal(muxlink_open(c.l, 1, &cu, &id), 0);
	assert_int_equal(muxlink_set_window(c.l, MUXLINK_WINDOW), -1);
	assert_int_equal(muxlink_sendable(c.l, id), w);
	for (i = 0; i < 4; i++) {
		assert_int_equal(muxlink_send(c.l, id, bigbuf, MUXLINK_WINDOW),
		    0);
		assert_int_equal(flush(&c, &s), 0);
	}
	assert_int_equal(s.ndata, w);
	assert_int_equal(muxlink_sendable(c.l, id), 0);

	/* A batch is a quarter of the window. */
	assert_int_equal(muxlink_consumed(s.l, id, w / 4 - 1), 0);
	assert_int_equal(s.outlen, 0);
	assert_int_equal(muxlink_consumed(s.l, id, 1), 0);
	assert_int_equal(flush(&s, &c), 0);
	assert_int_equal(muxlink_sendable(c.l, id), w / 4);

	/* Credit beyond the window fails the link. */
	muxctl_window(m, id, 3 * w / 4 + 1);
	muxframe_write_hdr(h, MUXFRAME_CONTROL_ID, sizeof(m));
	assert_int_equal(muxlink_input(c.l, h, sizeof(h)), 0);
	assert_int_equal(muxlink_input(c.l, m, sizeof(m)), -1);
	assert_non_null(strstr(muxlink_error(c.l), "beyond the 1048576-byte"));
	pair_free(&c, &s);
}

/* Refused opens: a close back; what follows is discarded and credited. */
static void
test_link_refused(void ** state)
{
	struct side c, s;
	uint16_t id;
	int cu;

	(void)state;
	pair_new(&c, &s);
	s.refuse = 1;
	assert_int_equal(muxlink_open(c.l, 200, &cu, &id), 0);
	assert_int_equal(muxlink_send(c.l, id, bigbuf, MUXLINK_WINDOW), 0);
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(s.nopen, 1);
	assert_int_equal(s.ndata, 0);
	assert_int_equal(flush(&s, &c), 0);
	assert_int_equal(c.neof, 1);
	assert_int_equal(muxlink_sendable(c.l, id), MUXLINK_WINDOW);
	assert_int_equal(muxlink_close(c.l, id), 0);
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(muxlink_count(s.l), 0);
	assert_int_equal(s.nfreed, 0);
	assert_int_equal(c.nfreed, 1);
	pair_free(&c, &s);
}

/* Abandon: a close goes out and everything outstanding is credited. */
static void
test_link_abandon(void ** state)
{
	struct side c, s;
	uint16_t id;
	int cu;

	(void)state;
	pair_new(&c, &s);
	assert_int_equal(muxlink_open(c.l, 1, &cu, &id), 0);
	assert_int_equal(muxlink_send(c.l, id, bigbuf, 1000), 0);
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(muxlink_abandon(s.l, id), 0);
	/* A RESET, then a close, then full credit back. */
	assert_int_equal(s.outlen, MUXFRAME_HDR + MUXCTL_RESET_LEN +
	    MUXFRAME_HDR + MUXFRAME_HDR + MUXCTL_WINDOW_LEN);
	assert_int_equal(s.out[4], MUXCTL_RESET);
	assert_int_equal(s.out[7], 0x00);	/* close: length 0 */
	assert_int_equal(s.out[8], 0x00);
	assert_int_equal(s.out[15], MUXCTL_WINDOW);
	assert_int_equal(flush(&s, &c), 0);
	/* The reset came first: the close that follows makes no eof. */
	assert_int_equal(c.neof, 0);
	assert_int_equal(c.nreset, 1);
	assert_ptr_equal(c.lastuser, &cu);
	/* The reset side closed by itself; no freed callback after reset. */
	assert_int_equal(muxlink_count(c.l), 0);
	assert_int_equal(c.nfreed, 0);
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(muxlink_count(s.l), 0);
	assert_int_equal(s.nfreed, 0);

	/* Abandon after the peer's close: a close only, no RESET. */
	assert_int_equal(muxlink_open(c.l, 1, &cu, &id), 0);
	assert_int_equal(muxlink_close(c.l, id), 0);
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(muxlink_abandon(s.l, id), 0);
	assert_int_equal(s.outlen, MUXFRAME_HDR);
	assert_int_equal(flush(&s, &c), 0);
	assert_int_equal(c.nreset, 1);
	assert_int_equal(muxlink_count(c.l), 0);
	assert_int_equal(muxlink_count(s.l), 0);

	/* Refuse: a close and the credit, no RESET; the client sees EOF. */
	assert_int_equal(muxlink_open(c.l, 1, &cu, &id), 0);
	assert_int_equal(muxlink_send(c.l, id, bigbuf, 1000), 0);
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(muxlink_refuse(s.l, id), 0);
	assert_int_equal(s.outlen, MUXFRAME_HDR + MUXFRAME_HDR +
	    MUXCTL_WINDOW_LEN);
	assert_int_equal(flush(&s, &c), 0);
	assert_int_equal(c.neof, 2);	/* the block above made one */
	assert_int_equal(c.nreset, 1);
	assert_int_equal(muxlink_sendable(c.l, id), MUXLINK_WINDOW);
	assert_int_equal(muxlink_close(c.l, id), 0);
	assert_int_equal(flush(&c, &s), 0);
	assert_int_equal(muxlink_count(c.l), 0);
	assert_int_equal(muxlink_count(s.l), 0);

	/* A RESET for an id not in use is stale: ignored. */
	{
		uint8_t b[MUXFRAME_HDR + MUXCTL_RESET_LEN];

		muxframe_write_hdr(b, 0, MUXCTL_RESET_LEN);
		muxctl_reset(b + MUXFRAME_HDR, 77);
		assert_int_equal(muxlink_input(c.l, b, sizeof(b)), 0);
	}
	pair_free(&c, &s);
}

/* Feed ${buf} to a fresh link of the ${server} side; expect ${msg}. */
static void
expect_error(int server, const uint8_t * buf, size_t len, const char * msg)
{
	struct side x;

	memset(&x, 0, sizeof(x));
	x.out = malloc(OUTMAX);
	assert_non_null(x.out);
	assert_non_null(x.l = muxlink_new(server, &cbs, &x));
	assert_int_equal(muxlink_input(x.l, buf, len), -1);
	if (strstr(muxlink_error(x.l), msg) == NULL)
		fail_msg("error '%s' does not name '%s'", muxlink_error(x.l),
		    msg);
	/* A dead link stays dead. */
	assert_int_equal(muxlink_input(x.l, buf, 0), -1);
	muxlink_free(x.l);
	free(x.out);
}

/* Every protocol error of the peer, named. */
static void
test_link_errors(void ** state)
{
	static const uint8_t open_srv[] = {0x80, 0x00, 0x00, 0x01, 0x01};
	static const uint8_t write_unknown[] = {0x00, 0x01, 0x00, 0x07, 'x'};
	static const uint8_t close_unknown[] = {0x00, 0x00, 0x00, 0x07};
	static const uint8_t open_twice[] = {0x80, 0x00, 0x00, 0x01, 0x01,
	    0x80, 0x00, 0x00, 0x01, 0x01};
	static const uint8_t close_twice[] = {0x80, 0x00, 0x00, 0x01, 0x01,
	    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};
	static const uint8_t write_after_close[] = {0x80, 0x00, 0x00, 0x01,
	    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 'x'};
	static const uint8_t ctl_bad[] = {0x00, 0x02, 0x00, 0x00, 0x01, 0x00};
	static const uint8_t ctl_type[] = {0x00, 0x07, 0x00, 0x00, 0x09,
	    0, 1, 0, 0, 0, 1};
	static const uint8_t open0[] = {0x80, 0x00, 0x00, 0x00, 0x01};
	static uint8_t overflow[2 * MUXLINK_WINDOW];
	static uint8_t credit[MUXFRAME_OPEN_HDR + MUXFRAME_HDR +
	    MUXCTL_WINDOW_LEN];
	size_t n, k;

	(void)state;
	expect_error(0, open_srv, sizeof(open_srv),
	    "open frame from the server side");
	expect_error(1, write_unknown, sizeof(write_unknown),
	    "write frame on unknown connection id 7");
	expect_error(1, close_unknown, sizeof(close_unknown),
	    "close frame on unknown connection id 7");
	expect_error(1, open_twice, sizeof(open_twice),
	    "connection id 1, which is in use");
	expect_error(1, close_twice, sizeof(close_twice),
	    "second close frame on connection id 1");
	expect_error(1, write_after_close, sizeof(write_after_close),
	    "after its close");
	expect_error(1, ctl_bad, sizeof(ctl_bad), "truncated WINDOW");
	expect_error(1, ctl_type, sizeof(ctl_type), "unknown type");
	expect_error(1, open0, sizeof(open0), "connection id 0");

	/* More data than the window: an open, then writes past 256 KiB. */
	n = muxframe_open_hdr(overflow, 3, 1, 0);
	for (k = 0; k <= MUXLINK_WINDOW / 32000; k++) {
		n += muxframe_write_hdr(overflow + n, 3, 32000);
		n += 32000;
	}
	expect_error(1, overflow, n, "window overflow on connection id 3");

	/* Credit beyond the window: the server credits an untouched id. */
	n = muxframe_open_hdr(credit, 4, 1, 0);
	expect_error(0, credit, n, "open frame from the server side");
	n = muxframe_write_hdr(credit, 0, MUXCTL_WINDOW_LEN);
	n += muxctl_window(credit + n, 4, 1);
	{
		struct side c, s;
		uint16_t id;
		int cu;

		pair_new(&c, &s);
		for (k = 0; k < 4; k++)
			assert_int_equal(muxlink_open(c.l, 1, &cu, &id), 0);
		assert_int_equal(id, 4);
		assert_int_equal(muxlink_input(c.l, credit, n), -1);
		assert_non_null(strstr(muxlink_error(c.l),
		    "credit of 1 bytes beyond"));
		/* Credit for an id not in use is stale, not an error. */
		muxlink_free(c.l);
		assert_non_null(c.l = muxlink_new(0, &cbs, &c));
		assert_int_equal(muxlink_input(c.l, credit, n), 0);
		pair_free(&c, &s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_kinds),
		cmocka_unit_test(test_decoder_splits),
		cmocka_unit_test(test_decoder_errors),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_link_lifecycle),
		cmocka_unit_test(test_link_ids),
		cmocka_unit_test(test_link_window),
		cmocka_unit_test(test_link_set_window),
		cmocka_unit_test(test_link_refused),
		cmocka_unit_test(test_link_abandon),
		cmocka_unit_test(test_link_errors),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
