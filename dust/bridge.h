#ifndef DUST_BRIDGE_H
#define DUST_BRIDGE_H

#include <stddef.h>

#include "dust/invite.h"
#include "pt/ptargs.h"

/*
 * Bridge lines: an invite as tor's torrc writes a bridge,
 *   Bridge dust ADDRESS:PORT [FINGERPRINT] key=KEY [model=MODEL]
 * KEY is the server's X25519 public key in base64url without padding (43
 * characters); MODEL a model reference NAME@DIGEST (a model the client
 * holds built in or installed) or a built-in model's name; without it
 * the model is "uniform".  The address is the invite's.  tor hands the
 * key=value arguments to dust pt in the SOCKS5 username and password
 * (docs/pt.md); bridge_invite turns them and the address tor connects
 * to into the same invite (docs/protocol.md, "Invites").
 */

#define BRIDGE_TRANSPORT	"dust"
#define BRIDGE_KEY_CHARS	43	/* base64url of 32 bytes, no padding */
#define BRIDGE_FP_CHARS		40	/* a relay fingerprint, hex */
#define BRIDGE_LINE_MAX		1024

/**
 * bridge_invite(inv, addr, args, why):
 * Make ${inv} (free it with invite_free) for the bridge at ${addr}
 * ("192.0.2.1:443" or "[2001:db8::1]:443") with the per-bridge arguments
 * ${args}.  Return 0, or -1 with a sentence naming what is wrong in
 * ${why} (INVITE_WHY_MAX bytes).
 */
int bridge_invite(struct dust_invite *, const char *, const struct ptargs *,
    char *);

/**
 * bridge_args(inv, args, why):
 * Write the per-bridge arguments of ${inv} (key=, model=) into ${args}.
 * Return 0, or -1 with a sentence in ${why} (INVITE_WHY_MAX bytes) if its
 * model cannot be named in a bridge line (embedded JSON).
 */
int bridge_args(const struct dust_invite *, struct ptargs *, char *);

/**
 * bridge_line_parse(inv, fp, text, why):
 * Parse the bridge line ${text} ("Bridge dust ADDRESS:PORT [FINGERPRINT]
 * key=... [model=...]", "Bridge" optional) into ${inv} (free it with
 * invite_free) and its fingerprint into ${fp} (BRIDGE_FP_CHARS + 1 bytes,
 * "" if none).  Return 0, or -1 with a sentence naming what is wrong in
 * ${why} (INVITE_WHY_MAX bytes).
 */
int bridge_line_parse(struct dust_invite *, char *, const char *, char *);

/**
 * bridge_line_format(inv, fp, buf, why):
 * Write the bridge line of ${inv} with the fingerprint ${fp} (NULL or ""
 * for none) into ${buf} (BRIDGE_LINE_MAX bytes).  Return 0, or -1 with a
 * sentence in ${why} (INVITE_WHY_MAX bytes).
 */
int bridge_line_format(const struct dust_invite *, const char *, char *,
    char *);

#endif /* !DUST_BRIDGE_H */
