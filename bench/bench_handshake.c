/*
 * bench_handshake: how often a handshake fails silently because of
 * timing alone, per built-in model and one-way network delay.  A client
 * and a server engine run on a shared clock in 10 ms ticks (packet_count,
 * encoded_ready, get_encoded), each packet reaching the peer's put_encoded
 * after the delay, until both are established or one has failed (at most
 * 60 s).  With nothing wrong, a failure means the server sent more than
 * SEATTLE_FILLER_MAX chunks of filler before it heard the client's key
 * (docs/engine.md, "The handshake and slow client flows").
 *
 *   bench_handshake [TRIALS]      (per row; default 3000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dust/engine.h"
#include "dust/keyfile.h"
#include "dust/model.h"
#include "dust/seattle.h"

#define TICK	10		/* ms */
#define LIMIT	60000		/* ms */
#define MAXPKT	100000		/* Packets in flight per direction. */

/* Packets in flight in one direction, in order of arrival time. */
struct flight {
	uint8_t * pkt[MAXPKT];
	uint16_t len[MAXPKT];
	uint32_t due[MAXPKT];
	size_t head, tail;
};

static struct flight fl[2];

/*
 * trial(m, b, B, sid, sidlen, delay): one handshake of ${m} with a
 * one-way delay of ${delay} ms.  Return 0 if both sides got established,
 * 1 if one failed or time ran out, -1 on error.
 */
static int
trial(const struct dust_model * m, const uint8_t b[32], const uint8_t B[32],
    const uint8_t * sid, size_t sidlen, uint32_t delay)
{
	struct dust_engine * e[2];
	struct flight * f;
	uint32_t ms;
	uint16_t n;
	int side, rc = 1;

	e[0] = dust_engine_client_new(m, B, sid, sidlen, NULL);
	e[1] = dust_engine_server_new(m, b, sid, sidlen, NULL, NULL);
	if (e[0] == NULL || e[1] == NULL)
		return (-1);
	for (ms = 0; ms < LIMIT; ms += TICK) {
		if (dust_engine_state(e[0]) == DUST_ENGINE_ESTABLISHED &&
		    dust_engine_state(e[1]) == DUST_ENGINE_ESTABLISHED) {
			rc = 0;
			break;
		}
		if (dust_engine_state(e[0]) == DUST_ENGINE_FAILED ||
		    dust_engine_state(e[1]) == DUST_ENGINE_FAILED)
			break;
		for (side = 0; side < 2; side++) {
			f = &fl[side];
			for (n = dust_packet_count(e[side], TICK); n > 0 &&
			    f->tail < MAXPKT; n--) {
				f->len[f->tail] = dust_encoded_ready(e[side]);
				if ((f->pkt[f->tail] = malloc(f->len[f->tail]))
				    == NULL)
					return (-1);
				dust_get_encoded(e[side], f->pkt[f->tail],
				    f->len[f->tail]);
				f->due[f->tail++] = ms + delay;
			}
			for (; f->head < f->tail && f->due[f->head] <= ms;
			    f->head++) {
				dust_put_encoded(e[1 - side], f->pkt[f->head],
				    f->len[f->head]);
				free(f->pkt[f->head]);
			}
		}
	}
	for (side = 0; side < 2; side++) {
		f = &fl[side];
		while (f->head < f->tail)
			free(f->pkt[f->head++]);
		f->head = f->tail = 0;
		dust_engine_free(e[side]);
	}
	return (rc);
}

int
main(int argc, char * argv[])
{
	static const uint32_t delays[] = { 0, 100, 300 };
	const uint8_t addr[4] = { 127, 0, 0, 1 };
	uint8_t b[32], B[32], sid[SEATTLE_SID_MAX];
	struct dust_model * m;
	const char * name;
	char err[256];
	size_t sidlen, i, d;
	long trials = 3000, t, fails;
	int rc;

	if (argc > 1)
		trials = strtol(argv[1], NULL, 10);
	if (trials < 1 || trials > 1000000) {
		fprintf(stderr, "usage: bench_handshake [TRIALS]\n");
		return (1);
	}
	keyfile_generate(b, B, NULL);
	sidlen = seattle_sid(sid, 0, addr, 443, 0);
	printf("Silent handshake failures from timing alone, %ld trials per "
	    "cell, %d ms ticks, filler bound %d chunks (%d KiB).\n\n"
	    "| model | one-way delay 0 ms | 100 ms | 300 ms |\n"
	    "| --- | ---: | ---: | ---: |\n", trials, TICK,
	    SEATTLE_FILLER_MAX, SEATTLE_FILLER_MAX / 32);
	for (i = 0; (name = dust_model_builtin_name(i)) != NULL; i++) {
		if ((m = dust_model_builtin(name, err, sizeof(err))) == NULL) {
			fprintf(stderr, "bench_handshake: %s\n", err);
			return (1);
		}
		printf("| %s |", name);
		for (d = 0; d < sizeof(delays) / sizeof(delays[0]); d++) {
			for (fails = t = 0; t < trials; t++) {
				if ((rc = trial(m, b, B, sid, sidlen,
				    delays[d])) < 0) {
					fprintf(stderr, "bench_handshake: "
					    "out of memory\n");
					return (1);
				}
				fails += rc;
			}
			printf(" %ld |", fails);
		}
		printf("\n");
		dust_model_free(m);
	}
	return (0);
}
