#include <stddef.h>
#include <stdint.h>

#include "dust/api.h"
#include "dust/engine.h"

/* Command bytes (docs/spec.md §3.7). */
#define CMD_PACKET_COUNT	0x00
#define CMD_ENCODED_READY	0x01
#define CMD_PUT_DECODED		0x02
#define CMD_GET_ENCODED		0x03
#define CMD_DECODED_READY	0x11
#define CMD_PUT_ENCODED		0x12
#define CMD_GET_DECODED		0x13

/* be16dec(p): the big-endian 16-bit integer at ${p}. */
static uint16_t
be16dec(const uint8_t * p)
{

	return ((uint16_t)(p[0] << 8 | p[1]));
}

/* be16enc(p, x): write ${x} at ${p}, big-endian. */
static void
be16enc(uint8_t * p, uint16_t x)
{

	p[0] = (uint8_t)(x >> 8);
	p[1] = (uint8_t)x;
}

/**
 * dust_api_step(e, in, inlen, out, outlen, why):
 * Execute on ${e} the request at the start of the ${inlen} bytes ${in},
 * writing its response (up to DUST_API_RESPONSE_MAX bytes) to ${out} and
 * its length to ${outlen}.  Return the number of bytes of ${in} used, 0 if
 * ${in} does not hold a whole request yet, or -1 on a bad request (an
 * unknown command byte; get_decoded of more bytes than are ready; out of
 * memory) with a message in ${why}.
 */
int
dust_api_step(struct dust_engine * e, const uint8_t * in, size_t inlen,
    uint8_t * out, size_t * outlen, const char ** why)
{
	uint16_t arg = 0;
	size_t need;

	*outlen = 0;
	*why = NULL;
	if (inlen < 1)
		return (0);

	/* How long the request is. */
	switch (in[0]) {
	case CMD_ENCODED_READY:
	case CMD_DECODED_READY:
		need = 1;
		break;
	case CMD_PACKET_COUNT:
	case CMD_GET_ENCODED:
	case CMD_GET_DECODED:
	case CMD_PUT_DECODED:
	case CMD_PUT_ENCODED:
		if (inlen < 3)
			return (0);
		arg = be16dec(in + 1);
		need = 3;
		if (in[0] == CMD_PUT_DECODED || in[0] == CMD_PUT_ENCODED)
			need += arg;
		break;
	default:
		*why = "unknown command byte";
		return (-1);
	}
	if (inlen < need)
		return (0);

	switch (in[0]) {
	case CMD_PACKET_COUNT:
		be16enc(out, dust_packet_count(e, arg));
		*outlen = 2;
		break;
	case CMD_ENCODED_READY:
		be16enc(out, dust_encoded_ready(e));
		*outlen = 2;
		break;
	case CMD_PUT_DECODED:
		if (dust_put_decoded(e, in + 3, arg)) {
			*why = "put_decoded: out of memory";
			return (-1);
		}
		break;
	case CMD_GET_ENCODED:
		dust_get_encoded(e, out, arg);
		*outlen = arg;
		break;
	case CMD_DECODED_READY:
		be16enc(out, dust_decoded_ready(e));
		*outlen = 2;
		break;
	case CMD_PUT_ENCODED:
		if (dust_put_encoded(e, in + 3, arg)) {
			*why = "put_encoded: out of memory";
			return (-1);
		}
		break;
	case CMD_GET_DECODED:
		if (dust_get_decoded(e, out, arg)) {
			*why = "get_decoded: more bytes asked for than "
			    "decoded_ready";
			return (-1);
		}
		*outlen = arg;
		break;
	}
	return ((int)need);
}
