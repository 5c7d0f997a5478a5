/*
 * libFuzzer target: a model's "format" object (lib/format/format.h,
 * formatparse.c) on arbitrary bytes, read as JSON.  It must load or be
 * refused with a message naming the field ("format..."), never crash,
 * hang or leak.  A format that loads is one the wire can use: its
 * templates draw, fill and extract back to the same values, and its
 * flights' record lengths are within TLS 1.3's limits (an SSH format's
 * client NEWKEYS is within its start and its framings are sshwire's).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dust/rng.h"

#include "format/format.h"
#include "format/sshhello.h"
#include "format/sshwire.h"
#include "format/tlshello.h"

#include "fuzzhello.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* roundtrip(t): fill drawn values into ${t} and extract them again. */
static void
roundtrip(const struct tlshello_template * t)
{
	struct dust_rng_seeded rs;
	struct roundbufs rb;
	char err[256];

	dust_rng_seeded_u64(&rs, 1);
	roundbufs_new(&rb, t->vlen, t->len);
	if (tlshello_draw(t, &rs.rng, rb.vals) ||
	    tlshello_fill(t, rb.vals, rb.out, err, sizeof(err)) ||
	    tlshello_extract(t, rb.out, t->len, rb.back, err, sizeof(err)) ||
	    memcmp(rb.vals, rb.back, t->vlen))
		abort();
	roundbufs_free(&rb);
}

/* ssh_roundtrip(t): the same for the SSH start template ${t}. */
static void
ssh_roundtrip(const struct sshhello_template * t)
{
	struct dust_rng_seeded rs;
	struct roundbufs rb;
	char err[256];

	dust_rng_seeded_u64(&rs, 1);
	roundbufs_new(&rb, t->vlen, t->len);
	if (sshhello_draw(t, &rs.rng, rb.vals) ||
	    sshhello_fill(t, rb.vals, rb.out, err, sizeof(err)) ||
	    sshhello_extract(t, rb.out, t->len, rb.back, err, sizeof(err)) ||
	    memcmp(rb.vals, rb.back, t->vlen))
		abort();
	roundbufs_free(&rb);
}

/*
 * ssh_check(x): the SSH format ${x} is one the wire can use: its
 * templates round-trip, the client's NEWKEYS lies within its start, the
 * framings are ones sshwire sends.
 */
static void
ssh_check(const struct format_ssh * x)
{
	const struct format_sshframing * fr[2] = { &x->cs, &x->sc };
	int i;

	ssh_roundtrip(x->client);
	ssh_roundtrip(x->server);
	if (x->client_newkeys == 0 || x->client_newkeys >= x->client->len)
		abort();
	for (i = 0; i < 2; i++)
		if ((fr[i]->block != 8 && fr[i]->block != 16) ||
		    SSHWIRE_PACKET_LEN_MAX % fr[i]->block || fr[i]->tag == 0 ||
		    fr[i]->tag > 64)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	struct dust_format * f;
	json_t * v;
	char err[512];
	size_t i, k;

	if ((v = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES |
	    JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL)) == NULL)
		return (0);
	err[0] = '\0';
	if (format_parse(v, &f, err, sizeof(err))) {
		/* A refusal must say why, and name the format. */
		if (f != NULL || strncmp(err, "format", 6) != 0)
			abort();
		json_decref(v);
		return (0);
	}
	if (f->protocol == DUST_FORMAT_SSH) {
		ssh_check(f->ssh);
		format_free(f);
		json_decref(v);
		return (0);
	}
	if (f->nflights < 2 || f->nflights > FORMAT_MAX_HELLOS)
		abort();
	for (i = 0; i < f->nflights; i++) {
		if (f->nrecords[i] == 0 ||
		    f->nrecords[i] > TLSHELLO_MAX_RECORDS)
			abort();
		for (k = 0; k < f->nrecords[i]; k++)
			if (f->record_len[i][k] > TLSHELLO_CIPHERTEXT_MAX)
				abort();
	}
	roundtrip(f->client);
	roundtrip(f->server);
	format_free(f);
	json_decref(v);
	return (0);
}
