#ifndef DUST_ELLIGATOR_RATIO_H
#define DUST_ELLIGATOR_RATIO_H

#include <stdint.h>

#include "fe25519.h"

/**
 * elligator2_rev_ratio(rep, n, m, tweak):
 * Find the representative of the point of the curve whose u-coordinate is
 * ${n} / ${m} (${m} != 0), as elligator2_rev does but without checking
 * that the point is on the curve: the caller knows it is.  Return 0, or
 * -1 if the point has no representative (then ${rep} is zeroed).
 */
int elligator2_rev_ratio(uint8_t[32], const fe25519, const fe25519, uint8_t);

#endif /* !DUST_ELLIGATOR_RATIO_H */
