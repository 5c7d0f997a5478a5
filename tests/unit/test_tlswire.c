/*
 * The TLS format on the wire (lib/format/tlswire.c, docs/protocol.md "The
 * TLS format"), through the engine with a model whose format is the curl
 * and nginx captures of tests/vectors/tls13-hellos.txt:
 * - a marked client and a server requiring the mark carry 200,000 bytes
 *   each way; the client's first flight parses as a ClientHello of the
 *   captured client (tlshello_extract) whose key share is the client's
 *   key and whose random is its mark, and the server's as a ServerHello
 *   echoing the session id, a ChangeCipherSpec and the captured flight's
 *   record lengths; every later record is application_data of at most
 *   16,401 bytes;
 * - the server sends nothing before the ClientHello has verified;
 * - a client of another server (wrong mark), a replayed ClientHello, a
 *   real curl or openssl ClientHello, random bytes and a truncated hello
 *   followed by garbage leave the server unauthenticated and silent;
 * - a record that is not application_data after the handshake fails the
 *   connection: one 24-byte alert record, then done.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "dust/engine.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"

#include "format/format.h"
#include "format/tlshello.h"
#include "format/tlswire.h"
#include "enginetest.h"
#include "formattest.h"
#include "servertest.h"
#include "shapetest.h"
#include "vectorfile.h"

/* 2026-01-01 00:00 UTC, in hours. */
#define HOUR	(1767225600 / 3600)

static uint8_t srv_b[32], srv_B[32], sid[SEATTLE_SID_MAX], MK[32];
static size_t sidlen;
static struct dust_model * model;

/* setup(state): the vectors, the model, the server's identity. */
static int
setup(void ** state)
{

	if (vec_setup("tests/vectors/tls13-hellos.txt", 8))
		return (-1);
	model = format_model("curl-");
	server_identity(srv_b, srv_B, sid, &sidlen, 31, 192, 0, 2, 1, 443);
	dust_engine_mark_key(MK, srv_B, sid, sidlen);
	(void)state;
	return (0);
}

/* down(state): free them. */
static int
down(void ** state)
{

	dust_model_free(model);
	return (teardown(state));
}

/* A server requiring the mark, with the filter ${replay}. */
static struct dust_engine *
server(struct seattle_replay * replay, uint64_t seed)
{
	struct dust_rng_seeded r;
	struct dust_engine * s;

	dust_rng_seeded_u64(&r, seed);
	assert_non_null(s = dust_engine_server_new_marked(model, srv_b, sid,
	    sidlen, replay, &r.rng, MK, HOUR));
	return (s);
}

/* A marked client of the server of public key ${B}. */
static struct dust_engine *
client(const uint8_t B[32], uint64_t seed)
{
	struct dust_rng_seeded r;
	struct dust_engine * c;

	dust_rng_seeded_u64(&r, seed);
	assert_non_null(c = dust_engine_client_new_marked(model, B, sid,
	    sidlen, &r.rng, NULL, HOUR));
	return (c);
}

/*
 * records_after(w, off, max): every record of ${w} from ${off} on is
 * application_data of 17 to ${max} bytes.  Return how many there are.
 */
static size_t
records_after(const struct bytes * w, size_t off, size_t max)
{
	size_t n = 0, len;

	while (off < w->len) {
		assert_true(w->len - off >= 5);
		assert_int_equal(w->b[off], 23);
		assert_int_equal(w->b[off + 1], 3);
		assert_int_equal(w->b[off + 2], 3);
		len = (size_t)w->b[off + 3] << 8 | w->b[off + 4];
		assert_true(len >= 17 && len <= max);
		off += 5 + len;
		n++;
	}
	assert_int_equal(off, w->len);
	return (n);
}

/*
 * The first flights (${cfirst}, ${sfirst} bytes: each side's first
 * packet) parse as the captured client's and server's.
 */
static void
check_flights(const struct bytes * cw, size_t cfirst,
    const struct bytes * sw, size_t sfirst)
{
	const struct dust_format * f = model->format;
	struct tlshello_client ch;
	struct tlshello_server sh;
	uint8_t * v = malloc(f->client->vlen);
	char err[256];
	size_t i, off;

	assert_non_null(v);
	assert_int_equal(cfirst, f->client->len);
	if (tlshello_extract(f->client, cw->b, cfirst, v, err, sizeof(err)))
		fail_msg("ClientHello: %s", err);
	free(v);
	assert_int_equal(tlshello_parse_client(cw->b, cfirst, &ch, err,
	    sizeof(err)), 0);
	if (tlshello_parse_server(sw->b, sfirst, &sh, err, sizeof(err)))
		fail_msg("server flight: %s", err);
	assert_true(sh.ccs);
	assert_int_equal(sh.suite, f->suite);
	assert_true(sh.has_share && sh.share.group == TLS_GROUP_X25519);
	assert_int_equal(sh.session_id.len, ch.session_id.len);
	assert_memory_equal(sw->b + sh.session_id.off,
	    cw->b + ch.session_id.off, ch.session_id.len);
	for (i = 0; i < f->nflights; i++)
		if (f->nrecords[i] == sh.nrecords &&
		    memcmp(f->record_len[i], sh.record_len,
		    sh.nrecords * sizeof(size_t)) == 0)
			break;
	assert_true(i < f->nflights);
	/* The client's second flight: CCS, then the Finished's length. */
	off = cfirst;
	assert_memory_equal(cw->b + off, "\x14\x03\x03\x00\x01\x01", 6);
	off += 6;
	assert_int_equal((size_t)cw->b[off + 3] << 8 | cw->b[off + 4],
	    format_finished_len(f));
	printf("client: %zu records after its hello, server: %zu after its "
	    "flight\n", records_after(cw, off, TLSWIRE_RECORD_MAX),
	    records_after(sw, sfirst, TLSWIRE_RECORD_MAX));
}

/*
 * run(c, s, cw, sw, total, cfirst, sfirst): ${c} sends ${total} bytes,
 * ${s} echoes them; run until they are back or nothing moves.  The wires
 * are kept in ${cw}, ${sw}, the first packets' lengths in ${cfirst},
 * ${sfirst}.  Return the bytes echoed back.
 */
static size_t
run(struct dust_engine * c, struct dust_engine * s, struct bytes * cw,
    struct bytes * sw, size_t total, size_t * cfirst, size_t * sfirst)
{
	static uint8_t buf[65535];
	size_t coff = 0, soff = 0, recvd = 0, i, k, moved;
	uint16_t n;

	for (i = 0; i < total; i += k) {
		k = total - i < sizeof(buf) ? total - i : sizeof(buf);
		memset(buf, (int)(i / 7), k);
		assert_int_equal(dust_put_decoded(c, buf, (uint16_t)k), 0);
	}
	do {
		moved = cw->len + sw->len;
		engine_drain(c, cw);
		if (*cfirst == 0)
			*cfirst = cw->len;
		engine_deliver(s, cw, &coff, 1000);
		engine_drain(s, sw);
		if (*sfirst == 0)
			*sfirst = sw->len;
		engine_deliver(c, sw, &soff, 7000);
		while ((n = dust_decoded_ready(s)) > 0) {
			assert_int_equal(dust_get_decoded(s, buf, n), 0);
			assert_int_equal(dust_put_decoded(s, buf, n), 0);
		}
		while ((n = dust_decoded_ready(c)) > 0) {
			assert_int_equal(dust_get_decoded(c, buf, n), 0);
			recvd += n;
		}
	} while (cw->len + sw->len > moved && recvd < total);
	return (recvd);
}

/* A marked client and a server carry data both ways, as TLS. */
static void
test_pair(void ** state)
{
	struct dust_engine * c = client(srv_B, 1), * s = server(NULL, 2);
	struct bytes cw = { NULL, 0, 0 }, sw = { NULL, 0, 0 };
	size_t cfirst = 0, sfirst = 0;

	(void)state;
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_AWAITING_MARK);
	/* Silent before the ClientHello, and before all of it. */
	engine_drain(s, &sw);
	assert_int_equal(sw.len, 0);
	engine_drain(c, &cw);
	assert_int_equal(dust_put_encoded(s, cw.b, (uint16_t)(cw.len - 1)),
	    0);
	engine_drain(s, &sw);
	assert_int_equal(sw.len, 0);
	assert_int_equal(dust_put_encoded(s, cw.b + cw.len - 1, 1), 0);
	free(cw.b);
	dust_engine_free(c);
	dust_engine_free(s);

	c = client(srv_B, 1);
	s = server(NULL, 2);
	cw.b = NULL;
	cw.len = cw.cap = 0;
	assert_int_equal(run(c, s, &cw, &sw, 200000, &cfirst, &sfirst),
	    200000);
	assert_int_equal(dust_engine_state(c), DUST_ENGINE_ESTABLISHED);
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_ESTABLISHED);
	check_flights(&cw, cfirst, &sw, sfirst);
	free(cw.b);
	free(sw.b);
	dust_engine_free(c);
	dust_engine_free(s);
}

/* ${first} (${len} bytes) leaves a fresh server unauthenticated. */
static void
refused(const uint8_t * first, size_t len, struct seattle_replay * replay)
{
	struct dust_engine * s = server(replay, 3);
	struct bytes sw = { NULL, 0, 0 };
	size_t off = 0;
	struct bytes in = { (uint8_t *)(uintptr_t)first, len, len };

	engine_deliver(s, &in, &off, 100);
	engine_drain(s, &sw);
	assert_int_equal(sw.len, 0);
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_UNAUTHENTICATED);
	assert_int_equal(dust_packet_count(s, 60000), 0);
	printf("refused: %s\n", dust_engine_failure(s));
	dust_engine_free(s);
}

/* What a server must not take for a client's first flight. */
static void
test_unauthenticated(void ** state)
{
	struct seattle_replay * f = seattle_replay_new(1024, NULL);
	struct dust_engine * c, * s;
	struct bytes cw = { NULL, 0, 0 }, sw = { NULL, 0, 0 };
	uint8_t other_b[32], other_B[32], junk[600];
	const uint8_t * h[TLSVEC_MAX];
	size_t lens[TLSVEC_MAX], n, off = 0;
	struct dust_rng_seeded r;

	(void)state;
	assert_non_null(f);
	/* A client of another server: its mark is not this server's. */
	dust_rng_seeded_u64(&r, 77);
	dust_rng_fill(&r.rng, other_b, 32);
	crypto_scalarmult_base(other_B, other_b);
	c = client(other_B, 4);
	engine_drain(c, &cw);
	refused(cw.b, cw.len, NULL);
	dust_engine_free(c);
	free(cw.b);

	/* A ClientHello once authentic, sent again. */
	cw.b = NULL;
	cw.len = cw.cap = 0;
	c = client(srv_B, 5);
	engine_drain(c, &cw);
	s = server(f, 6);
	engine_deliver(s, &cw, &off, 1000);
	engine_drain(s, &sw);
	assert_true(sw.len > 0);
	refused(cw.b, cw.len, f);
	dust_engine_free(c);
	dust_engine_free(s);
	free(cw.b);
	free(sw.b);

	/* Real clients' hellos: curl's (the template's own) and openssl's. */
	n = pick("curl-", h, lens, 0);
	assert_true(n > 0);
	refused(h[0], lens[0], NULL);
	n = pick("openssl-", h, lens, 0);
	assert_true(n > 0);
	refused(h[0], lens[0], NULL);

	/* Random bytes; a hello's header then garbage. */
	dust_rng_fill(&r.rng, junk, sizeof(junk));
	refused(junk, sizeof(junk), NULL);
	memcpy(junk, h[0], 5);
	refused(junk, sizeof(junk), NULL);
	seattle_replay_free(f);
}

/* A record off the format after the handshake: an alert, then done. */
static void
test_failed(void ** state)
{
	struct dust_engine * c = client(srv_B, 8), * s = server(NULL, 9);
	struct bytes cw = { NULL, 0, 0 }, sw = { NULL, 0, 0 };
	size_t cfirst = 0, sfirst = 0;
	uint8_t bad[5] = { 22, 3, 3, 0, 40 };
	uint8_t out[64];

	(void)state;
	assert_int_equal(run(c, s, &cw, &sw, 1000, &cfirst, &sfirst), 1000);
	assert_int_equal(dust_put_encoded(s, bad, sizeof(bad)), 0);
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_FAILED);
	assert_false(dust_engine_done(s));
	assert_int_equal(dust_packet_count(s, 1), 1);
	assert_int_equal(dust_encoded_ready(s), 24);
	dust_get_encoded(s, out, 24);
	assert_memory_equal(out, "\x17\x03\x03\x00\x13", 5);
	assert_true(dust_engine_done(s));
	assert_int_equal(dust_packet_count(s, 1), 0);
	printf("failed: %s\n", dust_engine_failure(s));
	free(cw.b);
	free(sw.b);
	dust_engine_free(c);
	dust_engine_free(s);
}

/* The transcript vector, and the file it is checked against. */
#define VECTOR	"tests/vectors/tls-format-transcript.txt"

static char out[65536];
static size_t outlen;

/* put_hex(name, b, n): append "name = <hex>" to the transcript text. */
static void
put_hex(const char * name, const uint8_t * b, size_t n)
{

	vector_hex(out, sizeof(out), &outlen, name, b, n);
}

/*
 * The transcript of one connection, made from fixed seeds, against the
 * file VECTOR (DUST_WRITE_VECTORS=1 writes it); every value in it is
 * recomputed from the text of docs/protocol.md by an independent
 * reference (tests/integration/tlsformat_ref.py).
 */
static void
test_transcript(void ** state)
{
	struct dust_engine * c = client(srv_B, 41), * s = server(NULL, 42);
	struct bytes w[4] = {{ NULL, 0, 0 }};
	int i;

	(void)state;
	engine_talk(c, s, &w[0], NULL);
	engine_talk(s, c, &w[1], NULL);
	engine_talk(c, s, &w[2], "hello, server");
	engine_talk(s, c, &w[3], "hello, client");
	assert_int_equal(dust_engine_state(c), DUST_ENGINE_ESTABLISHED);
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_ESTABLISHED);
	outlen = (size_t)snprintf(out, sizeof(out), "# The TLS format's "
	    "transcript vector (docs/protocol.md, \"The TLS format\").\n"
	    "# Made by tests/unit/test_tlswire.c (the model: the built-in "
	    "uniform one with the\n# curl-* captures of "
	    "tests/vectors/tls13-hellos.txt); checked by\n"
	    "# tests/integration/tlsformat_ref.py.  All hex; secrets are "
	    "32 random bytes\n# before X25519 clamping.\n");
	engine_vector_keys(out, sizeof(out), &outlen, sid, sidlen, srv_b, 41,
	    42, HOUR);
	put_hex("client_hello", w[0].b, w[0].len);
	put_hex("server_flight", w[1].b, w[1].len);
	put_hex("client_flight", w[2].b, w[2].len);
	put_hex("server_records", w[3].b, w[3].len);
	for (i = 0; i < 4; i++)
		free(w[i].b);
	dust_engine_free(c);
	dust_engine_free(s);
	vector_check(VECTOR, out, outlen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_unauthenticated),
		cmocka_unit_test(test_failed),
		cmocka_unit_test(test_transcript),
	};

	return (cmocka_run_group_tests(tests, setup, down));
}
