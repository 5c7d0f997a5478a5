/*
 * sshhello_tool: filled SSH connection-start templates
 * (lib/format/sshhello.h) for tests/integration/sshhello_tshark.py.
 *
 *   sshhello_tool VECTORS PREFIX N SEED
 *
 * Learns a client template from the client starts of the vectors of
 * VECTORS (tests/vectors/ssh-hellos.txt) whose name starts with PREFIX,
 * and a server template from their servers' starts.  Then prints N
 * connections, each drawn with a seeded generator (SEED):
 *
 *   learned HASSH HASSHSERVER   the first captured connection's
 *   conn I CLIENTHEX SERVERHEX HASSH HASSHSERVER
 *
 * where each HEX is a filled start followed by the encrypted bytes that
 * followed NEWKEYS in the first captured connection.  Exit 0, or 1 with a
 * message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dust/rng.h"

#include "format/sshhello.h"
#include "../unit/tlsvec.h"

/* die(msg): print ${msg} and exit 1. */
static void
die(const char * msg)
{

	fprintf(stderr, "sshhello_tool: %s\n", msg);
	exit(1);
}

/* hassh(side, b, len): print the HASSH string of ${side}'s start ${b}. */
static void
hassh(int side, const uint8_t * b, size_t len)
{
	struct sshhello_flight fl;
	char err[256], h[8192];

	if (sshhello_parse(side, b, len, &fl, err, sizeof(err)))
		die(err);
	if (sshhello_hassh(&fl, h, sizeof(h)))
		die("HASSH too long");
	printf(" %s", h);
}

/*
 * conn(t, rng, rest, rlen, out, vals): print one filled start of ${t}
 * followed by the ${rlen} bytes ${rest}.
 */
static void
conn(const struct sshhello_template * t, const struct dust_rng * rng,
    const uint8_t * rest, size_t rlen, uint8_t * out, uint8_t * vals)
{
	char err[256];

	if (sshhello_draw(t, rng, vals))
		die("cannot draw");
	if (sshhello_fill(t, vals, out, err, sizeof(err)))
		die(err);
	putchar(' ');
	tlsvec_print_hex(out, t->len);
	tlsvec_print_hex(rest, rlen);
}

int
main(int argc, char ** argv)
{
	static struct tlsvec v[TLSVEC_MAX];
	const uint8_t * cs[TLSVEC_MAX], * ss[TLSVEC_MAX];
	size_t clen[TLSVEC_MAX], slen[TLSVEC_MAX], n, i;
	struct sshhello_template * tc, * ts;
	struct dust_rng_seeded rs;
	uint8_t * cv, * sv, * co, * so;
	char err[256];
	int nv;

	if (argc != 5)
		die("usage: sshhello_tool VECTORS PREFIX N SEED");
	if ((nv = tlsvec_load(argv[1], v)) < 0)
		die("cannot read the vectors");
	n = tlsvec_pick(v, nv, argv[2], cs, clen, 0);
	(void)tlsvec_pick(v, nv, argv[2], ss, slen, 1);
	if (sshhello_learn(SSHHELLO_CLIENT, cs, clen, n, &tc, err,
	    sizeof(err)) ||
	    sshhello_learn(SSHHELLO_SERVER, ss, slen, n, &ts, err, sizeof(err)))
		die(err);
	printf("learned");
	hassh(SSHHELLO_CLIENT, cs[0], clen[0]);
	hassh(SSHHELLO_SERVER, ss[0], slen[0]);
	putchar('\n');
	dust_rng_seeded_u64(&rs, strtoull(argv[4], NULL, 10));
	cv = malloc(tc->vlen + 1);
	sv = malloc(ts->vlen + 1);
	co = malloc(tc->len);
	so = malloc(ts->len);
	if (cv == NULL || sv == NULL || co == NULL || so == NULL)
		die("out of memory");
	for (i = 0; i < strtoul(argv[3], NULL, 10); i++) {
		printf("conn %zu", i);
		conn(tc, &rs.rng, cs[0] + tc->len, clen[0] - tc->len, co, cv);
		conn(ts, &rs.rng, ss[0] + ts->len, slen[0] - ts->len, so, sv);
		hassh(SSHHELLO_CLIENT, co, tc->len);
		hassh(SSHHELLO_SERVER, so, ts->len);
		putchar('\n');
	}
	free(cv);
	free(sv);
	free(co);
	free(so);
	sshhello_template_free(tc);
	sshhello_template_free(ts);
	tlsvec_free(v, nv);
	return (0);
}
