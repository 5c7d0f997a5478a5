/*
 * libFuzzer target: the TLS 1.3 first-flight parser and hello templates
 * (lib/format/tlshello.h) on arbitrary bytes.  The first byte picks the
 * mode: bit 0 the side (server if set), bit 1 a template, bit 2 a record
 * stream (tlshello_record, record after record).  Without bits 1 and 2
 * the rest is one first flight: it must parse or fail with a message, and
 * a parsed ClientHello's spans must lie within it and give JA3 and JA4.
 * With bit 1 the next two bytes are the length of a first hello and the
 * rest a second; if a template is learned from the two, fills of drawn
 * values must extract to the same values, before and after replacing the
 * SNI of a client's.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/rng.h"

#include "format/tlshello.h"

#include "fuzzhello.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* flight(side, b, len): parse one first flight. */
static void
flight(int side, const uint8_t * b, size_t len)
{
	struct tlshello_client ch;
	struct tlshello_server sh;
	char err[256], out[4096];
	size_t i;

	err[0] = '\0';
	if (side == TLSHELLO_SERVER) {
		if (tlshello_parse_server(b, len, &sh, err, sizeof(err)) &&
		    err[0] == '\0')
			abort();
		return;
	}
	if (tlshello_parse_client(b, len, &ch, err, sizeof(err))) {
		if (err[0] == '\0')
			abort();
		return;
	}
	within(ch.session_id, len);
	within(ch.suites, len);
	within(ch.exts, len);
	within(ch.sni, len);
	within(ch.alpn, len);
	for (i = 0; i < ch.nexts; i++)
		within(ch.ext[i].body, len);
	for (i = 0; i < ch.nshares; i++)
		within(ch.share[i].key, len);
	(void)tlshello_ja3(&ch, out, sizeof(out));
	(void)tlshello_ja4(&ch, 0, out, sizeof(out));
	(void)tlshello_ja4(&ch, 1, out, sizeof(out));
}

/* roundtrip(t): fill drawn values into ${t} and extract them again. */
static void
roundtrip(const struct tlshello_template * t)
{
	struct dust_rng_seeded rs;
	struct roundbufs rb;
	char err[256];

	dust_rng_seeded_u64(&rs, 1);
	roundbufs_new(&rb, t->vlen, t->len);
	if (tlshello_draw(t, &rs.rng, rb.vals) == 0) {
		if (tlshello_fill(t, rb.vals, rb.out, err, sizeof(err)) ||
		    tlshello_extract(t, rb.out, t->len, rb.back, err,
		    sizeof(err)) || memcmp(rb.vals, rb.back, t->vlen))
			abort();
	}
	roundbufs_free(&rb);
}

/* learn(side, b, len): learn a template from two hellos in ${b}. */
static void
learn(int side, const uint8_t * b, size_t len)
{
	struct tlshello_template * t;
	const uint8_t * h[2];
	size_t lens[2];
	char err[256];

	if (split_two(b, len, h, lens) ||
	    tlshello_learn(side, h, lens, 2, &t, err, sizeof(err)))
		return;
	roundtrip(t);
	if (side == TLSHELLO_CLIENT &&
	    tlshello_set_sni(t, "www.example.com", err, sizeof(err)) == 0)
		roundtrip(t);
	tlshello_template_free(t);
}

/* records(b, len): walk the records of the stream ${b}. */
static void
records(const uint8_t * b, size_t len)
{
	char err[256];
	size_t rlen;
	uint8_t type;
	int rc;

	while ((rc = tlshello_record(b, len, &type, &rlen, err,
	    sizeof(err))) == 0) {
		if (rlen == 0 || 5 + rlen > len)
			abort();
		b += 5 + rlen;
		len -= 5 + rlen;
	}
	if (rc != 1 && rc != -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	int side;

	if (len < 1)
		return (0);
	side = (data[0] & 1) ? TLSHELLO_SERVER : TLSHELLO_CLIENT;
	if (data[0] & 4)
		records(data + 1, len - 1);
	else if (data[0] & 2)
		learn(side, data + 1, len - 1);
	else
		flight(side, data + 1, len - 1);
	return (0);
}
