#ifndef DUST_SEATTLE_MACHINE_H
#define DUST_SEATTLE_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "dust/rng.h"
#include "dust/seattle.h"

/*
 * The Seattle layer of Dust v2 (docs/spec.md §1, §2, §5; docs/protocol.md;
 * its sizes, server identifier and replay filter in dust/seattle.h): the
 * handshake and the record protocol as a sans-I/O state machine.  The
 * shaping layer pulls the outgoing uniform byte stream in any amounts and
 * pushes the peer's uniform stream in any splits:
 *
 *   client stream: X || filler* || CC || IV || records
 *   server stream: Y || filler* || confirmation || IV || records
 *
 * Filler is whole 32-byte chunks of random bytes, sent while a side does
 * not hold the shared key yet.  After its IV a side sends data records
 * while application data is queued, else padding records, made only when
 * the puller asks for bytes: minimum-size ones (35 bytes), or as long as
 * the room the puller announced (seattle_pad_room: the rest of a packet).
 *
 * Every failure (wrong server key, no code within SEATTLE_FILLER_MAX
 * chunks, an all-zero DH result, a replayed client key, a reflected IV,
 * a bad length, flags, MAC or padding, a truncated stream) is silent: the
 * machine moves to SEATTLE_FAILED, seattle_pull goes on returning random
 * bytes, seattle_push discards everything, and only seattle_failure tells
 * the caller (for its logs) what went wrong.
 */

enum seattle_status {
	SEATTLE_HANDSHAKING,	/* No confirmed shared key yet. */
	SEATTLE_ESTABLISHED,	/* Peer's code checked: data flows. */
	SEATTLE_FAILED,		/* Silent failure: see seattle_failure. */
	SEATTLE_UNAUTHENTICATED	/* A server requiring the mark found the
				   first flight not authentic and has sent
				   nothing (lib/seattle/mark.h). */
};

struct seattle;

/**
 * seattle_client_new(B, sid, sidlen, rng):
 * Create the client side of a session to the server whose static public
 * key is ${B} and whose identifier is ${sid} (${sidlen} bytes, 7 or 19).
 * Draws the ephemeral key, the IV and the key of the session's stream of
 * filler from ${rng} (NULL: libsodium), and nothing more.  Return NULL on
 * error (ENOMEM, or EINVAL if ${sidlen} is not 7 or 19).
 */
struct seattle * seattle_client_new(const uint8_t[32], const uint8_t *,
    size_t, const struct dust_rng *);

/**
 * seattle_server_new(b, sid, sidlen, replay, rng):
 * Create the server side of a session for the static secret key ${b} and
 * the server identifier ${sid} (${sidlen} bytes).  Client keys are
 * checked against and added to ${replay} (NULL: no replay check, for
 * tests).  Return NULL on error.
 */
struct seattle * seattle_server_new(const uint8_t[32], const uint8_t *,
    size_t, struct seattle_replay *, const struct dust_rng *);

/**
 * seattle_client_new_points(B, sid, sidlen, rng):
 * As seattle_client_new, but the client's key is an ordinary X25519 key
 * and X is its public point (for the formats, whose key fields hold curve
 * points: docs/protocol.md, "The TLS format"); the server must be made
 * with seattle_server_new_points.  Return NULL on error.
 */
struct seattle * seattle_client_new_points(const uint8_t[32],
    const uint8_t *, size_t, const struct dust_rng *);

/**
 * seattle_server_new_points(b, sid, sidlen, replay, rng):
 * As seattle_server_new, for clients made with seattle_client_new_points:
 * X and Y are X25519 points.  Return NULL on error.
 */
struct seattle * seattle_server_new_points(const uint8_t[32],
    const uint8_t *, size_t, struct seattle_replay *,
    const struct dust_rng *);

/**
 * seattle_conversation_seed(s, out):
 * Move the conversation seed to ${out} (32 bytes) and wipe it from ${s}.
 * Return 0, or -1 while it is not known (a server before the client's key)
 * or once it has been taken.  The seed is Skein-MAC-256 keyed with
 * X25519(x, B) = X25519(b, X) over X || "dust conversation": the client
 * knows it from creation (computed here, so it must be taken before the
 * server's key arrives, while x is held), the server once X has arrived
 * (even when the handshake then fails) if it was asked for before (a -1
 * before X marks it wanted: a server that never asks pays no scalar
 * multiplication for it), so both choose the same conversation of the
 * model without a byte on the wire.
 */
int seattle_conversation_seed(struct seattle *, uint8_t[32]);

/**
 * seattle_free(s):
 * Wipe and free ${s}.  NULL is allowed.
 */
void seattle_free(struct seattle *);

/**
 * seattle_set_record_data(s, max):
 * Put at most ${max} bytes (1 .. SEATTLE_DATA_MAX) of application data in
 * each data record ${s} makes from now on.  Return 0, or -1 on ENOMEM
 * (the setting is then unchanged).
 */
int seattle_set_record_data(struct seattle *, size_t);

/**
 * seattle_write(s, buf, len):
 * Queue ${len} bytes of application data to send.  Return 0, or -1 on
 * ENOMEM.  Data queued after a failure is dropped.
 */
int seattle_write(struct seattle *, const uint8_t *, size_t);

/**
 * seattle_unsent(s):
 * Return the number of queued application bytes whose record has not been
 * pulled completely yet.
 */
size_t seattle_unsent(const struct seattle *);

/**
 * seattle_pull(s, buf, n):
 * Write the next ${n} bytes of the outgoing uniform stream to ${buf}.
 * Writes exactly ${n} bytes, random after a failure, and returns ${n};
 * but a server requiring the mark (seattle_set_mark) writes nothing and
 * returns 0 until the mark has verified, and for good if it did not.
 */
size_t seattle_pull(struct seattle *, uint8_t *, size_t);

/**
 * seattle_ready(s):
 * Return how many bytes of the outgoing stream seattle_pull gives now
 * without making filler or padding: the rest of the unit begun, the key
 * (and mark) not pulled yet, the code and IV once K is known, and records
 * of all the data queued once established.  The formats pull exactly
 * this much when they have no record size of their own to fill, so that
 * what they send ends where a unit ends.
 */
size_t seattle_ready(const struct seattle *);

/**
 * seattle_pad_room(s, n):
 * Say that about ${n} more bytes of the outgoing stream will be pulled
 * now (the rest of a packet): a padding record begun within them may be
 * as long as what is left of them (up to SEATTLE_RECORD_DATA bytes of
 * DATA), where it is otherwise the minimum.  Data queued later then
 * waits behind padding only until the packet ends (docs/spec.md §3.6).
 */
void seattle_pad_room(struct seattle *, size_t);

/**
 * seattle_push(s, buf, len):
 * Feed ${len} bytes of the peer's uniform stream.  Authenticated
 * application data becomes readable with seattle_read.  Return 0, or -1
 * on ENOMEM (the session is then failed too).  Protocol errors are not
 * returned: they fail the session silently (see seattle_status).
 */
int seattle_push(struct seattle *, const uint8_t *, size_t);

/**
 * seattle_push_end(s):
 * The peer's stream has ended.  Unless it ended at a record boundary of an
 * established session the session fails ("truncated").  Return 0 if the
 * end was clean, else -1.
 */
int seattle_push_end(struct seattle *);

/**
 * seattle_readable(s):
 * Return the number of received application bytes waiting to be read.
 * Bulk data records are checked eight at a time: those still pending are
 * checked first (a bad MAC fails ${s} here).
 */
size_t seattle_readable(struct seattle *);

/**
 * seattle_read(s, buf, len):
 * Move up to ${len} received application bytes to ${buf}.  Return the
 * number moved.
 */
size_t seattle_read(struct seattle *, uint8_t *, size_t);

/**
 * seattle_status(s):
 * Return where ${s} stands: handshaking, established or failed.
 */
enum seattle_status seattle_status(const struct seattle *);

/**
 * seattle_failure(s):
 * Return a sentence saying why ${s} failed, or NULL if it has not.  For
 * logs only: nothing on the wire shows it.
 */
const char * seattle_failure(const struct seattle *);

#endif /* !DUST_SEATTLE_MACHINE_H */
