/*
 * The Seattle state machines back to back: random pull sizes and random
 * splits of both streams (fixed seeds), filler, and every way a session
 * must fail silently (docs/spec.md §5): bit flips, wrong server key,
 * truncation, all-zero DH, reflection, replay, too much filler.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "crypto/elligator.h"
#include "dust/rng.h"
#include "dust/seattle.h"
#include "seattle/machine.h"

/* A one-way pipe: bytes pulled from one side, not yet pushed. */
struct pipe {
	uint8_t * buf;
	size_t len, cap;
};

/* pipe_put(p, b, n): append ${n} bytes of ${b} to ${p}. */
static void
pipe_put(struct pipe * p, const uint8_t * b, size_t n)
{

	if (p->len + n > p->cap) {
		p->cap = (p->len + n) * 2;
		p->buf = realloc(p->buf, p->cap);
		assert_non_null(p->buf);
	}
	memcpy(p->buf + p->len, b, n);
	p->len += n;
}

/* pipe_pull(p, s, n): pull ${n} bytes from ${s} into ${p}. */
static void
pipe_pull(struct pipe * p, struct seattle * s, size_t n)
{
	uint8_t tmp[4096];
	size_t k;

	while (n > 0) {
		k = n < sizeof(tmp) ? n : sizeof(tmp);
		seattle_pull(s, tmp, k);
		pipe_put(p, tmp, k);
		n -= k;
	}
}

/* pipe_push(p, s, n): push the first ${n} bytes of ${p} into ${s}. */
static void
pipe_push(struct pipe * p, struct seattle * s, size_t n)
{

	if (n > p->len)
		n = p->len;
	if (n == 0)
		return;
	assert_int_equal(seattle_push(s, p->buf, n), 0);
	memmove(p->buf, p->buf + n, p->len - n);
	p->len -= n;
}

/* pipe_free(p): free the bytes of ${p}. */
static void
pipe_free(struct pipe * p)
{

	free(p->buf);
	memset(p, 0, sizeof(*p));
}

/* A test server: static key pair, SID 192.0.2.1:443 over TCP. */
static uint8_t srv_b[32], srv_B[32], sid[SEATTLE_SID_MAX];
static size_t sidlen;

/* setup(state): the server's key pair and SID, shared by all tests. */
static int
setup(void ** state)
{
	static const uint8_t addr[4] = {192, 0, 2, 1};
	struct dust_rng_seeded r;

	(void)state;
	dust_rng_seeded_u64(&r, 1000);
	dust_rng_fill(&r.rng, srv_b, 32);
	crypto_scalarmult_base(srv_B, srv_b);
	sidlen = seattle_sid(sid, 0, addr, 443, 0);
	return (0);
}

/* A pair of sessions with their generators and pipes. */
struct pair {
	struct dust_rng_seeded rc, rs, rt;	/* Client, server, test. */
	struct seattle * c, * s;
	struct pipe c2s, s2c;
};

/* pair_new(p, seed, replay): a fresh client and server from ${seed}. */
static void
pair_new(struct pair * p, uint64_t seed, struct seattle_replay * replay)
{

	memset(p, 0, sizeof(*p));
	dust_rng_seeded_u64(&p->rc, seed * 3 + 1);
	dust_rng_seeded_u64(&p->rs, seed * 3 + 2);
	dust_rng_seeded_u64(&p->rt, seed * 3 + 3);
	assert_non_null(p->c = seattle_client_new(srv_B, sid, sidlen,
	    &p->rc.rng));
	assert_non_null(p->s = seattle_server_new(srv_b, sid, sidlen, replay,
	    &p->rs.rng));
}

/* pair_free(p): free both sessions and pipes of ${p}. */
static void
pair_free(struct pair * p)
{

	seattle_free(p->c);
	seattle_free(p->s);
	pipe_free(&p->c2s);
	pipe_free(&p->s2c);
}

/* handshake(p): the minimal exchange; both sides end established. */
static void
handshake(struct pair * p)
{

	pipe_pull(&p->c2s, p->c, 32);			/* X */
	pipe_push(&p->c2s, p->s, 32);
	pipe_pull(&p->s2c, p->s, 96);			/* Y, code, IV */
	pipe_push(&p->s2c, p->c, 96);
	assert_int_equal(seattle_status(p->c), SEATTLE_ESTABLISHED);
	pipe_pull(&p->c2s, p->c, 64);			/* CC, IV */
	pipe_push(&p->c2s, p->s, 64);
	assert_int_equal(seattle_status(p->s), SEATTLE_ESTABLISHED);
}

/* A random size: mostly 1..64, sometimes up to 3000. */
static size_t
rand_size(struct dust_rng_seeded * r)
{

	if (dust_rng_uniform(&r->rng, 8) == 0)
		return (1 + dust_rng_uniform(&r->rng, 3000));
	return (1 + dust_rng_uniform(&r->rng, 64));
}

/*
 * exchange(p, total, head_c, head_s): send ${total} random bytes each
 * way, queued in random pieces at random times, with random pull sizes
 * and push splits; first the client pulls ${head_c} and the server
 * ${head_s} bytes before anything is delivered (filler).  Check both
 * ends receive exactly what was sent.
 */
static void
exchange(struct pair * p, size_t total, size_t head_c, size_t head_s)
{
	uint8_t * sent[2], * got[2];
	size_t queued[2] = {0, 0}, recvd[2] = {0, 0};
	struct seattle * side[2] = {p->c, p->s};
	struct pipe * out[2] = {&p->c2s, &p->s2c};
	size_t i, n, rounds;

	for (i = 0; i < 2; i++) {
		assert_non_null(sent[i] = malloc(total));
		assert_non_null(got[i] = malloc(total));
		dust_rng_fill(&p->rt.rng, sent[i], total);
	}
	pipe_pull(&p->c2s, p->c, head_c);
	pipe_pull(&p->s2c, p->s, head_s);
	for (rounds = 0; recvd[0] < total || recvd[1] < total; rounds++) {
		assert_true(rounds < 1000000);
		i = dust_rng_uniform(&p->rt.rng, 2);
		switch (dust_rng_uniform(&p->rt.rng, 4)) {
		case 0:		/* Queue some data. */
			n = rand_size(&p->rt) * 4;
			if (n > total - queued[i])
				n = total - queued[i];
			assert_int_equal(seattle_write(side[i],
			    sent[i] + queued[i], n), 0);
			queued[i] += n;
			break;
		case 1:		/* Pull. */
			pipe_pull(out[i], side[i], rand_size(&p->rt));
			break;
		default:	/* Deliver a random part of the pipe. */
			pipe_push(out[i], side[1 - i], 1 +
			    dust_rng_uniform(&p->rt.rng, 200));
			n = seattle_read(side[1 - i], got[i] + recvd[i],
			    total - recvd[i]);
			recvd[i] += n;
			break;
		}
		assert_int_not_equal(seattle_status(p->c), SEATTLE_FAILED);
		assert_int_not_equal(seattle_status(p->s), SEATTLE_FAILED);
	}
	for (i = 0; i < 2; i++) {
		assert_memory_equal(sent[i], got[i], total);
		free(sent[i]);
		free(got[i]);
	}
	assert_int_equal(seattle_status(p->c), SEATTLE_ESTABLISHED);
	assert_int_equal(seattle_status(p->s), SEATTLE_ESTABLISHED);
	assert_null(seattle_failure(p->c));
}

/* 20 seeds of random splits, 100 kB each way, byte-exact. */
static void
test_random_splits(void ** state)
{
	struct pair p;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 20; seed++) {
		pair_new(&p, seed, NULL);
		/* Small records, the default 16 KiB, and the largest. */
		if (seed % 3 == 1)
			assert_int_equal(seattle_set_record_data(p.c,
			    1 + seed * 37), 0);
		else if (seed % 3 == 2)
			assert_int_equal(seattle_set_record_data(p.s,
			    SEATTLE_DATA_MAX), 0);
		exchange(&p, 100000, 0, 0);
		pair_free(&p);
	}
}

/* One side pulls long before the other's key arrives: filler. */
static void
test_filler(void ** state)
{
	struct pair p;

	(void)state;
	pair_new(&p, 100, NULL);
	exchange(&p, 10000, 5000, 3001);
	pair_free(&p);
	pair_new(&p, 101, NULL);
	exchange(&p, 10000, 17, 6000);
	pair_free(&p);

	/* The bound: exactly SEATTLE_FILLER_MAX chunks are accepted... */
	pair_new(&p, 102, NULL);
	exchange(&p, 1000, 32 + 32 * SEATTLE_FILLER_MAX, 0);
	pair_free(&p);
}

/* assert_silent(s): failed, yet pull goes on giving (random) bytes. */
static void
assert_silent(struct seattle * s)
{
	uint8_t b[256];

	assert_int_equal(seattle_status(s), SEATTLE_FAILED);
	assert_non_null(seattle_failure(s));
	memset(b, 0, sizeof(b));
	seattle_pull(s, b, sizeof(b));
	assert_false(sodium_is_zero(b, sizeof(b)));
	assert_int_equal(seattle_push(s, b, sizeof(b)), 0);
	assert_int_equal(seattle_readable(s), 0);
}

/* ...and one more chunk of filler fails the receiver silently. */
static void
test_too_much_filler(void ** state)
{
	struct pair p;

	(void)state;
	pair_new(&p, 110, NULL);
	pipe_pull(&p.c2s, p.c, 32 + 32 * (SEATTLE_FILLER_MAX + 1));
	pipe_push(&p.c2s, p.s, p.c2s.len);
	assert_silent(p.s);
	assert_string_equal(seattle_failure(p.s),
	    "no client code within the filler bound");
	pair_free(&p);

	/* The same toward the client. */
	pair_new(&p, 111, NULL);
	pipe_pull(&p.s2c, p.s, 32 + 32 * (SEATTLE_FILLER_MAX + 1));
	pipe_push(&p.s2c, p.c, p.s2c.len);
	assert_silent(p.c);
	pair_free(&p);
}

/* flip_test(seed, datalen, bit): flip ${bit} of a record; must fail. */
static void
flip_test(uint64_t seed, size_t datalen, size_t bit)
{
	struct pair p;
	uint8_t msg[64];
	size_t reclen = datalen ? 35 + datalen : 35;

	pair_new(&p, seed, NULL);
	handshake(&p);
	memset(msg, 'm', sizeof(msg));
	if (datalen)
		assert_int_equal(seattle_write(p.c, msg, datalen), 0);
	pipe_pull(&p.c2s, p.c, reclen);
	p.c2s.buf[bit / 8] ^= (uint8_t)(1 << (bit % 8));
	pipe_push(&p.c2s, p.s, reclen);

	/* A longer LEN waits for more bytes: give it the padding after. */
	if (seattle_status(p.s) != SEATTLE_FAILED) {
		pipe_pull(&p.c2s, p.c, 70000);
		pipe_push(&p.c2s, p.s, 70000);
	}
	assert_silent(p.s);
	pair_free(&p);
}

/* Every single-bit flip of a data record and of a padding record. */
static void
test_bit_flips(void ** state)
{
	size_t bit;

	(void)state;
	for (bit = 0; bit < 8 * (35 + 20); bit++)
		flip_test(200, 20, bit);
	for (bit = 0; bit < 8 * 35; bit++)
		flip_test(201, 0, bit);
}

/* Unflipped, the same record is delivered: the test above can fail. */
static void
test_record_delivered(void ** state)
{
	struct pair p;
	uint8_t msg[20], got[20];

	(void)state;
	pair_new(&p, 200, NULL);
	handshake(&p);
	memset(msg, 'm', sizeof(msg));
	assert_int_equal(seattle_write(p.c, msg, 20), 0);
	assert_int_equal(seattle_unsent(p.c), 20);
	pipe_pull(&p.c2s, p.c, 55);
	assert_int_equal(seattle_unsent(p.c), 0);
	pipe_push(&p.c2s, p.s, 55);
	assert_int_equal(seattle_read(p.s, got, sizeof(got)), 20);
	assert_memory_equal(msg, got, 20);
	assert_int_equal(seattle_push_end(p.s), 0);
	assert_int_equal(seattle_status(p.s), SEATTLE_ESTABLISHED);
	pair_free(&p);
}

/*
 * bulk_flip(bit): ten whole data records (two batches: eight, two) pulled
 * and pushed in one piece; with ${bit} (< 0: none) flipped, the session
 * fails and keeps only the records before the flipped one.
 */
static void
bulk_flip(long bit)
{
	static uint8_t data[10 * SEATTLE_RECORD_DATA + 100],
	    got[sizeof(data)];
	size_t reclen = 2 + SEATTLE_LEN_MIN + SEATTLE_RECORD_DATA, n;
	struct pair p;

	pair_new(&p, 300, NULL);
	handshake(&p);
	dust_rng_fill(&p.rt.rng, data, sizeof(data));
	assert_int_equal(seattle_write(p.c, data, sizeof(data)), 0);
	pipe_pull(&p.c2s, p.c, 10 * reclen + 35 + 100);
	if (bit >= 0)
		p.c2s.buf[bit / 8] ^= (uint8_t)(1 << (bit % 8));
	pipe_push(&p.c2s, p.s, p.c2s.len);
	n = seattle_read(p.s, got, sizeof(got));
	if (bit < 0) {
		assert_int_equal(n, sizeof(data));
		assert_memory_equal(got, data, sizeof(data));
		assert_int_equal(seattle_status(p.s), SEATTLE_ESTABLISHED);
	} else {
		assert_int_equal(seattle_status(p.s), SEATTLE_FAILED);
		assert_int_equal(n, (size_t)(bit / 8 / (long)reclen) *
		    SEATTLE_RECORD_DATA);
		assert_memory_equal(got, data, n);
	}
	pair_free(&p);
}

/* Bulk records (checked eight at a time where the CPU can): delivered
 * whole, and a flipped bit in DATA, MAC or LEN of the 1st, 6th or 9th
 * record fails the session after the records before it. */
static void
test_bulk_records(void ** state)
{
	size_t reclen = 2 + SEATTLE_LEN_MIN + SEATTLE_RECORD_DATA;
	size_t r, at[] = { 0, 5, 8 };

	(void)state;
	bulk_flip(-1);
	for (r = 0; r < 3; r++) {
		bulk_flip((long)(8 * (at[r] * reclen + 100)));
		bulk_flip((long)(8 * (at[r] * reclen + reclen - 1)));
		bulk_flip((long)(8 * (at[r] * reclen + 1)));
	}
}

/* Padding fills the room announced (one record), data after it goes in
 * the next record: the peer reads it and stays established. */
static void
test_pad_room(void ** state)
{
	struct pair p;
	uint8_t msg[20], got[20];

	(void)state;
	pair_new(&p, 301, NULL);
	handshake(&p);
	seattle_pad_room(p.c, 1000);
	pipe_pull(&p.c2s, p.c, 1000);
	/* One record of 1000 bytes: LEN = 998 once decrypted. */
	pipe_push(&p.c2s, p.s, 1000);
	assert_int_equal(seattle_status(p.s), SEATTLE_ESTABLISHED);
	memset(msg, 'm', sizeof(msg));
	assert_int_equal(seattle_write(p.c, msg, 20), 0);
	pipe_pull(&p.c2s, p.c, 55);
	pipe_push(&p.c2s, p.s, 55);
	assert_int_equal(seattle_read(p.s, got, sizeof(got)), 20);
	assert_memory_equal(msg, got, 20);
	assert_int_equal(seattle_push_end(p.s), 0);
	pair_free(&p);
}

/* A client holding the wrong server key: both sides fail silently. */
static void
test_wrong_server_key(void ** state)
{
	struct pair p;
	uint8_t wrong[32];
	int i;

	(void)state;
	pair_new(&p, 300, NULL);
	seattle_free(p.c);
	memcpy(wrong, srv_B, 32);
	wrong[0] ^= 0x40;
	assert_non_null(p.c = seattle_client_new(wrong, sid, sidlen,
	    &p.rc.rng));
	assert_int_equal(seattle_write(p.c, (const uint8_t *)"hi", 2), 0);
	/* Past the filler bound, 1000 bytes a step. */
	for (i = 0; i < 32 * SEATTLE_FILLER_MAX / 1000 + 10; i++) {
		pipe_pull(&p.c2s, p.c, 1000);
		pipe_pull(&p.s2c, p.s, 1000);
		pipe_push(&p.c2s, p.s, 1000);
		pipe_push(&p.s2c, p.c, 1000);
	}
	assert_silent(p.c);
	assert_silent(p.s);
	assert_string_equal(seattle_failure(p.c),
	    "no server confirmation within the filler bound");
	pair_free(&p);
}

/* A stream cut in the handshake or inside a record is a failure. */
static void
test_truncated(void ** state)
{
	struct pair p;

	(void)state;
	pair_new(&p, 400, NULL);
	pipe_pull(&p.c2s, p.c, 20);
	pipe_push(&p.c2s, p.s, 20);
	assert_int_equal(seattle_push_end(p.s), -1);
	assert_silent(p.s);
	assert_string_equal(seattle_failure(p.s), "peer's stream truncated");
	pair_free(&p);

	pair_new(&p, 401, NULL);
	handshake(&p);
	assert_int_equal(seattle_write(p.c, (const uint8_t *)"abcdef", 6), 0);
	pipe_pull(&p.c2s, p.c, 41);
	pipe_push(&p.c2s, p.s, 40);
	assert_int_equal(seattle_readable(p.s), 0);
	assert_int_equal(seattle_push_end(p.s), -1);
	assert_silent(p.s);
	pair_free(&p);
}

/* low_order_rep(rep): a representative that maps to a low-order point. */
static void
low_order_rep(uint8_t rep[32])
{
	uint8_t u[32], zero[32] = {0};

	/* u = 0 is the point of order 2; Elligator 2 maps r = 0 to it. */
	assert_int_equal(elligator2_rev(rep, zero, 0), 0);
	elligator2_map(u, rep);
	assert_true(sodium_is_zero(u, 32));
}

/* low_order_rep_into(p): fail ${p}'s server with a low-order client key. */
static void
low_order_rep_into(struct pair * p)
{
	uint8_t rep[32];

	low_order_rep(rep);
	assert_int_equal(seattle_push(p->s, rep, 32), 0);
}

/* A key that maps to a low-order point gives an all-zero DH result. */
static void
test_zero_dh(void ** state)
{
	struct pair p;
	uint8_t rep[32];

	(void)state;
	low_order_rep(rep);
	pair_new(&p, 500, NULL);
	assert_int_equal(seattle_push(p.s, rep, 32), 0);
	assert_silent(p.s);
	assert_string_equal(seattle_failure(p.s),
	    "Diffie-Hellman result is all zero");
	assert_int_equal(seattle_push(p.c, rep, 32), 0);
	assert_silent(p.c);
	pair_free(&p);
}

/* A side fed its own stream fails; so does a spliced reflection. */
static void
test_reflection(void ** state)
{
	struct pair p;
	struct pipe own = {0};
	int i;

	(void)state;
	/* The whole stream back: no code is ever found. */
	pair_new(&p, 600, NULL);
	for (i = 0; i < 32 * SEATTLE_FILLER_MAX / 1000 + 10; i++) {
		pipe_pull(&own, p.s, 1000);
		pipe_push(&own, p.s, 1000);
	}
	assert_silent(p.s);
	pair_free(&p);

	/*
	 * The server's handshake, then the client's own IV and records: the
	 * records would verify (same K, same IV): only the IV check stops it.
	 */
	pair_new(&p, 602, NULL);
	pipe_pull(&p.c2s, p.c, 32);
	pipe_push(&p.c2s, p.s, 32);
	pipe_pull(&p.s2c, p.s, 64);
	pipe_push(&p.s2c, p.c, 64);
	assert_int_equal(seattle_write(p.c, (const uint8_t *)"echo", 4), 0);
	pipe_pull(&own, p.c, 64 + 39);
	assert_int_equal(seattle_push(p.c, own.buf + 32, 32 + 39), 0);
	assert_silent(p.c);
	assert_string_equal(seattle_failure(p.c),
	    "peer IV equals own IV (reflected stream)");
	pipe_free(&own);
	pair_free(&p);
}

/* The replay filter catches a client key seen before, top bits or not. */
static void
test_replay(void ** state)
{
	struct dust_rng_seeded r;
	struct seattle_replay * f;
	struct pair p, q;
	uint8_t X[32];

	(void)state;
	dust_rng_seeded_u64(&r, 700);
	assert_non_null(f = seattle_replay_new(16, &r.rng));
	pair_new(&p, 700, f);
	handshake(&p);
	/* p.c2s is empty: the client's X is pulled again from a copy. */
	pair_new(&q, 700, f);	/* Same seeds: the client repeats X. */
	pipe_pull(&q.c2s, q.c, 32);
	memcpy(X, q.c2s.buf, 32);
	pipe_push(&q.c2s, q.s, 32);
	assert_silent(q.s);
	assert_string_equal(seattle_failure(q.s), "client key replayed");
	pair_free(&q);

	/* The top two bits are ignored on receive, so also in the filter. */
	X[31] ^= 0xc0;
	pair_new(&q, 701, f);
	assert_int_equal(seattle_push(q.s, X, 32), 0);
	assert_silent(q.s);
	pair_free(&q);

	/* A fresh client still gets through. */
	pair_new(&q, 702, f);
	handshake(&q);
	pair_free(&q);
	pair_free(&p);
	seattle_replay_free(f);
}

/* The filter forgets the oldest key once it holds ${capacity}. */
static void
test_replay_capacity(void ** state)
{
	struct dust_rng_seeded r;
	struct seattle_replay * f;
	uint8_t keys[6][32];
	int i;

	(void)state;
	dust_rng_seeded_u64(&r, 710);
	dust_rng_fill(&r.rng, &keys[0][0], sizeof(keys));
	assert_non_null(f = seattle_replay_new(4, &r.rng));
	for (i = 0; i < 4; i++)
		assert_int_equal(seattle_replay_seen(f, keys[i]), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(seattle_replay_seen(f, keys[i]), 1);
	assert_int_equal(seattle_replay_seen(f, keys[4]), 0);	/* drops 0 */
	assert_int_equal(seattle_replay_seen(f, keys[1]), 1);
	assert_int_equal(seattle_replay_seen(f, keys[0]), 0);	/* drops 1 */
	assert_int_equal(seattle_replay_seen(f, keys[1]), 0);	/* drops 2 */
	assert_int_equal(seattle_replay_seen(f, keys[3]), 1);
	assert_int_equal(seattle_replay_seen(f, keys[2]), 0);
	assert_null(seattle_replay_new(0, NULL));
	seattle_replay_free(f);
}

/* A LEN below 33 fails at once; a bad SID length is refused. */
static void
test_bad_length(void ** state)
{
	struct pair p;
	uint8_t b[2];

	(void)state;
	pair_new(&p, 800, NULL);
	handshake(&p);
	/* Pull a padding record and rewrite its LEN (0x0021) to 0x0020. */
	pipe_pull(&p.c2s, p.c, 35);
	b[0] = p.c2s.buf[0];
	b[1] = p.c2s.buf[1] ^ 0x21 ^ 0x20;
	assert_int_equal(seattle_push(p.s, b, 2), 0);
	assert_silent(p.s);
	assert_string_equal(seattle_failure(p.s), "record length below 33");
	pair_free(&p);
	assert_null(seattle_client_new(srv_B, sid, 8, NULL));
}

/* Data queued during a padding record goes out right after it. */
static void
test_padding_latency(void ** state)
{
	struct pair p;
	uint8_t got[10];

	(void)state;
	pair_new(&p, 900, NULL);
	handshake(&p);
	pipe_pull(&p.c2s, p.c, 1);		/* A padding record starts. */
	assert_int_equal(seattle_write(p.c, (const uint8_t *)"0123456789",
	    10), 0);
	/* The rest of the padding (34), then the data record (45) but one. */
	pipe_pull(&p.c2s, p.c, 34 + 44);
	pipe_push(&p.c2s, p.s, p.c2s.len);
	assert_int_equal(seattle_readable(p.s), 0);
	assert_int_equal(seattle_unsent(p.c), 10);
	pipe_pull(&p.c2s, p.c, 1);
	assert_int_equal(seattle_unsent(p.c), 0);
	pipe_push(&p.c2s, p.s, 1);
	assert_int_equal(seattle_read(p.s, got, sizeof(got)), 10);
	assert_memory_equal(got, "0123456789", 10);
	pair_free(&p);
}

/*
 * chi2(b, n): the chi-square statistic of the byte counts of ${b} against
 * the uniform distribution (255 degrees of freedom).
 */
static double
chi2(const uint8_t * b, size_t n)
{
	double count[256] = {0}, e = (double)n / 256, x = 0;
	size_t i;

	for (i = 0; i < n; i++)
		count[b[i]]++;
	for (i = 0; i < 256; i++)
		x += (count[i] - e) * (count[i] - e) / e;
	return (x);
}

/*
 * Both streams, handshake and filler and IV and padding records, and a
 * failed session's stream, have uniform byte counts: 1 MiB each (fixed
 * seeds), chi-square with 255 degrees of freedom below 330.5 (p = 0.001).
 * A stream of zero padding that was not encrypted would score millions.
 */
static void
test_streams_uniform(void ** state)
{
	struct pair p;
	size_t n = 1 << 20;

	(void)state;
	pair_new(&p, 1000, NULL);
	pipe_pull(&p.c2s, p.c, 4096);		/* X and filler */
	pipe_pull(&p.s2c, p.s, 4096);		/* Y and filler */
	pipe_push(&p.c2s, p.s, 32);
	pipe_push(&p.s2c, p.c, 4096);		/* client holds K */
	pipe_pull(&p.c2s, p.c, n - 4096);	/* CC, IV, padding */
	pipe_pull(&p.s2c, p.s, n);		/* confirmation, IV, padding */
	assert_true(chi2(p.c2s.buf, n) < 330.5);
	assert_true(chi2(p.s2c.buf, n) < 330.5);
	pair_free(&p);

	/* A failed session's stream. */
	pair_new(&p, 1001, NULL);
	low_order_rep_into(&p);
	pipe_pull(&p.s2c, p.s, n);
	assert_int_equal(seattle_status(p.s), SEATTLE_FAILED);
	assert_true(chi2(p.s2c.buf, n) < 330.5);
	pair_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_splits),
		cmocka_unit_test(test_filler),
		cmocka_unit_test(test_too_much_filler),
		cmocka_unit_test(test_record_delivered),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_wrong_server_key),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_zero_dh),
		cmocka_unit_test(test_reflection),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_replay_capacity),
		cmocka_unit_test(test_bad_length),
		cmocka_unit_test(test_bulk_records),
		cmocka_unit_test(test_pad_room),
		cmocka_unit_test(test_padding_latency),
		cmocka_unit_test(test_streams_uniform),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
