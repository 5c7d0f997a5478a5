#include <string.h>

#include "dust/seattle.h"

/**
 * seattle_sid(sid, ipv6, addr, port, udp):
 * Write the server identifier of docs/spec.md §1.5 for the address ${addr}
 * (4 bytes, or 16 if ${ipv6}) and ${port} over TCP (UDP if ${udp}) to
 * ${sid}.  Return its length: 7 or 19.
 */
size_t
seattle_sid(uint8_t sid[SEATTLE_SID_MAX], int ipv6, const uint8_t * addr,
    uint16_t port, int udp)
{
	size_t alen = ipv6 ? 16 : 4;

	/* Flags: bit 0 IPv6, bit 1 UDP, bits 2..7 zero. */
	sid[0] = (uint8_t)((ipv6 ? 1 : 0) | (udp ? 2 : 0));
	memcpy(sid + 1, addr, alen);
	sid[1 + alen] = (uint8_t)(port >> 8);
	sid[2 + alen] = (uint8_t)(port & 0xff);
	return (3 + alen);
}
