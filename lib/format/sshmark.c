/*
 * The mark in an sntrup761 public key (docs/protocol.md, "The SSH
 * format"): an SSH client's only fields that are random in the real
 * protocol are the 16-byte KEXINIT cookie and Q_C; the mark is 32 bytes,
 * so it rides in Q_C's sntrup761 public key, 761 values uniform below
 * q = 4591.  A group of 5 values is a number V below 4591^5 (about
 * 2^60.8) written in base 4591; V = b + 2^16 r carries 16 bits b of the
 * mark, with r uniform below K = floor(4591^5 / 2^16), so that V is
 * uniform on [0, 2^16 K), within 2^16 / 4591^5 < 2^-44 of uniform below
 * 4591^5.  16 groups carry the 32 bytes.
 */
#include <stdint.h>

#include <sodium.h>

#include "dust/rng.h"

#include "sshwire.h"

#define Q	4591
#define DIGITS	5	/* Values per group. */
#define GROUPS	16

/* bound(): 4591^5, the groups' range. */
static uint64_t
bound(void)
{
	uint64_t m = 1;
	int i;

	for (i = 0; i < DIGITS; i++)
		m *= Q;
	return (m);
}

/**
 * sshwire_mark_draw(rng, r):
 * Draw the 16 values ${r} that sshwire_mark_put mixes with the mark: each
 * uniform below floor(4591^5 / 2^16).
 */
void
sshwire_mark_draw(const struct dust_rng * rng, uint64_t r[16])
{
	uint64_t k = bound() >> 16, v;
	uint8_t b[8];
	int g, i;

	for (g = 0; g < GROUPS; g++) {
		/* K is below 2^45: draw 45 bits until one is below it. */
		do {
			dust_rng_fill(rng, b, sizeof(b));
			for (v = 0, i = 0; i < 8; i++)
				v = v << 8 | b[i];
			v &= ((uint64_t)1 << 45) - 1;
		} while (v >= k);
		r[g] = v;
	}
	sodium_memzero(b, sizeof(b));
}

/**
 * sshwire_mark_put(M, r, v):
 * Write the 32-byte mark ${M} into the first SSHWIRE_MARK_VALUES values
 * ${v} of an sntrup761 public key (each below 4591): the 5 values of
 * group g are the base-4591 digits of M[2g] + 256 M[2g+1] + 2^16 r[g].
 */
void
sshwire_mark_put(const uint8_t M[32], const uint64_t r[16], uint16_t * v)
{
	uint64_t V;
	int g, i;

	for (g = 0; g < GROUPS; g++) {
		V = (r[g] << 16) | (uint64_t)M[2 * g + 1] << 8 | M[2 * g];
		for (i = 0; i < DIGITS; i++) {
			v[DIGITS * g + i] = (uint16_t)(V % Q);
			V /= Q;
		}
	}
}

/**
 * sshwire_mark_take(v, M):
 * Write the mark that the values ${v} carry (as sshwire_mark_put puts it)
 * to ${M}.
 */
void
sshwire_mark_take(const uint16_t * v, uint8_t M[32])
{
	uint64_t V;
	int g, i;

	for (g = 0; g < GROUPS; g++) {
		for (V = 0, i = DIGITS; i > 0; i--)
			V = V * Q + v[DIGITS * g + i - 1];
		M[2 * g] = (uint8_t)V;
		M[2 * g + 1] = (uint8_t)(V >> 8);
	}
}
