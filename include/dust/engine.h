#ifndef DUST_ENGINE_H
#define DUST_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "dust/conversation.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"

/*
 * The Dust engine: one side of one connection, the seed's "Dust API"
 * (docs/spec.md §3) over a Seattle session (lib/seattle/machine.h)
 * whose uniform streams go through the shaping layer
 * (lib/shape/shaper.h).  Sans-I/O: the caller moves the bytes and says
 * how much time has passed.
 *
 * Everything a side sends, from its first handshake byte, is shaped: the
 * shaper pulls the Seattle stream (key, filler, code, IV, records, padding
 * records) as it needs uniform bits.  get_encoded always returns the bytes
 * asked for; with no application data queued, Seattle makes padding
 * records only when the shaper asks, as long as the rest of the packet,
 * so queued data waits behind padding at most until the packet ends (and
 * the shaper's few bytes of look-ahead).  Failures are silent
 * (docs/spec.md §5): the engine goes on producing model-shaped traffic,
 * and only dust_engine_failure says why.
 *
 * The client shapes with the model's client_to_server part and de-shapes
 * with server_to_client; the server the other way round.  Packet counts,
 * lengths and the duration come from the side's own sending part.
 *
 * Conversation mode (the model has conversations; docs/engine.md): both
 * sides follow the same conversation of the model, chosen from the
 * handshake's conversation seed (seattle_conversation_seed; the server
 * knows it once the client's key has arrived, and sends nothing before).
 * dust_packet_count then returns our steps that became due (gated on the
 * peer's bytes received and the steps' gaps), dust_encoded_ready the next
 * due step's length (0 if none is due), and dust_engine_done says when the
 * conversation is over.  When the conversations have first segments, the
 * client's first step is a permutation of its conversation's (carrying
 * X), and the server tells which from the bytes' counts before it knows
 * the conversation (lib/shape/shaper.h, docs/engine.md).
 *
 * Format mode (the model has a "format": the built-in tls;
 * docs/protocol.md, "The formats on the wire"): the connection is the
 * real protocol, and the Seattle stream travels in its random fields and
 * records, with no content coder; both keys are X25519 points.  Nothing
 * is due by time: dust_packet_count is 1 while something is to be sent
 * (a handshake flight, or a record of queued data) and 0 otherwise,
 * dust_encoded_ready its length, which dust_get_encoded must be asked
 * for whole; dust_engine_next_due is UINT32_MAX.  A side whose peer
 * broke the framing makes one alert record and is then done.
 */

struct dust_engine;

enum dust_engine_state {
	DUST_ENGINE_HANDSHAKING,	/* No confirmed key yet. */
	DUST_ENGINE_ESTABLISHED,	/* Data flows. */
	DUST_ENGINE_FAILED,		/* Silent failure: see _failure. */
	DUST_ENGINE_AWAITING_MARK,	/* A server requiring the mark has
					   not got it yet: nothing is sent
					   (but an SSH format's
					   identification line). */
	DUST_ENGINE_UNAUTHENTICATED	/* A server requiring the mark found
					   the first flight unauthenticated
					   (wrong or no mark, replay, low
					   order, bytes out of the model's
					   framing): nothing is ever sent,
					   the program hands the connection
					   over (dust server --fallback). */
};

/**
 * dust_engine_client_new(model, B, sid, sidlen, rng):
 * Create the client side of a connection shaped by ${model} (which must
 * outlive it) to the server of static public key ${B} and identifier
 * ${sid} (${sidlen} bytes, 7 or 19).  ${rng} (NULL: libsodium) gives
 * the keys and the keys of the connection's own streams, a few draws at
 * creation and none after: filler and per-packet samples come from those
 * streams (include/dust/rng.h).  Return NULL on error.
 */
struct dust_engine * dust_engine_client_new(const struct dust_model *,
    const uint8_t[32], const uint8_t *, size_t, const struct dust_rng *);

/**
 * dust_engine_client_new_fresh(model, B, sid, sidlen, rng, recent):
 * As dust_engine_client_new, but in conversation mode follow one of the
 * conversations not in ${recent} (NULL: any; include/dust/conversation.h,
 * dust_conv_recent_new), and add it to ${recent}: the client draws its
 * ephemeral key again (at most 32 times) until the handshake's seed picks
 * one; nothing on the wire changes.  Return NULL on error.
 */
struct dust_engine * dust_engine_client_new_fresh(const struct dust_model *,
    const uint8_t[32], const uint8_t *, size_t, const struct dust_rng *,
    struct dust_conv_recent *);

/**
 * dust_engine_client_new_marked(model, B, sid, sidlen, rng, recent, hour):
 * As dust_engine_client_new_fresh, and the first flight carries the mark
 * (docs/protocol.md, "The mark") of the hour ${hour}
 * (dust_engine_mark_hour of the wall clock: the engine has no clock)
 * right after the client's key, in the place of the first filler chunk:
 * a server that does not check marks takes it for filler.  Return NULL
 * on error.
 */
struct dust_engine * dust_engine_client_new_marked(const struct dust_model *,
    const uint8_t[32], const uint8_t *, size_t, const struct dust_rng *,
    struct dust_conv_recent *, uint64_t);

/**
 * dust_engine_server_new(model, b, sid, sidlen, replay, rng):
 * Create the server side for the static secret key ${b}, identifier
 * ${sid}, replay filter ${replay} (NULL: none, for tests).  Return NULL on
 * error.
 */
struct dust_engine * dust_engine_server_new(const struct dust_model *,
    const uint8_t[32], const uint8_t *, size_t, struct seattle_replay *,
    const struct dust_rng *);

/**
 * dust_engine_server_new_marked(model, b, sid, sidlen, replay, rng, MK,
 *     hour):
 * As dust_engine_server_new, but requiring the mark: the server sends
 * nothing (dust_packet_count is 0, the state DUST_ENGINE_AWAITING_MARK;
 * with the SSH format nothing but the model's identification line, which
 * every SSH server sends at accept, the same bytes on every connection)
 * until the client's key and mark have arrived and verified with the mark
 * key ${MK} (dust_engine_mark_key, computed once) at the hour ${hour}
 * (the connection's, by the wall clock) against ${replay} (which records
 * the mark); the model's schedule starts then.  If they do not verify, or
 * the bytes before them are not the model's, the state is
 * DUST_ENGINE_UNAUTHENTICATED for good.  Return NULL on error.
 */
struct dust_engine * dust_engine_server_new_marked(const struct dust_model *,
    const uint8_t[32], const uint8_t *, size_t, struct seattle_replay *,
    const struct dust_rng *, const uint8_t[32], uint64_t);

/**
 * dust_engine_mark_key(MK, B, sid, sidlen):
 * Compute the mark key ${MK} of the server of static public key ${B} and
 * identifier ${sid} (${sidlen} bytes): what a server requiring the mark
 * computes once at start.
 */
void dust_engine_mark_key(uint8_t[32], const uint8_t[32], const uint8_t *,
    size_t);

/**
 * dust_engine_mark_hour(unix_time):
 * Return the mark's hour of ${unix_time} (seconds since the epoch).
 */
uint64_t dust_engine_mark_hour(uint64_t);

/**
 * dust_engine_first_flight_out(e):
 * Return 1 once the wire bytes a client has made carry its key and its
 * mark whole, else 0; always 1 on a server.  A program sends a client's
 * packets back to back until then, so that its first flight arrives in
 * one go (a server requiring the mark takes a first flight that stalls
 * for a stranger's).
 */
int dust_engine_first_flight_out(const struct dust_engine *);

/**
 * dust_engine_free(e):
 * Wipe and free ${e}.  NULL is allowed.
 */
void dust_engine_free(struct dust_engine *);

/**
 * dust_engine_duration(e):
 * Return the connection duration in ms, drawn once at creation: close the
 * connection when it has elapsed.  In conversation mode (a model with
 * conversations): the conversation's gaps summed plus its idle_ms
 * (idle_ms on a server that does not know the conversation yet), an
 * estimate, not a bound: dust_engine_done says when it is over.  In
 * format mode DUST_DURATION_MAX: the connection lasts as long as what
 * it carries.
 */
uint32_t dust_engine_duration(const struct dust_engine *);

/**
 * dust_engine_done(e):
 * Return 1 when the connection should close: in conversation mode when
 * the conversation is over (all our steps sent and all the peer's bytes
 * received, or idle_ms passed with nothing received and nothing of ours
 * due by time alone); in per-packet mode when the duration has elapsed
 * (time being what was passed to dust_packet_count(_us)).
 */
int dust_engine_done(const struct dust_engine *);

/**
 * dust_engine_close_us(e):
 * Once dust_engine_done, return the microseconds until this side should
 * close the connection: in conversation mode as the real connection was
 * closed (UINT64_MAX: the peer closed first, close when it does; 0: now,
 * also when the model does not say); 0 in per-packet mode.
 */
uint64_t dust_engine_close_us(const struct dust_engine *);

/**
 * dust_engine_next_due(e):
 * Return the ms until something may change by time alone: a step (or, in
 * per-packet mode, a packet or a new second's rate) becomes due, or, while
 * waiting for the peer in conversation mode, the idle limit; 0 if a step
 * is due now; UINT32_MAX once the conversation is over.  A program sets
 * one timer for it (and calls dust_packet_count then, and whenever wire
 * bytes arrive) instead of polling.  It is dust_engine_next_due_us
 * rounded up to whole ms, so that a step is due when the timer fires.
 */
uint32_t dust_engine_next_due(const struct dust_engine *);

/**
 * dust_engine_next_due_us(e):
 * Return dust_engine_next_due in microseconds (not rounded): for a program
 * that counts time with dust_packet_count_us; 0 if a step is due now;
 * UINT64_MAX once the conversation is over.
 */
uint64_t dust_engine_next_due_us(const struct dust_engine *);

/**
 * dust_engine_room(e):
 * Return how many more application bytes a caller should queue with
 * dust_put_decoded: in conversation mode what the rest of our steps can
 * carry (a little under the estimate), less what is queued and the
 * records' framing, 0 while the conversation is unknown; SIZE_MAX in
 * per-packet mode.  Bytes queued beyond it are not lost to the engine,
 * but they may not reach the peer before the conversation ends.
 */
size_t dust_engine_room(const struct dust_engine *);

/**
 * dust_engine_state(e):
 * Return where ${e} stands.
 */
enum dust_engine_state dust_engine_state(const struct dust_engine *);

/**
 * dust_engine_failure(e):
 * Return why ${e} failed (for logs; nothing on the wire shows it), or
 * NULL.
 */
const char * dust_engine_failure(const struct dust_engine *);

/**
 * dust_packet_count(e, ms):
 * Return the number of packets to send for the ${ms} milliseconds elapsed
 * since the last call (command 0x00).  In conversation mode: the number
 * of our steps that became due.  The same as dust_packet_count_us(e,
 * ${ms} * 1000); the two may be mixed.
 */
uint16_t dust_packet_count(struct dust_engine *, uint16_t);

/**
 * dust_packet_count_us(e, us):
 * Return the number of packets to send for the ${us} microseconds elapsed
 * since the last call.  In conversation mode: the number of our steps
 * that became due, to the microsecond (the model's gaps are kept in
 * microseconds); in per-packet mode the packets of the whole milliseconds
 * completed (the model counts ms; the rest counts with the next call).
 * Not a command of the seed's API.
 */
uint16_t dust_packet_count_us(struct dust_engine *, uint32_t);

/**
 * dust_encoded_ready(e):
 * Return the length of the next packet to send, drawn from the model
 * whatever data is queued (command 0x01).  In conversation mode: the
 * length of the next due step, or 0 if no step is due.
 */
uint16_t dust_encoded_ready(struct dust_engine *);

/**
 * dust_put_decoded(e, buf, len):
 * Queue ${len} bytes of application data to send (command 0x02).  Return
 * 0, or -1 on ENOMEM.
 */
int dust_put_decoded(struct dust_engine *, const uint8_t *, uint16_t);

/**
 * dust_get_encoded(e, buf, len):
 * Write the next ${len} wire bytes to ${buf}: shaped data or padding;
 * always succeeds (command 0x03).
 */
void dust_get_encoded(struct dust_engine *, uint8_t *, uint16_t);

/**
 * dust_decoded_ready(e):
 * Return how many received application bytes are waiting (at most 65535;
 * command 0x11).
 */
uint16_t dust_decoded_ready(const struct dust_engine *);

/**
 * dust_put_encoded(e, buf, len):
 * Take ${len} received wire bytes, in any split (command 0x12).  Return
 * 0, or -1 on ENOMEM.  Bytes that are not the model's or not the peer's
 * fail the connection silently (see dust_engine_state).
 */
int dust_put_encoded(struct dust_engine *, const uint8_t *, uint16_t);

/**
 * dust_get_decoded(e, buf, len):
 * Move ${len} received application bytes to ${buf} (command 0x13).
 * Return 0, or -1 (nothing moved) if fewer than ${len} are waiting: asking
 * for more than dust_decoded_ready is an error, as in the seed.
 */
int dust_get_decoded(struct dust_engine *, uint8_t *, uint16_t);

#endif /* !DUST_ENGINE_H */
