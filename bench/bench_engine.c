/*
 * bench_engine: application bytes per second through a client engine and a
 * server engine back to back (Seattle records + shaping), next to Seattle
 * alone (seattle_pull -> seattle_push, no shaping) measured in the same
 * run, for uniform and http, each with both coders.  The client queues the
 * data, get_encoded 1460-byte packets go straight to the server's
 * put_encoded (no packet_count pacing: this measures CPU); one thread does
 * both ends, so the figure is encode + decode per core.  Each row also
 * gives the capacity (application bits per wire byte, record overhead
 * included) and KL(target || wire bytes) of the client's wire, measured
 * from its byte counts.
 *
 * Then memory: heap bytes per engine (mallinfo2 deltas over N engines,
 * fresh and after carrying data), and the heap of a loaded model, which
 * every connection using it shares.
 *
 *   bench_engine [MB]      (application megabytes per row; default 16)
 */
#include <malloc.h>
#include <math.h>
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
#include "seattle/machine.h"
#include "benchclock.h"

static uint8_t b[32], B[32], sid[SEATTLE_SID_MAX];
static size_t sidlen;


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

/* kl(count, n, w): KL(w || counts / n) in bits (INFINITY if a byte of
 * weight > 0 never appeared). */
static double
kl(const uint64_t count[256], uint64_t n, const double w[256])
{
	double d = 0, q;
	int i;

	for (i = 0; i < 256; i++) {
		if (w[i] == 0)
			continue;
		if (count[i] == 0)
			return (INFINITY);
		q = (double)count[i] / (double)n;
		d += w[i] * log2(w[i] / q);
	}
	return (d);
}

/*
 * engine(m, total, ratio, kld): MB/s through engines of ${m}; wire bytes
 * per application byte to ${ratio}, KL of the client's wire bytes (after
 * the prefix) from the target to ${kld}.
 */
static double
engine(const struct dust_model * m, size_t total, double * ratio,
    double * kld)
{
	static uint64_t count[256];
	size_t k;
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
		for (k = wire == 0 ? m->part[DUST_C2S].prefixlen : 0;
		    k < sizeof(pkt); k++)
			count[pkt[k]]++;
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
	*kld = kl(count, wire - m->part[DUST_C2S].prefixlen,
	    m->part[DUST_C2S].weight);
	memset(count, 0, sizeof(count));
	dust_engine_free(c);
	dust_engine_free(s);
	return ((double)total / t0 / 1e6);
}

/* load(name, exact): built-in model ${name}, its coders made exact if set. */
static struct dust_model *
load(const char * name, int exact)
{
	struct dust_model * m;
	char err[256], * json, * p;

	if (!exact) {
		m = dust_model_builtin(name, err, sizeof(err));
	} else {
		/* "coder": "huffman" in both parts becomes "exact". */
		if ((json = strdup(dust_model_builtin_json(name))) == NULL)
			return (NULL);
		while ((p = strstr(json, "\"huffman\"")) != NULL)
			memcpy(p, "\"exact\"  ", 9);
		m = dust_model_parse(json, strlen(json), err, sizeof(err));
		free(json);
	}
	if (m == NULL)
		fprintf(stderr, "bench_engine: %s\n", err);
	return (m);
}

/* heap(): bytes of heap in use now. */
static size_t
heap(void)
{

	return (mallinfo2().uordblks);
}

#define NMEM	256		/* Engines per memory measurement. */
#define MEMDATA	(16 * 16384)	/* Bytes each way, then measure. */

/*
 * memory(m): heap per engine of ${m}: fresh client and server engines,
 * then pairs after the handshake and 256 kB each way (buffers grown to
 * record size; every byte delivered and read).  Print a row.
 */
static int
memory(const char * label, const struct dust_model * m)
{
	static struct dust_engine * c[NMEM], * s[NMEM];
	static uint8_t buf[65535], pkt[1460];
	struct dust_engine * e[2];
	size_t h0, fresh, busy, queued[2], got[2], i;
	uint16_t n;
	int k;

	h0 = heap();
	for (i = 0; i < NMEM; i++) {
		c[i] = dust_engine_client_new(m, B, sid, sidlen, NULL);
		s[i] = dust_engine_server_new(m, b, sid, sidlen, NULL, NULL);
		if (c[i] == NULL || s[i] == NULL)
			return (-1);
	}
	fresh = (heap() - h0) / (2 * NMEM);
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < NMEM; i++) {
		e[0] = c[i];
		e[1] = s[i];
		queued[0] = queued[1] = got[0] = got[1] = 0;
		/* 16 kB pieces, each sent once the last has arrived. */
		while (got[0] < MEMDATA || got[1] < MEMDATA) {
			for (k = 0; k < 2; k++) {
				if (queued[k] < MEMDATA &&
				    queued[k] == got[k]) {
					dust_put_decoded(e[k], buf, 16384);
					queued[k] += 16384;
				}
				dust_get_encoded(e[k], pkt, sizeof(pkt));
				dust_put_encoded(e[1 - k], pkt, sizeof(pkt));
				while ((n = dust_decoded_ready(e[1 - k])) > 0) {
					dust_get_decoded(e[1 - k], buf, n);
					got[k] += n;
				}
			}
			if (dust_engine_state(c[i]) == DUST_ENGINE_FAILED ||
			    dust_engine_state(s[i]) == DUST_ENGINE_FAILED)
				return (-1);
		}
	}
	busy = (heap() - h0) / (2 * NMEM);
	for (i = 0; i < NMEM; i++) {
		dust_engine_free(c[i]);
		dust_engine_free(s[i]);
	}
	printf("| %s | %zu | %zu |\n", label, fresh, busy);
	return (0);
}

int
main(int argc, char * argv[])
{
	static const struct {
		const char * name;
		int exact;
		const char * label;
	} rows[] = {
		{ "uniform", 0, "uniform (huffman = identity)" },
		{ "uniform", 1, "uniform (exact)" },
		{ "http", 0, "http (huffman)" },
		{ "http", 1, "http (exact)" },
	};
	const uint8_t addr[4] = { 127, 0, 0, 1 };
	struct dust_model * m;
	size_t total = 16, h0, i;
	double base, mbs, ratio, kld;

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
	    "1460-byte packets, one thread (encode + decode per core).\n\n",
	    total >> 20);
	printf("| stack | MB/s (application) | vs Seattle alone | wire bytes "
	    "per application byte | capacity (application bits per wire "
	    "byte) | KL(target \\|\\| client wire), bits |\n"
	    "| --- | ---: | ---: | ---: | ---: | ---: |\n");
	printf("| Seattle alone (no shaping) | %.0f | 1.00 | - | - | - |\n",
	    base);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if ((m = load(rows[i].name, rows[i].exact)) == NULL)
			return (1);
		mbs = engine(m, total, &ratio, &kld);
		printf("| engine, %s | %.0f | %.2f | %.3f | %.3f | %.2e |\n",
		    rows[i].label, mbs, mbs / base, ratio, 8 / ratio, kld);
		dust_model_free(m);
	}

	printf("\nHeap per engine (mallinfo2 over %d clients and %d servers; "
	    "the model is shared, not counted).\n\n| model | fresh, bytes "
	    "| after 256 kB each way, bytes |\n| --- | ---: | ---: |\n",
	    NMEM, NMEM);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if ((m = load(rows[i].name, rows[i].exact)) == NULL)
			return (1);
		if (memory(rows[i].label, m)) {
			fprintf(stderr, "bench_engine: memory run failed\n");
			return (1);
		}
		dust_model_free(m);
	}
	h0 = heap();
	if ((m = load("http", 0)) == NULL)
		return (1);
	printf("\nA loaded model (http, shared by its connections): %zu "
	    "bytes of heap.\n", heap() - h0);
	dust_model_free(m);
	return (0);
}
