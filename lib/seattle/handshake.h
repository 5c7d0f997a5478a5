#ifndef DUST_SEATTLE_HANDSHAKE_H
#define DUST_SEATTLE_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The key schedule of the Seattle handshake (docs/spec.md §1), apart from the
 * state machine so that a reader can check it against the text:
 *
 *   K  = Skein-256-256(DH1 || DH2 || SID || X || Y || "ntor")
 *   confirmation = Skein-MAC-256(K; SID || Y || X || "ntor" || "server")
 *   CC           = Skein-MAC-256(K; SID || X || Y || "ntor" || "client")
 *
 * server: DH1 = X25519(y, X), DH2 = X25519(b, X)
 * client: DH1 = X25519(x, Y), DH2 = X25519(x, B)
 *
 * X and Y are the representatives as sent, top bits included; or, in the
 * formats (docs/protocol.md, "The TLS format"), the X25519 points as sent.
 *
 * The conversation seed (docs/engine.md, "Conversation mode"), which both
 * sides know without a byte more on the wire: the client at once, the
 * server as soon as X has arrived:
 *
 *   seed = Skein-MAC-256(X25519(x, B) = X25519(b, X); X || "dust conversation")
 */

/**
 * handshake_server_key(K, y, b, X, Y, rep, sid, sidlen, dh2):
 * Compute the shared key ${K} on the server from its ephemeral secret
 * ${y}, static secret ${b}, the client's key ${X} (a representative if
 * ${rep}, else a point), its own ${Y} and the server identifier;
 * ${dh2} is DH2 if known already
 * (handshake_static_dh), else NULL.  Return 0, or -1 if a DH result is
 * all zero (the handshake must then fail).
 */
int handshake_server_key(uint8_t[32], const uint8_t[32], const uint8_t[32],
    const uint8_t[32], const uint8_t[32], int, const uint8_t *, size_t,
    const uint8_t *);

/**
 * handshake_client_key(K, x, B, X, Y, rep, sid, sidlen, dh2):
 * Compute the shared key ${K} on the client from its ephemeral secret
 * ${x}, the server's static public key ${B}, its own ${X}, the server's
 * ${Y} (a representative if ${rep}, else a point) and the server
 * identifier; ${dh2} is DH2 if known already
 * (handshake_static_dh), else NULL.  Return 0, or -1 if a DH result is
 * all zero.
 */
int handshake_client_key(uint8_t[32], const uint8_t[32], const uint8_t[32],
    const uint8_t[32], const uint8_t[32], int, const uint8_t *, size_t,
    const uint8_t *);

/**
 * handshake_codes(server_code, client_code, K, X, Y, sid, sidlen):
 * Compute the server's confirmation code and the client's code under ${K}.
 */
void handshake_codes(uint8_t[32], uint8_t[32], const uint8_t[32],
    const uint8_t[32], const uint8_t[32], const uint8_t *, size_t);

/**
 * handshake_static_dh(dh2, sk, pk, rep):
 * Compute DH2, the result with the server's static key, which both the
 * seed and K use: X25519(b, X) on the server (${sk} = b, ${pk} the
 * representative X, ${rep} 1), X25519(x, B) on the client (${sk} = x,
 * ${pk} = B, ${rep} 0).  An all-zero result (the handshake will fail)
 * leaves ${dh2} zeros.
 */
void handshake_static_dh(uint8_t[32], const uint8_t[32], const uint8_t[32],
    int);

/**
 * handshake_seed(out, dh2, X):
 * Compute the conversation seed from DH2 (handshake_static_dh, the same
 * on both sides: X25519(x, B) = X25519(b, X)) and the client's ${X}:
 * Skein-MAC-256(DH2; X || "dust conversation").  All-zero DH2 gives the
 * seed of zeros as the key.
 */
void handshake_seed(uint8_t[32], const uint8_t[32], const uint8_t[32]);

#endif /* !DUST_SEATTLE_HANDSHAKE_H */
