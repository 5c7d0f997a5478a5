#ifndef DUST_INVITE_H
#define DUST_INVITE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Invites: what a client needs to reach a Dust server, in one line that
 * survives copy and paste (docs/protocol.md, "Invites"):
 *
 *   "dust:" base64url-without-padding( version 1 || flags || address ||
 *       port || server public key || model length || model || checksum )
 *
 * flags, address and port are the server identifier of docs/spec.md §1.5
 * (flags bit 0 IPv6, bit 1 UDP); integers are big-endian; the checksum is
 * the first 4 bytes of Skein-256-256 of every byte before it.
 */

#define INVITE_PREFIX		"dust:"
#define INVITE_VERSION		1
#define INVITE_MODEL_MAX	(4 << 20)	/* Bytes of model text. */
#define INVITE_WHY_MAX		128		/* Room for an error. */

struct dust_invite {
	int ipv6;		/* Address is IPv6 (16 bytes), else IPv4. */
	int udp;		/* Transport UDP, else TCP. */
	uint8_t addr[16];
	uint16_t port;
	uint8_t pubkey[32];	/* Server's static X25519 public key. */
	char * model;		/* NUL-terminated UTF-8, "" for none. */
};

/**
 * invite_set_address(inv, s, why):
 * Set the address and port of ${inv} from ${s}: "192.0.2.1:443",
 * "[192.0.2.1]:443" or "[2001:db8::1]:443" (no host names: the server
 * identifier is made of the address).  Return 0, or -1 with a sentence in
 * ${why} (INVITE_WHY_MAX bytes).
 */
int invite_set_address(struct dust_invite *, const char *, char *);

/**
 * invite_format_address(inv, buf, len):
 * Write the address of ${inv} as "192.0.2.1:443" or "[2001:db8::1]:443"
 * into ${buf} (${len} >= 64 bytes).  Return ${buf}.
 */
char * invite_format_address(const struct dust_invite *, char *, size_t);

/**
 * invite_format(inv):
 * Return the invite text of ${inv} (malloc'd, NUL-terminated), or NULL on
 * ENOMEM or if its model is longer than INVITE_MODEL_MAX.
 */
char * invite_format(const struct dust_invite *);

/**
 * invite_parse(inv, text, why):
 * Parse the invite ${text} (surrounding white space is ignored) into
 * ${inv}, whose model the caller frees with invite_free.  Return 0, or -1
 * with a sentence naming what was wrong in ${why} (INVITE_WHY_MAX bytes).
 */
int invite_parse(struct dust_invite *, const char *, char *);

/**
 * invite_sid(inv, sid):
 * Write the server identifier (docs/spec.md §1.5) of ${inv} to ${sid} (19
 * bytes of room).  Return its length, 7 or 19.
 */
size_t invite_sid(const struct dust_invite *, uint8_t *);

/**
 * invite_free(inv):
 * Free the model of ${inv}.
 */
void invite_free(struct dust_invite *);

#endif /* !DUST_INVITE_H */
