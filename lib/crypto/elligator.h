#ifndef DUST_ELLIGATOR_H
#define DUST_ELLIGATOR_H

#include <stdint.h>

#include "dust/rng.h"

/*
 * Elligator 2 for Curve25519 in the convention of Monocypher 4 (docs/spec.md
 * §1.2): non-square Z = 2; representatives are 32 bytes little-endian whose
 * bits 254 and 255 are random on send and ignored on receive.  Known
 * answers: tests/vectors/elligator2-map.txt, elligator2-inverse.txt.
 * Everything here runs in constant time with respect to its secrets.
 */

/**
 * elligator2_map(u, rep):
 * Map the representative ${rep} to the Curve25519 u-coordinate ${u}.
 */
void elligator2_map(uint8_t[32], const uint8_t[32]);

/**
 * elligator2_rev(rep, u, tweak):
 * Find the representative of ${u}: the low bit of ${tweak} picks which of
 * the two, its top two bits become bits 254 and 255.  Return 0, or -1 if
 * ${u} has no representative (then ${rep} is undefined; this
 * implementation zeroes it).  Bit 255 of ${u} is ignored and values >= p
 * are taken mod p, as X25519 does.  Points off the curve have no
 * representative (Monocypher would return one that maps elsewhere), so
 * on success elligator2_map(rep) = u mod p, always.
 */
int elligator2_rev(uint8_t[32], const uint8_t[32], uint8_t);

/**
 * x25519_dirty_public(u, sk):
 * The "dirty" public key of the 32-byte secret ${sk}: the u-coordinate of
 * clamp(sk)*B + (sk[0] & 7)*T, where T is a point of order 8 (fixed in
 * docs/elligator.md: Monocypher 4's construction), so that the
 * point lies in the prime-order subgroup one time in eight, as the map of
 * a random representative does.  X25519(sk, .) ignores the low-order part.
 */
void x25519_dirty_public(uint8_t[32], const uint8_t[32]);

/**
 * elligator2_key_pair(rep, sk, rng):
 * Draw ephemeral key pairs from ${rng} until the dirty public key has a
 * representative; write the secret key to ${sk} and a uniformly random
 * representative of its public key to ${rep}.  Each try takes 32 bytes
 * (the secret key) then 1 byte (the tweak of elligator2_rev) from ${rng}.
 * Return the number of tries it took (about 2 on average).
 */
int elligator2_key_pair(uint8_t[32], uint8_t[32], const struct dust_rng *);

#endif /* !DUST_ELLIGATOR_H */
