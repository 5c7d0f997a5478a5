/*
 * bench_engine: application bytes per second through a client engine and a
 * server engine back to back (Seattle records + shaping), next to Seattle
 * alone (seattle_pull -> seattle_push, no shaping) measured in the same
 * run, for uniform, http (Huffman) and http with the exact coder.  The
 * client queues the data, get_encoded 1460-byte packets go straight to the
 * server's put_encoded (no packet_count pacing: this measures CPU).
 *
 *   bench_engine [MB]      (application megabytes per row; default 16)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dust/engine.h"
#include "dust/keyfile.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"

static uint8_t b[32], B[32], sid[SEATTLE_SID_MAX];
static size_t sidlen;

/* now(): a monotonic time in seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
}

/* seattle_only(total): MB/s of ${total} bytes through Seattle alone. */
static double
seattle_only(size_t total)
{
	struct seattle * c, * s;
	static uint8_t buf[65536], pkt[1460];
	size_t queued = 0, recvd = 0, n;
	double t0;

	c = seattle_client_new(B, sid, sidlen, NULL);
	s = seattle_server_new(b, sid, sidlen, NULL, NULL);
	memset(buf, 0x5a, sizeof(buf));
	t0 = now();
	while (recvd < total) {
		if (queued < total && seattle_unsent(c) < 65536) {
			n = total - queued < 16384 ? total - queued : 16384;
			seattle_write(c, buf, n);
			queued += n;
		}
		seattle_pull(c, pkt, sizeof(pkt));
		seattle_push(s, pkt, sizeof(pkt));
		seattle_pull(s, pkt, 64);
		seattle_push(c, pkt, 64);
		recvd += seattle_read(s, buf, sizeof(buf));
	}
	t0 = now() - t0;
	seattle_free(c);
	seattle_free(s);
	return ((double)total / t0 / 1e6);
}

/* engine(m, total, ratio): MB/s through engines of ${m}; wire/app ratio. */
static double
engine(const struct dust_model * m, size_t total, double * ratio)
{
	struct dust_engine * c, * s;
	static uint8_t buf[65535], pkt[1460];
	size_t queued = 0, recvd = 0, wire = 0;
	uint16_t n;
	double t0;

	c = dust_engine_client_new(m, B, sid, sidlen, NULL);
	s = dust_engine_server_new(m, b, sid, sidlen, NULL, NULL);
	memset(buf, 0x5a, sizeof(buf));
	t0 = now();
	while (recvd < total) {
		if (queued < total && queued < recvd + 65536) {
			n = (uint16_t)(total - queued < 16384 ?
			    total - queued : 16384);
			dust_put_decoded(c, buf, n);
			queued += n;
		}
		dust_get_encoded(c, pkt, sizeof(pkt));
		dust_put_encoded(s, pkt, sizeof(pkt));
		wire += sizeof(pkt);
		dust_get_encoded(s, pkt, 64);
		dust_put_encoded(c, pkt, 64);
		if ((n = dust_decoded_ready(s)) > 0) {
			dust_get_decoded(s, buf, n);
			recvd += n;
		}
	}
	t0 = now() - t0;
	*ratio = (double)wire / (double)total;
	dust_engine_free(c);
	dust_engine_free(s);
	return ((double)total / t0 / 1e6);
}

int
main(int argc, char * argv[])
{
	const uint8_t addr[4] = { 127, 0, 0, 1 };
	struct dust_model * m;
	const char * json;
	char err[256], * exact, * p;
	size_t total = 16;
	double base, mbs, ratio;
	int i;

	if (argc > 1)
		total = (size_t)strtoul(argv[1], NULL, 10);
	if (total == 0 || total > 1024) {
		fprintf(stderr, "usage: bench_engine [MB]\n");
		return (1);
	}
	total <<= 20;
	keyfile_generate(b, B, NULL);
	sidlen = seattle_sid(sid, 0, addr, 443, 0);

	base = seattle_only(total);
	printf("Engines back to back, %zu MB of application data per row, "
	    "1460-byte packets.\n\n", total >> 20);
	printf("| stack | MB/s (application) | vs Seattle alone | wire bytes "
	    "per application byte |\n| --- | ---: | ---: | ---: |\n");
	printf("| Seattle alone (no shaping) | %.0f | 1.00 | - |\n", base);
	for (i = 0; i < 3; i++) {
		if (i < 2) {
			m = dust_model_builtin(i ? "http" : "uniform", err,
			    sizeof(err));
		} else {
			/* http with "coder": "exact" in both parts. */
			json = dust_model_builtin_json("http");
			if ((exact = strdup(json)) == NULL)
				return (1);
			while ((p = strstr(exact, "\"huffman\"")) != NULL)
				memcpy(p, "\"exact\"  ", 9);
			m = dust_model_parse(exact, strlen(exact), err,
			    sizeof(err));
			free(exact);
		}
		if (m == NULL) {
			fprintf(stderr, "bench_engine: %s\n", err);
			return (1);
		}
		mbs = engine(m, total, &ratio);
		printf("| engine, %s | %.0f | %.2f | %.3f |\n",
		    i == 0 ? "uniform" : i == 1 ? "http (huffman)" :
		    "http (exact)", mbs, mbs / base, ratio);
		dust_model_free(m);
	}
	return (0);
}
