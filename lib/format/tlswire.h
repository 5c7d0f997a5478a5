#ifndef DUST_FORMAT_TLSWIRE_H
#define DUST_FORMAT_TLSWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "dust/rng.h"

#include "format.h"
#include "wire.h"

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

/**
 * tlswire_new(f, server, s, rng):
 * (fmtwire_new for DUST_FORMAT_TLS; lib/format/wire.h has the rest.)
 * Create one side (a server if ${server}) of a connection in the format
 * ${f} over the Seattle session ${s} (both must outlive it), drawing the
 * values of the hellos' random fields and the server's flight from
 * ${rng}.  Return NULL on error (ENOMEM, or a template whose fields
 * cannot be drawn).
 */
struct fmtwire * tlswire_new(const struct dust_format *, int,
    struct seattle *, const struct dust_rng *);

#endif /* !DUST_FORMAT_TLSWIRE_H */
