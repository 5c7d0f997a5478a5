/*
 * SSH-2 connection starts and templates (lib/format/sshhello.h,
 * docs/formats.md): every real vector of tests/vectors/ssh-hellos.txt
 * (OpenSSH's ssh against sshd: defaults, curve25519-sha256, aes128-gcm)
 * parses on both sides, with the key exchange the two sides negotiate,
 * sntrup761 encodings and Ed25519 signature parts that pass the checks
 * templates make; templates learned from them have exactly the random
 * fields the protocol makes random; filled templates (200 fills per
 * template, fixed seeds) parse, equal the template outside the fields and
 * keep the learned HASSH; every truncation and the corruptions below are
 * refused with a message naming the field; the encrypted stream after
 * NEWKEYS splits into packets where the cipher shows their lengths (GCM)
 * and is refused where it does not (chacha20-poly1305).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "dust/rng.h"

#include "format/sshhello.h"
#include "hellotest.h"

#define NFILL	200	/* Fills per template. */

/* The captured kinds of connection, and what OpenSSH 9.2 picks for each. */
static const struct {
	const char * prefix;
	int method;
	const char * kex;
	const char * enc;
} kinds[] = {
	{ "openssh-", SSHHELLO_KEX_SNTRUP761, "sntrup761x25519-sha512",
	    "chacha20-poly1305@openssh.com" },
	{ "x25519-", SSHHELLO_KEX_CURVE25519, "curve25519-sha256",
	    "chacha20-poly1305@openssh.com" },
	{ "gcm-", SSHHELLO_KEX_SNTRUP761, "sntrup761x25519-sha512",
	    "aes128-gcm@openssh.com" }
};

/* setup(state): read the vectors (tests/unit/tlsvec.h reads this format). */
static int
setup(void ** state)
{

	(void)state;
	if (sodium_init() < 0)
		return (-1);
	return (vec_setup("tests/vectors/ssh-hellos.txt", 12));
}

/* kind_of(name): the index in kinds[] of the vector ${name}. */
static size_t
kind_of(const char * name)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(name, kinds[i].prefix, strlen(kinds[i].prefix)) ==
		    0)
			return (i);
	fail_msg("vector %s of no kind", name);
	return (0);
}

/* check_q(fl): the parts of Q_C or Q_S pass the checks a censor can make. */
static void
check_q(const struct sshhello_flight * fl)
{
	const uint8_t * q = fl->b + fl->q.off;

	/* The X25519 part is last: bit 255 clear. */
	assert_int_equal(q[fl->q.len - 1] & 0x80, 0);
	if (fl->method != SSHHELLO_KEX_SNTRUP761)
		return;
	if (fl->side == SSHHELLO_CLIENT)
		assert_true(sntrup761_valid(q, SSHHELLO_SNTRUP_PK_LEN, 4591));
	else
		assert_true(sntrup761_valid(q, SSHHELLO_SNTRUP_ROUNDED_LEN,
		    1531));
}

/*
 * Every vector parses; the sides agree on the key exchange their Q_C and
 * Q_S show; sntrup761 parts decode in range; the signature's R is a point
 * of the prime-order subgroup and S is below L; one host key throughout.
 */
static void
test_vectors_parse(void ** state)
{
	struct sshhello_flight c, s;
	char err[256], alg[SSHHELLO_NAME_MAX + 1];
	const uint8_t * key = NULL;
	size_t k;
	int i;

	(void)state;
	for (i = 0; i < nvec; i++) {
		k = kind_of(vec[i].name);
		if (sshhello_parse(SSHHELLO_CLIENT, vec[i].client, vec[i].clen,
		    &c, err, sizeof(err)))
			fail_msg("%s client: %s", vec[i].name, err);
		if (sshhello_parse(SSHHELLO_SERVER, vec[i].server, vec[i].slen,
		    &s, err, sizeof(err)))
			fail_msg("%s server: %s", vec[i].name, err);
		assert_memory_equal(c.b + c.software.off, "OpenSSH_", 8);
		assert_memory_equal(s.b + s.software.off, "OpenSSH_", 8);
		assert_int_equal(c.preamble.len, 0);
		assert_int_equal(c.method, kinds[k].method);
		assert_int_equal(s.method, kinds[k].method);
		assert_int_equal(sshhello_negotiate(&c, &s, SSHHELLO_KEX, alg,
		    sizeof(alg)), 0);
		assert_string_equal(alg, kinds[k].kex);
		assert_int_equal(sshhello_negotiate(&c, &s, SSHHELLO_ENC_CS,
		    alg, sizeof(alg)), 0);
		assert_string_equal(alg, kinds[k].enc);
		assert_int_equal(c.q.len, c.method == SSHHELLO_KEX_SNTRUP761 ?
		    1190 : 32);
		assert_int_equal(s.q.len, s.method == SSHHELLO_KEX_SNTRUP761 ?
		    1071 : 32);
		check_q(&c);
		check_q(&s);
		assert_int_equal(s.sig_blob.len, 64);
		assert_true(crypto_core_ed25519_is_valid_point(s.b +
		    s.sig_blob.off));
		assert_true(s.b[s.sig_blob.off + 63] < 0x10);
		if (key == NULL)
			key = s.b + s.hostkey.off;
		assert_int_equal(s.hostkey.len, 51);
		assert_memory_equal(s.b + s.hostkey.off, key, 51);
		/* Encrypted bytes follow NEWKEYS on both sides. */
		assert_true(c.end < c.len && s.end < s.len);
		assert_int_equal(c.b[c.newkeys.payload.off], SSH_MSG_NEWKEYS);
	}
}

/*
 * field_at(t, place, index, kind, len): the index of the field of ${t} at
 * ${place} and ${index}, checking its kind and length, or fail.
 */
static size_t
field_at(const struct sshhello_template * t, int place, size_t index,
    int kind, size_t len)
{
	size_t i;

	for (i = 0; i < t->nfields; i++)
		if (t->field[i].place == place && t->field[i].index == index) {
			assert_int_equal(t->field[i].kind, kind);
			assert_int_equal(t->field[i].len, len);
			return (i);
		}
	fail_msg("no field at place %d index %zu", place, index);
	return (0);
}

/*
 * check_fills(t, hassh, seed): fill ${t} ${NFILL} times with drawn values;
 * each fill parses, equals ${t} outside its fields, gives its values back
 * and has the HASSH ${hassh}.
 */
static void
check_fills(const struct sshhello_template * t, const char * hassh,
    uint64_t seed)
{
	struct dust_rng_seeded rs;
	struct sshhello_flight fl;
	uint8_t * out, * vals, * back;
	char err[256], h[4096];
	size_t k;

	dust_rng_seeded_u64(&rs, seed);
	out = malloc(t->len);
	vals = malloc(t->vlen + 1);
	back = malloc(t->vlen + 1);
	assert_non_null(out);
	assert_non_null(vals);
	assert_non_null(back);
	for (k = 0; k < NFILL; k++) {
		assert_int_equal(sshhello_draw(t, &rs.rng, vals), 0);
		if (sshhello_fill(t, vals, out, err, sizeof(err)))
			fail_msg("fill: %s", err);
		if (sshhello_parse(t->side, out, t->len, &fl, err, sizeof(err)))
			fail_msg("filled start: %s", err);
		assert_int_equal(fl.end, t->len);
		assert_int_equal(sshhello_hassh(&fl, h, sizeof(h)), 0);
		assert_string_equal(h, hassh);
		check_q(&fl);
		if (sshhello_extract(t, out, t->len, back, err, sizeof(err)))
			fail_msg("extract: %s", err);
		assert_memory_equal(vals, back, t->vlen);
		check_filled(t->bytes, t->len, t->field, t->nfields, vals, out);
	}
	free(out);
	free(vals);
	free(back);
}

/*
 * learn_side(k, side, seed): learn the template of ${side} of the kind
 * ${k}, check its fields, fill it.
 */
static void
learn_side(size_t k, int side, uint64_t seed)
{
	const uint8_t * h[TLSVEC_MAX];
	size_t lens[TLSVEC_MAX], n, want;
	struct sshhello_template * t;
	struct sshhello_flight ref;
	char err[256], hassh[4096];
	int sntrup = kinds[k].method == SSHHELLO_KEX_SNTRUP761;

	n = pick(kinds[k].prefix, h, lens, side);
	assert_true(n >= 3);
	if (sshhello_learn(side, h, lens, n, &t, err, sizeof(err)))
		fail_msg("%s %d: %s", kinds[k].prefix, side, err);
	assert_int_equal(sshhello_parse(side, h[0], lens[0], &ref, err,
	    sizeof(err)), 0);
	assert_int_equal(t->len, ref.end);
	assert_int_equal(t->field[field_at(t, SSHHELLO_AT_COOKIE, 0,
	    SSHHELLO_UNIFORM, 16)].off, ref.cookie);
	if (side == SSHHELLO_CLIENT && sntrup) {
		field_at(t, SSHHELLO_AT_Q, 0, SSHHELLO_SNTRUP_PK, 1158);
		field_at(t, SSHHELLO_AT_Q, 1, SSHHELLO_X25519, 32);
		want = 3;
	} else if (side == SSHHELLO_SERVER && sntrup) {
		field_at(t, SSHHELLO_AT_Q, 0, SSHHELLO_SNTRUP_CT, 1007);
		field_at(t, SSHHELLO_AT_Q, 1, SSHHELLO_UNIFORM, 32);
		field_at(t, SSHHELLO_AT_Q, 2, SSHHELLO_X25519, 32);
		want = 4;
	} else {
		field_at(t, SSHHELLO_AT_Q, 0, SSHHELLO_X25519, 32);
		want = 2;
	}
	if (side == SSHHELLO_SERVER) {
		field_at(t, SSHHELLO_AT_SIG, 0, SSHHELLO_ED25519_R, 32);
		field_at(t, SSHHELLO_AT_SIG, 1, SSHHELLO_ED25519_S, 32);
		want += 2;
	}
	/* OpenSSH pads with zeros before NEWKEYS: no padding field. */
	assert_int_equal(t->nfields, want);
	assert_true(sodium_is_zero(t->bytes + ref.kexinit.padding.off,
	    ref.kexinit.padding.len));
	assert_true(sodium_is_zero(t->bytes + ref.newkeys.padding.off,
	    ref.newkeys.padding.len));
	assert_int_equal(sshhello_hassh(&ref, hassh, sizeof(hassh)), 0);
	check_fills(t, hassh, seed);
	sshhello_template_free(t);
}

/*
 * Templates of each kind's client and server: exactly the cookie, the
 * parts of Q and (server) of the signature; fills keep HASSH.
 */
static void
test_learn_real(void ** state)
{
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		learn_side(k, SSHHELLO_CLIENT, 1 + 2 * k);
		learn_side(k, SSHHELLO_SERVER, 2 + 2 * k);
	}
}

/*
 * Padding that differs between the starts (as an implementation that pads
 * with random bytes before NEWKEYS would send; OpenSSH's is zeros) is a
 * random field: the x25519 client's starts with their KEXINIT and NEWKEYS
 * padding drawn (fixed seed) give a template of four fields, in order of
 * offset, whose fills parse and keep HASSH.
 */
static void
test_random_padding(void ** state)
{
	const uint8_t * h[TLSVEC_MAX];
	size_t lens[TLSVEC_MAX], n, i;
	struct sshhello_template * t;
	struct sshhello_flight fl;
	struct dust_rng_seeded rs;
	uint8_t * copy[TLSVEC_MAX];
	char err[256], hassh[4096];

	(void)state;
	dust_rng_seeded_u64(&rs, 11);
	n = pick("x25519-", h, lens, SSHHELLO_CLIENT);
	for (i = 0; i < n; i++) {
		assert_int_equal(sshhello_parse(SSHHELLO_CLIENT, h[i], lens[i],
		    &fl, err, sizeof(err)), 0);
		copy[i] = malloc(lens[i]);
		assert_non_null(copy[i]);
		memcpy(copy[i], h[i], lens[i]);
		dust_rng_fill(&rs.rng, copy[i] + fl.kexinit.padding.off,
		    fl.kexinit.padding.len);
		dust_rng_fill(&rs.rng, copy[i] + fl.newkeys.padding.off,
		    fl.newkeys.padding.len);
		h[i] = copy[i];
	}
	if (sshhello_learn(SSHHELLO_CLIENT, h, lens, n, &t, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(t->nfields, 4);
	assert_int_equal(t->field[field_at(t, SSHHELLO_AT_PADDING, 0,
	    SSHHELLO_UNIFORM, fl.kexinit.padding.len)].off,
	    fl.kexinit.padding.off);
	field_at(t, SSHHELLO_AT_PADDING, 2, SSHHELLO_UNIFORM, 10);
	for (i = 1; i < t->nfields; i++)
		assert_true(t->field[i].off > t->field[i - 1].off);
	assert_int_equal(sshhello_hassh(&fl, hassh, sizeof(hassh)), 0);
	check_fills(t, hassh, 12);
	sshhello_template_free(t);
	for (i = 0; i < n; i++)
		free(copy[i]);
}

/* HASSH and HASSHServer: the four lists joined by ';'. */
static void
test_hassh(void ** state)
{
	struct sshhello_flight c, s;
	char err[256], h[4096], want[4096];
	const struct fmt_span * l;
	size_t i, n;
	static const int cl[4] = { SSHHELLO_KEX, SSHHELLO_ENC_CS,
	    SSHHELLO_MAC_CS, SSHHELLO_CMP_CS };
	static const int sl[4] = { SSHHELLO_KEX, SSHHELLO_ENC_SC,
	    SSHHELLO_MAC_SC, SSHHELLO_CMP_SC };

	(void)state;
	assert_int_equal(sshhello_parse(SSHHELLO_CLIENT, vec[0].client,
	    vec[0].clen, &c, err, sizeof(err)), 0);
	assert_int_equal(sshhello_parse(SSHHELLO_SERVER, vec[0].server,
	    vec[0].slen, &s, err, sizeof(err)), 0);
	for (n = i = 0; i < 4; i++) {
		l = &c.list[cl[i]];
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%.*s",
		    i ? ";" : "", (int)l->len, c.b + l->off);
	}
	assert_int_equal(sshhello_hassh(&c, h, sizeof(h)), 0);
	assert_string_equal(h, want);
	assert_non_null(strstr(h,
	    "kex-strict-c-v00@openssh.com;chacha20-poly1305"));
	assert_int_equal(sshhello_hassh(&c, h, strlen(want)), -1);
	assert_int_equal(sshhello_hassh(&c, h, strlen(want) + 1), 0);
	for (n = i = 0; i < 4; i++) {
		l = &s.list[sl[i]];
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%.*s",
		    i ? ";" : "", (int)l->len, s.b + l->off);
	}
	assert_int_equal(sshhello_hassh(&s, h, sizeof(h)), 0);
	assert_string_equal(h, want);
	assert_non_null(strstr(h, ";none,zlib@openssh.com"));
}

/* Learning refuses starts that are not of one side's shape, naming why. */
static void
test_learn_errors(void ** state)
{
	const uint8_t * h[TLSVEC_MAX];
	size_t lens[TLSVEC_MAX], n;
	struct sshhello_template * t;
	uint8_t * copy;
	char err[256];

	(void)state;
	n = pick("openssh-", h, lens, SSHHELLO_CLIENT);
	expect_err(sshhello_learn(SSHHELLO_CLIENT, h, lens, 1, &t, err,
	    sizeof(err)), err, "needs 2 starts");
	assert_null(t);
	n += pick("x25519-", h + n, lens + n, SSHHELLO_CLIENT);
	expect_err(sshhello_learn(SSHHELLO_CLIENT, h, lens, n, &t, err,
	    sizeof(err)), err, "start 5 is 1393 bytes, start 1 2825");
	h[1] = h[0];
	lens[1] = lens[0];
	expect_err(sshhello_learn(SSHHELLO_CLIENT, h, lens, 2, &t, err,
	    sizeof(err)), err, "the KEXINIT cookie is the same");
	/* A letter of the first kex name changed in the second start. */
	n = pick("openssh-", h, lens, SSHHELLO_CLIENT);
	copy = malloc(lens[1]);
	assert_non_null(copy);
	memcpy(copy, h[1], lens[1]);
	copy[70] = 'X';
	h[1] = copy;
	expect_err(sshhello_learn(SSHHELLO_CLIENT, h, lens, n, &t, err,
	    sizeof(err)), err, "start 2 differs from start 1 at byte 70 "
	    "(KEXINIT name-list 0), outside the random fields");
	/* The identification line changed. */
	memcpy(copy, h[2], lens[2]);
	copy[12] = 'Z';
	expect_err(sshhello_learn(SSHHELLO_CLIENT, h, lens, n, &t, err,
	    sizeof(err)), err, "at byte 12 (identification line)");
	/* A client's start as a server's. */
	n = pick("openssh-", h, lens, SSHHELLO_CLIENT);
	expect_err(sshhello_learn(SSHHELLO_SERVER, h, lens, n, &t, err,
	    sizeof(err)), err, "start 1: KEX_ECDH_REPLY: message type 30, "
	    "not 31");
	free(copy);
}

/*
 * Every prefix that ends before NEWKEYS does is refused, with a message;
 * every longer one parses (the encrypted bytes are not read).
 */
static void
test_truncated(void ** state)
{
	struct sshhello_flight fl;
	char err[256];
	size_t n;
	int k, side;

	(void)state;
	for (k = 0; k < nvec; k++)
		for (side = 0; side < 2; side++) {
			const uint8_t * b = side ? vec[k].server :
			    vec[k].client;
			size_t len = side ? vec[k].slen : vec[k].clen;

			assert_int_equal(sshhello_parse(side, b, len, &fl, err,
			    sizeof(err)), 0);
			for (n = 0; n < len; n++) {
				err[0] = '\0';
				if (n >= fl.end) {
					assert_int_equal(sshhello_parse(side,
					    b, n, &fl, err, sizeof(err)), 0);
					continue;
				}
				assert_int_equal(sshhello_parse(side, b, n,
				    &fl, err, sizeof(err)), -1);
				assert_true(strlen(err) > 10);
				assert_int_equal(sshhello_parse(side, b, len,
				    &fl, err, sizeof(err)), 0);
			}
		}
}

/*
 * corrupt(side, b, len, off, v, want): parse ${b} as ${side}'s start with
 * the byte at ${off} set to ${v}; expect ${want}.
 */
static void
corrupt(int side, const uint8_t * b, size_t len, size_t off, uint8_t v,
    const char * want)
{
	struct sshhello_flight fl;
	uint8_t * c = malloc(len);
	char err[256];

	assert_non_null(c);
	memcpy(c, b, len);
	c[off] = v;
	expect_err(sshhello_parse(side, c, len, &fl, err, sizeof(err)), err,
	    want);
	free(c);
}

/* Corrupted fields are refused, the message naming them. */
static void
test_corrupt(void ** state)
{
	const uint8_t * c = vec[0].client, * s = vec[0].server;
	const uint8_t * x = vec[4].client;
	size_t cl = vec[0].clen, sl = vec[0].slen, xl = vec[4].clen;
	struct sshhello_flight fl;

	(void)state;
	assert_string_equal(vec[0].name, "openssh-1");
	assert_string_equal(vec[4].name, "x25519-1");
	corrupt(0, c, cl, 0, 'X', "identification: the client's first line "
	    "does not start with \"SSH-\"");
	corrupt(0, c, cl, 6, '1', "identification: protoversion is not 2.0");
	corrupt(0, c, cl, 12, '\t', "softwareversion byte 4 is 0x09");
	corrupt(0, c, cl, 12, '-', "softwareversion byte 4 is 0x2d");
	corrupt(0, c, cl, 30, 0x7f, "comments byte 9 is 0x7f");
	corrupt(0, c, cl, 39, 'x', "identification: line does not end in "
	    "CR LF");
	corrupt(0, c, cl, 33, 0, "identification: NUL byte at 33");
	/* KEXINIT: packet at 41, cookie at 47, name-list 0 at 63. */
	corrupt(0, c, cl, 44, 0x15, "KEXINIT: packet_length 1557: 4 + it is "
	    "not a multiple of 8");
	corrupt(0, c, cl, 41, 0x01, "KEXINIT: packet_length 16778772, not "
	    "12 to 34996");
	corrupt(0, c, cl, 45, 3, "KEXINIT: padding_length 3 is under 4");
	corrupt(0, c, cl, 46, 21, "KEXINIT: message type 21, not 20");
	corrupt(0, c, cl, 65, 0x7f, "KEXINIT: name-list 0 (kex algorithms) "
	    "length 32584 overruns the 1526 bytes left");
	corrupt(0, c, cl, 67, ' ', "KEXINIT: name-list 0 (kex algorithms) "
	    "name 0 is not an algorithm name");
	corrupt(0, c, cl, 41 + 4 + 1556 - 8 - 5, 1, "KEXINIT: "
	    "first_kex_packet_follows 1, not 0");
	corrupt(0, c, cl, 41 + 4 + 1556 - 8 - 1, 1, "KEXINIT: reserved 1, "
	    "not 0");
	/* KEX_ECDH_INIT at 1601: Q_C's length at 1607. */
	corrupt(0, c, cl, 1601 + 5, 31, "KEX_ECDH_INIT: message type 31, not "
	    "30");
	corrupt(0, c, cl, 1607 + 3, 0xa5, "KEX_ECDH_INIT: Q_C length 1189, "
	    "not 32 (curve25519-sha256) or 1190");
	corrupt(0, x, xl, 1329 + 9, 0x40,
	    "KEX_ECDH_INIT: Q_C length 64 overruns the 32 bytes left");
	corrupt(0, c, cl, 2809 + 5, 22, "NEWKEYS: message type 22, not 21");
	corrupt(0, c, cl, 2809 + 4, 9, "NEWKEYS: payload of 2 bytes, not 1");
	/* KEX_ECDH_REPLY at 1129: K_S at 1135, blob type, key. */
	corrupt(1, s, sl, 1135 + 2, 0x40, "KEX_ECDH_REPLY: K_S length 16435 "
	    "overruns");
	corrupt(1, s, sl, 1139 + 2, 0x40, "K_S type length 16395 overruns");
	corrupt(1, s, sl, 1139 + 4 + 11 + 3, 31, "K_S ssh-ed25519 key of 31 "
	    "bytes and 1 after, not 32 and 0");
	/* The signature blob: its type is not the server's. */
	corrupt(1, s, sl, 1129 + 4 + 1228 - 9 - 64 - 4 - 1, 'X',
	    "signature type ssh-ed2551X is not in the server host key");
	expect_err(sshhello_parse(0, c, 2800, &fl, NULL, 0), "", "");
}

/*
 * The encrypted stream after NEWKEYS: with aes128-gcm@openssh.com it
 * splits into whole packets, each refused byte by byte until complete;
 * chacha20-poly1305 and a MAC over the plaintext are refused; bad lengths
 * break the framing.
 */
static void
test_records(void ** state)
{
	struct sshhello_framing fr;
	struct sshhello_flight c, s;
	char err[256], enc[SSHHELLO_NAME_MAX + 1], mac[SSHHELLO_NAME_MAX + 1];
	static const uint8_t bad[][4] = { { 0, 0, 0, 15 }, { 0, 0, 0, 17 },
	    { 0, 0, 0x88, 0xc0 } };
	size_t off, n, plen, k, packets = 0;
	int i, side;

	(void)state;
	for (i = 0; i < nvec; i++) {
		if (strncmp(vec[i].name, "gcm-", 4) != 0)
			continue;
		assert_int_equal(sshhello_parse(0, vec[i].client, vec[i].clen,
		    &c, err, sizeof(err)), 0);
		assert_int_equal(sshhello_parse(1, vec[i].server, vec[i].slen,
		    &s, err, sizeof(err)), 0);
		for (side = 0; side < 2; side++) {
			const struct sshhello_flight * fl = side ? &s : &c;

			assert_int_equal(sshhello_negotiate(&c, &s, side ?
			    SSHHELLO_ENC_SC : SSHHELLO_ENC_CS, enc,
			    sizeof(enc)), 0);
			assert_int_equal(sshhello_negotiate(&c, &s, side ?
			    SSHHELLO_MAC_SC : SSHHELLO_MAC_CS, mac,
			    sizeof(mac)), 0);
			if (sshhello_framing(enc, mac, &fr, err, sizeof(err)))
				fail_msg("%s", err);
			for (off = fl->end, k = 0; off < fl->len; k++) {
				for (n = 0; n < 4 + 16 + 16; n++)
					assert_int_equal(sshhello_record(&fr,
					    fl->b + off, n, &plen, err,
					    sizeof(err)), 1);
				if (sshhello_record(&fr, fl->b + off,
				    fl->len - off, &plen, err, sizeof(err)))
					fail_msg("%s packet %zu: %s",
					    vec[i].name, k, err);
				assert_int_equal(sshhello_record(&fr,
				    fl->b + off, plen - 1, &plen, err,
				    sizeof(err)), 1);
				off += plen;
			}
			assert_int_equal(off, fl->len);
			assert_true(k >= 2);
			packets += k;
		}
	}
	assert_true(packets >= 16);
	expect_err(sshhello_framing("chacha20-poly1305@openssh.com",
	    "umac-64-etm@openssh.com", &fr, err, sizeof(err)), err,
	    "framing: chacha20-poly1305@openssh.com encrypts packet_length");
	expect_err(sshhello_framing("aes128-ctr", "hmac-sha2-256", &fr, err,
	    sizeof(err)), err, "aes128-ctr with hmac-sha2-256 encrypts "
	    "packet_length");
	expect_err(sshhello_framing("3des-cbc", "hmac-sha1", &fr, err,
	    sizeof(err)), err, "unknown cipher 3des-cbc");
	assert_int_equal(sshhello_framing("aes256-ctr",
	    "hmac-sha2-512-etm@openssh.com", &fr, err, sizeof(err)), 0);
	assert_int_equal(fr.tag, 64);
	assert_int_equal(sshhello_framing("aes256-gcm@openssh.com", "x", &fr,
	    err, sizeof(err)), 0);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		expect_err(sshhello_record(&fr, bad[k], 4, &plen, err,
		    sizeof(err)), err, "encrypted packet: packet_length");
}

/* Fill and extract refuse values and starts that are not the template's. */
static void
test_fill_extract_errors(void ** state)
{
	const uint8_t * h[TLSVEC_MAX];
	size_t lens[TLSVEC_MAX], n, i, voff;
	struct sshhello_template * t;
	struct dust_rng_seeded rs;
	uint8_t * vals, * out, * copy;
	char err[256];

	(void)state;
	dust_rng_seeded_u64(&rs, 77);
	n = pick("openssh-", h, lens, SSHHELLO_SERVER);
	assert_int_equal(sshhello_learn(SSHHELLO_SERVER, h, lens, n, &t, err,
	    sizeof(err)), 0);
	vals = malloc(t->vlen);
	out = malloc(t->len);
	assert_non_null(vals);
	assert_non_null(out);
	for (i = voff = 0; i < t->nfields; voff += t->field[i++].len) {
		assert_int_equal(sshhello_draw(t, &rs.rng, vals), 0);
		switch (t->field[i].kind) {
		case SSHHELLO_X25519:
			vals[voff + 31] |= 0x80;
			expect_err(sshhello_fill(t, vals, out, err,
			    sizeof(err)), err, "bit 255 set");
			break;
		case SSHHELLO_SNTRUP_CT:
			/* The last byte encodes the top value: too big. */
			vals[voff + t->field[i].len - 1] = 0xff;
			expect_err(sshhello_fill(t, vals, out, err,
			    sizeof(err)), err, "not the encoding of 761 "
			    "values below 1531");
			break;
		case SSHHELLO_ED25519_R:
			memset(vals + voff, 0, 32);
			vals[voff] = 1;	/* The identity: small order. */
			expect_err(sshhello_fill(t, vals, out, err,
			    sizeof(err)), err, "field 4 (signature Ed25519 R): "
			    "not a point of the prime-order subgroup");
			break;
		case SSHHELLO_ED25519_S:
			memset(vals + voff, 0xff, 32);
			expect_err(sshhello_fill(t, vals, out, err,
			    sizeof(err)), err, "not below the group order L");
			break;
		}
	}
	expect_err(sshhello_extract(t, vec[4].server, vec[4].slen, vals, err,
	    sizeof(err)), err, "start is 1337 bytes, the template 2377");
	copy = malloc(lens[2]);
	assert_non_null(copy);
	memcpy(copy, h[2], lens[2]);
	copy[1129 + 4 + 2 + 4 + 30] ^= 1;	/* In K_S. */
	expect_err(sshhello_extract(t, copy, lens[2], vals, err, sizeof(err)),
	    err, "start differs from the template at byte 1169 (key exchange "
	    "message payload)");
	assert_int_equal(sshhello_extract(t, h[2], lens[2], vals, err,
	    sizeof(err)), 0);
	assert_memory_equal(vals, h[2] + 47, 16);
	free(copy);
	free(vals);
	free(out);
	sshhello_template_free(t);
}

/*
 * ident(side, text, want): sshhello_ident on ${text} gives ${want}: 0, 1,
 * or -1 (then the message holds ${msg}).
 */
static void
ident(int side, const char * text, int want, const char * msg)
{
	struct sshhello_flight fl;
	char err[256] = "";
	int rc;

	rc = sshhello_ident((const uint8_t *)text, strlen(text), side, &fl,
	    err, sizeof(err));
	if (rc != want || (want == -1 && strstr(err, msg) == NULL))
		fail_msg("\"%s\": %d \"%s\", wanted %d \"%s\"", text, rc, err,
		    want, msg);
}

/*
 * The identification line: lines before it from a server, not from a
 * client; 255 bytes at most; more bytes needed until LF.
 */
static void
test_ident(void ** state)
{
	static char longline[300];
	struct sshhello_flight fl;
	const char * s = "hello\r\nworld\nSSH-2.0-X_1 a b\r\nrest";
	char err[256];

	(void)state;
	assert_int_equal(sshhello_ident((const uint8_t *)s, strlen(s),
	    SSHHELLO_SERVER, &fl, err, sizeof(err)), 0);
	assert_int_equal(fl.preamble.len, 13);
	assert_int_equal(fl.software.len, 3);
	assert_int_equal(fl.comments.len, 3);
	assert_int_equal(fl.end, strlen(s) - 4);
	ident(SSHHELLO_CLIENT, s, -1, "the client's first line");
	ident(SSHHELLO_CLIENT, "SSH-2.0-X", 1, "");
	ident(SSHHELLO_CLIENT, "SS", 1, "");
	ident(SSHHELLO_CLIENT, "SX", -1, "the client's first line");
	ident(SSHHELLO_SERVER, "SSH-1.99-X\r\n", 0, "");
	ident(SSHHELLO_CLIENT, "SSH-1.99-X\r\n", -1, "protoversion");
	ident(SSHHELLO_SERVER, "SSH-2.0-\r\n", -1, "softwareversion is empty");
	ident(SSHHELLO_SERVER, "SSH-2.0-X\n", -1, "does not end in CR LF");
	memset(longline, 'a', sizeof(longline) - 1);
	memcpy(longline, "SSH-2.0-", 8);
	ident(SSHHELLO_SERVER, longline, -1, "line of over 255 bytes");
	memcpy(longline + 253, "\r\n", 3);
	ident(SSHHELLO_SERVER, longline, 0, "");
	longline[253] = longline[254] = 'a';
	memcpy(longline + 255, "\r\n", 3);
	ident(SSHHELLO_SERVER, longline, -1, "line of 257 bytes, over 255");
}

/*
 * The NTRU Prime encoding: uniform values encode to 1158 (public key) and
 * 1007 (rounded) bytes that decode back; most uniform byte strings are not
 * encodings (2000 draws, fixed seed: at most 1% pass).
 */
static void
test_sntrup(void ** state)
{
	struct dust_rng_seeded rs;
	uint16_t v[761];
	uint8_t b[1158];
	size_t i, k, pass = 0;

	(void)state;
	dust_rng_seeded_u64(&rs, 5);
	for (k = 0; k < 100; k++) {
		for (i = 0; i < 761; i++)
			v[i] = (uint16_t)dust_rng_uniform(&rs.rng, 4591);
		assert_int_equal(sntrup761_encode(v, 761, 4591, b), 1158);
		assert_true(sntrup761_valid(b, 1158, 4591));
		for (i = 0; i < 761; i++)
			v[i] = (uint16_t)dust_rng_uniform(&rs.rng, 1531);
		assert_int_equal(sntrup761_encode(v, 761, 1531, b), 1007);
		assert_true(sntrup761_valid(b, 1007, 1531));
		assert_false(sntrup761_valid(b, 1006, 1531));
	}
	for (k = 0; k < 2000; k++) {
		dust_rng_fill(&rs.rng, b, sizeof(b));
		pass += sntrup761_valid(b, 1158, 4591);
	}
	assert_true(pass <= 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_parse),
		cmocka_unit_test(test_learn_real),
		cmocka_unit_test(test_random_padding),
		cmocka_unit_test(test_hassh),
		cmocka_unit_test(test_learn_errors),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_fill_extract_errors),
		cmocka_unit_test(test_ident),
		cmocka_unit_test(test_sntrup),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
