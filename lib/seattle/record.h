#ifndef DUST_SEATTLE_RECORD_H
#define DUST_SEATTLE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/skein.h"

/*
 * Records of the Seattle message protocol (docs/spec.md §2):
 *
 *   LEN (2, big-endian) || FLAGS (1) || DATA || CODE (32)
 *
 * LEN = 1 + |DATA| + 32.  FLAGS bit 0 set: CODE = Skein-MAC-256(K; LEN ||
 * FLAGS || DATA), all unencrypted.  Clear: padding, every byte of DATA and
 * CODE zero.  The whole record, LEN included, is XORed with the next bytes
 * of the direction's keystream.
 */

#define RECORD_FLAG_DATA	0x01

/**
 * record_seal(out, data, len, mac, ks):
 * Write the encrypted record of ${len} (<= SEATTLE_DATA_MAX) bytes of
 * application ${data} to ${out}, or if ${data} is NULL a padding record of
 * ${len} zero DATA bytes.  ${mac} is a Skein-MAC context keyed with K that is
 * copied, not changed; ${ks} is the sending keystream.  Return the number
 * of bytes written (2 + LEN).
 */
size_t record_seal(uint8_t *, const uint8_t *, size_t,
    const struct skein256_ctx *, struct skein256_stream *);

/**
 * record_seal_many(out, data, len, k, mac, ks):
 * Write ${k} (1 .. 8) encrypted data records of ${len} bytes of DATA
 * each, taken in turn from ${data}, one after the other to ${out}: the
 * same bytes as ${k} calls of record_seal, but with the MACs computed
 * eight at a time (skein256_mac8).  Return the number of bytes written,
 * or 0 if the MACs cannot be computed so (the caller then seals the
 * records one by one over whatever ${out} holds).
 */
size_t record_seal_many(uint8_t *, const uint8_t *, size_t, size_t,
    const struct skein256_ctx *, struct skein256_stream *);

/**
 * record_open(rec, total, mac, why):
 * Check the decrypted record ${rec} of ${total} (= 2 + LEN) bytes.  Return
 * 1 if it carries application data (bytes 3 .. total - 33), 0 if it is
 * valid padding, or -1 with a reason in ${why}: reserved flags set, a bad
 * MAC, or padding whose DATA or CODE is not zero.
 */
int record_open(const uint8_t *, size_t, const struct skein256_ctx *,
    const char **);

#endif /* !DUST_SEATTLE_RECORD_H */
