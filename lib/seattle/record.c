#include <sodium.h>
#include <string.h>

#include "crypto/skein.h"
#include "dust/seattle.h"

#include "record.h"

/**
 * record_seal(out, data, len, mac, ks):
 * Write the encrypted record of ${len} (<= SEATTLE_DATA_MAX) bytes of
 * application ${data} to ${out}, or if ${data} is NULL a padding record of
 * ${len} zero DATA bytes.  ${mac} is a Skein-MAC context keyed with K that is
 * copied, not changed; ${ks} is the sending keystream.  Return the number
 * of bytes written (2 + LEN).
 */
size_t
record_seal(uint8_t * out, const uint8_t * data, size_t len,
    const struct skein256_ctx * mac, struct skein256_stream * ks)
{
	struct skein256_ctx ctx;
	size_t reclen;

	reclen = SEATTLE_LEN_MIN + len;
	out[0] = (uint8_t)(reclen >> 8);
	out[1] = (uint8_t)(reclen & 0xff);
	if (data != NULL) {
		out[2] = RECORD_FLAG_DATA;
		memcpy(out + 3, data, len);
		/* The MAC state after Key and Config blocks is reused. */
		memcpy(&ctx, mac, sizeof(ctx));
		skein256_update(&ctx, out, 3 + len);
		skein256_final(&ctx, out + 3 + len);
	} else {
		/* Padding: FLAGS, DATA and CODE are zero bytes. */
		memset(out + 2, 0, 1 + len + 32);
	}
	skein256_stream_xor(ks, out, out, 2 + reclen);
	return (2 + reclen);
}

/**
 * record_seal_many(out, data, len, k, mac, ks):
 * Write ${k} (1 .. 8) encrypted data records of ${len} bytes of DATA
 * each, taken in turn from ${data}, one after the other to ${out}: the
 * same bytes as ${k} calls of record_seal, but with the MACs computed
 * eight at a time (skein256_mac8).  Return the number of bytes written,
 * or 0 if the MACs cannot be computed so (the caller then seals the
 * records one by one over whatever ${out} holds).
 */
size_t
record_seal_many(uint8_t * out, const uint8_t * data, size_t len, size_t k,
    const struct skein256_ctx * mac, struct skein256_stream * ks)
{
	const uint8_t * msg[8];
	uint8_t * code[8];
	uint8_t spare[32];
	size_t reclen = SEATTLE_LEN_MIN + len, r;

	for (r = 0; r < 8; r++) {
		if (r >= k) {
			/* Lanes left over compute record 0's MAC again. */
			msg[r] = msg[0];
			code[r] = spare;
			continue;
		}
		msg[r] = out + r * (2 + reclen);
		code[r] = out + r * (2 + reclen) + 3 + len;
		out[r * (2 + reclen)] = (uint8_t)(reclen >> 8);
		out[r * (2 + reclen) + 1] = (uint8_t)(reclen & 0xff);
		out[r * (2 + reclen) + 2] = RECORD_FLAG_DATA;
		memcpy(out + r * (2 + reclen) + 3, data + r * len, len);
	}
	if (!skein256_mac8(mac, msg, 3 + len, code))
		return (0);
	sodium_memzero(spare, sizeof(spare));
	skein256_stream_xor(ks, out, out, k * (2 + reclen));
	return (k * (2 + reclen));
}

/* Return 1 if the ${len} bytes at ${p} are all zero, else 0 (in time that
 * depends on ${len} only; a word at a time: padding can be 64 KiB). */
static int
all_zero(const uint8_t * p, size_t len)
{
	uint64_t acc = 0, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	for (; i < len; i++)
		acc |= p[i];
	return ((int)(((acc | (0 - acc)) >> 63) ^ 1));
}

/**
 * record_open(rec, total, mac, why):
 * Check the decrypted record ${rec} of ${total} (= 2 + LEN) bytes.  Return
 * 1 if it carries application data (bytes 3 .. total - 33), 0 if it is
 * valid padding, or -1 with a reason in ${why}: reserved flags set, a bad
 * MAC, or padding whose DATA or CODE is not zero.
 */
int
record_open(const uint8_t * rec, size_t total, const struct skein256_ctx * mac,
    const char ** why)
{
	struct skein256_ctx ctx;
	uint8_t code[32];
	int rc;

	if (rec[2] & ~RECORD_FLAG_DATA) {
		*why = "record has reserved flag bits set";
		return (-1);
	}
	if (rec[2] & RECORD_FLAG_DATA) {
		memcpy(&ctx, mac, sizeof(ctx));
		skein256_update(&ctx, rec, total - 32);
		skein256_final(&ctx, code);
		rc = crypto_verify_32(code, rec + total - 32);
		sodium_memzero(code, sizeof(code));
		if (rc != 0) {
			*why = "record MAC does not verify";
			return (-1);
		}
		return (1);
	}

	/*
	 * Padding carries no MAC, so its zero bytes are what lets a flipped
	 * bit in it (or a data record's flag bit) be noticed.
	 */
	if (!all_zero(rec + 3, total - 3)) {
		*why = "padding record is not all zero";
		return (-1);
	}
	return (0);
}
