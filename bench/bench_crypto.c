/*
 * bench_crypto: Skein-256 speed against libsodium's BLAKE2b
 * (crypto_generichash), measured side by side in one run.
 *
 *   bench_crypto [SECONDS]
 *
 * Figures: Skein-256-256 and BLAKE2b-256 hashing 16 KiB messages (MB/s,
 * and their ratio; the goal is Skein >= 0.5 x BLAKE2b), Skein-MAC-256 over
 * 64-byte messages (MACs per second; also from a keyed context
 * copied per message), the Skein stream cipher of
 * docs/spec.md §2.2 xoring 16 KiB buffers (MB/s), and Skein-MAC of
 * 16 KiB records one at a time and eight side by side (MB/s).  Each figure is the
 * best of 5 rounds of SECONDS/5 (default 2 s in all per figure); the Skein
 * and BLAKE2b rounds alternate so that both see the same machine state.
 * Output: a markdown table on stdout.  MB = 10^6 bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/skein.h"
#include "benchclock.h"

#define MSGLEN	16384
#define MACLEN	64
#define ROUNDS	5

static uint8_t msg[MSGLEN];
static volatile uint8_t sink;	/* keeps results alive */


/* One unit of work of a benchmark: returns the bytes or items done. */
typedef size_t (*workfn)(void);

/* Skein-256-256 of a 16 KiB message. */
static size_t
work_skein(void)
{
	uint8_t out[32];

	skein256_hash(out, 32, msg, MSGLEN);
	msg[0] ^= out[0];	/* chain the runs: nothing to hoist */
	return (MSGLEN);
}

/* BLAKE2b-256 (crypto_generichash) of a 16 KiB message. */
static size_t
work_blake2b(void)
{
	uint8_t out[32];

	crypto_generichash(out, 32, msg, MSGLEN, NULL, 0);
	msg[0] ^= out[0];
	return (MSGLEN);
}

/* Skein-MAC-256-256 of a 64-byte message under a 32-byte key. */
static size_t
work_mac(void)
{
	uint8_t out[32];

	skein256_mac(out, msg + 100, 32, msg, MACLEN);
	msg[0] ^= out[0];
	return (1);
}

static struct skein256_ctx keyed;

/*
 * The same MAC from a context keyed once (Key and Config UBIs done) and
 * copied per message, as a caller MACing many records under one key can.
 */
static size_t
work_mac_keyed(void)
{
	struct skein256_ctx ctx = keyed;
	uint8_t out[32];

	skein256_update(&ctx, msg, MACLEN);
	skein256_final(&ctx, out);
	msg[0] ^= out[0];
	return (1);
}

/* Skein-MAC of a 16 KiB record from the keyed context, one at a time. */
static size_t
work_mac_record(void)
{
	struct skein256_ctx ctx = keyed;
	uint8_t out[32];

	skein256_update(&ctx, msg, MSGLEN);
	skein256_final(&ctx, out);
	msg[0] ^= out[0];
	return (MSGLEN);
}

/*
 * Eight 16 KiB records side by side (skein256_mac8, as Seattle does for
 * bulk data); one at a time where the CPU has no 8-lane vectors.
 */
static size_t
work_mac_record8(void)
{
	static uint8_t codes[8][32];
	const uint8_t * m[8];
	uint8_t * out[8];
	int j;

	for (j = 0; j < 8; j++) {
		m[j] = msg;
		out[j] = codes[j];
	}
	if (!skein256_mac8(&keyed, m, MSGLEN, out)) {
		for (j = 0; j < 8; j++)
			work_mac_record();
	}
	msg[0] ^= codes[7][0];
	return (8 * MSGLEN);
}

static struct skein256_stream stream;

/* XOR 16 KiB with the running keystream, in place. */
static size_t
work_stream(void)
{

	skein256_stream_xor(&stream, msg, msg, MSGLEN);
	return (MSGLEN);
}

/* Run ${fn} for about ${secs} seconds; return units per second. */
static double
rate(workfn fn, double secs)
{
	double start = now(), t;
	size_t done = 0;
	unsigned i;

	do {
		for (i = 0; i < 16; i++)
			done += fn();
		t = now() - start;
	} while (t < secs);
	return ((double)done / t);
}

int
main(int argc, char * argv[])
{
	static const uint8_t key[32] = {1}, iv[32] = {2};
	double secs = 2.0, r, best[7] = {0, 0, 0, 0, 0, 0, 0};
	workfn fns[7] = {work_skein, work_blake2b, work_mac, work_mac_keyed,
	    work_stream, work_mac_record, work_mac_record8};
	int round, i;

	if (argc > 1 && (secs = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: bench_crypto [SECONDS]\n");
		return (1);
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "bench_crypto: sodium_init failed\n");
		return (1);
	}
	randombytes_buf(msg, sizeof(msg));
	skein256_stream_init(&stream, key, iv);
	skein256_init_mac(&keyed, msg + 100, 32, 32);
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < 7; i++) {
			r = rate(fns[i], secs / ROUNDS);
			if (r > best[i])
				best[i] = r;
		}
	}
	skein256_stream_wipe(&stream);
	sodium_memzero(&keyed, sizeof(keyed));
	sink = msg[0];

	printf("## Skein-256 (libdust) vs BLAKE2b (libsodium %s)\n\n",
	    sodium_version_string());
	printf("| figure | value |\n| --- | ---: |\n");
	printf("| Skein-256-256 hash, 16 KiB messages | %.1f MB/s |\n",
	    best[0] / 1e6);
	printf("| BLAKE2b-256 (crypto_generichash), 16 KiB messages "
	    "| %.1f MB/s |\n", best[1] / 1e6);
	printf("| ratio Skein / BLAKE2b (goal >= 0.50) | %.2f |\n",
	    best[0] / best[1]);
	printf("| Skein-MAC-256, 64-byte messages | %.0f MACs/s |\n",
	    best[2]);
	printf("| Skein-MAC-256, 64-byte messages, keyed context copied "
	    "| %.0f MACs/s |\n", best[3]);
	printf("| Skein-256 stream cipher xor, 16 KiB calls | %.1f MB/s |\n",
	    best[4] / 1e6);
	printf("| Skein-MAC-256 of 16 KiB records, one at a time | %.1f MB/s |\n",
	    best[5] / 1e6);
	printf("| Skein-MAC-256 of 16 KiB records, eight side by side "
	    "(AVX-512) | %.1f MB/s |\n", best[6] / 1e6);
	printf("\n(best of %d rounds of %.2f s each; MB = 10^6 bytes)\n",
	    ROUNDS, secs / ROUNDS);
	return (0);
}
