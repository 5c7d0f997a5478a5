/*
 * JA3 and JA4 fingerprints of a parsed ClientHello (docs/formats.md), so
 * that a filled template can be checked against the client it was learned
 * from.  JA3: "version,suites,extensions,groups,point_formats", decimal
 * values joined by '-', GREASE values left out (its MD5 is not computed).
 * JA4 (FoxIO's definition, TLS over TCP): "t", the version (the highest of
 * supported_versions, else legacy_version), "d" with a server_name else
 * "i", two-digit counts of suites and extensions, the first and last
 * characters of the first ALPN protocol; then the first 12 hex digits of
 * the SHA-256 of the sorted suites, and of the sorted extensions (without
 * server_name and ALPN) "_" the signature algorithms in order; GREASE left
 * out everywhere.  JA4_r has the lists themselves instead of their hashes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tlshello.h"

/* Where a fingerprint's text goes: ${out}, or a SHA-256 state. */
struct sink {
	char * out;
	size_t len;
	size_t cap;
	int full;			/* Something did not fit. */
	crypto_hash_sha256_state * h;	/* Hash instead, if not NULL. */
	size_t hashed;			/* Bytes hashed. */
};

/* put(s, str): append ${str} to ${s}. */
static void
put(struct sink * s, const char * str)
{
	size_t n = strlen(str);

	if (s->h != NULL) {
		crypto_hash_sha256_update(s->h, (const uint8_t *)str, n);
		s->hashed += n;
		return;
	}
	if (s->len + n >= s->cap) {
		s->full = 1;
		return;
	}
	memcpy(s->out + s->len, str, n + 1);
	s->len += n;
}

/*
 * values(b, span, unit, v): the big-endian values of ${unit} bytes (1 or
 * 2) in ${span} of ${b}, 16-bit GREASE values left out, into ${v}.  Return
 * their count.
 */
static size_t
values(const uint8_t * b, struct fmt_span span, size_t unit,
    uint16_t * v)
{
	size_t i, n = 0;
	uint16_t x;

	for (i = 0; i + unit <= span.len; i += unit) {
		x = unit == 1 ? b[span.off + i] :
		    (uint16_t)(b[span.off + i] << 8 | b[span.off + i + 1]);
		if (unit == 2 && tlshello_is_grease(x))
			continue;
		v[n++] = x;
	}
	return (n);
}

/*
 * joined(s, v, n, hex): put the ${n} values ${v} into ${s}: as four hex
 * digits joined by ',' if ${hex}, else in decimal joined by '-'.
 */
static void
joined(struct sink * s, const uint16_t * v, size_t n, int hex)
{
	char num[8];
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			put(s, hex ? "," : "-");
		if (hex)
			snprintf(num, sizeof(num), "%04x", v[i]);
		else
			snprintf(num, sizeof(num), "%u", v[i]);
		put(s, num);
	}
}

/* ext_types(ch, v): the non-GREASE extension types of ${ch}; their count. */
static size_t
ext_types(const struct tlshello_client * ch, uint16_t * v)
{
	size_t i, n = 0;

	for (i = 0; i < ch->nexts; i++)
		if (!tlshello_is_grease(ch->ext[i].type))
			v[n++] = ch->ext[i].type;
	return (n);
}

/**
 * tlshello_ja3(ch, out, outlen):
 * Write the JA3 string of ${ch} (version, suites, extensions, groups, point
 * formats, in decimal, GREASE left out) to ${out}.  Return 0, or -1 if it
 * does not fit in ${outlen} bytes.
 */
int
tlshello_ja3(const struct tlshello_client * ch, char * out, size_t outlen)
{
	struct sink s = { out, 0, outlen, 0, NULL, 0 };
	uint16_t v[TLSHELLO_PLAINTEXT_MAX / 2];
	char num[8];

	if (outlen == 0)
		return (-1);
	out[0] = '\0';
	snprintf(num, sizeof(num), "%u,", ch->legacy_version);
	put(&s, num);
	joined(&s, v, values(ch->b, ch->suites, 2, v), 0);
	put(&s, ",");
	joined(&s, v, ext_types(ch, v), 0);
	put(&s, ",");
	joined(&s, v, values(ch->b, ch->groups, 2, v), 0);
	put(&s, ",");
	joined(&s, v, values(ch->b, ch->point_formats, 1, v), 0);
	return (s.full ? -1 : 0);
}

/* cmp_u16(a, b): qsort's order of two uint16_t. */
static int
cmp_u16(const void * a, const void * b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return ((x > y) - (x < y));
}

/* version(ch): JA4's two characters for the version of ${ch}. */
static const char *
version(const struct tlshello_client * ch)
{
	static const struct {
		uint16_t v;
		const char * s;
	} names[] = {
		{ 0x0304, "13" }, { 0x0303, "12" }, { 0x0302, "11" },
		{ 0x0301, "10" }, { 0x0300, "s3" }, { 0x0002, "s2" },
		{ 0xfeff, "d1" }, { 0xfefd, "d2" }, { 0xfefc, "d3" }
	};
	uint16_t v[128];
	uint16_t best = ch->legacy_version;
	size_t i, n;

	if (ch->versions.len > 0) {
		n = values(ch->b, ch->versions, 2, v);
		for (best = 0, i = 0; i < n; i++)
			if (v[i] > best)
				best = v[i];
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].v == best)
			return (names[i].s);
	return ("00");
}

/* alnum(c): nonzero if ${c} is an ASCII letter or digit. */
static int
alnum(uint8_t c)
{

	return ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z'));
}

/* alpn(ch, two): JA4's two characters for the first ALPN protocol. */
static void
alpn(const struct tlshello_client * ch, char two[3])
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t * p;
	size_t n;

	memcpy(two, "00", 3);
	if (ch->alpn.len < 2 || ch->b[ch->alpn.off] == 0)
		return;
	n = ch->b[ch->alpn.off];
	p = ch->b + ch->alpn.off + 1;
	if (alnum(p[0]) && alnum(p[n - 1])) {
		two[0] = (char)p[0];
		two[1] = (char)p[n - 1];
	} else {
		two[0] = hex[p[0] >> 4];
		two[1] = hex[p[n - 1] & 15];
	}
}

/*
 * part_b(ch, s): JA4's sorted cipher suites into ${s}.  Return their
 * count.
 */
static size_t
part_b(const struct tlshello_client * ch, struct sink * s)
{
	uint16_t v[TLSHELLO_PLAINTEXT_MAX / 2];
	size_t n;

	n = values(ch->b, ch->suites, 2, v);
	qsort(v, n, sizeof(v[0]), cmp_u16);
	joined(s, v, n, 1);
	return (n);
}

/*
 * part_c(ch, s): JA4's sorted extensions (without server_name and ALPN),
 * "_" and the signature algorithms into ${s}.  Return the count of the
 * extensions put.
 */
static size_t
part_c(const struct tlshello_client * ch, struct sink * s)
{
	uint16_t v[TLSHELLO_PLAINTEXT_MAX / 2];
	size_t i, n, k;

	n = ext_types(ch, v);
	for (i = k = 0; i < n; i++)
		if (v[i] != TLS_EXT_SERVER_NAME && v[i] != TLS_EXT_ALPN)
			v[k++] = v[i];
	qsort(v, k, sizeof(v[0]), cmp_u16);
	joined(s, v, k, 1);
	if ((n = values(ch->b, ch->sigalgs, 2, v)) > 0) {
		put(s, "_");
		joined(s, v, n, 1);
	}
	return (k);
}

/*
 * hashed(ch, part, s): put the first 12 hex digits of the SHA-256 of
 * ${part}'s text into ${s}, or 12 zeros if it has no values.
 */
static void
hashed(const struct tlshello_client * ch,
    size_t (* part)(const struct tlshello_client *, struct sink *),
    struct sink * s)
{
	crypto_hash_sha256_state h;
	struct sink hs = { NULL, 0, 0, 0, &h, 0 };
	uint8_t md[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];

	crypto_hash_sha256_init(&h);
	if (part(ch, &hs) == 0) {
		put(s, "000000000000");
		return;
	}
	crypto_hash_sha256_final(&h, md);
	sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
	hex[12] = '\0';
	put(s, hex);
}

/**
 * tlshello_ja4(ch, raw, out, outlen):
 * Write the JA4 fingerprint of ${ch} ("t13d0412h2_..._...", FoxIO's
 * definition, for TLS over TCP) to ${out}, or with ${raw} nonzero its
 * unhashed form JA4_r.  Return 0, or -1 if it does not fit in ${outlen}.
 */
int
tlshello_ja4(const struct tlshello_client * ch, int raw, char * out,
    size_t outlen)
{
	struct sink s = { out, 0, outlen, 0, NULL, 0 };
	uint16_t v[TLSHELLO_PLAINTEXT_MAX / 2];
	size_t nsuites, nexts;
	char a[16], two[3];

	if (outlen == 0)
		return (-1);
	out[0] = '\0';
	nsuites = values(ch->b, ch->suites, 2, v);
	nexts = ext_types(ch, v);
	alpn(ch, two);
	snprintf(a, sizeof(a), "t%s%c%02zu%02zu%s_", version(ch),
	    ch->has_sni ? 'd' : 'i', nsuites > 99 ? 99 : nsuites,
	    nexts > 99 ? 99 : nexts, two);
	put(&s, a);
	if (raw) {
		part_b(ch, &s);
		put(&s, "_");
		part_c(ch, &s);
	} else {
		hashed(ch, part_b, &s);
		put(&s, "_");
		hashed(ch, part_c, &s);
	}
	return (s.full ? -1 : 0);
}
