#include <arpa/inet.h>
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/skein.h"
#include "dust/invite.h"
#include "dust/seattle.h"

/* Bytes around the model: version, SID, key, model length / checksum. */
#define HEAD_BYTES(alen)	(1 + 1 + (alen) + 2 + 32 + 4)
#define SUM_BYTES		4
#define MIN_BYTES		(HEAD_BYTES(4) + SUM_BYTES)

/**
 * invite_set_address(inv, s, why):
 * Set the address and port of ${inv} from ${s}: "192.0.2.1:443",
 * "[192.0.2.1]:443" or "[2001:db8::1]:443" (no host names: the server
 * identifier is made of the address).  Return 0, or -1 with a sentence in
 * ${why} (INVITE_WHY_MAX bytes).
 */
int
invite_set_address(struct dust_invite * inv, const char * s, char * why)
{
	char host[64];
	const char * colon, * port, * hstart, * hend;
	unsigned long v;
	char * e;

	/* Split HOST:PORT, HOST perhaps in brackets. */
	if (s[0] == '[') {
		hstart = s + 1;
		if ((hend = strchr(hstart, ']')) == NULL || hend[1] != ':') {
			snprintf(why, INVITE_WHY_MAX, "address '%.40s' is not "
			    "ADDRESS:PORT or [ADDRESS]:PORT", s);
			return (-1);
		}
		port = hend + 2;
	} else {
		hstart = s;
		if ((colon = strrchr(s, ':')) == NULL ||
		    strchr(s, ':') != colon) {
			snprintf(why, INVITE_WHY_MAX, "address '%.40s' is not "
			    "ADDRESS:PORT (write IPv6 as [ADDRESS]:PORT)", s);
			return (-1);
		}
		hend = colon;
		port = colon + 1;
	}
	if ((size_t)(hend - hstart) >= sizeof(host)) {
		snprintf(why, INVITE_WHY_MAX, "address is too long");
		return (-1);
	}
	memcpy(host, hstart, (size_t)(hend - hstart));
	host[hend - hstart] = '\0';

	/* The port: 1 .. 65535. */
	if (!isdigit((unsigned char)port[0]) ||
	    (v = strtoul(port, &e, 10), *e != '\0') || v < 1 || v > 65535) {
		snprintf(why, INVITE_WHY_MAX,
		    "port '%.20s' is not a number from 1 to 65535", port);
		return (-1);
	}

	/* Addresses only: the server identifier is made of them. */
	if (inet_pton(AF_INET, host, inv->addr) == 1) {
		inv->ipv6 = 0;
	} else if (inet_pton(AF_INET6, host, inv->addr) == 1) {
		inv->ipv6 = 1;
	} else {
		snprintf(why, INVITE_WHY_MAX, "'%.40s' is not an IPv4 or "
		    "IPv6 address (host names are not allowed)", host);
		return (-1);
	}
	if (sodium_is_zero(inv->addr, inv->ipv6 ? 16 : 4)) {
		snprintf(why, INVITE_WHY_MAX,
		    "address %s is unspecified: give the server's address",
		    host);
		return (-1);
	}
	inv->port = (uint16_t)v;
	return (0);
}

/**
 * invite_format_address(inv, buf, len):
 * Write the address of ${inv} as "192.0.2.1:443" or "[2001:db8::1]:443"
 * into ${buf} (${len} >= 64 bytes).  Return ${buf}.
 */
char *
invite_format_address(const struct dust_invite * inv, char * buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(inv->ipv6 ? AF_INET6 : AF_INET, inv->addr, a, sizeof(a));
	snprintf(buf, len, inv->ipv6 ? "[%s]:%u" : "%s:%u", a,
	    (unsigned)inv->port);
	return (buf);
}

/**
 * invite_sid(inv, sid):
 * Write the server identifier (docs/spec.md §1.5) of ${inv} to ${sid} (19
 * bytes of room).  Return its length, 7 or 19.
 */
size_t
invite_sid(const struct dust_invite * inv, uint8_t * sid)
{

	return (seattle_sid(sid, inv->ipv6, inv->addr, inv->port, inv->udp));
}

/* checksum(out, buf, len): the first 4 bytes of Skein-256-256(buf). */
static void
checksum(uint8_t out[SUM_BYTES], const uint8_t * buf, size_t len)
{
	uint8_t h[32];

	skein256_hash(h, 32, buf, len);
	memcpy(out, h, SUM_BYTES);
}

/**
 * invite_format(inv):
 * Return the invite text of ${inv} (malloc'd, NUL-terminated), or NULL on
 * ENOMEM or if its model is longer than INVITE_MODEL_MAX.
 */
char *
invite_format(const struct dust_invite * inv)
{
	size_t mlen = inv->model ? strlen(inv->model) : 0;
	size_t alen = inv->ipv6 ? 16 : 4, len, tlen, p;
	uint8_t * bin;
	char * text = NULL;

	if (mlen > INVITE_MODEL_MAX)
		return (NULL);
	len = HEAD_BYTES(alen) + mlen + SUM_BYTES;
	if ((bin = malloc(len)) == NULL)
		return (NULL);
	bin[0] = INVITE_VERSION;
	p = 1 + invite_sid(inv, bin + 1);
	memcpy(bin + p, inv->pubkey, 32);
	p += 32;
	bin[p++] = (uint8_t)(mlen >> 24);
	bin[p++] = (uint8_t)(mlen >> 16);
	bin[p++] = (uint8_t)(mlen >> 8);
	bin[p++] = (uint8_t)mlen;
	if (mlen)
		memcpy(bin + p, inv->model, mlen);
	p += mlen;
	checksum(bin + p, bin, p);

	tlen = strlen(INVITE_PREFIX) + sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if ((text = malloc(tlen)) != NULL) {
		strcpy(text, INVITE_PREFIX);
		sodium_bin2base64(text + strlen(INVITE_PREFIX),
		    tlen - strlen(INVITE_PREFIX), bin, len,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	}
	free(bin);
	return (text);
}

/* utf8_ok(s, len): nonzero if ${s} is valid UTF-8 without NUL bytes. */
static int
utf8_ok(const uint8_t * s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t c, min;

	while (i < len) {
		c = s[i];
		if (c == 0)
			return (0);
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, min = 0x10000, c &= 0x07;
		} else {
			return (0);
		}
		if (len - i <= n)
			return (0);
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		/* No overlong forms, surrogates, or code points > U+10FFFF. */
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return (0);
		i += n + 1;
	}
	return (1);
}

/*
 * pubkey_ok(pk): nonzero unless ${pk} is a low-order point (then every DH
 * with it would be all zero, and the handshake could never succeed).
 */
static int
pubkey_ok(const uint8_t pk[32])
{
	static const uint8_t one[32] = {1};
	uint8_t out[32];
	int rc;

	rc = crypto_scalarmult(out, one, pk);
	sodium_memzero(out, sizeof(out));
	return (rc == 0);
}

/* be32(p): the big-endian 32-bit integer at ${p}. */
static uint32_t
be32(const uint8_t * p)
{

	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* decode(inv, bin, len, why): the checks on the binary form. */
static int
decode(struct dust_invite * inv, const uint8_t * bin, size_t len, char * why)
{
	uint8_t sum[SUM_BYTES];
	size_t alen, mlen, p, want;

	if (len < MIN_BYTES) {
		snprintf(why, INVITE_WHY_MAX, "invite is truncated");
		return (-1);
	}

	/* What length the fields announce (if they are not mistyped). */
	alen = (bin[1] & 1) ? 16 : 4;
	mlen = len >= HEAD_BYTES(alen) ? be32(bin + HEAD_BYTES(alen) - 4) :
	    SIZE_MAX / 2;
	want = mlen <= INVITE_MODEL_MAX ? HEAD_BYTES(alen) + mlen + SUM_BYTES :
	    SIZE_MAX;
	checksum(sum, bin, len - SUM_BYTES);
	if (memcmp(sum, bin + len - SUM_BYTES, SUM_BYTES) != 0) {
		snprintf(why, INVITE_WHY_MAX, len < want && bin[0] ==
		    INVITE_VERSION ? "invite is truncated" :
		    "invite checksum does not match: mistyped?");
		return (-1);
	}
	if (bin[0] != INVITE_VERSION) {
		snprintf(why, INVITE_WHY_MAX, "invite version %u is not "
		    "supported (this dust reads version %d)", bin[0],
		    INVITE_VERSION);
		return (-1);
	}
	if (bin[1] & ~3) {
		snprintf(why, INVITE_WHY_MAX,
		    "invite flags 0x%02x: reserved bits are set", bin[1]);
		return (-1);
	}
	if (len >= HEAD_BYTES(alen) + SUM_BYTES && mlen > INVITE_MODEL_MAX) {
		snprintf(why, INVITE_WHY_MAX, "invite model is too long");
		return (-1);
	}
	if (len != want) {
		snprintf(why, INVITE_WHY_MAX,
		    "invite length does not match its fields");
		return (-1);
	}

	inv->ipv6 = bin[1] & 1;
	inv->udp = (bin[1] >> 1) & 1;
	memcpy(inv->addr, bin + 2, alen);
	p = 2 + alen;
	inv->port = (uint16_t)(bin[p] << 8 | bin[p + 1]);
	p += 2;
	if (inv->port == 0) {
		snprintf(why, INVITE_WHY_MAX, "invite port is 0");
		return (-1);
	}
	if (sodium_is_zero(inv->addr, alen)) {
		snprintf(why, INVITE_WHY_MAX, "invite address is unspecified "
		    "(all zero)");
		return (-1);
	}
	memcpy(inv->pubkey, bin + p, 32);
	p += 32 + 4;
	if (!pubkey_ok(inv->pubkey)) {
		snprintf(why, INVITE_WHY_MAX, "invite public key is a "
		    "low-order point, not a server's X25519 key");
		return (-1);
	}
	if (!utf8_ok(bin + p, mlen)) {
		snprintf(why, INVITE_WHY_MAX,
		    "invite model is not valid UTF-8 text");
		return (-1);
	}
	if ((inv->model = malloc(mlen + 1)) == NULL) {
		snprintf(why, INVITE_WHY_MAX, "out of memory");
		return (-1);
	}
	memcpy(inv->model, bin + p, mlen);
	inv->model[mlen] = '\0';
	return (0);
}

/**
 * invite_parse(inv, text, why):
 * Parse the invite ${text} (surrounding white space is ignored) into
 * ${inv}, whose model the caller frees with invite_free.  Return 0, or -1
 * with a sentence naming what was wrong in ${why} (INVITE_WHY_MAX bytes).
 */
int
invite_parse(struct dust_invite * inv, const char * text, char * why)
{
	size_t plen = strlen(INVITE_PREFIX), tlen, binmax, binlen;
	const char * end;
	uint8_t * bin;
	int rc;

	memset(inv, 0, sizeof(*inv));
	while (isspace((unsigned char)*text))
		text++;
	tlen = strlen(text);
	while (tlen > 0 && isspace((unsigned char)text[tlen - 1]))
		tlen--;
	if (tlen < plen || memcmp(text, INVITE_PREFIX, plen) != 0) {
		snprintf(why, INVITE_WHY_MAX,
		    "not a dust invite: it must start with \"%s\"",
		    INVITE_PREFIX);
		return (-1);
	}
	text += plen;
	tlen -= plen;
	if (tlen > 4 * ((INVITE_MODEL_MAX + MIN_BYTES + 12) / 3 + 1)) {
		snprintf(why, INVITE_WHY_MAX, "invite is too long");
		return (-1);
	}
	binmax = tlen / 4 * 3 + 3;
	if ((bin = malloc(binmax)) == NULL) {
		snprintf(why, INVITE_WHY_MAX, "out of memory");
		return (-1);
	}
	if (sodium_base642bin(bin, binmax, text, tlen, NULL, &binlen, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != text + tlen) {
		if (end != text + tlen)
			snprintf(why, INVITE_WHY_MAX, "invite is not valid "
			    "base64url (character %zu after \"%s\")",
			    (size_t)(end - text) + 1, INVITE_PREFIX);
		else
			snprintf(why, INVITE_WHY_MAX, "invite is truncated "
			    "(or its end is mistyped)");
		free(bin);
		return (-1);
	}
	if ((rc = decode(inv, bin, binlen, why)) != 0)
		invite_free(inv);
	free(bin);
	return (rc);
}

/**
 * invite_free(inv):
 * Free the model of ${inv}.
 */
void
invite_free(struct dust_invite * inv)
{

	free(inv->model);
	inv->model = NULL;
}
