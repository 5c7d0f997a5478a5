#ifndef DUST_SEATTLE_H
#define DUST_SEATTLE_H

#include <stddef.h>
#include <stdint.h>

#include "dust/rng.h"

/*
 * The Seattle layer of Dust v2 (docs/spec.md §1, §2, §5; docs/protocol.md):
 * its sizes, and what a server program needs of it besides its key: the
 * server identifier of its address, and the replay filter it keeps across
 * its connections (dust_engine_server_new takes both).  The layer itself,
 * the handshake and the record protocol as a sans-I/O state machine, is
 * internal to libdust (lib/seattle/machine.h): a program runs it through
 * the engine (dust/engine.h).
 */

#define SEATTLE_KEY_BYTES	32	/* Keys, representatives, codes, IV. */
#define SEATTLE_SID_MAX		19	/* Longest server identifier. */
#define SEATTLE_FILLER_MAX	32768	/* 32-byte chunks a receiver accepts
					   before the code: 1 MiB. */
#define SEATTLE_LEN_MIN		33	/* LEN of an empty record. */
#define SEATTLE_LEN_MAX		65535
#define SEATTLE_DATA_MAX	(SEATTLE_LEN_MAX - SEATTLE_LEN_MIN)
#define SEATTLE_RECORD_DATA	16384	/* Default DATA per data record. */
#define SEATTLE_PADDING_BYTES	35	/* Wire size of a padding record. */
#define SEATTLE_REPLAY_DEFAULT	65536	/* Client keys a server remembers. */

struct seattle_replay;

/**
 * seattle_sid(sid, ipv6, addr, port, udp):
 * Write the server identifier of docs/spec.md §1.5 for the address ${addr}
 * (4 bytes, or 16 if ${ipv6}) and ${port} over TCP (UDP if ${udp}) to
 * ${sid}.  Return its length: 7 or 19.
 */
size_t seattle_sid(uint8_t[SEATTLE_SID_MAX], int, const uint8_t *, uint16_t,
    int);

/**
 * seattle_replay_new(capacity, rng):
 * Create a replay filter that remembers the ${capacity} most recent client
 * keys (oldest forgotten first).  A server program holds one across all
 * its connections.  Return NULL on error (ENOMEM, or ${capacity} is 0 or
 * over 2^31).
 */
struct seattle_replay * seattle_replay_new(size_t, const struct dust_rng *);

/**
 * seattle_replay_seen(filter, X):
 * Record the client key ${X} (its ignored top two bits cleared) in
 * ${filter}.  Return 1 if it was there already (a replay), else 0.
 */
int seattle_replay_seen(struct seattle_replay *, const uint8_t[32]);

/**
 * seattle_replay_free(filter):
 * Free ${filter}.  NULL is allowed.
 */
void seattle_replay_free(struct seattle_replay *);

#endif /* !DUST_SEATTLE_H */
