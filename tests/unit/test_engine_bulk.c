/*
 * The engine in bulk and at rest.
 *
 * Bulk: a client and a server engine back to back exchange BULK_MB (10)
 * MiB each way under random packetization: both sides get packet_count
 * calls of random durations (1..500 ms of a shared simulated clock), take
 * each packet at the length encoded_ready gives, and the wire bytes reach
 * the peer's put_encoded in random shares cut at random points
 * (1..65535 bytes); data is queued in random pieces (1..65535 bytes, at
 * most 1 MiB ahead of what the peer has read) and read back in random
 * amounts up to decoded_ready.  Everything must arrive byte for byte, for
 * `uniform`, `http` (Huffman) and `http` with the exact coder (EXACT_MB,
 * also 10 MiB: the coder is 2 to 3 times slower, but the whole test stays
 * well under a minute under ASan).  Fixed seeds.  A failed engine ends
 * the test at once with its reason (a silent failure would otherwise
 * leave the loop turning): e.g. with http, a client whose first packets
 * come late (seconds of flow 0) lets the server send more than Seattle's
 * 64 KiB filler bound before it hears X (bench/bench_handshake.c).
 *
 * At rest: the traffic of an idle connection (no data queued; both
 * engines exchange bytes until the handshake is done, as the peer's input
 * does not change what a side sends) matches its model part, for both
 * parts of every built-in model and of http with the exact coder:
 *  - packet lengths (encoded_ready, the first NLEN = 10000 packets): KS
 *    against the part's length distribution, D < 1.95 / sqrt(n) = 0.0195
 *    (alpha 0.001; conservative on integer-valued data);
 *  - packets per second (NSEC = 5000 seconds, each second cut into 1..10
 *    packet_count calls at random points): KS against the flow
 *    distribution, D < 1.95 / sqrt(5000) = 0.0276;
 *  - wire bytes after the prefix (the first 2^20 of them): chi-square
 *    against what the content coder emits, 2^-len(b) for Huffman and the
 *    model's weights for the exact coder (whose quantization to 2^20
 *    changes the expected statistic by under 1), below the 10^-4 critical
 *    value (Wilson-Hilferty), small bins pooled.
 * And the statistics can fail: http's client lengths and flow are far
 * from its server part's (D > 0.3), and its Huffman bytes are far from the
 * weights (chi-square > 10 times the critical value).
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/engine.h"
#include "dust/keyfile.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"

#include "servertest.h"
#include "shapetest.h"

#define BULK_MB		10
#define EXACT_MB	10
#define AHEAD		(1 << 20)	/* Queued ahead of the peer's reads. */
#define NLEN		10000
#define NSEC		5000
#define NBYTES		(1 << 20)
#define KS_CRIT(n)	(1.95 / sqrt((double)(n)))

static uint8_t srv_b[32], srv_B[32], sid[SEATTLE_SID_MAX];
static size_t sidlen;

/* setup(state): the server's key pair and identifier. */
static int
setup(void ** state)
{

	(void)state;
	server_identity(srv_b, srv_B, sid, &sidlen, 41, 198, 51, 100, 7, 8443);
	return (0);
}

/* load(name, exact): built-in model ${name}, with the exact coder if set. */
static struct dust_model *
load(const char * name, int exact)
{
	struct dust_model * m;
	char err[256], * json, * p;

	if (!exact) {
		m = dust_model_builtin(name, err, sizeof(err));
	} else {
		/* Both parts' "coder": "huffman" become "exact". */
		assert_non_null(json = strdup(dust_model_builtin_json(name)));
		while ((p = strstr(json, "\"huffman\"")) != NULL)
			memcpy(p, "\"exact\"  ", 9);
		m = dust_model_parse(json, strlen(json), err, sizeof(err));
		free(json);
	}
	if (m == NULL)
		fail_msg("%s: %s", name, err);
	return (m);
}

/* One side of the bulk exchange. */
struct side {
	struct dust_engine * e;
	uint8_t * data;		/* What it sends. */
	size_t queued;		/* Bytes of ${data} put_decoded. */
	size_t got;		/* Bytes of the peer's data read. */
	struct bytes flight;	/* Wire bytes not yet delivered. */
	uint64_t wire;		/* Wire bytes produced. */
};

/* Produce ${x}'s packets for the ${ms} milliseconds that passed. */
static void
produce(struct side * x, uint16_t ms)
{
	static uint8_t pkt[65535];
	uint16_t n, len;

	for (n = dust_packet_count(x->e, ms); n > 0; n--) {
		len = dust_encoded_ready(x->e);
		assert_true(len >= 1);
		dust_get_encoded(x->e, pkt, len);
		bytes_add(&x->flight, pkt, len);
		x->wire += len;
	}
}

/* Deliver a random share of ${x}'s bytes in flight to ${y}, re-cut. */
static void
deliver(struct side * x, struct side * y, struct dust_rng_seeded * r)
{
	size_t upto, off, k;

	if (dust_rng_uniform(&r->rng, 10) < 7)
		upto = dust_rng_uniform(&r->rng,
		    (uint32_t)x->flight.len + 1);
	else
		upto = x->flight.len;
	for (off = 0; off < upto; off += k) {
		k = rand_size(r, 65535);
		if (k > upto - off)
			k = upto - off;
		assert_int_equal(dust_put_encoded(y->e, x->flight.b + off,
		    (uint16_t)k), 0);
	}
	if (upto == 0)
		return;
	memmove(x->flight.b, x->flight.b + upto, x->flight.len - upto);
	x->flight.len -= upto;
}

/* ${y} reads a random amount of what arrived from ${x}, checked. */
static void
receive(struct side * y, const struct side * x, size_t total,
    struct dust_rng_seeded * r)
{
	static uint8_t buf[65535];
	uint16_t ready, k;

	if ((ready = dust_decoded_ready(y->e)) == 0)
		return;
	k = ready;
	if (dust_rng_uniform(&r->rng, 5) == 0)
		k = (uint16_t)rand_size(r, ready);
	assert_true(y->got + k <= total);
	assert_int_equal(dust_get_decoded(y->e, buf, k), 0);
	if (memcmp(buf, x->data + y->got, k) != 0)
		fail_msg("bytes %zu..%zu differ", y->got, y->got + k);
	y->got += k;
}

/*
 * bulk(m, label, total, seed): ${total} bytes each way between engines of
 * ${m}, all random choices seeded with ${seed}.
 */
static void
bulk(const struct dust_model * m, const char * label, size_t total,
    uint64_t seed)
{
	struct dust_rng_seeded rc, rs, r;
	struct side sd[2];
	struct side * x, * y;
	size_t n;
	unsigned long steps = 0;
	uint16_t ms;
	int i;

	dust_rng_seeded_u64(&rc, seed);
	dust_rng_seeded_u64(&rs, seed + 1);
	dust_rng_seeded_u64(&r, seed + 2);
	memset(sd, 0, sizeof(sd));
	assert_non_null(sd[0].e = dust_engine_client_new(m, srv_B, sid,
	    sidlen, &rc.rng));
	assert_non_null(sd[1].e = dust_engine_server_new(m, srv_b, sid,
	    sidlen, NULL, &rs.rng));
	for (i = 0; i < 2; i++) {
		assert_non_null(sd[i].data = malloc(total));
		dust_rng_fill(&r.rng, sd[i].data, total);
	}

	while (sd[0].got < total || sd[1].got < total) {
		assert_true(++steps < 10000000);
		ms = (uint16_t)(1 + dust_rng_uniform(&r.rng, 500));
		for (i = 0; i < 2; i++) {
			x = &sd[i];
			y = &sd[1 - i];
			if (x->queued < total && x->queued < y->got + AHEAD &&
			    dust_rng_uniform(&r.rng, 2)) {
				n = rand_size(&r, 65535);
				if (n > total - x->queued)
					n = total - x->queued;
				assert_int_equal(dust_put_decoded(x->e,
				    x->data + x->queued, (uint16_t)n), 0);
				x->queued += n;
			}
			/* A side is on while its peer lacks its data. */
			if (y->got < total)
				produce(x, ms);
			deliver(x, y, &r);
			receive(y, x, total, &r);
			if (dust_engine_state(y->e) == DUST_ENGINE_FAILED)
				fail_msg("%s: %s failed: %s", label,
				    i ? "client" : "server",
				    dust_engine_failure(y->e));
		}
	}
	printf("%s: %zu bytes each way byte-exact in %lu steps; wire %.3f "
	    "bytes per byte up, %.3f down\n", label, total, steps,
	    (double)sd[0].wire / (double)total,
	    (double)sd[1].wire / (double)total);
	for (i = 0; i < 2; i++) {
		assert_int_equal(dust_engine_state(sd[i].e),
		    DUST_ENGINE_ESTABLISHED);
		assert_int_equal(dust_decoded_ready(sd[i].e), 0);
		dust_engine_free(sd[i].e);
		free(sd[i].data);
		free(sd[i].flight.b);
	}
}

/* BULK_MB each way over uniform and http (Huffman). */
static void
test_bulk_huffman(void ** state)
{
	struct dust_model * m;

	(void)state;
	m = load("uniform", 0);
	bulk(m, "uniform", (size_t)BULK_MB << 20, 100);
	dust_model_free(m);
	m = load("http", 0);
	bulk(m, "http (huffman)", (size_t)BULK_MB << 20, 200);
	dust_model_free(m);
}

/* EXACT_MB each way over http with the exact coder. */
static void
test_bulk_exact(void ** state)
{
	struct dust_model * m;

	(void)state;
	m = load("http", 1);
	bulk(m, "http (exact)", (size_t)EXACT_MB << 20, 300);
	dust_model_free(m);
}

/* cmp_i64(a, b): qsort order of int64_t. */
static int
cmp_i64(const void * a, const void * b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return ((x > y) - (x < y));
}

/* cmp_u32(a, b): qsort order of uint32_t. */
static int
cmp_u32(const void * a, const void * b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return ((x > y) - (x < y));
}

/*
 * ks(x, n, d): the Kolmogorov-Smirnov distance of the ${n} samples ${x}
 * (sorted here) from the distribution ${d}, over the integers: the
 * empirical CDF is constant between distinct samples, so the largest gap
 * is at a sample or just below one.
 */
static double
ks(int64_t * x, size_t n, const struct dust_dist * d)
{
	double dmax = 0, lo, hi;
	size_t i, j;

	qsort(x, n, sizeof(x[0]), cmp_i64);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && x[j] == x[i]; j++)
			;
		lo = fabs((double)i / (double)n - dust_dist_cdf(d, x[i] - 1));
		hi = fabs((double)j / (double)n - dust_dist_cdf(d, x[i]));
		if (lo > dmax)
			dmax = lo;
		if (hi > dmax)
			dmax = hi;
	}
	return (dmax);
}

/* What one side sent while idle. */
struct idle {
	int64_t len[NLEN];	/* Packet lengths, */
	size_t nlen;
	int64_t persec[NSEC];	/* packets per second, */
	uint64_t count[256];	/* bytes after the prefix. */
	uint64_t nbytes;
	size_t prefixleft;
};

/*
 * take(o, e, peer): take one packet from ${e} into the sample ${o};
 * during the handshake, also hand it to ${peer}.
 */
static void
take(struct idle * o, struct dust_engine * e, struct dust_engine * peer)
{
	static uint8_t pkt[65535];
	size_t a, skip;
	uint16_t len;

	len = dust_encoded_ready(e);
	if (o->nlen < NLEN)
		o->len[o->nlen++] = len;
	dust_get_encoded(e, pkt, len);
	if (dust_engine_state(peer) == DUST_ENGINE_HANDSHAKING)
		assert_int_equal(dust_put_encoded(peer, pkt, len), 0);
	skip = o->prefixleft < len ? o->prefixleft : len;
	o->prefixleft -= skip;
	for (a = skip; a < len && o->nbytes < NBYTES; a++) {
		o->count[pkt[a]]++;
		o->nbytes++;
	}
}

/*
 * idle_run(m, seed, out): run an idle connection of ${m} for NSEC
 * seconds of each side's clock; the client's traffic goes to ${out}[0],
 * the server's to ${out}[1].  Packets are taken (get_encoded) while their
 * side still needs lengths or bytes; after that only packet_count is
 * called.
 */
static void
idle_run(const struct dust_model * m, uint64_t seed, struct idle out[2])
{
	struct dust_rng_seeded rc, rs, r;
	struct dust_engine * e[2];
	struct idle * o;
	uint32_t cut[10], ms, t;
	size_t sec, ncut, k;
	uint16_t n;
	int side;

	dust_rng_seeded_u64(&rc, seed);
	dust_rng_seeded_u64(&rs, seed + 1);
	dust_rng_seeded_u64(&r, seed + 2);
	assert_non_null(e[0] = dust_engine_client_new(m, srv_B, sid, sidlen,
	    &rc.rng));
	assert_non_null(e[1] = dust_engine_server_new(m, srv_b, sid, sidlen,
	    NULL, &rs.rng));
	for (side = 0; side < 2; side++) {
		memset(&out[side], 0, sizeof(out[side]));
		out[side].prefixleft = m->part[side].prefixlen;
	}

	for (sec = 0; sec < NSEC; sec++) {
		for (side = 0; side < 2; side++) {
			o = &out[side];
			/* 1..10 calls cutting the second at random points. */
			ncut = 1 + dust_rng_uniform(&r.rng, 10);
			for (k = 0; k + 1 < ncut; k++)
				cut[k] = dust_rng_uniform(&r.rng, 1001);
			cut[ncut - 1] = 1000;
			qsort(cut, ncut - 1, sizeof(cut[0]), cmp_u32);
			for (t = 0, k = 0; k < ncut; t = cut[k++]) {
				ms = cut[k] - t;
				n = dust_packet_count(e[side], (uint16_t)ms);
				o->persec[sec] += n;
				for (; n > 0 && (o->nlen < NLEN ||
				    o->nbytes < NBYTES); n--)
					take(o, e[side], e[1 - side]);
			}
		}
	}
	for (side = 0; side < 2; side++) {
		assert_int_equal(dust_engine_state(e[side]),
		    DUST_ENGINE_ESTABLISHED);
		assert_int_equal(out[side].nlen, NLEN);
		assert_int_equal(out[side].nbytes, NBYTES);
		dust_engine_free(e[side]);
	}
}

/*
 * expected(part, p): the byte probabilities the content coder of ${part}
 * emits: 2^-len(b) for Huffman, the weights for the exact coder.
 */
static void
expected(const struct dust_model_part * part, double p[256])
{
	int b;

	for (b = 0; b < 256; b++) {
		if (part->coder == DUST_CODER_EXACT)
			p[b] = part->weight[b];
		else
			p[b] = part->huff->len[b] ?
			    ldexp(1, -(int)part->huff->len[b]) : 0;
	}
}

/* check_idle(name, exact, seed): the idle traffic of a model's parts. */
static void
check_idle(const char * name, int exact, uint64_t seed)
{
	static struct idle out[2];
	static int64_t x[NLEN > NSEC ? NLEN : NSEC];
	static const char * const dir[2] = { "c2s", "s2c" };
	struct dust_model * m;
	const struct dust_model_part * part;
	double p[256], D, X, crit;
	int side, df;

	m = load(name, exact);
	idle_run(m, seed, out);
	for (side = 0; side < 2; side++) {
		part = &m->part[side];
		memcpy(x, out[side].len, sizeof(out[side].len));
		D = ks(x, NLEN, &part->length);
		printf("%s%s %s: lengths KS D = %.4f (< %.4f, n = %d); ",
		    name, exact ? " (exact)" : "", dir[side], D,
		    KS_CRIT(NLEN), NLEN);
		assert_true(D < KS_CRIT(NLEN));
		memcpy(x, out[side].persec, sizeof(out[side].persec));
		D = ks(x, NSEC, &part->flow);
		printf("per second KS D = %.4f (< %.4f, n = %d); ", D,
		    KS_CRIT(NSEC), NSEC);
		assert_true(D < KS_CRIT(NSEC));
		expected(part, p);
		X = chi2(out[side].count, p, NBYTES, &df);
		crit = chi2_crit(df);
		printf("bytes chi2 = %.1f (< %.1f, df %d, n = %d)\n", X, crit,
		    df, NBYTES);
		assert_true(X < crit);
	}

	/* Power: the exact coder's bytes are far from Huffman's 2^-len. */
	if (strcmp(name, "http") == 0 && exact) {
		for (df = 0; df < 256; df++)
			p[df] = m->part[DUST_C2S].huff->len[df] ?
			    ldexp(1, -(int)m->part[DUST_C2S].huff->len[df]) :
			    0;
		X = chi2(out[DUST_C2S].count, p, NBYTES, &df);
		printf("power: c2s exact bytes vs 2^-len: chi2 = %.0f "
		    "(critical %.1f)\n", X, chi2_crit(df));
		assert_true(X > 10 * chi2_crit(df));
	}

	/* Power: the other part's distributions, the raw weights. */
	if (strcmp(name, "http") == 0 && !exact) {
		memcpy(x, out[DUST_C2S].len, sizeof(out[DUST_C2S].len));
		D = ks(x, NLEN, &m->part[DUST_S2C].length);
		printf("power: c2s lengths vs s2c's: D = %.3f\n", D);
		assert_true(D > 0.3);
		memcpy(x, out[DUST_C2S].persec, sizeof(out[DUST_C2S].persec));
		D = ks(x, NSEC, &m->part[DUST_S2C].flow);
		printf("power: c2s per second vs s2c's flow: D = %.3f\n", D);
		assert_true(D > 0.3);
		X = chi2(out[DUST_C2S].count, m->part[DUST_C2S].weight, NBYTES,
		    &df);
		printf("power: c2s huffman bytes vs the weights: chi2 = %.0f "
		    "(critical %.1f)\n", X, chi2_crit(df));
		assert_true(X > 10 * chi2_crit(df));
	}
	dust_model_free(m);
}

/*
 * Idle traffic of every built-in model, and of http's exact coder; a
 * model with a format (ssh) has none: it sends only to carry data
 * (test_sshwire).
 */
static void
test_idle_matches_model(void ** state)
{
	struct dust_model * m;
	size_t i;
	const char * name;
	int format;

	(void)state;
	for (i = 0; (name = dust_model_builtin_name(i)) != NULL; i++) {
		m = load(name, 0);
		format = m->format != NULL;
		dust_model_free(m);
		if (!format)
			check_idle(name, 0, 400 + 10 * i);
	}
	check_idle("http", 1, 490);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bulk_huffman),
		cmocka_unit_test(test_bulk_exact),
		cmocka_unit_test(test_idle_matches_model),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
