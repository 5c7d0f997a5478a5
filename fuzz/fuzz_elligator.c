/*
 * libFuzzer target for Elligator 2: the first 32 bytes of the input are
 * used both as a representative and as a u-coordinate, the 33rd (0 if
 * absent) as the tweak.  Aborts if a property fails:
 * - rev(map(r), t) succeeds for both values of t's low bit, maps back to
 *   map(r), and one of the two is the non-negative one of +-r;
 * - rev(u, t) either fails with an all-zero rep or maps back to u mod p.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/elligator.h"

#include "crypto/fe25519.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	uint8_t in[32] = {0}, u[32], rep[2][32], back[32], want[32];
	uint8_t tweak = len > 32 ? data[32] : 0;
	fe25519 f, neg, two;
	int b, i;

	memcpy(in, data, len < 32 ? len : 32);

	/* Map, then back, both ways. */
	elligator2_map(u, in);
	for (b = 0; b < 2; b++) {
		uint8_t t = (uint8_t)((tweak & 0xfe) | b);

		if (elligator2_rev(rep[b], u, t) != 0)
			abort();
		if ((rep[b][31] & 0xc0) != (t & 0xc0))
			abort();
		elligator2_map(back, rep[b]);
		if (memcmp(back, u, 32) != 0)
			abort();
		rep[b][31] &= 0x3f;
	}
	memcpy(want, in, 32);
	want[31] &= 0x3f;
	fe25519_frombytes(f, want);
	fe25519_neg(neg, f);
	fe25519_add(two, f, f);
	fe25519_cmov(f, neg, (unsigned int)fe25519_is_negative(two));
	fe25519_tobytes(want, f);
	if (memcmp(rep[0], want, 32) != 0 && memcmp(rep[1], want, 32) != 0)
		abort();

	/* The input as a u-coordinate. */
	if (elligator2_rev(rep[0], in, tweak) == 0) {
		elligator2_map(back, rep[0]);
		fe25519_frombytes(f, in);
		fe25519_tobytes(want, f);
		if (memcmp(back, want, 32) != 0)
			abort();
	} else {
		for (i = 0; i < 32; i++)
			if (rep[0][i] != 0)
				abort();
	}
	return (0);
}
