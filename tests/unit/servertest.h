/*
 * The server the engine tests talk to (header-only: each test is one
 * binary built from one .c file): a key pair drawn from a seeded
 * generator, so that every run makes the same one, and the server
 * identifier of an IPv4 address and port.
 */
#ifndef SERVERTEST_H
#define SERVERTEST_H

#include <stddef.h>
#include <stdint.h>

#include "dust/keyfile.h"
#include "dust/rng.h"
#include "dust/seattle.h"

/*
 * server_identity(b, B, sid, sidlen, seed, a0, a1, a2, a3, port):
 * Draw the key pair ${b}, ${B} from a generator seeded with ${seed} and
 * write the identifier of a0.a1.a2.a3:${port} to ${sid}, its length to
 * ${sidlen}.
 */
static inline void
server_identity(uint8_t b[32], uint8_t B[32], uint8_t sid[SEATTLE_SID_MAX],
    size_t * sidlen, uint64_t seed, uint8_t a0, uint8_t a1, uint8_t a2,
    uint8_t a3, uint16_t port)
{
	struct dust_rng_seeded r;
	const uint8_t addr[4] = { a0, a1, a2, a3 };

	dust_rng_seeded_u64(&r, seed);
	keyfile_generate(b, B, &r.rng);
	*sidlen = seattle_sid(sid, 0, addr, port, 0);
}

#endif /* !SERVERTEST_H */
