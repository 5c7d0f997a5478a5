#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "dust/keyfile.h"
#include "dust/rng.h"

/**
 * keyfile_generate(sk, pk, rng):
 * Draw a static X25519 key pair from ${rng}: secret ${sk}, public ${pk}.
 */
void
keyfile_generate(uint8_t sk[32], uint8_t pk[32], const struct dust_rng * rng)
{

	dust_rng_fill(rng, sk, 32);
	crypto_scalarmult_base(pk, sk);
}

/**
 * keyfile_format(out, sk, pk):
 * Write the key file text of the key pair to ${out}
 * (KEYFILE_BYTES + 1 bytes, NUL-terminated).
 */
void
keyfile_format(char * out, const uint8_t sk[32], const uint8_t pk[32])
{
	char skhex[65], pkhex[65];

	sodium_bin2hex(skhex, sizeof(skhex), sk, 32);
	sodium_bin2hex(pkhex, sizeof(pkhex), pk, 32);
	snprintf(out, KEYFILE_BYTES + 1, "%s\nsecret %s\npublic %s\n",
	    KEYFILE_HEADER, skhex, pkhex);
	sodium_memzero(skhex, sizeof(skhex));
}

/*
 * line_key(p, end, label, key, why, what): parse "label <64 hex>\n" at
 * *${p}, moving *${p} past it.  Return 0 or -1 with ${why} set.
 */
static int
line_key(const char ** p, const char * end, const char * label,
    uint8_t key[32], char * why)
{
	size_t llen = strlen(label), i;
	const char * h;

	if ((size_t)(end - *p) < llen + 1 || memcmp(*p, label, llen) != 0 ||
	    (*p)[llen] != ' ') {
		snprintf(why, KEYFILE_WHY_MAX,
		    "key file: expected a line \"%s <64 hex digits>\"", label);
		return (-1);
	}
	h = *p + llen + 1;
	for (i = 0; h + i < end && h[i] != '\n'; i++)
		continue;
	if (h + i == end) {
		snprintf(why, KEYFILE_WHY_MAX,
		    "key file: %s key line is truncated", label);
		return (-1);
	}
	if (i != 64 || sodium_hex2bin(key, 32, h, 64, NULL, NULL, NULL) != 0) {
		snprintf(why, KEYFILE_WHY_MAX,
		    "key file: %s key is not 64 hex digits", label);
		return (-1);
	}
	*p = h + 65;
	return (0);
}

/**
 * keyfile_parse(text, len, sk, pk, why):
 * Parse the ${len} bytes of key file ${text} into ${sk} and ${pk}, and
 * check that the public key belongs to the secret key.  Return 0, or -1
 * with a sentence naming what was wrong in ${why} (KEYFILE_WHY_MAX bytes).
 */
int
keyfile_parse(const char * text, size_t len, uint8_t sk[32], uint8_t pk[32],
    char * why)
{
	const char * p = text, * end = text + len;
	size_t hlen = strlen(KEYFILE_HEADER);
	uint8_t check[32];

	if (len < hlen + 1 || memcmp(p, KEYFILE_HEADER, hlen) != 0 ||
	    p[hlen] != '\n') {
		snprintf(why, KEYFILE_WHY_MAX, "key file: first line is not "
		    "\"%s\": not a dust key file", KEYFILE_HEADER);
		return (-1);
	}
	p += hlen + 1;
	if (line_key(&p, end, "secret", sk, why) ||
	    line_key(&p, end, "public", pk, why))
		goto err;
	if (p != end) {
		snprintf(why, KEYFILE_WHY_MAX,
		    "key file: unexpected text after the public key");
		goto err;
	}
	crypto_scalarmult_base(check, sk);
	if (sodium_memcmp(check, pk, 32) != 0) {
		snprintf(why, KEYFILE_WHY_MAX,
		    "key file: public key does not belong to the secret key");
		goto err;
	}
	return (0);
err:
	sodium_memzero(sk, 32);
	return (-1);
}
