/*
 * dust model learn's SSH format (learnformat.h): the starts of the
 * captured connections of one OpenSSH client and server, every byte each
 * side sent up to its NEWKEYS, which format_parse learns templates from.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture/conntrack.h"
#include "format/format.h"
#include "format/sshhello.h"
#include "warnp.h"

#include "learnformat.h"

/**
 * learnformat_is_ssh(ct):
 * Return nonzero if at least half of the connections of ${ct} carrying
 * data have a client whose first segment begins with "SSH-": a capture
 * to read again with dust_ct_keep_starts for learnformat_find_ssh.
 */
int
learnformat_is_ssh(const struct dust_ct * ct)
{
	const struct dust_ct_conn * c;
	const struct dust_ct_side * s;
	size_t i, ndata = 0, nssh = 0;

	for (i = 0; i < dust_ct_nconns(ct); i++) {
		if ((c = dust_ct_conn(ct, i))->npkts == 0)
			continue;
		ndata++;
		s = &c->side[DUST_CT_C2S];
		if (s->firstlen >= 4 && memcmp(s->first, "SSH-", 4) == 0)
			nssh++;
	}
	return (ndata > 0 && nssh * 2 >= ndata);
}

/*
 * parses(c, dir, fl): the start of ${dir} of ${c} parses into ${fl}.
 * Return nonzero if so.
 */
static int
parses(const struct dust_ct_conn * c, int dir, struct sshhello_flight * fl)
{
	const struct dust_ct_side * s = &c->side[dir];
	char err[256];

	if (s->flightlen == 0 || (s->flightstate != DUST_CT_FLIGHT_DONE &&
	    s->flightstate != DUST_CT_FLIGHT_OPEN))
		return (0);
	return (sshhello_parse(dir == DUST_CT_C2S ? SSHHELLO_CLIENT :
	    SSHHELLO_SERVER, s->flight, s->flightlen, fl, err,
	    sizeof(err)) == 0);
}

/**
 * learnformat_is_ssh_start(c):
 * Return nonzero if the connection ${c} (starts kept) is SSH-2 as a
 * censor parses it: each side's start (identification, KEXINIT, the key
 * exchange, NEWKEYS) parses (sshhello_parse).
 */
int
learnformat_is_ssh_start(const struct dust_ct_conn * c)
{
	struct sshhello_flight fl;

	return (parses(c, DUST_CT_C2S, &fl) && parses(c, DUST_CT_S2C, &fl));
}

/*
 * same(a, b, dir): nonzero if the starts of ${dir} of ${a} and ${b} make
 * a template (one client, or one server).
 */
static int
same(const struct dust_ct_conn * a, const struct dust_ct_conn * b, int dir)
{
	const uint8_t * h[2] = { a->side[dir].flight, b->side[dir].flight };
	size_t lens[2] = { a->side[dir].flightlen, b->side[dir].flightlen };
	struct sshhello_template * t;
	char err[256];

	if (sshhello_learn(dir == DUST_CT_C2S ? SSHHELLO_CLIENT :
	    SSHHELLO_SERVER, h, lens, 2, &t, err, sizeof(err)))
		return (0);
	sshhello_template_free(t);
	return (1);
}

/**
 * learnformat_find_ssh(ct, max, lf):
 * Pick in ${ct} (starts kept: dust_ct_keep_starts) up to ${max}
 * connections of one SSH client and server to learn a format from: the
 * first whose starts parse (sshhello_parse, both sides), then those whose
 * starts make templates with it.  Return 0 with them in ${lf}, or -1
 * after printing why fewer than 2 are found.
 */
int
learnformat_find_ssh(const struct dust_ct * ct, size_t max,
    struct learnformat * lf)
{
	const struct dust_ct_conn * c;
	size_t i, ndata = 0, nparse = 0;

	lf->protocol = DUST_FORMAT_SSH;
	lf->n = 0;
	if (max > FORMAT_MAX_HELLOS)
		max = FORMAT_MAX_HELLOS;
	for (i = 0; i < dust_ct_nconns(ct); i++) {
		if ((c = dust_ct_conn(ct, i))->npkts == 0)
			continue;
		ndata++;
		if (!learnformat_is_ssh_start(c))
			continue;
		nparse++;
		if (lf->n < max && (lf->n == 0 ||
		    (same(lf->conn[0], c, DUST_CT_C2S) &&
		    same(lf->conn[0], c, DUST_CT_S2C))))
			lf->conn[lf->n++] = c;
	}
	if (lf->n < 2) {
		warn0("the capture is SSH, but a format needs the starts of 2 "
		    "connections of one client and server (identification, "
		    "KEXINIT, key exchange, NEWKEYS, as sshhello_parse reads "
		    "them): %zu found (%zu of %zu connections parse); "
		    "--no-format learns without one", lf->n, nparse, ndata);
		return (-1);
	}
	return (0);
}

/* write_starts(f, lf, dir): the starts of ${dir} as a JSON array. */
static void
write_starts(FILE * f, const struct learnformat * lf, int dir)
{
	const struct dust_ct_side * s;
	struct sshhello_flight fl;
	size_t i, k;

	fputs("[", f);
	for (i = 0; i < lf->n; i++) {
		s = &lf->conn[i]->side[dir];
		/* Up to NEWKEYS: what follows is encrypted, not learned. */
		if (!parses(lf->conn[i], dir, &fl))
			fl.end = s->flightlen;
		fputs(i ? ",\n      \"" : "\n      \"", f);
		for (k = 0; k < fl.end; k++)
			fprintf(f, "%02x", s->flight[k]);
		fputc('"', f);
	}
	fputs("\n    ]", f);
}

/**
 * learnformat_write_ssh(f, lf):
 * (learnformat_write of an SSH format.)  Write ",\n" and the model's
 * "format" member of the connections ${lf} to ${f}: their client and
 * server starts up to NEWKEYS as hex.
 */
void
learnformat_write_ssh(FILE * f, const struct learnformat * lf)
{

	fputs(",\n  \"format\": {\n    \"protocol\": \"ssh\",\n"
	    "    \"client_starts\": ", f);
	write_starts(f, lf, DUST_CT_C2S);
	fputs(",\n    \"server_starts\": ", f);
	write_starts(f, lf, DUST_CT_S2C);
	fputs("\n  }", f);
}
