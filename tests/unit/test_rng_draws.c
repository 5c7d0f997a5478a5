/*
 * What a connection costs its rng.  A counting rng (a seeded generator
 * that counts the calls made to it) is given to Seattle sessions and to
 * engines.  At creation a session draws its ephemeral key (two draws a
 * try, about two tries), its IV and the key of its filler stream; an
 * engine draws one key more, for its samples.  After creation: no draw at
 * all, however much filler, padding, output after a failure or shaped
 * traffic is pulled (docs/protocol.md, "Where filler comes from").  With
 * the rng NULL a draw is one getrandom() system call; before the keyed
 * streams every 32-byte filler chunk and every packet's samples were a
 * draw each, and every test here failed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/engine.h"
#include "dust/keyfile.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"
#include "seattle/machine.h"

#include "countrng.h"
#include "servertest.h"

/* Filler a server pulls while no client key comes: 1 MiB. */
#define FILLER_BYTES	(1024 * 1024)

/* Simulated seconds an engine runs with nothing received. */
#define IDLE_SECONDS	60

static uint8_t srv_b[32], srv_B[32], sid[SEATTLE_SID_MAX];
static size_t sidlen;

/* setup(state): the server's key pair and identifier. */
static int
setup(void ** state)
{

	(void)state;
	server_identity(srv_b, srv_B, sid, &sidlen, 41, 192, 0, 2, 1, 443);
	return (0);
}

/*
 * pull_all(s, out, len): pull ${len} bytes from ${s} to ${out} in pieces
 * of 1 to 97 bytes (cut by a generator of its own).
 */
static void
pull_all(struct seattle * s, uint8_t * out, size_t len)
{
	struct dust_rng_seeded cut;
	size_t off, n;

	dust_rng_seeded_u64(&cut, 5);
	for (off = 0; off < len; off += n) {
		n = 1 + dust_rng_uniform(&cut.rng, 97);
		if (n > len - off)
			n = len - off;
		assert_int_equal(seattle_pull(s, out + off, n), n);
	}
}

/*
 * server_filler(seed, out): a server session that hears nothing pulls
 * FILLER_BYTES to ${out} (Y, then filler); return the rng's calls made
 * after creation, which must be none.
 */
static size_t
server_filler(uint64_t seed, uint8_t * out)
{
	struct counting c;
	struct seattle * s;
	size_t created;

	counting_init(&c, seed);
	assert_non_null(s = seattle_server_new(srv_b, sid, sidlen, NULL,
	    &c.rng));
	created = c.calls;
	/* The ephemeral key, the IV and the filler stream's key at least. */
	assert_true(created >= 4);
	pull_all(s, out, FILLER_BYTES);
	assert_int_equal(seattle_status(s), SEATTLE_HANDSHAKING);
	seattle_free(s);
	return (c.calls - created);
}

/* A server's 1 MiB of filler costs no draw; it is reproducible, keyed. */
static void
test_filler_no_draws(void ** state)
{
	uint8_t * a, * b;
	size_t i, same;

	(void)state;
	assert_non_null(a = malloc(FILLER_BYTES));
	assert_non_null(b = malloc(FILLER_BYTES));
	assert_int_equal(server_filler(1, a), 0);
	assert_int_equal(server_filler(1, b), 0);
	assert_memory_equal(a, b, FILLER_BYTES);
	assert_int_equal(server_filler(2, b), 0);
	/*
	 * Another seed, another stream: of 32768 aligned 32-byte chunks
	 * none is equal (each equal by chance with probability 2^-256).
	 */
	for (same = 0, i = 0; i < FILLER_BYTES; i += 32)
		same += memcmp(a + i, b + i, 32) == 0;
	assert_int_equal(same, 0);
	/* Nor do two chunks of one stream repeat next to each other. */
	for (same = 0, i = 32; i < FILLER_BYTES; i += 32)
		same += memcmp(a + i - 32, a + i, 32) == 0;
	assert_int_equal(same, 0);
	free(a);
	free(b);
}

/* A client's filler (no Y comes) and bytes after a failure: no draw. */
static void
test_client_and_failed_no_draws(void ** state)
{
	struct counting c;
	struct seattle * s;
	uint8_t * out;
	uint8_t zero[32] = {0};
	size_t created, i, nonzero;

	(void)state;
	assert_non_null(out = malloc(FILLER_BYTES));
	counting_init(&c, 3);
	assert_non_null(s = seattle_client_new(srv_B, sid, sidlen, &c.rng));
	created = c.calls;
	pull_all(s, out, FILLER_BYTES / 2);
	assert_int_equal(c.calls, created);

	/* A key mapping to a low-order point: the silent failure. */
	assert_int_equal(seattle_push(s, zero, sizeof(zero)), 0);
	assert_int_equal(seattle_status(s), SEATTLE_FAILED);
	pull_all(s, out, FILLER_BYTES);
	assert_int_equal(c.calls, created);
	/* Random bytes still: at most 1 in 64 of them zero (expect 1/256). */
	for (nonzero = 0, i = 0; i < FILLER_BYTES; i++)
		nonzero += out[i] != 0;
	assert_true(nonzero > FILLER_BYTES - FILLER_BYTES / 64);
	seattle_free(s);
	free(out);
}

/*
 * engine_idle(e, c): run ${e} for IDLE_SECONDS of simulated time (packet
 * counts every 10 ms) with nothing received.  Return the wire bytes sent.
 */
static size_t
engine_idle(struct dust_engine * e)
{
	uint8_t pkt[65535];
	size_t wire = 0;
	uint32_t ms;
	uint16_t n, len;

	for (ms = 0; ms < IDLE_SECONDS * 1000; ms += 10) {
		for (n = dust_packet_count(e, 10); n > 0; n--) {
			len = dust_encoded_ready(e);
			assert_true(len >= 1);
			dust_get_encoded(e, pkt, len);
			wire += len;
		}
	}
	return (wire);
}

/*
 * An engine's shaped filler to a silent peer (the built-in http model,
 * whose server sends to a connection that sends nothing; and its client):
 * no draw after creation, over thousands of packets.
 */
static void
test_engine_idle_no_draws(void ** state)
{
	struct dust_model * m;
	struct dust_engine * e;
	struct counting c;
	size_t created, wire;
	char err[256];

	(void)state;
	assert_non_null(m = dust_model_builtin("http", err, sizeof(err)));

	counting_init(&c, 4);
	assert_non_null(e = dust_engine_server_new(m, srv_b, sid, sidlen,
	    NULL, &c.rng));
	created = c.calls;
	wire = engine_idle(e);
	/* Enough traffic that one draw per chunk or packet would show. */
	assert_true(wire > 100 * 1000);
	assert_int_equal(c.calls, created);
	dust_engine_free(e);

	counting_init(&c, 5);
	assert_non_null(e = dust_engine_client_new(m, srv_B, sid, sidlen,
	    &c.rng));
	created = c.calls;
	wire = engine_idle(e);
	assert_true(wire > 0);
	assert_int_equal(c.calls, created);
	dust_engine_free(e);
	dust_model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filler_no_draws),
		cmocka_unit_test(test_client_and_failed_no_draws),
		cmocka_unit_test(test_engine_idle_no_draws),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
