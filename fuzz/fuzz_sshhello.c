/*
 * libFuzzer target: the SSH-2 connection-start parser, templates and the
 * encrypted-packet reader (lib/format/sshhello.h) on arbitrary bytes.  The
 * first byte picks the mode: bit 0 the side (server if set), bit 1 a
 * template, bit 2 an encrypted stream (sshhello_record, packet after
 * packet, framed as aes128-gcm@openssh.com or, with bit 0, aes128-ctr with
 * hmac-sha2-256-etm@openssh.com), bit 3 the sntrup761 decoder.  Without
 * them the rest is one side's start: it must parse or fail with a
 * message; a parsed start's spans must lie within it, give a HASSH, and
 * the identification line and each packet must read the same one at a
 * time (sshhello_ident, sshhello_packet).  With bit 1 the next two bytes
 * are the length of a first start and the rest a second; if a template is
 * learned from the two, fills of drawn values must parse and extract to
 * the same values.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/rng.h"

#include "format/sshhello.h"

#include "fuzzhello.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* again(fl, b, len): the pieces of ${fl} read one at a time agree. */
static void
again(const struct sshhello_flight * fl, const uint8_t * b, size_t len)
{
	const struct sshhello_packet * p[3] = { &fl->kexinit, &fl->kex,
	    &fl->newkeys };
	struct sshhello_flight id;
	struct sshhello_packet q;
	char err[256];
	size_t i;

	if (sshhello_ident(b, len, fl->side, &id, err, sizeof(err)) ||
	    id.end != fl->kexinit.off)
		abort();
	for (i = 0; i < 3; i++)
		if (sshhello_packet(b + p[i]->off, len - p[i]->off, &q, err,
		    sizeof(err)) || q.len != p[i]->len)
			abort();
}

/* start(side, b, len): parse one side's start. */
static void
start(int side, const uint8_t * b, size_t len)
{
	struct sshhello_flight fl;
	char err[256], out[8192];
	size_t i;

	err[0] = '\0';
	if (sshhello_parse(side, b, len, &fl, err, sizeof(err))) {
		if (err[0] == '\0')
			abort();
		return;
	}
	within(fl.ident, len);
	within(fl.software, len);
	within(fl.comments, len);
	within(fl.q, len);
	within(fl.hostkey, len);
	within(fl.sig_blob, len);
	for (i = 0; i < SSHHELLO_NLISTS; i++)
		within(fl.list[i], len);
	if (fl.end > len || sshhello_hassh(&fl, out, sizeof(out)))
		abort();
	again(&fl, b, len);
}

/* roundtrip(t): fill drawn values into ${t} and extract them again. */
static void
roundtrip(const struct sshhello_template * t)
{
	struct dust_rng_seeded rs;
	struct sshhello_flight fl;
	struct roundbufs rb;
	char err[256];

	dust_rng_seeded_u64(&rs, 1);
	roundbufs_new(&rb, t->vlen, t->len);
	if (sshhello_draw(t, &rs.rng, rb.vals) == 0) {
		if (sshhello_fill(t, rb.vals, rb.out, err, sizeof(err)) ||
		    sshhello_parse(t->side, rb.out, t->len, &fl, err,
		    sizeof(err)) ||
		    sshhello_extract(t, rb.out, t->len, rb.back, err,
		    sizeof(err)) || memcmp(rb.vals, rb.back, t->vlen))
			abort();
	}
	roundbufs_free(&rb);
}

/* learn(side, b, len): learn a template from two starts in ${b}. */
static void
learn(int side, const uint8_t * b, size_t len)
{
	struct sshhello_template * t;
	const uint8_t * h[2];
	size_t lens[2];
	char err[256];

	if (split_two(b, len, h, lens) ||
	    sshhello_learn(side, h, lens, 2, &t, err, sizeof(err)))
		return;
	roundtrip(t);
	sshhello_template_free(t);
}

/* records(etm, b, len): walk the encrypted packets of the stream ${b}. */
static void
records(int etm, const uint8_t * b, size_t len)
{
	struct sshhello_framing fr;
	char err[256];
	size_t plen;
	int rc;

	if (sshhello_framing(etm ? "aes128-ctr" : "aes128-gcm@openssh.com",
	    "hmac-sha2-256-etm@openssh.com", &fr, err, sizeof(err)))
		abort();
	while ((rc = sshhello_record(&fr, b, len, &plen, err,
	    sizeof(err))) == 0) {
		if (plen < 20 || plen > len)
			abort();
		b += plen;
		len -= plen;
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
	side = (data[0] & 1) ? SSHHELLO_SERVER : SSHHELLO_CLIENT;
	if (data[0] & 8)
		(void)sntrup761_valid(data + 1, len - 1, side ? 1531 : 4591);
	else if (data[0] & 4)
		records(side, data + 1, len - 1);
	else if (data[0] & 2)
		learn(side, data + 1, len - 1);
	else
		start(side, data + 1, len - 1);
	return (0);
}
