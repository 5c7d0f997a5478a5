/*
 * The Seattle handshake on arbitrary bytes: a server (with a replay
 * filter) and a client are fed the input in splits chosen by its first
 * byte, with pulls in between.  Nothing may crash or leak, pull must keep
 * giving bytes, and the input (lacking the keys) must never establish a
 * session.  A third session, a server requiring the mark (the first-flight
 * parser), is fed the same: lacking the mark key, the input must never
 * make it send a byte, and it ends unauthenticated once 64 bytes came.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dust/rng.h"
#include "dust/seattle.h"
#include "seattle/machine.h"

#include "seattle/mark.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	static const uint8_t sid[7] = {0, 127, 0, 0, 1, 0x1f, 0x59};
	struct dust_rng_seeded rk, rc, rs;
	struct seattle_replay * replay;
	struct seattle * c, * s, * m;
	uint8_t b[32], B[32], MK[32], out[97];
	size_t step, off, n;

	if (len < 1)
		return (0);
	step = 1 + data[0] % 97;
	data++;
	len--;
	dust_rng_seeded_u64(&rk, 1);
	dust_rng_fill(&rk.rng, b, 32);
	crypto_scalarmult_base(B, b);
	dust_rng_seeded_u64(&rc, 2);
	dust_rng_seeded_u64(&rs, 3);
	if ((replay = seattle_replay_new(4, &rk.rng)) == NULL)
		abort();
	c = seattle_client_new(B, sid, sizeof(sid), &rc.rng);
	s = seattle_server_new(b, sid, sizeof(sid), replay, &rs.rng);
	m = seattle_server_new(b, sid, sizeof(sid), replay, &rs.rng);
	if (c == NULL || s == NULL || m == NULL)
		abort();
	mark_key(MK, B, sid, sizeof(sid));
	if (seattle_set_mark(m, MK, 490896))
		abort();
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		seattle_push(s, data + off, n);
		seattle_push(c, data + off, n);
		seattle_pull(s, out, step);
		seattle_pull(c, out, step);
		seattle_push(m, data + off, n);
		if (seattle_pull(m, out, step) != 0)
			abort();	/* A mark was forged. */
	}
	seattle_pull(s, out, sizeof(out));
	if (seattle_status(s) == SEATTLE_ESTABLISHED ||
	    seattle_status(c) == SEATTLE_ESTABLISHED)
		abort();	/* A code was forged. */
	seattle_push_end(s);
	seattle_push_end(c);
	if (seattle_status(s) != SEATTLE_FAILED ||
	    seattle_status(c) != SEATTLE_FAILED)
		abort();
	seattle_push_end(m);
	if (seattle_status(m) != (len >= 64 ? SEATTLE_UNAUTHENTICATED :
	    SEATTLE_FAILED) || seattle_may_send(m))
		abort();
	seattle_free(m);
	seattle_free(c);
	seattle_free(s);
	seattle_replay_free(replay);
	return (0);
}
