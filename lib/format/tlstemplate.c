/*
 * TLS 1.3 hello templates (docs/formats.md).  A template is one captured
 * hello record (a ClientHello, or a ServerHello) kept byte for byte, and
 * the list of its random fields: the places where the real protocol puts
 * fresh randomness in every connection.  The candidate places are known
 * from the structure: random, legacy_session_id (a server's echo of the
 * client's), each key_share entry's key_exchange, and every GREASE value
 * (RFC 8701: in cipher_suites, extension types, supported_groups, key_share
 * groups, signature_algorithms, supported_versions, psk_key_exchange_modes,
 * ALPN).  Learning compares several captured hellos of one client: they
 * must have the same length and the same candidates at the same offsets,
 * and be equal outside them; a candidate whose bytes differ between the
 * captures is a random field (a GREASE value always is one: it is random by
 * definition even where two captures drew the same).  A GREASE field that
 * equals an earlier one in every capture (BoringSSL uses one value for the
 * GREASE group of supported_groups and of key_share) is linked to it, and
 * filling keeps them equal.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dust/rng.h"

#include "tlshello.h"

/* A parsed hello of either side. */
union parsed {
	struct tlshello_client c;
	struct tlshello_server s;
};

/*
 * greases(b, span, unit, place, c): add each GREASE value of ${unit} bytes
 * (1: a PSK mode, 2: a 16-bit value) in ${span} of ${b} as a candidate.
 * Return 0 or -1.
 */
static int
greases(const uint8_t * b, struct fmt_span span, size_t unit, int place,
    struct fmt_cands * c)
{
	size_t i;
	int g;

	for (i = 0; i + unit <= span.len; i += unit) {
		if (unit == 1)
			g = b[span.off + i] >= 0x0b &&
			    (b[span.off + i] - 0x0b) % 0x1f == 0;
		else
			g = tlshello_is_grease((uint16_t)(b[span.off + i] << 8 |
			    b[span.off + i + 1]));
		if (g && fmt_add(c, place, i / unit, span.off + i, unit,
		    TLSHELLO_GREASE, 0))
			return (-1);
	}
	return (0);
}

/* alpn_greases(ch, c): add GREASE ALPN protocols.  Return 0 or -1. */
static int
alpn_greases(const struct tlshello_client * ch, struct fmt_cands * c)
{
	size_t pos = ch->alpn.off, end = ch->alpn.off + ch->alpn.len, i = 0;
	const uint8_t * b = ch->b;

	for (; pos < end; pos += 1 + b[pos], i++)
		if (b[pos] == 2 && tlshello_is_grease((uint16_t)(b[pos + 1] <<
		    8 | b[pos + 2])) && fmt_add(c, TLSHELLO_AT_GREASE_ALPN, i,
		    pos + 1, 2, TLSHELLO_GREASE, 0))
			return (-1);
	return (0);
}

/* share_cands(s, i, c): add the candidates of key_share entry ${i}. */
static int
share_cands(const struct tlshello_share * s, size_t i, struct fmt_cands * c)
{

	if (tlshello_is_grease(s->group) && fmt_add(c, TLSHELLO_AT_GREASE_SHARE,
	    i, s->group_off, 2, TLSHELLO_GREASE, 0))
		return (-1);
	return (fmt_add(c, TLSHELLO_AT_SHARE_KEY, i, s->key.off, s->key.len,
	    s->group == TLS_GROUP_X25519 ? TLSHELLO_X25519 : TLSHELLO_KEY,
	    s->group));
}

/*
 * client_cands(ch, c): the candidate places of the ClientHello ${ch}.
 * Return 0, or -1 if there are more than FMT_MAX_CANDS.
 */
static int
client_cands(const struct tlshello_client * ch, struct fmt_cands * c)
{
	struct fmt_span t;
	size_t i;

	c->n = 0;
	if (fmt_add(c, TLSHELLO_AT_RANDOM, 0, ch->random, 32,
	    TLSHELLO_UNIFORM, 0))
		return (-1);
	if (ch->session_id.len > 0 && fmt_add(c, TLSHELLO_AT_SESSION_ID, 0,
	    ch->session_id.off, ch->session_id.len, TLSHELLO_UNIFORM, 0))
		return (-1);
	if (greases(ch->b, ch->suites, 2, TLSHELLO_AT_GREASE_SUITE, c))
		return (-1);
	for (i = 0; i < ch->nexts; i++) {
		t.off = ch->ext[i].body.off - 4;
		t.len = 2;
		if (tlshello_is_grease(ch->ext[i].type) && fmt_add(c,
		    TLSHELLO_AT_GREASE_EXT, i, t.off, 2, TLSHELLO_GREASE, 0))
			return (-1);
	}
	for (i = 0; i < ch->nshares; i++)
		if (share_cands(&ch->share[i], i, c))
			return (-1);
	if (greases(ch->b, ch->groups, 2, TLSHELLO_AT_GREASE_GROUP, c) ||
	    greases(ch->b, ch->sigalgs, 2, TLSHELLO_AT_GREASE_SIGALG, c) ||
	    greases(ch->b, ch->versions, 2, TLSHELLO_AT_GREASE_VERSION, c) ||
	    greases(ch->b, ch->psk_modes, 1, TLSHELLO_AT_GREASE_PSK_MODE, c) ||
	    alpn_greases(ch, c))
		return (-1);
	return (0);
}

/* server_cands(sh, c): the candidate places of the ServerHello ${sh}. */
static int
server_cands(const struct tlshello_server * sh, struct fmt_cands * c)
{

	c->n = 0;
	if (fmt_add(c, TLSHELLO_AT_RANDOM, 0, sh->random, 32,
	    TLSHELLO_UNIFORM, 0))
		return (-1);
	if (sh->session_id.len > 0 && fmt_add(c, TLSHELLO_AT_SESSION_ID, 0,
	    sh->session_id.off, sh->session_id.len, TLSHELLO_ECHO, 0))
		return (-1);
	return (share_cands(&sh->share, 0, c));
}

/*
 * parse(side, b, len, p, c, tlen, err, errlen): parse the first flight
 * ${b} of ${side} into ${p}, its candidates into ${c} and the length of its
 * hello record into *${tlen}.  Return 0 or -1.
 */
static int
parse(int side, const uint8_t * b, size_t len, union parsed * p,
    struct fmt_cands * c, size_t * tlen, char * err, size_t errlen)
{

	if (side == TLSHELLO_CLIENT) {
		if (tlshello_parse_client(b, len, &p->c, err, errlen))
			return (-1);
		*tlen = p->c.len;
		if (client_cands(&p->c, c))
			return (fmt_fail(err, errlen, "ClientHello: more than "
			    "%d random fields", TLSHELLO_MAX_FIELDS));
		return (0);
	}
	if (tlshello_parse_server(b, len, &p->s, err, errlen))
		return (-1);
	if (p->s.hrr)
		return (fmt_fail(err, errlen, "ServerHello: a "
		    "HelloRetryRequest"));
	*tlen = p->s.hello_len;
	return (server_cands(&p->s, c));
}

/*
 * where(side, p, off, buf, buflen): name the part of the parsed hello ${p}
 * that holds byte ${off}.  Return ${buf}.
 */
static const char *
where(int side, const union parsed * p, size_t off, char * buf, size_t buflen)
{
	const struct tlshello_ext * ext = side ? p->s.ext : p->c.ext;
	size_t nexts = side ? p->s.nexts : p->c.nexts;
	size_t sid = side ? p->s.session_id.off + p->s.session_id.len : 0;
	struct {
		size_t end;
		const char * name;
	} parts[8] = { { 5, "record header" }, { 9, "handshake header" },
	    { 11, "legacy_version" }, { 43, "random" } };
	size_t i;

	for (i = 0; i < nexts; i++)
		if (off + 4 >= ext[i].body.off &&
		    off < ext[i].body.off + ext[i].body.len) {
			snprintf(buf, buflen, "extension 0x%04x (%s)",
			    ext[i].type, tlshello_ext_name(ext[i].type));
			return (buf);
		}
	if (side == TLSHELLO_CLIENT) {
		parts[4].end = p->c.suites.off - 2;
		parts[4].name = "legacy_session_id";
		parts[5].end = p->c.suites.off + p->c.suites.len;
		parts[5].name = "cipher_suites";
		parts[6].end = p->c.exts.off - 2;
		parts[6].name = "legacy_compression_methods";
	} else {
		parts[4].end = sid;
		parts[4].name = "legacy_session_id_echo";
		parts[5].end = sid + 2;
		parts[5].name = "cipher_suite";
		parts[6].end = sid + 3;
		parts[6].name = "legacy_compression_method";
	}
	parts[7].end = SIZE_MAX;
	parts[7].name = "extensions length";
	for (i = 0; off >= parts[i].end; i++)
		;
	snprintf(buf, buflen, "%s", parts[i].name);
	return (buf);
}

/*
 * same_cands(a, b, k): nonzero if ${a} and ${b} list the same places (a
 * key_share entry of a GREASE group is one place whatever the GREASE
 * value); else the first that differs is at *${k}.
 */
static int
same_cands(const struct fmt_cands * a, const struct fmt_cands * b, size_t * k)
{

	for (*k = 0; *k < a->n && *k < b->n; (*k)++)
		if (a->f[*k].place != b->f[*k].place ||
		    a->f[*k].index != b->f[*k].index ||
		    a->f[*k].off != b->f[*k].off ||
		    a->f[*k].len != b->f[*k].len ||
		    (a->f[*k].group != b->f[*k].group &&
		    !(tlshello_is_grease(a->f[*k].group) &&
		    tlshello_is_grease(b->f[*k].group))))
			return (0);
	return (a->n == b->n);
}

/* link_fields(t, hellos, n): link each GREASE field to an earlier equal one. */
static void
link_fields(struct tlshello_template * t, const uint8_t * const * hellos,
    size_t n)
{
	struct fmt_field * f, * g;
	size_t i, j, k;

	for (j = 0; j < t->nfields; j++) {
		f = &t->field[j];
		for (i = 0; i < j && f->kind == TLSHELLO_GREASE; i++) {
			g = &t->field[i];
			if (g->kind != TLSHELLO_GREASE || g->len != f->len ||
			    g->link != -1)
				continue;
			for (k = 0; k < n; k++)
				if (memcmp(hellos[k] + g->off,
				    hellos[k] + f->off, f->len))
					break;
			if (k == n) {
				f->link = (int)i;
				break;
			}
		}
	}
}

/*
 * pick(t, c, hellos, n, err, errlen): make the fields of ${t} from the
 * candidates ${c} of the ${n} ${hellos}.  Return 0 or -1.
 */
static int
pick(struct tlshello_template * t, const struct fmt_cands * c,
    const uint8_t * const * hellos, size_t n, char * err, size_t errlen)
{
	const struct fmt_field * f;
	size_t i;
	int d;

	t->nfields = t->vlen = 0;
	for (i = 0; i < c->n; i++) {
		f = &c->f[i];
		d = fmt_differs(hellos, n, f);
		if (f->place == TLSHELLO_AT_RANDOM && !d)
			return (fmt_fail(err, errlen, "the random is the same "
			    "in every hello: one connection captured twice?"));
		if (!d && f->kind != TLSHELLO_GREASE &&
		    f->kind != TLSHELLO_ECHO)
			continue;
		t->field[t->nfields++] = *f;
		t->vlen += f->len;
	}
	fmt_sort(t->field, t->nfields);
	link_fields(t, hellos, n);
	return (0);
}

/*
 * compare(side, p, c, hellos, lens, n, err, errlen): check that the ${n}
 * parsed hellos ${p} (candidates ${c}) have one shape.  Return 0 or -1.
 */
static int
compare(int side, const union parsed * p, const struct fmt_cands * c,
    const uint8_t * const * hellos, const size_t * tlen, size_t n,
    char * err, size_t errlen)
{
	char buf[96], fb[64];
	size_t i, k, off;

	for (i = 1; i < n; i++) {
		if (tlen[i] != tlen[0])
			return (fmt_fail(err, errlen, "hello %zu is %zu bytes, "
			    "hello 1 %zu: not the same shape", i + 1, tlen[i],
			    tlen[0]));
		if (!same_cands(&c[0], &c[i], &k))
			return (fmt_fail(err, errlen, "hello %zu differs from "
			    "hello 1 in its random places (%s)", i + 1,
			    tlshello_field_name(&c[0].f[k < c[0].n ? k : 0],
			    fb, sizeof(fb))));
		off = fmt_outside(hellos[i], hellos[0], tlen[0], c[0].f,
		    c[0].n);
		if (off < tlen[0])
			return (fmt_fail(err, errlen, "hello %zu differs from "
			    "hello 1 at byte %zu (%s), outside the random "
			    "fields", i + 1, off,
			    where(side, &p[0], off, buf, sizeof(buf))));
	}
	return (0);
}

/**
 * tlshello_learn(side, hellos, lens, n, t, err, errlen):
 * Learn a template from ${n} >= 2 captured first flights of one client (or
 * server, by ${side}): ${hellos}[i] of ${lens}[i] bytes.  A server's
 * template is its ServerHello record.  Return 0 with a new template in
 * *${t}, or -1 with a message in ${err} (one does not parse, or they are
 * not the same client shape: which hello, at which byte and field).
 */
int
tlshello_learn(int side, const uint8_t * const * hellos, const size_t * lens,
    size_t n, struct tlshello_template ** t, char * err, size_t errlen)
{
	union parsed * p = NULL;
	struct fmt_cands * c = NULL;
	size_t * tlen = NULL;
	char e[192];
	size_t i;

	*t = NULL;
	if (n < 2)
		return (fmt_fail(err, errlen, "a template needs 2 hellos or "
		    "more, not %zu", n));
	if ((p = calloc(n, sizeof(*p))) == NULL ||
	    (c = calloc(n, sizeof(*c))) == NULL ||
	    (tlen = calloc(n, sizeof(*tlen))) == NULL ||
	    (*t = calloc(1, sizeof(**t))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		if (parse(side, hellos[i], lens[i], &p[i], &c[i], &tlen[i], e,
		    sizeof(e))) {
			fmt_fail(err, errlen, "hello %zu: %s", i + 1, e);
			goto err;
		}
	if (compare(side, p, c, hellos, tlen, n, err, errlen) ||
	    pick(*t, &c[0], hellos, n, err, errlen))
		goto err;
	(*t)->side = side;
	(*t)->len = tlen[0];
	if (((*t)->bytes = malloc(tlen[0])) == NULL)
		goto nomem;
	memcpy((*t)->bytes, hellos[0], tlen[0]);
	free(p);
	free(c);
	free(tlen);
	return (0);

nomem:
	fmt_fail(err, errlen, "out of memory");
err:
	free(p);
	free(c);
	free(tlen);
	tlshello_template_free(*t);
	*t = NULL;
	return (-1);
}

/**
 * tlshello_template_free(t):
 * Free the template ${t} (NULL is fine).
 */
void
tlshello_template_free(struct tlshello_template * t)
{

	if (t == NULL)
		return;
	free(t->bytes);
	free(t);
}

/*
 * clash(t, i, vals): the index of an earlier field of ${t} whose value in
 * ${vals} equals field ${i}'s where the protocol forbids it (two GREASE
 * extensions of one type, two key_share entries of one group), or -1.
 */
static int
clash(const struct tlshello_template * t, size_t i, const uint8_t * vals)
{
	const struct fmt_field * f = &t->field[i];
	size_t j, voff, ioff = fmt_voff(t->field, i);

	if (f->place != TLSHELLO_AT_GREASE_EXT &&
	    f->place != TLSHELLO_AT_GREASE_SHARE)
		return (-1);
	for (j = voff = 0; j < i; voff += t->field[j++].len)
		if (t->field[j].place == f->place &&
		    memcmp(vals + voff, vals + ioff, f->len) == 0)
			return ((int)j);
	return (-1);
}

/*
 * value_ok(t, i, v, vals, err, errlen): check the value ${v} of field ${i}
 * of ${t} (whose values start at ${vals}).  Return 0 or -1.
 */
static int
value_ok(const struct tlshello_template * t, size_t i, const uint8_t * v,
    const uint8_t * vals, char * err, size_t errlen)
{
	const struct fmt_field * f = &t->field[i];
	char fb[64];

	tlshello_field_name(f, fb, sizeof(fb));
	if (f->kind == TLSHELLO_GREASE && (f->len == 2 ?
	    !tlshello_is_grease((uint16_t)(v[0] << 8 | v[1])) :
	    !(v[0] >= 0x0b && (v[0] - 0x0b) % 0x1f == 0)))
		return (fmt_fail(err, errlen, "field %zu (%s): not a GREASE "
		    "value", i, fb));
	if (f->kind == TLSHELLO_X25519 && (v[31] & 0x80))
		return (fmt_fail(err, errlen, "field %zu (%s): bit 255 set, "
		    "which no X25519 public key has", i, fb));
	if (clash(t, i, vals) >= 0)
		return (fmt_fail(err, errlen, "field %zu (%s): equals field %d "
		    "of its kind, which the protocol forbids", i, fb,
		    clash(t, i, vals)));
	if (f->link >= 0 &&
	    memcmp(vals + fmt_voff(t->field, (size_t)f->link), v, f->len))
		return (fmt_fail(err, errlen, "field %zu (%s): unlike field "
		    "%d, which it always equals", i, fb, f->link));
	return (0);
}

/**
 * tlshello_fill(t, vals, out, err, errlen):
 * Write to ${out} (${t}->len bytes) the template ${t} with its fields set
 * to ${vals} (${t}->vlen bytes).  Return 0, or -1 if a value is not one
 * of its kind (a GREASE field not GREASE, an X25519 key with bit 255 set,
 * a linked field unlike the field it follows, two GREASE extensions of one
 * type), with a message in ${err}.
 */
int
tlshello_fill(const struct tlshello_template * t, const uint8_t * vals,
    uint8_t * out, char * err, size_t errlen)
{
	size_t i, voff;

	for (i = voff = 0; i < t->nfields; voff += t->field[i++].len)
		if (value_ok(t, i, vals + voff, vals, err, errlen))
			return (-1);
	fmt_put(t->bytes, t->len, t->field, t->nfields, vals, out);
	return (0);
}

/**
 * tlshello_extract(t, b, len, vals, err, errlen):
 * Parse ${b} (${len} bytes: a ClientHello record, or a server's first
 * flight from its ServerHello on) as a hello of the template ${t} and
 * write the values of its fields to ${vals} (${t}->vlen bytes).  Return 0,
 * or -1 if it does not parse or differs from ${t} outside the fields (the
 * message names the byte and its field).
 */
int
tlshello_extract(const struct tlshello_template * t, const uint8_t * b,
    size_t len, uint8_t * vals, char * err, size_t errlen)
{
	union parsed * p;
	struct fmt_cands * c;
	size_t tlen, off;
	char buf[96];
	int rc = -1;

	if ((p = malloc(sizeof(*p))) == NULL ||
	    (c = malloc(sizeof(*c))) == NULL) {
		free(p);
		return (fmt_fail(err, errlen, "out of memory"));
	}
	if (parse(t->side, b, len, p, c, &tlen, err, errlen))
		goto done;
	if (tlen != t->len) {
		fmt_fail(err, errlen, "hello is %zu bytes, the template %zu",
		    tlen, t->len);
		goto done;
	}
	off = fmt_outside(b, t->bytes, t->len, t->field, t->nfields);
	if (off < t->len) {
		fmt_fail(err, errlen, "hello differs from the template at byte "
		    "%zu (%s)", off, where(t->side, p, off, buf, sizeof(buf)));
		goto done;
	}
	fmt_take(b, t->field, t->nfields, vals);
	rc = 0;
done:
	free(p);
	free(c);
	return (rc);
}

/**
 * tlshello_draw(t, rng, vals):
 * Draw values for the fields of ${t} into ${vals} (${t}->vlen bytes) as a
 * real implementation does: uniform bytes, the public key of a fresh
 * X25519 secret (wiped), GREASE values uniform among the 16 (8 for PSK
 * modes), linked fields equal, GREASE extensions (and key_share groups)
 * distinct.  Return 0, or -1 if a field holds a key of a group other than
 * X25519 (which this module cannot draw).
 */
int
tlshello_draw(const struct tlshello_template * t, const struct dust_rng * rng,
    uint8_t * vals)
{
	const struct fmt_field * f;
	uint8_t sk[32];
	size_t i, voff;
	uint32_t k;

	for (i = voff = 0; i < t->nfields; voff += t->field[i++].len) {
		f = &t->field[i];
		if (f->link >= 0) {
			memcpy(vals + voff, vals + fmt_voff(t->field,
			    (size_t)f->link), f->len);
		} else if (f->kind == TLSHELLO_GREASE && f->len == 2) {
			do {
				k = dust_rng_uniform(rng, 16);
				vals[voff] = vals[voff + 1] =
				    (uint8_t)(0x0a + 0x10 * k);
			} while (clash(t, i, vals) >= 0);
		} else if (f->kind == TLSHELLO_GREASE) {
			vals[voff] = (uint8_t)(0x0b + 0x1f *
			    dust_rng_uniform(rng, 8));
		} else if (f->kind == TLSHELLO_X25519) {
			dust_rng_fill(rng, sk, sizeof(sk));
			crypto_scalarmult_curve25519_base(vals + voff, sk);
			sodium_memzero(sk, sizeof(sk));
		} else if (f->kind == TLSHELLO_KEY) {
			return (-1);
		} else
			dust_rng_fill(rng, vals + voff, f->len);
	}
	return (0);
}

/*
 * host_ok(host): nonzero if ${host} is a DNS host name (letters, digits,
 * hyphens inside labels, dots between labels of 1 to 63 bytes, 253 bytes
 * at most), and
 * not an IPv4 address, which server_name may not hold (RFC 6066).
 */
static int
host_ok(const char * host)
{
	size_t n = strlen(host), i, label = 0;
	int letter = 0;
	char ch;

	if (n == 0 || n > 253 || host[0] == '.' || host[n - 1] == '.')
		return (0);
	for (i = 0; i < n; i++) {
		ch = host[i];
		/* A label neither begins nor ends with a hyphen (RFC 1123). */
		if (ch == '-' && (label == 0 || i + 1 == n ||
		    host[i + 1] == '.'))
			return (0);
		if (ch == '.') {
			if (label == 0)
				return (0);
			label = 0;
			continue;
		}
		if (++label > 63)
			return (0);
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    ch == '-')
			letter = 1;
		else if (!(ch >= '0' && ch <= '9'))
			return (0);
	}
	return (letter);
}

/*
 * splice(b, len, off, oldn, newn, with, lens, nlens, out): a copy of ${b}
 * in *${out} in which the ${oldn} bytes at ${off} are ${newn} bytes of
 * ${with} (zeros if NULL), and each of the ${nlens} length fields (offset,
 * width) that enclose them is changed by the difference.  Return the new
 * length, or 0 on error (out of memory).
 */
static size_t
splice(const uint8_t * b, size_t len, size_t off, size_t oldn, size_t newn,
    const uint8_t * with, const size_t lens[][2], size_t nlens,
    uint8_t ** out)
{
	size_t nlen = len - oldn + newn, i, j, v;

	if ((*out = malloc(nlen)) == NULL)
		return (0);
	memcpy(*out, b, off);
	if (with != NULL)
		memcpy(*out + off, with, newn);
	else
		memset(*out + off, 0, newn);
	memcpy(*out + off + newn, b + off + oldn, len - off - oldn);
	for (i = 0; i < nlens; i++) {
		for (v = 0, j = 0; j < lens[i][1]; j++)
			v = v << 8 | (*out)[lens[i][0] + j];
		v = v - oldn + newn;
		for (j = lens[i][1]; j > 0; j--, v >>= 8)
			(*out)[lens[i][0] + j - 1] = (uint8_t)v;
	}
	return (nlen);
}

/*
 * relocate(t, b, len, err, errlen): make ${b} (${len} bytes, which the
 * template takes) the bytes of ${t}, moving each field to its place in
 * them.  Return 0, or -1 (and free ${b}) if they do not parse.
 */
static int
relocate(struct tlshello_template * t, uint8_t * b, size_t len, char * err,
    size_t errlen)
{
	union parsed p;
	struct fmt_cands c;
	size_t tlen, i, k;

	if (parse(t->side, b, len, &p, &c, &tlen, err, errlen)) {
		free(b);
		return (-1);
	}
	for (i = 0; i < t->nfields; i++)
		for (k = 0; k < c.n; k++)
			if (c.f[k].place == t->field[i].place &&
			    c.f[k].index == t->field[i].index)
				t->field[i].off = c.f[k].off;
	free(t->bytes);
	t->bytes = b;
	t->len = len;
	return (0);
}

/**
 * tlshello_set_sni(t, host, err, errlen):
 * Replace the server_name of the client template ${t} by ${host}, fixing
 * every enclosing length; a padding extension shrinks or grows (not below
 * 0 bytes) so that the hello keeps its length where it can, as a client
 * that pads does.  Return 0, or -1 (no server_name, a host name that is
 * not one) with a message in ${err}.
 */
int
tlshello_set_sni(struct tlshello_template * t, const char * host, char * err,
    size_t errlen)
{
	struct tlshello_client ch;
	const struct tlshello_ext * e;
	size_t n = strlen(host), len0 = t->len, nlen, pad, i;
	/* The enclosing lengths: record, handshake, extensions block, ... */
	size_t lens[6][2] = { { 3, 2 }, { 6, 3 }, { 0, 2 }, { 0, 2 },
	    { 0, 2 }, { 0, 2 } };
	uint8_t * b;

	if (t->side != TLSHELLO_CLIENT ||
	    tlshello_parse_client(t->bytes, t->len, &ch, err, errlen))
		return (fmt_fail(err, errlen, "set_sni: not a ClientHello"));
	if (!ch.has_sni)
		return (fmt_fail(err, errlen, "set_sni: the hello has no "
		    "server_name"));
	if (!host_ok(host))
		return (fmt_fail(err, errlen, "set_sni: \"%.64s\" is not a "
		    "host name", host));
	if (t->len - ch.sni.len + n > 5 + TLSHELLO_PLAINTEXT_MAX)
		return (fmt_fail(err, errlen, "set_sni: the hello would exceed "
		    "one record"));
	for (i = 0; i < ch.nexts && ch.ext[i].type != TLS_EXT_SERVER_NAME; i++)
		;
	e = &ch.ext[i];
	/* ... server_name's, its server_name_list's, its host_name's. */
	lens[2][0] = ch.exts.off - 2;
	lens[3][0] = e->body.off - 2;
	lens[4][0] = e->body.off;
	lens[5][0] = ch.sni.off - 2;
	if ((nlen = splice(t->bytes, t->len, ch.sni.off, ch.sni.len, n,
	    (const uint8_t *)host, lens, 6, &b)) == 0)
		return (fmt_fail(err, errlen, "out of memory"));
	if (relocate(t, b, nlen, err, errlen))
		return (-1);
	if (ch.padding < 0 || nlen == len0)
		return (0);

	/* The padding takes up the difference, as far as it can. */
	if (tlshello_parse_client(t->bytes, t->len, &ch, err, errlen))
		return (-1);
	e = &ch.ext[ch.padding];
	pad = nlen > len0 ? (e->body.len > nlen - len0 ?
	    e->body.len - (nlen - len0) : 0) : e->body.len + (len0 - nlen);
	lens[2][0] = ch.exts.off - 2;
	lens[3][0] = e->body.off - 2;
	if ((nlen = splice(t->bytes, t->len, e->body.off, e->body.len, pad,
	    NULL, lens, 4, &b)) == 0)
		return (fmt_fail(err, errlen, "out of memory"));
	return (relocate(t, b, nlen, err, errlen));
}

/**
 * tlshello_field_name(f, buf, buflen):
 * Write a name of the field ${f} ("key_share 0x001d key", "GREASE cipher
 * suite 0", ...) to ${buf}.  Return ${buf}.
 */
const char *
tlshello_field_name(const struct fmt_field * f, char * buf,
    size_t buflen)
{
	static const char * grease[] = { "cipher suite", "extension",
	    "supported group", "key_share group", "signature algorithm",
	    "supported version", "psk_key_exchange_mode", "ALPN protocol" };

	if (f->place == TLSHELLO_AT_RANDOM)
		snprintf(buf, buflen, "random");
	else if (f->place == TLSHELLO_AT_SESSION_ID)
		snprintf(buf, buflen, f->kind == TLSHELLO_ECHO ?
		    "legacy_session_id_echo" : "legacy_session_id");
	else if (f->place == TLSHELLO_AT_SHARE_KEY)
		snprintf(buf, buflen, "key_share 0x%04x key", f->group);
	else if (f->place >= TLSHELLO_AT_GREASE_SUITE &&
	    f->place <= TLSHELLO_AT_GREASE_ALPN)
		snprintf(buf, buflen, "GREASE %s %zu",
		    grease[f->place - TLSHELLO_AT_GREASE_SUITE], f->index);
	else
		snprintf(buf, buflen, "field");
	return (buf);
}
