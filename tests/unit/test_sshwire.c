/*
 * The SSH format (lib/format/sshwire.c, docs/protocol.md "The SSH
 * format"), through the engine with models whose format is the OpenSSH
 * captures of tests/vectors/ssh-hellos.txt: "openssh-" (sntrup761x25519-
 * sha512, chacha20-poly1305@openssh.com) and "gcm-" (the same with
 * aes128-gcm@openssh.com, whose packet lengths are in the clear):
 * - a marked client and a server requiring the mark carry 200,000 bytes
 *   each way; the client's first flight with the template's NEWKEYS
 *   parses as a start of the captured client (sshhello_extract), its Q_C
 *   X25519 part with bit 255 clear (integration/ssh_format checks it is a
 *   curve point) and its sntrup761 public key a valid encoding; the server's first flight parses as a start of the captured
 *   server followed by packets; the client's second flight begins with
 *   NEWKEYS; with GCM every packet after the starts has a clear
 *   packet_length, a multiple of 16 up to 32,784, and its tag;
 * - the server sends its identification line (the template's bytes up
 *   to its CR LF) at once, and nothing more before the client's start is
 *   whole; a client takes that line before it has sent anything;
 * - a client of another server (wrong mark), a replayed start, real
 *   OpenSSH starts (the template's own client and a curve25519 one),
 *   random bytes and a banner followed by garbage leave the server
 *   unauthenticated and silent after its identification line;
 * - bytes off the framing after the handshake (a GCM packet_length not a
 *   multiple of 16; with ChaCha20-Poly1305, bytes Seattle cannot read)
 *   fail the connection, which then sends nothing; so does a server start
 *   that is not the learned server's, on the client;
 * - the mark rides in 80 values of the sntrup761 key and comes back out
 *   (1,000 fixed-seed draws), each value below 4591;
 * - a curve25519-sha256 capture is refused at load, naming the field;
 * - one connection from fixed seeds is tests/vectors/ssh-format-
 *   transcript.txt, which tests/integration/sshformat_ref.py recomputes.
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
#include "format/sshhello.h"
#include "format/sshwire.h"
#include "enginetest.h"
#include "formattest.h"
#include "servertest.h"
#include "shapetest.h"
#include "vectorfile.h"

/* 2026-01-01 00:00 UTC, in hours. */
#define HOUR	(1767225600 / 3600)

static uint8_t srv_b[32], srv_B[32], sid[SEATTLE_SID_MAX], MK[32];
static size_t sidlen;
static struct dust_model * chacha, * gcm;

/* setup(state): the vectors, the models, the server's identity. */
static int
setup(void ** state)
{

	if (vec_setup("tests/vectors/ssh-hellos.txt", 12))
		return (-1);
	chacha = format_model_with(ssh_format_of("openssh-"));
	gcm = format_model_with(ssh_format_of("gcm-"));
	server_identity(srv_b, srv_B, sid, &sidlen, 31, 192, 0, 2, 1, 22);
	dust_engine_mark_key(MK, srv_B, sid, sidlen);
	(void)state;
	return (0);
}

/* down(state): free them. */
static int
down(void ** state)
{

	dust_model_free(chacha);
	dust_model_free(gcm);
	return (teardown(state));
}

/* A server of ${m} requiring the mark, with the filter ${replay}. */
static struct dust_engine *
server(const struct dust_model * m, struct seattle_replay * replay,
    uint64_t seed)
{
	struct dust_rng_seeded r;
	struct dust_engine * s;

	dust_rng_seeded_u64(&r, seed);
	assert_non_null(s = dust_engine_server_new_marked(m, srv_b, sid,
	    sidlen, replay, &r.rng, MK, HOUR));
	return (s);
}

/* A marked client of ${m} of the server of public key ${B}. */
static struct dust_engine *
client(const struct dust_model * m, const uint8_t B[32], uint64_t seed)
{
	struct dust_rng_seeded r;
	struct dust_engine * c;

	dust_rng_seeded_u64(&r, seed);
	assert_non_null(c = dust_engine_client_new_marked(m, B, sid,
	    sidlen, &r.rng, NULL, HOUR));
	return (c);
}

/*
 * greeting(m, s, sw): ${s}, a fresh server of ${m}, has its identification
 * line to send at once, the template's bytes up to its CR LF, and nothing
 * more; onto ${sw}.
 */
static void
greeting(const struct dust_model * m, struct dust_engine * s,
    struct bytes * sw)
{
	const struct format_ssh * x = m->format->ssh;

	engine_drain(s, sw);
	assert_int_equal(sw->len, x->server_ident);
	assert_memory_equal(sw->b, x->server->bytes, x->server_ident);
	assert_memory_equal(sw->b, "SSH-2.0-", 8);
	assert_memory_equal(sw->b + sw->len - 2, "\r\n", 2);
	engine_drain(s, sw);
	assert_int_equal(sw->len, x->server_ident);
}

/*
 * packets_after(w, off): every packet of ${w} from ${off} on has a clear
 * packet_length, a multiple of 16 from 16 to SSHWIRE_PACKET_LEN_MAX, and
 * a 16-byte tag.  Return how many there are.
 */
static size_t
packets_after(const struct bytes * w, size_t off)
{
	size_t n = 0, len;

	while (off < w->len) {
		assert_true(w->len - off >= 4);
		len = (size_t)w->b[off] << 24 | (size_t)w->b[off + 1] << 16 |
		    (size_t)w->b[off + 2] << 8 | w->b[off + 3];
		assert_true(len >= 16 && len <= SSHWIRE_PACKET_LEN_MAX &&
		    len % 16 == 0);
		off += 4 + len + 16;
		n++;
	}
	assert_int_equal(off, w->len);
	return (n);
}

/*
 * The first flights (${cfirst}, ${sfirst} bytes) parse as the captured
 * client's and server's starts; after them, packets of the framing.
 */
static void
check_flights(const struct dust_model * m, const struct bytes * cw,
    size_t cfirst, const struct bytes * sw, size_t sfirst)
{
	const struct format_ssh * x = m->format->ssh;
	struct sshhello_flight fl;
	uint8_t * v = malloc(x->client->vlen), * start;
	size_t nk = x->client->len - x->client_newkeys;
	char err[256];

	assert_non_null(v);
	assert_non_null(start = malloc(x->client->len));
	assert_int_equal(cfirst, x->client_newkeys);
	memcpy(start, cw->b, cfirst);
	memcpy(start + cfirst, x->client->bytes + cfirst, nk);
	if (sshhello_extract(x->client, start, x->client->len, v, err,
	    sizeof(err)))
		fail_msg("client start: %s", err);
	assert_int_equal(sshhello_parse(SSHHELLO_CLIENT, start,
	    x->client->len, &fl, err, sizeof(err)), 0);
	assert_int_equal(fl.method, SSHHELLO_KEX_SNTRUP761);
	assert_true(sntrup761_valid(start + fl.q.off, SSHHELLO_SNTRUP_PK_LEN,
	    4591));
	/* Q_C's X25519 part: an X25519 public key has bit 255 clear. */
	assert_false(start[fl.q.off + SSHHELLO_SNTRUP_PK_LEN + 31] & 0x80);
	free(start);
	free(v);
	/* The client's second flight begins with the template's NEWKEYS. */
	assert_memory_equal(cw->b + cfirst, x->client->bytes +
	    x->client_newkeys, nk);
	if (sshhello_parse(SSHHELLO_SERVER, sw->b, sfirst, &fl, err,
	    sizeof(err)))
		fail_msg("server start: %s", err);
	assert_true(fl.end < sfirst);
	assert_non_null(v = malloc(x->server->vlen));
	if (sshhello_extract(x->server, sw->b, sfirst, v, err, sizeof(err)))
		fail_msg("server start: %s", err);
	free(v);
	if (x->cs.clear_length)
		printf("client: %zu packets after NEWKEYS, server: %zu\n",
		    packets_after(cw, cfirst + nk),
		    packets_after(sw, x->server->len));
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
	if (recvd < total)
		printf("not echoed: client state %d (%s), server %d (%s); "
		    "wire %zu, %zu bytes\n",
		    (int)dust_engine_state(c), dust_engine_failure(c),
		    (int)dust_engine_state(s), dust_engine_failure(s),
		    cw->len, sw->len);
	return (recvd);
}

/* pair(m): a marked client and a server of ${m} carry data both ways. */
static void
pair(const struct dust_model * m)
{
	struct dust_engine * c = client(m, srv_B, 1), * s = server(m, NULL, 2);
	struct bytes cw = { NULL, 0, 0 }, sw = { NULL, 0, 0 };
	size_t cfirst = 0, sfirst = 0;

	assert_int_equal(dust_engine_state(s), DUST_ENGINE_AWAITING_MARK);
	/*
	 * Its identification line at once, which the client takes before
	 * it has sent anything; then silent before the client's start, and
	 * before all of it.
	 */
	greeting(m, s, &sw);
	assert_int_equal(dust_put_encoded(c, sw.b, (uint16_t)sw.len), 0);
	assert_int_equal(dust_engine_state(c), DUST_ENGINE_HANDSHAKING);
	engine_drain(c, &cw);
	assert_int_equal(cw.len, m->format->ssh->client_newkeys);
	assert_int_equal(dust_put_encoded(s, cw.b, (uint16_t)(cw.len - 1)),
	    0);
	engine_drain(s, &sw);
	assert_int_equal(sw.len, m->format->ssh->server_ident);
	assert_int_equal(dust_put_encoded(s, cw.b + cw.len - 1, 1), 0);
	engine_drain(s, &sw);
	assert_true(sw.len > m->format->ssh->server_ident);
	free(cw.b);
	free(sw.b);
	dust_engine_free(c);
	dust_engine_free(s);

	c = client(m, srv_B, 1);
	s = server(m, NULL, 2);
	cw.b = sw.b = NULL;
	cw.len = cw.cap = sw.len = sw.cap = 0;
	assert_int_equal(run(c, s, &cw, &sw, 200000, &cfirst, &sfirst),
	    200000);
	assert_int_equal(dust_engine_state(c), DUST_ENGINE_ESTABLISHED);
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_ESTABLISHED);
	check_flights(m, &cw, cfirst, &sw, sfirst);
	printf("wire: client %zu bytes, server %zu bytes for 200,000\n",
	    cw.len, sw.len);
	free(cw.b);
	free(sw.b);
	dust_engine_free(c);
	dust_engine_free(s);
}

/* ChaCha20-Poly1305 and AES-GCM framings carry data both ways. */
static void
test_pair(void ** state)
{

	(void)state;
	pair(chacha);
	pair(gcm);
}

/*
 * ${first} (${len} bytes) leaves a fresh server unauthenticated, silent
 * after its identification line.
 */
static void
refused(const uint8_t * first, size_t len, struct seattle_replay * replay)
{
	struct dust_engine * s = server(chacha, replay, 3);
	struct bytes sw = { NULL, 0, 0 };
	size_t off = 0;
	struct bytes in = { (uint8_t *)(uintptr_t)first, len, len };

	greeting(chacha, s, &sw);
	engine_deliver(s, &in, &off, 100);
	engine_drain(s, &sw);
	assert_int_equal(sw.len, chacha->format->ssh->server_ident);
	free(sw.b);
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_UNAUTHENTICATED);
	assert_int_equal(dust_packet_count(s, 60000), 0);
	printf("refused: %s\n", dust_engine_failure(s));
	dust_engine_free(s);
}

/* What a server must not take for a client's start. */
static void
test_unauthenticated(void ** state)
{
	struct seattle_replay * f = seattle_replay_new(1024, NULL);
	struct dust_engine * c, * s;
	struct bytes cw = { NULL, 0, 0 }, sw = { NULL, 0, 0 };
	uint8_t other_b[32], other_B[32], junk[3000];
	const uint8_t * h[TLSVEC_MAX];
	size_t lens[TLSVEC_MAX], n, off = 0;
	struct dust_rng_seeded r;

	(void)state;
	assert_non_null(f);
	/* A client of another server: its mark is not this server's. */
	dust_rng_seeded_u64(&r, 77);
	dust_rng_fill(&r.rng, other_b, 32);
	crypto_scalarmult_base(other_B, other_b);
	c = client(chacha, other_B, 4);
	engine_drain(c, &cw);
	refused(cw.b, cw.len, NULL);
	dust_engine_free(c);
	free(cw.b);

	/* A start once authentic, sent again. */
	cw.b = NULL;
	cw.len = cw.cap = 0;
	c = client(chacha, srv_B, 5);
	engine_drain(c, &cw);
	s = server(chacha, f, 6);
	engine_deliver(s, &cw, &off, 1000);
	engine_drain(s, &sw);
	assert_true(sw.len > 0);
	refused(cw.b, cw.len, f);
	dust_engine_free(c);
	dust_engine_free(s);
	free(cw.b);
	free(sw.b);

	/* Real OpenSSH starts: the template's own client, curve25519's. */
	n = pick("openssh-", h, lens, 0);
	assert_true(n > 0);
	refused(h[0], lens[0], NULL);
	n = pick("x25519-", h, lens, 0);
	assert_true(n > 0);
	refused(h[0], lens[0], NULL);

	/* Random bytes; the client's banner, then garbage. */
	dust_rng_fill(&r.rng, junk, sizeof(junk));
	refused(junk, sizeof(junk), NULL);
	memcpy(junk, h[0], 40);
	refused(junk, sizeof(junk), NULL);
	seattle_replay_free(f);
}

/*
 * failed(m, bad, len): after a handshake of ${m}, ${bad} (${len} bytes)
 * to the server fails it: nothing more is sent, the engine is done.
 */
static void
failed(const struct dust_model * m, const uint8_t * bad, size_t len)
{
	struct dust_engine * c = client(m, srv_B, 8), * s = server(m, NULL, 9);
	struct bytes cw = { NULL, 0, 0 }, sw = { NULL, 0, 0 };
	size_t cfirst = 0, sfirst = 0, off = 0;
	struct bytes in = { (uint8_t *)(uintptr_t)bad, len, len };

	assert_int_equal(run(c, s, &cw, &sw, 1000, &cfirst, &sfirst), 1000);
	engine_deliver(s, &in, &off, 1000);
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_FAILED);
	assert_true(dust_engine_done(s));
	assert_int_equal(dust_packet_count(s, 1), 0);
	printf("failed: %s\n", dust_engine_failure(s));
	free(cw.b);
	free(sw.b);
	dust_engine_free(c);
	dust_engine_free(s);
}

/* Bytes off the framing after the handshake fail the connection. */
static void
test_failed(void ** state)
{
	uint8_t bad[40000] = { 0, 0, 0, 40 };
	struct dust_rng_seeded r;

	(void)state;
	struct dust_engine * c;
	struct bytes cw = { NULL, 0, 0 };
	const uint8_t * h[TLSVEC_MAX];
	size_t lens[TLSVEC_MAX];

	failed(gcm, bad, 4);
	dust_rng_seeded_u64(&r, 10);
	dust_rng_fill(&r.rng, bad, sizeof(bad));
	failed(chacha, bad, sizeof(bad));

	/* A client given another server's start (curve25519-sha256's). */
	c = client(chacha, srv_B, 12);
	engine_drain(c, &cw);
	assert_true(pick("x25519-", h, lens, 1) > 0);
	assert_int_equal(dust_put_encoded(c, h[0], (uint16_t)lens[0]), 0);
	assert_int_equal(dust_engine_state(c), DUST_ENGINE_FAILED);
	assert_true(dust_engine_done(c));
	assert_int_equal(dust_packet_count(c, 1), 0);
	printf("client failed: %s\n", dust_engine_failure(c));
	free(cw.b);
	dust_engine_free(c);
}

/* The mark rides in the sntrup761 key's values and comes back out. */
static void
test_mark(void ** state)
{
	struct dust_rng_seeded r;
	uint64_t mr[16];
	uint16_t v[761];
	uint8_t M[32], back[32], enc[SSHHELLO_SNTRUP_PK_LEN];
	size_t i, k;

	(void)state;
	dust_rng_seeded_u64(&r, 11);
	for (i = 0; i < 1000; i++) {
		dust_rng_fill(&r.rng, M, sizeof(M));
		sshwire_mark_draw(&r.rng, mr);
		for (k = 0; k < 761; k++)
			v[k] = (uint16_t)dust_rng_uniform(&r.rng, 4591);
		sshwire_mark_put(M, mr, v);
		for (k = 0; k < SSHWIRE_MARK_VALUES; k++)
			assert_true(v[k] < 4591);
		assert_int_equal(sntrup761_encode(v, 761, 4591, enc),
		    sizeof(enc));
		assert_int_equal(sntrup761_decode(enc, sizeof(enc), 4591, v),
		    0);
		sshwire_mark_take(v, back);
		assert_memory_equal(M, back, 32);
	}
}

/* A capture the wire cannot fill is refused at load, naming the field. */
static void
test_load(void ** state)
{
	struct dust_format * f;
	json_t * o;
	char err[512];

	(void)state;
	o = ssh_format_of("x25519-");
	expect_err(format_parse(o, &f, err, sizeof(err)), err,
	    "format.client_starts: the key exchange is curve25519-sha256");
	json_decref(o);
	o = ssh_format_of("openssh-");
	json_array_set_new(json_object_get(o, "server_starts"), 1,
	    json_string("5353482d322e30"));
	expect_err(format_parse(o, &f, err, sizeof(err)), err,
	    "format.server_starts[1]: ");
	printf("%s\n", err);
	json_decref(o);
}

/* The transcript vector, and the file it is checked against. */
#define VECTOR	"tests/vectors/ssh-format-transcript.txt"

static char out[65536];
static size_t outlen;

/* put_hex(name, b, n): append "name = <hex>" to the transcript text. */
static void
put_hex(const char * name, const uint8_t * b, size_t n)
{

	vector_hex(out, sizeof(out), &outlen, name, b, n);
}

/*
 * The transcript of one connection of the ChaCha20-Poly1305 model, made
 * from fixed seeds, against the file VECTOR (DUST_WRITE_VECTORS=1 writes
 * it); every value in it is recomputed from the text of docs/protocol.md
 * by an independent reference (tests/integration/sshformat_ref.py).
 */
static void
test_transcript(void ** state)
{
	struct dust_engine * c = client(chacha, srv_B, 41);
	struct dust_engine * s = server(chacha, NULL, 42);
	struct bytes w[5] = {{ NULL, 0, 0 }};
	int i;

	(void)state;
	/* The server's identification line comes before anything. */
	engine_talk(s, c, &w[0], NULL);
	engine_talk(c, s, &w[1], NULL);
	engine_talk(s, c, &w[2], NULL);
	engine_talk(c, s, &w[3], "hello, server");
	engine_talk(s, c, &w[4], "hello, client");
	assert_int_equal(dust_engine_state(c), DUST_ENGINE_ESTABLISHED);
	assert_int_equal(dust_engine_state(s), DUST_ENGINE_ESTABLISHED);
	outlen = (size_t)snprintf(out, sizeof(out), "# The SSH format's "
	    "transcript vector (docs/protocol.md, \"The SSH format\").\n"
	    "# Made by tests/unit/test_sshwire.c (the model: the built-in "
	    "uniform one with the\n# openssh-* captures of "
	    "tests/vectors/ssh-hellos.txt); checked by\n"
	    "# tests/integration/sshformat_ref.py.  All hex; secrets are "
	    "32 random bytes\n# before X25519 clamping.\n");
	engine_vector_keys(out, sizeof(out), &outlen, sid, sidlen, srv_b, 41,
	    42, HOUR);
	put_hex("server_banner", w[0].b, w[0].len);
	put_hex("client_start", w[1].b, w[1].len);
	put_hex("server_flight", w[2].b, w[2].len);
	put_hex("client_flight", w[3].b, w[3].len);
	put_hex("server_packets", w[4].b, w[4].len);
	for (i = 0; i < 5; i++)
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
		cmocka_unit_test(test_mark),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_transcript),
	};

	return (cmocka_run_group_tests(tests, setup, down));
}
