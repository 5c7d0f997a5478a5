#ifndef DUST_KEYFILE_H
#define DUST_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "dust/rng.h"

/*
 * Server key files (docs/protocol.md, "Key files"): three lines of text,
 * 163 bytes in all:
 *
 *   dust server key v1
 *   secret <64 lowercase hex digits: the X25519 secret key>
 *   public <64 lowercase hex digits: its public key>
 */

#define KEYFILE_BYTES		163
#define KEYFILE_HEADER		"dust server key v1"
#define KEYFILE_WHY_MAX		128

/**
 * keyfile_generate(sk, pk, rng):
 * Draw a static X25519 key pair from ${rng}: secret ${sk}, public ${pk}.
 */
void keyfile_generate(uint8_t[32], uint8_t[32], const struct dust_rng *);

/**
 * keyfile_format(out, sk, pk):
 * Write the key file text of the key pair to ${out}
 * (KEYFILE_BYTES + 1 bytes, NUL-terminated).
 */
void keyfile_format(char *, const uint8_t[32], const uint8_t[32]);

/**
 * keyfile_parse(text, len, sk, pk, why):
 * Parse the ${len} bytes of key file ${text} into ${sk} and ${pk}, and
 * check that the public key belongs to the secret key.  Return 0, or -1
 * with a sentence naming what was wrong in ${why} (KEYFILE_WHY_MAX bytes).
 */
int keyfile_parse(const char *, size_t, uint8_t[32], uint8_t[32], char *);

#endif /* !DUST_KEYFILE_H */
