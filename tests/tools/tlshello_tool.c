/*
 * tlshello_tool: filled TLS 1.3 hello templates (lib/format/tlshello.h)
 * for tests/integration/tlshello_tshark.py.
 *
 *   tlshello_tool VECTORS PREFIX N SEED [SNI]
 *
 * Learns a client template from the ClientHellos of the vectors of
 * VECTORS (tests/vectors/tls13-hellos.txt) whose name starts with PREFIX,
 * and a server template from their servers' ServerHellos; with SNI, puts
 * that host name in the client's.  Then prints N connections, each drawn
 * with a seeded generator (SEED), the server's session id echoing the
 * client's:
 *
 *   learned JA3 JA4          the first captured ClientHello's
 *   conn I CLIENTHEX SERVERHEX JA3 JA4
 *
 * where SERVERHEX is the filled ServerHello followed by the rest of the
 * first vector's server flight (ChangeCipherSpec, application data).
 * Exit 0, or 1 with a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dust/rng.h"

#include "format/tlshello.h"
#include "../unit/tlsvec.h"

/* die(msg): print ${msg} and exit 1. */
static void
die(const char * msg)
{

	fprintf(stderr, "tlshello_tool: %s\n", msg);
	exit(1);
}

/* fingerprints(b, len): print the JA3 and JA4 of the ClientHello ${b}. */
static void
fingerprints(const uint8_t * b, size_t len)
{
	struct tlshello_client ch;
	char err[256], ja3[4096], ja4[256];

	if (tlshello_parse_client(b, len, &ch, err, sizeof(err)))
		die(err);
	if (tlshello_ja3(&ch, ja3, sizeof(ja3)) ||
	    tlshello_ja4(&ch, 0, ja4, sizeof(ja4)))
		die("fingerprint too long");
	printf("%s %s\n", ja3, ja4);
}

/*
 * field_val(t, place, vals, len): the value in ${vals} of the field of
 * ${t} at ${place}, its length in *${len}; NULL if it has none.
 */
static uint8_t *
field_val(const struct tlshello_template * t, int place, uint8_t * vals,
    size_t * len)
{
	size_t i, voff;

	for (i = voff = 0; i < t->nfields; voff += t->field[i++].len)
		if (t->field[i].place == place) {
			*len = t->field[i].len;
			return (vals + voff);
		}
	return (NULL);
}

int
main(int argc, char ** argv)
{
	static struct tlsvec v[TLSVEC_MAX];
	const uint8_t * ch[TLSVEC_MAX], * sh[TLSVEC_MAX];
	size_t clen[TLSVEC_MAX], slen[TLSVEC_MAX], n, i, cl = 0, sl = 0;
	struct tlshello_template * tc, * ts;
	struct dust_rng_seeded rs;
	uint8_t * cv, * sv, * co, * so, * csid, * ssid;
	char err[256];
	int nv;

	if (argc < 5 || argc > 6)
		die("usage: tlshello_tool VECTORS PREFIX N SEED [SNI]");
	if ((nv = tlsvec_load(argv[1], v)) < 0)
		die("cannot read the vectors");
	n = tlsvec_pick(v, nv, argv[2], ch, clen, 0);
	(void)tlsvec_pick(v, nv, argv[2], sh, slen, 1);
	if (tlshello_learn(TLSHELLO_CLIENT, ch, clen, n, &tc, err,
	    sizeof(err)) ||
	    tlshello_learn(TLSHELLO_SERVER, sh, slen, n, &ts, err, sizeof(err)))
		die(err);
	if (argc == 6 && tlshello_set_sni(tc, argv[5], err, sizeof(err)))
		die(err);
	printf("learned ");
	fingerprints(ch[0], clen[0]);
	dust_rng_seeded_u64(&rs, strtoull(argv[4], NULL, 10));
	cv = malloc(tc->vlen + 1);
	sv = malloc(ts->vlen + 1);
	co = malloc(tc->len);
	so = malloc(ts->len);
	if (cv == NULL || sv == NULL || co == NULL || so == NULL)
		die("out of memory");
	for (i = 0; i < strtoul(argv[3], NULL, 10); i++) {
		if (tlshello_draw(tc, &rs.rng, cv) ||
		    tlshello_draw(ts, &rs.rng, sv))
			die("cannot draw");
		csid = field_val(tc, TLSHELLO_AT_SESSION_ID, cv, &cl);
		ssid = field_val(ts, TLSHELLO_AT_SESSION_ID, sv, &sl);
		if (csid != NULL && ssid != NULL && cl == sl)
			memcpy(ssid, csid, cl);
		if (tlshello_fill(tc, cv, co, err, sizeof(err)) ||
		    tlshello_fill(ts, sv, so, err, sizeof(err)))
			die(err);
		printf("conn %zu ", i);
		tlsvec_print_hex(co, tc->len);
		putchar(' ');
		tlsvec_print_hex(so, ts->len);
		tlsvec_print_hex(sh[0] + ts->len, slen[0] - ts->len);
		putchar(' ');
		fingerprints(co, tc->len);
	}
	free(cv);
	free(sv);
	free(co);
	free(so);
	tlshello_template_free(tc);
	tlshello_template_free(ts);
	tlsvec_free(v, nv);
	return (0);
}
