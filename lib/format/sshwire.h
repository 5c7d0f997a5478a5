#ifndef DUST_FORMAT_SSHWIRE_H
#define DUST_FORMAT_SSHWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "dust/rng.h"

#include "format.h"
#include "wire.h"

struct seattle;

/*
 * The SSH format on the wire (docs/protocol.md, "The SSH format"), sans
 * I/O: one side of one connection whose Seattle session (made with the
 * _points constructors) travels as SSH-2 with sntrup761x25519-sha512.
 *
 *   client: identification, KEXINIT, KEX_ECDH_INIT  (a captured start,
 *           cookie drawn; Q_C's X25519 part = X, its sntrup761 public
 *           key a fresh-looking one whose first 80 values encode the
 *           mark M)
 *   server: identification, KEXINIT, KEX_ECDH_REPLY, NEWKEYS (captured:
 *           host key kept, cookie, ciphertext and signature drawn; Q_S's
 *           X25519 part = Y), then one packet carrying its stream (code,
 *           IV)
 *   client: NEWKEYS, a packet carrying its stream (code, IV)
 *   both:   binary packets of the learned cipher's framing carrying the
 *           rest of the stream, only when there is data to send
 *
 * A server takes a start that is not the learned client's (or whose mark
 * does not verify) as unauthenticated and sends nothing: the program
 * hands the connection to its fallback.  After that, bytes off the
 * framing (a clear packet_length out of bounds; with ChaCha20-Poly1305,
 * whose lengths are encrypted, a stream Seattle cannot read) fail the
 * connection: it sends nothing more and closes, as OpenSSH closes on a
 * corrupt packet.
 */

/* The largest packet_length sent: OpenSSH's 32 KiB channel data packet. */
#define SSHWIRE_PACKET_LEN_MAX	32784

/* Values of the sntrup761 public key that carry the mark: 2 bytes per 5. */
#define SSHWIRE_MARK_VALUES	80

/**
 * sshwire_new(f, server, s, rng):
 * (fmtwire_new for DUST_FORMAT_SSH; lib/format/wire.h has the rest.)
 * Create one side (a server if ${server}) of a connection in the format
 * ${f} over the Seattle session ${s} (both must outlive it), drawing the
 * values of the starts' random fields from ${rng}.  Return NULL on error
 * (ENOMEM, or a template whose fields cannot be drawn).
 */
struct fmtwire * sshwire_new(const struct dust_format *, int,
    struct seattle *, const struct dust_rng *);

/**
 * sshwire_mark_draw(rng, r):
 * Draw the 16 values ${r} that sshwire_mark_put mixes with the mark: each
 * uniform below floor(4591^5 / 2^16).
 */
void sshwire_mark_draw(const struct dust_rng *, uint64_t[16]);

/**
 * sshwire_mark_put(M, r, v):
 * Write the 32-byte mark ${M} into the first SSHWIRE_MARK_VALUES values
 * ${v} of an sntrup761 public key (each below 4591): the 5 values of
 * group g are the base-4591 digits of M[2g] + 256 M[2g+1] + 2^16 r[g].
 * With M uniform and r as sshwire_mark_draw draws them, the values are
 * uniform but for a statistical distance below 2^-40.
 */
void sshwire_mark_put(const uint8_t[32], const uint64_t[16], uint16_t *);

/**
 * sshwire_mark_take(v, M):
 * Write the mark that the values ${v} carry (as sshwire_mark_put puts it)
 * to ${M}.
 */
void sshwire_mark_take(const uint16_t *, uint8_t[32]);

#endif /* !DUST_FORMAT_SSHWIRE_H */
