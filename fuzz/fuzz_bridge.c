/*
 * Bridge lines and per-bridge arguments (dust/bridge.c) on any bytes: the
 * input as a bridge line, and as the "k=v;k=v" arguments tor sends in
 * SOCKS5 with the address 192.0.2.1:443.  What parses must make a bridge
 * line that parses back to the same invite; what is refused must say
 * why.  No file is read (a model reference is only checked for its form).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/invite.h"
#include "pt/ptargs.h"

#include "../dust/bridge.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The bridge line of ${inv} must parse back to the same invite. */
static void
round_trip(const struct dust_invite * inv)
{
	struct dust_invite back;
	char line[BRIDGE_LINE_MAX], why[INVITE_WHY_MAX];
	char fp[BRIDGE_FP_CHARS + 1];

	if (bridge_line_format(inv, "0123456789abcdef0123456789abcdef01234567",
	    line, why))
		return;		/* an embedded model: no bridge line */
	if (bridge_line_parse(&back, fp, line, why))
		abort();
	if (back.ipv6 != inv->ipv6 || back.port != inv->port ||
	    memcmp(back.addr, inv->addr, 16) != 0 ||
	    memcmp(back.pubkey, inv->pubkey, 32) != 0 ||
	    strcmp(back.model, inv->model) != 0 || strlen(fp) != 40)
		abort();
	invite_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
	struct dust_invite inv;
	struct ptargs args;
	char why[INVITE_WHY_MAX], fp[BRIDGE_FP_CHARS + 1];
	char * text;

	if ((text = malloc(size + 1)) == NULL)
		return (0);
	memcpy(text, data, size);
	text[size] = '\0';
	why[0] = '\0';
	if (bridge_line_parse(&inv, fp, text, why) == 0) {
		round_trip(&inv);
		invite_free(&inv);
	} else if (why[0] == '\0') {
		abort();
	}
	if (ptargs_parse(&args, (const char *)data, size, NULL) == 0) {
		why[0] = '\0';
		if (bridge_invite(&inv, "192.0.2.1:443", &args, why) == 0) {
			round_trip(&inv);
			invite_free(&inv);
		} else if (why[0] == '\0') {
			abort();
		}
	}
	free(text);
	return (0);
}
