#ifndef DUST_FORMAT_TLSWIRE_H
#define DUST_FORMAT_TLSWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "dust/rng.h"

#include "format.h"

struct seattle;

/*
 * The TLS format on the wire (docs/protocol.md, "The TLS format"), sans
 * I/O: one side of one connection whose Seattle session (made with the
 * _points constructors, so that X and Y are X25519 points) travels as
 * TLS 1.3.
 *
 *   client: ClientHello  (a captured one; random = the mark M,
 *                         key_share x25519 = X, other random fields drawn)
 *   server: ServerHello  (a captured one; key_share x25519 = Y, the
 *                         client's session id echoed, random drawn),
 *           ChangeCipherSpec, application_data records of the captured
 *           flight's lengths, carrying the server's stream (code, IV,
 *           padding)
 *   client: ChangeCipherSpec, application_data of the Finished's length,
 *           carrying the client's stream (code, part of its IV)
 *   both:   application_data records of up to 16,401 bytes carrying the
 *           rest of the stream, only when there is data to send
 *
 * No content coder: the stream is uniform, as TLS ciphertext is.  A server
 * takes a first record that is not a ClientHello of the model's client
 * (or whose mark does not verify) as unauthenticated: the program hands
 * the connection to its fallback.  After that, bytes that are not TLS 1.3
 * records fail the connection, as a TLS stack fails one: one encrypted
 * alert record, then the program closes.
 */

/* The largest record sent: 2^14 bytes of plaintext, a type and a tag. */
#define TLSWIRE_RECORD_MAX	(16384 + 1 + 16)

/* Seattle's DATA per record, so that one Seattle record fills one. */
#define TLSWIRE_RECORD_DATA	(TLSWIRE_RECORD_MAX - 2 - 33)

/* Where a side stands. */
enum tlswire_state {
	TLSWIRE_OK = 0,		/* Handshaking or carrying data. */
	TLSWIRE_UNAUTHENTICATED,	/* Server: the first flight is not
					   a client's: hand it over. */
	TLSWIRE_FAILED		/* Framing broken: alert, then close. */
};

struct tlswire;

/**
 * tlswire_new(f, server, s, rng):
 * Create one side (a server if ${server}) of a connection in the format
 * ${f} over the Seattle session ${s} (both must outlive it), drawing the
 * values of the hellos' random fields and the server's flight from
 * ${rng}.  Return NULL on error (ENOMEM, or a template whose fields
 * cannot be drawn).
 */
struct tlswire * tlswire_new(const struct dust_format *, int,
    struct seattle *, const struct dust_rng *);

/**
 * tlswire_ready(w):
 * Return the length of what ${w} has to send now (a flight, or one
 * record with its header), or 0 if nothing.
 */
size_t tlswire_ready(struct tlswire *);

/**
 * tlswire_get(w, buf):
 * Write what tlswire_ready said (exactly that many bytes) to ${buf}.
 * Return the number of bytes written.
 */
size_t tlswire_get(struct tlswire *, uint8_t *);

/**
 * tlswire_put(w, buf, len):
 * Take ${len} bytes from the peer.  Return 0, or -1 on ENOMEM; bytes that
 * break the format change the state (tlswire_state), not the return.
 */
int tlswire_put(struct tlswire *, const uint8_t *, size_t);

/**
 * tlswire_state(w):
 * Return where ${w} stands.
 */
enum tlswire_state tlswire_state(const struct tlswire *);

/**
 * tlswire_failure(w):
 * Return why ${w} is unauthenticated or failed (for logs), or NULL.
 */
const char * tlswire_failure(const struct tlswire *);

/**
 * tlswire_hello_out(w):
 * Return 1 once a client has made its ClientHello (its key and mark are
 * on their way), or on a server; else 0.
 */
int tlswire_hello_out(const struct tlswire *);

/**
 * tlswire_done(w):
 * Return 1 once a failed side has made its alert: the program closes.
 */
int tlswire_done(const struct tlswire *);

/**
 * tlswire_free(w):
 * Wipe and free ${w} (NULL is fine).
 */
void tlswire_free(struct tlswire *);

#endif /* !DUST_FORMAT_TLSWIRE_H */
