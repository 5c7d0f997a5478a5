/*
 * tlsformat_tool: Dust connections of the built-in tls model (or of the
 * built-in MODEL: ssh for tests/integration/ssh_format.sh), made by the
 * engine, for tests/integration/tls_format.py.
 *
 *   tlsformat_tool N SEED [MODEL]
 *
 * Runs N connections between a client marked with the current hour and a
 * server requiring the mark (one server key, drawn from SEED), each side's
 * generator seeded with SEED and the connection's number: the client's
 * handshake (with the SSH format after the server's identification line,
 * which it sends first), then a 75-byte request, then a 2,000-byte
 * answer.  Prints
 * one line per flight, in the order they are sent:
 *
 *   I c HEX      connection I, the client's bytes
 *   I s HEX      connection I, the server's bytes
 *
 * and, on standard error, the JA4 every ClientHello had: the learned
 * client's (the template's; for a TLS format only).  Exit 0, or 1 with a message (a ClientHello
 * of another JA4, a connection that does not carry both messages whole).
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

#include "format/format.h"
#include "format/tlshello.h"

static uint8_t wire[1 << 20];
static char want_ja4[256];

/* die(msg): print ${msg} and exit 1. */
static void
die(const char * msg)
{

	fprintf(stderr, "tlsformat_tool: %s\n", msg);
	exit(1);
}

/*
 * ja4(b, len, out): the JA4 of the ClientHello at the start of ${b} into
 * ${out} (256 bytes).
 */
static void
ja4(const uint8_t * b, size_t len, char * out)
{
	struct tlshello_client ch;
	char err[256];

	if (tlshello_parse_client(b, len, &ch, err, sizeof(err)))
		die(err);
	if (tlshello_ja4(&ch, 0, out, 256))
		die("JA4 too long");
}

/*
 * flight(i, side, from, to, data): ${from} sends ${data} (NULL: what its
 * handshake has to send); print its bytes and give them to ${to}, which
 * must then hold ${data} whole.
 */
static void
flight(unsigned long i, char side, struct dust_engine * from,
    struct dust_engine * to, const char * data)
{
	uint8_t got[4096];
	char got_ja4[256];
	size_t n = 0, k, dlen = data != NULL ? strlen(data) : 0;
	uint16_t len;

	if (dlen > 0 && dust_put_decoded(from, (const uint8_t *)data,
	    (uint16_t)dlen))
		die("out of memory");
	while (dust_packet_count(from, 1) > 0) {
		if ((len = dust_encoded_ready(from)) == 0 ||
		    n + len > sizeof(wire))
			die("no packet, or too many bytes");
		dust_get_encoded(from, wire + n, len);
		n += len;
	}
	/* A client's first flight: the learned client's JA4 (TLS). */
	if (side == 'c' && data == NULL && want_ja4[0] != '\0') {
		ja4(wire, n, got_ja4);
		if (strcmp(got_ja4, want_ja4) != 0)
			die("a ClientHello's JA4 is not the learned client's");
	}
	printf("%lu %c ", i, side);
	for (k = 0; k < n; k++)
		printf("%02x", wire[k]);
	printf("\n");
	for (k = 0; k < n; k += 65535)
		if (dust_put_encoded(to, wire + k,
		    (uint16_t)(n - k < 65535 ? n - k : 65535)))
			die("out of memory");
	if (dlen > 0 && (dust_decoded_ready(to) != dlen ||
	    dust_get_decoded(to, got, (uint16_t)dlen) ||
	    memcmp(got, data, dlen) != 0))
		die("the message did not arrive whole");
}

int
main(int argc, char * argv[])
{
	static const uint8_t addr[4] = { 192, 0, 2, 1 };
	static char answer[2001];
	const char * request = "GET /index.html HTTP/1.1\r\nHost: "
	    "www.example.com\r\nAccept: */*\r\n\r\n" "0123456789";
	struct dust_rng_seeded kr, cr, sr;
	struct dust_model * m;
	struct dust_engine * c, * s;
	uint8_t b[32], B[32], sid[SEATTLE_SID_MAX], MK[32];
	unsigned long n, i, seed;
	uint64_t hour = dust_engine_mark_hour((uint64_t)time(NULL));
	size_t sidlen;
	char err[256];

	if (argc != 3 && argc != 4)
		die("usage: tlsformat_tool N SEED [MODEL]");
	n = strtoul(argv[1], NULL, 10);
	seed = strtoul(argv[2], NULL, 10);
	if ((m = dust_model_builtin(argc == 4 ? argv[3] : "tls", err,
	    sizeof(err))) == NULL)
		die(err);
	/* The template's bytes are the first captured ClientHello's. */
	if (m->format == NULL)
		die("the model has no format");
	if (m->format->protocol == DUST_FORMAT_TLS)
		ja4(m->format->client->bytes, m->format->client->len,
		    want_ja4);
	memset(answer, 'a', sizeof(answer) - 1);
	dust_rng_seeded_u64(&kr, seed);
	keyfile_generate(b, B, &kr.rng);
	sidlen = seattle_sid(sid, 0, addr, 443, 0);
	dust_engine_mark_key(MK, B, sid, sidlen);
	for (i = 0; i < n; i++) {
		dust_rng_seeded_u64(&cr, seed * 1000003 + 2 * i + 1);
		dust_rng_seeded_u64(&sr, seed * 1000003 + 2 * i + 2);
		c = dust_engine_client_new_marked(m, B, sid, sidlen, &cr.rng,
		    NULL, hour);
		s = dust_engine_server_new_marked(m, b, sid, sidlen, NULL,
		    &sr.rng, MK, hour);
		if (c == NULL || s == NULL)
			die("engine");
		/* An SSH server's identification line comes first. */
		if (m->format->protocol == DUST_FORMAT_SSH)
			flight(i, 's', s, c, NULL);
		flight(i, 'c', c, s, NULL);
		flight(i, 's', s, c, NULL);
		flight(i, 'c', c, s, request);
		flight(i, 's', s, c, answer);
		if (dust_engine_state(c) != DUST_ENGINE_ESTABLISHED ||
		    dust_engine_state(s) != DUST_ENGINE_ESTABLISHED)
			die("not established");
		dust_engine_free(c);
		dust_engine_free(s);
	}
	dust_model_free(m);
	if (want_ja4[0] != '\0')
		fprintf(stderr, "JA4 of every ClientHello: %s\n", want_ja4);
	return (0);
}
