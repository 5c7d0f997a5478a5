#ifndef DUST_API_H
#define DUST_API_H

#include <stddef.h>
#include <stdint.h>

#include "dust/engine.h"

/*
 * The seed's command encoding of the Dust API (docs/spec.md §3.7): a
 * request is a command byte and its arguments, every integer 2 bytes
 * big-endian; a response is the call's result.
 *
 *   0x00 packet_count   ms (2)                 -> count (2)
 *   0x01 encoded_ready  -                      -> length (2)
 *   0x02 put_decoded    len (2), len bytes     -> nothing
 *   0x03 get_encoded    len (2)                -> len bytes
 *   0x11 decoded_ready  -                      -> count (2)
 *   0x12 put_encoded    len (2), len bytes     -> nothing
 *   0x13 get_decoded    len (2)                -> len bytes
 *
 * Requests may arrive in any split; dust_api_step executes one complete
 * request at a time.
 */

#define DUST_API_RESPONSE_MAX	65535	/* Largest response. */

/**
 * dust_api_step(e, in, inlen, out, outlen, why):
 * Execute on ${e} the request at the start of the ${inlen} bytes ${in},
 * writing its response (up to DUST_API_RESPONSE_MAX bytes) to ${out} and
 * its length to ${outlen}.  Return the number of bytes of ${in} used, 0 if
 * ${in} does not hold a whole request yet, or -1 on a bad request (an
 * unknown command byte; get_decoded of more bytes than are ready; out of
 * memory) with a message in ${why}.
 */
int dust_api_step(struct dust_engine *, const uint8_t *, size_t,
    uint8_t *, size_t *, const char **);

#endif /* !DUST_API_H */
