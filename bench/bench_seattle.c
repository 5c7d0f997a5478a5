/*
 * bench_seattle: the Seattle layer's speed, with libsodium's X25519 as the
 * yardstick measured in the same run.
 *
 *   bench_seattle [SECONDS]
 *
 * Figures (each the best of 5 rounds of SECONDS/5 per figure, default
 * 2 s in all; the rounds of X25519, of handshakes and of the curve
 * operations take turns, so that the ratios compare like with like):
 *  - records: application data through 16 KiB data records, encrypt+MAC
 *    (seattle_write + seattle_pull) and decrypt+verify (seattle_push +
 *    seattle_read), MB/s (10^6 bytes);
 *  - handshakes per second per core, client side and server side timed
 *    separately while the two state machines run back to back (creation,
 *    key pair, DH, codes, first IV), against libsodium's crypto_scalarmult
 *    (X25519) per second; goal: server side >= 1/4 of the X25519 rate;
 *  - ephemeral key generation: tries per key of elligator2_key_pair
 *    (about 2 expected: half of all points have a representative);
 *  - the server's cost broken down in X25519 units (key pair, dirty
 *    public key, map), and the ceiling they put on the server's rate.
 * Output: a markdown table on stdout.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/elligator.h"
#include "dust/seattle.h"
#include "seattle/machine.h"
#include "benchclock.h"

#define RECDATA	16384
#define ROUNDS	5

static const uint8_t sid[7] = {0, 127, 0, 0, 1, 0x1f, 0x59};
static uint8_t b[32], B[32];
static volatile uint8_t sink;


/* pair(c, s): a client and server whose handshake is done. */
static void
pair(struct seattle ** c, struct seattle ** s)
{
	uint8_t buf[96];

	*c = seattle_client_new(B, sid, sizeof(sid), NULL);
	*s = seattle_server_new(b, sid, sizeof(sid), NULL, NULL);
	if (*c == NULL || *s == NULL)
		exit(1);
	seattle_pull(*c, buf, 32);
	seattle_push(*s, buf, 32);
	seattle_pull(*s, buf, 96);
	seattle_push(*c, buf, 96);
	seattle_pull(*c, buf, 64);
	seattle_push(*s, buf, 64);
	if (seattle_status(*s) != SEATTLE_ESTABLISHED)
		exit(1);
}

/* records(secs, seal, open): best MB/s of sealing and of opening. */
static void
records(double secs, double * seal, double * open)
{
	static uint8_t data[RECDATA], wire[RECDATA + 35];
	struct seattle * c, * s;
	double t0, tseal, topen, end;
	size_t n;
	int r;

	pair(&c, &s);
	seattle_set_record_data(c, RECDATA);
	randombytes_buf(data, sizeof(data));
	*seal = *open = 0;
	for (r = 0; r < ROUNDS; r++) {
		tseal = topen = 0;
		n = 0;
		end = now() + secs / ROUNDS;
		while (now() < end) {
			t0 = now();
			seattle_write(c, data, RECDATA);
			seattle_pull(c, wire, sizeof(wire));
			tseal += now() - t0;
			t0 = now();
			seattle_push(s, wire, sizeof(wire));
			if (seattle_read(s, data, RECDATA) != RECDATA)
				exit(1);
			topen += now() - t0;
			n += RECDATA;
		}
		if (n / tseal / 1e6 > *seal)
			*seal = n / tseal / 1e6;
		if (n / topen / 1e6 > *open)
			*open = n / topen / 1e6;
	}
	seattle_free(c);
	seattle_free(s);
}

/*
 * handshake_round(secs, client, server): run handshakes for ${secs}
 * seconds; raise ${client} and ${server} to the handshakes/s of each side
 * in this round if higher.
 */
static void
handshake_round(double secs, double * client, double * server)
{
	struct seattle * c, * s;
	uint8_t buf[96];
	double t[5], tc = 0, ts = 0, end;
	size_t n = 0;

	end = now() + secs;
	while (now() < end) {
		t[0] = now();
		c = seattle_client_new(B, sid, sizeof(sid), NULL);
		seattle_pull(c, buf, 32);
		t[1] = now();
		s = seattle_server_new(b, sid, sizeof(sid), NULL, NULL);
		seattle_push(s, buf, 32);
		seattle_pull(s, buf, 96);
		t[2] = now();
		seattle_push(c, buf, 96);
		seattle_pull(c, buf, 64);
		t[3] = now();
		seattle_push(s, buf, 64);
		t[4] = now();
		if (seattle_status(s) != SEATTLE_ESTABLISHED)
			exit(1);
		seattle_free(c);
		seattle_free(s);
		tc += (t[1] - t[0]) + (t[3] - t[2]);
		ts += (t[2] - t[1]) + (t[4] - t[3]);
		n++;
	}
	if (n / tc > *client)
		*client = n / tc;
	if (n / ts > *server)
		*server = n / ts;
}

/* One curve operation, for the breakdown of a handshake's cost. */
static uint8_t op_in[32], op_out[32], op_pt[32];

static void
op_keypair(void)
{
	uint8_t sk[32];

	elligator2_key_pair(op_out, sk, NULL);
}

static void
op_dirty(void)
{

	x25519_dirty_public(op_out, op_in);
	op_in[0] ^= op_out[0];
}

static void
op_base(void)
{

	/* -1 only for a zero scalar: the result does not matter here. */
	if (crypto_scalarmult_ed25519_base_noclamp(op_out, op_in) == 0)
		op_in[0] ^= op_out[0];
	op_in[1]++;
}

static void
op_map(void)
{

	elligator2_map(op_out, op_in);
	op_in[0] ^= op_out[0];
}

static void
op_x25519(void)
{

	/* op_pt is a valid public key: the result is never all zero. */
	if (crypto_scalarmult(op_out, op_in, op_pt) != 0)
		exit(1);
	op_in[0] ^= op_out[0];
}

/*
 * rate(secs, op, best): call ${op} for ${secs} seconds; raise ${best} to
 * the calls per second of this round if higher.
 */
static void
rate(double secs, void (* op)(void), double * best)
{
	double t0, t;
	size_t n = 0;

	t0 = now();
	do {
		op();
		n++;
	} while ((t = now() - t0) < secs);
	if (n / t > *best)
		*best = n / t;
}

/* tries(keys): mean tries per ephemeral key over ${keys} keys. */
static double
tries(int keys)
{
	uint8_t rep[32], sk[32];
	long total = 0;
	int i;

	for (i = 0; i < keys; i++)
		total += elligator2_key_pair(rep, sk, NULL);
	return ((double)total / keys);
}

int
main(int argc, char ** argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	double seal, open, hc = 0, hs = 0, x = 0, t, kp = 0, dirty = 0,
	    base = 0, map = 0;
	int r;

	if (sodium_init() < 0 || secs <= 0) {
		fprintf(stderr, "usage: bench_seattle [SECONDS]\n");
		return (1);
	}
	randombytes_buf(b, 32);
	crypto_scalarmult_base(B, b);

	randombytes_buf(op_in, 32);
	crypto_scalarmult_base(op_pt, op_in);

	/* Rounds of the yardstick and of what is compared to it take
	 * turns, so that all see the same machine state. */
	for (r = 0; r < ROUNDS; r++) {
		rate(secs / ROUNDS, op_x25519, &x);
		handshake_round(secs / ROUNDS, &hc, &hs);
		rate(secs / 2 / ROUNDS, op_keypair, &kp);
		rate(secs / 2 / ROUNDS, op_dirty, &dirty);
		rate(secs / 2 / ROUNDS, op_base, &base);
		rate(secs / 2 / ROUNDS, op_map, &map);
	}
	records(secs, &seal, &open);
	t = tries(2000);

	printf("| figure | value | note |\n| --- | ---: | --- |\n");
	printf("| records: encrypt+MAC, 16 KiB data | %.1f MB/s | "
	    "seattle_write + seattle_pull |\n", seal);
	printf("| records: decrypt+verify, 16 KiB data | %.1f MB/s | "
	    "seattle_push + seattle_read |\n", open);
	printf("| X25519 (libsodium crypto_scalarmult) | %.0f /s | "
	    "yardstick |\n", x);
	printf("| handshakes, client side | %.0f /s | %.2f x X25519 |\n",
	    hc, hc / x);
	printf("| handshakes, server side | %.0f /s | %.2f x X25519 "
	    "(goal >= 0.25: %s) |\n", hs, hs / x, hs / x >= 0.25 ?
	    "met" : "NOT met");
	printf("| ephemeral key tries per key | %.2f | 2000 keys; "
	    "about 2 expected |\n", t);
	printf("| cost: ephemeral key pair | %.2f X25519 | "
	    "elligator2_key_pair |\n", x / kp);
	printf("| cost: dirty public key | %.2f X25519 | "
	    "x25519_dirty_public (libsodium's fixed-base Edwards "
	    "multiplication alone: %.2f) |\n",
	    x / dirty, x / base);
	printf("| cost: Elligator 2 map | %.2f X25519 | elligator2_map |\n",
	    x / map);
	printf("| server cost model | %.2f X25519 | key pair + map + 2 DH: "
	    "ceiling %.2f x X25519 |\n", x / kp + x / map + 2,
	    1 / (x / kp + x / map + 2));
	return (0);
}
