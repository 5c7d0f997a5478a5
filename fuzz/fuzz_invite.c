/*
 * Invites, key files and invite addresses on arbitrary text: every parser
 * of what a user pastes.  A parsed invite must survive format and parse
 * again unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/invite.h"
#include "dust/keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	struct dust_invite inv, again;
	char why[INVITE_WHY_MAX], addr[80];
	uint8_t sk[32], pk[32];
	char * text, * re;

	if ((text = malloc(len + 1)) == NULL)
		return (0);
	memcpy(text, data, len);
	text[len] = '\0';

	if (invite_parse(&inv, text, why) == 0) {
		if ((re = invite_format(&inv)) == NULL)
			abort();
		if (invite_parse(&again, re, why) != 0 ||
		    again.ipv6 != inv.ipv6 || again.udp != inv.udp ||
		    again.port != inv.port ||
		    memcmp(again.addr, inv.addr, 16) != 0 ||
		    memcmp(again.pubkey, inv.pubkey, 32) != 0 ||
		    strcmp(again.model, inv.model) != 0)
			abort();
		invite_format_address(&inv, addr, sizeof(addr));
		invite_free(&again);
		free(re);
	}
	invite_free(&inv);
	memset(&inv, 0, sizeof(inv));
	if (invite_set_address(&inv, text, why) == 0)
		invite_format_address(&inv, addr, sizeof(addr));
	keyfile_parse((const char *)data, len, sk, pk, why);
	free(text);
	return (0);
}
