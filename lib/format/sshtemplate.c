/*
 * SSH-2 connection-start templates (docs/formats.md).  A template is the
 * start of one captured side (identification line, KEXINIT, the key
 * exchange message, NEWKEYS) kept byte for byte, and the list of its
 * random fields, in order of offset: the places where the real protocol
 * puts fresh values in every connection.  The candidate places are known
 * from the structure: the KEXINIT cookie, the parts of Q_C or Q_S (an
 * X25519 key; for sntrup761x25519-sha512 also the sntrup761 public key,
 * or its ciphertext and confirmation hash), the parts of the server's
 * signature (R and S of an Ed25519 one, else the whole blob) and the
 * padding of each packet.
 * Learning compares several captured starts of one side: they must have
 * the same length and be equal outside the candidates; a candidate whose
 * bytes differ between the captures is a random field (OpenSSH's padding
 * before NEWKEYS is zeros, so it stays fixed).  The host key, the
 * identification line and the name-lists are fixed: they are what
 * identifies the implementation (HASSH).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dust/rng.h"

#include "sshhello.h"

#define SNTRUP_P	761
#define SNTRUP_Q	4591
#define SNTRUP_R	((SNTRUP_Q + 2) / 3)	/* Rounded values: 1531. */

/* q_cands(fl, c): add the parts of Q_C or Q_S of ${fl} to ${c}. */
static void
q_cands(const struct sshhello_flight * fl, struct fmt_cands * c)
{
	size_t off = fl->q.off;

	if (fl->method == SSHHELLO_KEX_SNTRUP761 &&
	    fl->side == SSHHELLO_CLIENT) {
		(void)fmt_add(c, SSHHELLO_AT_Q, 0, off, SSHHELLO_SNTRUP_PK_LEN,
		    SSHHELLO_SNTRUP_PK, 0);
		off += SSHHELLO_SNTRUP_PK_LEN;
	} else if (fl->method == SSHHELLO_KEX_SNTRUP761) {
		(void)fmt_add(c, SSHHELLO_AT_Q, 0, off,
		    SSHHELLO_SNTRUP_ROUNDED_LEN, SSHHELLO_SNTRUP_CT, 0);
		off += SSHHELLO_SNTRUP_ROUNDED_LEN;
		(void)fmt_add(c, SSHHELLO_AT_Q, 1, off, SSHHELLO_SNTRUP_CT_LEN -
		    SSHHELLO_SNTRUP_ROUNDED_LEN, SSHHELLO_UNIFORM, 0);
		off += SSHHELLO_SNTRUP_CT_LEN - SSHHELLO_SNTRUP_ROUNDED_LEN;
	}
	(void)fmt_add(c, SSHHELLO_AT_Q, fl->method == SSHHELLO_KEX_SNTRUP761 ?
	    1 + (fl->side == SSHHELLO_SERVER) : 0, off, SSHHELLO_X25519_LEN,
	    SSHHELLO_X25519, 0);
}

/* cands_of(fl, c): the candidate places of the parsed start ${fl}. */
static void
cands_of(const struct sshhello_flight * fl, struct fmt_cands * c)
{
	const struct sshhello_packet * p[3] = { &fl->kexinit, &fl->kex,
	    &fl->newkeys };
	size_t i;

	c->n = 0;
	(void)fmt_add(c, SSHHELLO_AT_COOKIE, 0, fl->cookie, 16,
	    SSHHELLO_UNIFORM, 0);
	q_cands(fl, c);
	if (fl->side == SSHHELLO_SERVER) {
		if (fl->sig_type.len == 11 &&
		    memcmp(fl->b + fl->sig_type.off, "ssh-ed25519", 11) == 0) {
			(void)fmt_add(c, SSHHELLO_AT_SIG, 0, fl->sig_blob.off,
			    32, SSHHELLO_ED25519_R, 0);
			(void)fmt_add(c, SSHHELLO_AT_SIG, 1,
			    fl->sig_blob.off + 32, 32, SSHHELLO_ED25519_S, 0);
		} else
			(void)fmt_add(c, SSHHELLO_AT_SIG, 0, fl->sig_blob.off,
			    fl->sig_blob.len, SSHHELLO_KEY, 0);
	}
	for (i = 0; i < 3; i++)
		(void)fmt_add(c, SSHHELLO_AT_PADDING, i, p[i]->padding.off,
		    p[i]->padding.len, SSHHELLO_UNIFORM, 0);
}

/*
 * where(fl, off, buf, buflen): name the part of the parsed start ${fl}
 * that holds byte ${off}.  Return ${buf}.
 */
static const char *
where(const struct sshhello_flight * fl, size_t off, char * buf,
    size_t buflen)
{
	static const char * pk[3] = { "KEXINIT", "key exchange message",
	    "NEWKEYS" };
	const struct sshhello_packet * p[3] = { &fl->kexinit, &fl->kex,
	    &fl->newkeys };
	size_t i;

	if (off < fl->kexinit.off) {
		snprintf(buf, buflen, "identification line");
		return (buf);
	}
	for (i = 0; i < SSHHELLO_NLISTS; i++)
		if (off + 4 >= fl->list[i].off &&
		    off < fl->list[i].off + fl->list[i].len) {
			snprintf(buf, buflen, "KEXINIT name-list %zu", i);
			return (buf);
		}
	for (i = 0; i < 3; i++)
		if (off >= p[i]->off && off < p[i]->off + p[i]->len) {
			snprintf(buf, buflen, "%s %s", pk[i],
			    off < p[i]->payload.off ? "packet header" :
			    off >= p[i]->padding.off ? "padding" : "payload");
			return (buf);
		}
	snprintf(buf, buflen, "after NEWKEYS");
	return (buf);
}

/*
 * parse(side, b, len, fl, c, err, errlen): parse the start ${b} of ${side}
 * into ${fl} and its candidates into ${c}.  Return 0 or -1.
 */
static int
parse(int side, const uint8_t * b, size_t len, struct sshhello_flight * fl,
    struct fmt_cands * c, char * err, size_t errlen)
{

	if (sshhello_parse(side, b, len, fl, err, errlen))
		return (-1);
	cands_of(fl, c);
	return (0);
}

/*
 * compare(fl, c, starts, n, err, errlen): check that the ${n} parsed
 * starts ${fl} (candidates ${c}) have one shape.  Return 0 or -1.
 */
static int
compare(const struct sshhello_flight * fl, const struct fmt_cands * c,
    const uint8_t * const * starts, size_t n, char * err, size_t errlen)
{
	char buf[96];
	size_t i, k, off;

	for (i = 1; i < n; i++) {
		if (fl[i].end != fl[0].end)
			return (fmt_fail(err, errlen, "start %zu is %zu bytes, "
			    "start 1 %zu: not the same shape", i + 1,
			    fl[i].end, fl[0].end));
		for (k = 0; k < c[0].n; k++)
			if (c[i].f[k].off != c[0].f[k].off ||
			    c[i].f[k].len != c[0].f[k].len ||
			    c[i].f[k].kind != c[0].f[k].kind)
				return (fmt_fail(err, errlen, "start %zu "
				    "differs from start 1 in its random places",
				    i + 1));
		off = fmt_outside(starts[i], starts[0], fl[0].end, c[0].f,
		    c[0].n);
		if (off < fl[0].end)
			return (fmt_fail(err, errlen, "start %zu differs from "
			    "start 1 at byte %zu (%s), outside the random "
			    "fields", i + 1, off,
			    where(&fl[0], off, buf, sizeof(buf))));
	}
	return (0);
}

/*
 * pick(t, c, starts, n, err, errlen): make the fields of ${t} from the
 * candidates ${c} that differ between the ${n} ${starts}.  Return 0 or -1.
 */
static int
pick(struct sshhello_template * t, const struct fmt_cands * c,
    const uint8_t * const * starts, size_t n, char * err, size_t errlen)
{
	const struct fmt_field * f;
	size_t i;
	int d;

	t->nfields = t->vlen = 0;
	for (i = 0; i < c->n; i++) {
		f = &c->f[i];
		d = fmt_differs(starts, n, f);
		if (!d && f->place == SSHHELLO_AT_COOKIE)
			return (fmt_fail(err, errlen, "the KEXINIT cookie is "
			    "the same in every start: one connection captured "
			    "twice?"));
		if (!d)
			continue;
		t->field[t->nfields++] = *f;
		t->vlen += f->len;
	}
	fmt_sort(t->field, t->nfields);
	return (0);
}

/**
 * sshhello_learn(side, starts, lens, n, t, err, errlen):
 * Learn a template from ${n} >= 2 captured starts of one client (or
 * server, by ${side}): ${starts}[i] of ${lens}[i] bytes, parsed as
 * sshhello_parse does.  Return 0 with a new template in *${t}, or -1 with
 * a message in ${err} (one does not parse, or they are not one client's
 * shape: which start, at which byte and field).
 */
int
sshhello_learn(int side, const uint8_t * const * starts, const size_t * lens,
    size_t n, struct sshhello_template ** t, char * err, size_t errlen)
{
	struct sshhello_flight * fl = NULL;
	struct fmt_cands * c = NULL;
	char e[192];
	size_t i;

	*t = NULL;
	if (n < 2)
		return (fmt_fail(err, errlen, "a template needs 2 starts or "
		    "more, not %zu", n));
	if ((fl = calloc(n, sizeof(*fl))) == NULL ||
	    (c = calloc(n, sizeof(*c))) == NULL ||
	    (*t = calloc(1, sizeof(**t))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		if (parse(side, starts[i], lens[i], &fl[i], &c[i], e,
		    sizeof(e))) {
			fmt_fail(err, errlen, "start %zu: %s", i + 1, e);
			goto err;
		}
	if (compare(fl, c, starts, n, err, errlen) ||
	    pick(*t, &c[0], starts, n, err, errlen))
		goto err;
	(*t)->side = side;
	(*t)->len = fl[0].end;
	if (((*t)->bytes = malloc(fl[0].end)) == NULL)
		goto nomem;
	memcpy((*t)->bytes, starts[0], fl[0].end);
	free(fl);
	free(c);
	return (0);

nomem:
	fmt_fail(err, errlen, "out of memory");
err:
	free(fl);
	free(c);
	sshhello_template_free(*t);
	*t = NULL;
	return (-1);
}

/**
 * sshhello_template_free(t):
 * Free the template ${t} (NULL is fine).
 */
void
sshhello_template_free(struct sshhello_template * t)
{

	if (t == NULL)
		return;
	free(t->bytes);
	free(t);
}

/* below_l(s): nonzero if the little-endian 32 bytes ${s} are below L. */
static int
below_l(const uint8_t * s)
{
	/* L = 2^252 + 27742317777372353535851937790883648493. */
	static const uint8_t l[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c,
		0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0x10 };
	size_t i;

	for (i = 32; i > 0; i--)
		if (s[i - 1] != l[i - 1])
			return (s[i - 1] < l[i - 1]);
	return (0);
}

/*
 * value_ok(f, i, v, err, errlen): check the value ${v} of field ${i}
 * (${f}).  Return 0 or -1.
 */
static int
value_ok(const struct fmt_field * f, size_t i, const uint8_t * v,
    char * err, size_t errlen)
{
	char fb[64];
	const char * why = NULL;

	if (f->kind == SSHHELLO_X25519 && (v[31] & 0x80))
		why = "bit 255 set, which no X25519 public key has";
	else if (f->kind == SSHHELLO_SNTRUP_PK &&
	    !sntrup761_valid(v, f->len, SNTRUP_Q))
		why = "not the encoding of 761 values below 4591";
	else if (f->kind == SSHHELLO_SNTRUP_CT &&
	    !sntrup761_valid(v, f->len, SNTRUP_R))
		why = "not the encoding of 761 values below 1531";
	else if (f->kind == SSHHELLO_ED25519_R &&
	    !crypto_core_ed25519_is_valid_point(v))
		why = "not a point of the prime-order subgroup";
	else if (f->kind == SSHHELLO_ED25519_S && !below_l(v))
		why = "not below the group order L";
	if (why == NULL)
		return (0);
	return (fmt_fail(err, errlen, "field %zu (%s): %s", i,
	    sshhello_field_name(f, fb, sizeof(fb)), why));
}

/**
 * sshhello_fill(t, vals, out, err, errlen):
 * Write to ${out} (${t}->len bytes) the template ${t} with its fields set
 * to ${vals} (${t}->vlen bytes).  Return 0, or -1 if a value is not one of
 * its kind (an X25519 key with bit 255 set, an sntrup761 encoding of a
 * value out of range, an R that is not a point of the prime-order
 * subgroup, an S not below L), with a message in ${err}.
 */
int
sshhello_fill(const struct sshhello_template * t, const uint8_t * vals,
    uint8_t * out, char * err, size_t errlen)
{
	size_t i, voff;

	for (i = voff = 0; i < t->nfields; voff += t->field[i++].len)
		if (value_ok(&t->field[i], i, vals + voff, err, errlen))
			return (-1);
	fmt_put(t->bytes, t->len, t->field, t->nfields, vals, out);
	return (0);
}

/**
 * sshhello_extract(t, b, len, vals, err, errlen):
 * Parse ${b} (${len} bytes, a side's start as sshhello_parse takes it) as
 * a start of the template ${t} and write the values of its fields to
 * ${vals} (${t}->vlen bytes).  Return 0, or -1 if it does not parse or
 * differs from ${t} outside the fields (the message names the byte).
 */
int
sshhello_extract(const struct sshhello_template * t, const uint8_t * b,
    size_t len, uint8_t * vals, char * err, size_t errlen)
{
	struct sshhello_flight fl;
	struct fmt_cands c;
	size_t off;
	char buf[96];

	if (parse(t->side, b, len, &fl, &c, err, errlen))
		return (-1);
	if (fl.end != t->len)
		return (fmt_fail(err, errlen, "start is %zu bytes, the "
		    "template %zu", fl.end, t->len));
	off = fmt_outside(b, t->bytes, t->len, t->field, t->nfields);
	if (off < t->len)
		return (fmt_fail(err, errlen, "start differs from the template "
		    "at byte %zu (%s)", off, where(&fl, off, buf,
		    sizeof(buf))));
	fmt_take(b, t->field, t->nfields, vals);
	return (0);
}

/*
 * draw_sntrup(rng, m, out): the encoding of 761 values drawn uniformly
 * below ${m} into ${out}.
 */
static void
draw_sntrup(const struct dust_rng * rng, uint32_t m, uint8_t * out)
{
	uint16_t v[SNTRUP_P];
	size_t i;

	for (i = 0; i < SNTRUP_P; i++)
		v[i] = (uint16_t)dust_rng_uniform(rng, m);
	sntrup761_encode(v, SNTRUP_P, m, out);
}

/*
 * draw_scalar(rng, s): a uniform scalar below L in ${s}: 64 random bytes
 * reduced (bias under 2^-250).
 */
static void
draw_scalar(const struct dust_rng * rng, uint8_t * s)
{
	uint8_t wide[64];

	dust_rng_fill(rng, wide, sizeof(wide));
	crypto_core_ed25519_scalar_reduce(s, wide);
	sodium_memzero(wide, sizeof(wide));
}

/**
 * sshhello_draw(t, rng, vals):
 * Draw values for the fields of ${t} into ${vals} (${t}->vlen bytes) as a
 * real implementation's look: uniform bytes, the public key of a fresh
 * X25519 secret (wiped), the encoding of a uniform element of sntrup761's
 * ring (public key) or of uniform rounded values (ciphertext), an Ed25519
 * R = rB for a fresh r (wiped) and a uniform S below L.  Return 0, or -1
 * if a field holds a key this module cannot draw (SSHHELLO_KEY).
 */
int
sshhello_draw(const struct sshhello_template * t, const struct dust_rng * rng,
    uint8_t * vals)
{
	const struct fmt_field * f;
	uint8_t sk[32];
	size_t i, voff;

	for (i = voff = 0; i < t->nfields; voff += t->field[i++].len) {
		f = &t->field[i];
		switch (f->kind) {
		case SSHHELLO_X25519:
			dust_rng_fill(rng, sk, sizeof(sk));
			crypto_scalarmult_curve25519_base(vals + voff, sk);
			break;
		case SSHHELLO_SNTRUP_PK:
			draw_sntrup(rng, SNTRUP_Q, vals + voff);
			break;
		case SSHHELLO_SNTRUP_CT:
			draw_sntrup(rng, SNTRUP_R, vals + voff);
			break;
		case SSHHELLO_ED25519_R:
			do
				draw_scalar(rng, sk);
			while (sodium_is_zero(sk, sizeof(sk)));
			crypto_scalarmult_ed25519_base_noclamp(vals + voff,
			    sk);
			break;
		case SSHHELLO_ED25519_S:
			draw_scalar(rng, vals + voff);
			break;
		case SSHHELLO_KEY:
			return (-1);
		default:
			dust_rng_fill(rng, vals + voff, f->len);
		}
	}
	sodium_memzero(sk, sizeof(sk));
	return (0);
}

/**
 * sshhello_field_name(f, buf, buflen):
 * Write a name of the field ${f} ("KEXINIT cookie", "Q_C X25519 part",
 * ...) to ${buf}.  Return ${buf}.
 */
const char *
sshhello_field_name(const struct fmt_field * f, char * buf,
    size_t buflen)
{
	static const char * kinds[] = { "", "uniform", "X25519",
	    "sntrup761 public key", "sntrup761 ciphertext", "Ed25519 R",
	    "Ed25519 S", "key" };
	static const char * packets[] = { "KEXINIT", "key exchange message",
	    "NEWKEYS" };

	if (f->place == SSHHELLO_AT_COOKIE)
		snprintf(buf, buflen, "KEXINIT cookie");
	else if (f->place == SSHHELLO_AT_Q)
		snprintf(buf, buflen, "Q %s part %zu", f->kind ==
		    SSHHELLO_UNIFORM ? "sntrup761 confirmation" :
		    kinds[f->kind], f->index);
	else if (f->place == SSHHELLO_AT_SIG)
		snprintf(buf, buflen, "signature %s", kinds[f->kind]);
	else if (f->place == SSHHELLO_AT_PADDING && f->index < 3)
		snprintf(buf, buflen, "%s padding", packets[f->index]);
	else
		snprintf(buf, buflen, "field");
	return (buf);
}
