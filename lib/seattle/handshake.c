#include <sodium.h>

#include "dust/elligator.h"
#include "dust/skein.h"

#include "handshake.h"

/* derive(K, dh1, dh2, sid, sidlen, X, Y): K from the two DH results. */
static void
derive(uint8_t K[32], const uint8_t dh1[32], const uint8_t dh2[32],
    const uint8_t * sid, size_t sidlen, const uint8_t X[32],
    const uint8_t Y[32])
{
	struct skein256_ctx ctx;

	skein256_init(&ctx, 32);
	skein256_update(&ctx, dh1, 32);
	skein256_update(&ctx, dh2, 32);
	skein256_update(&ctx, sid, sidlen);
	skein256_update(&ctx, X, 32);
	skein256_update(&ctx, Y, 32);
	skein256_update(&ctx, (const uint8_t *)"ntor", 4);
	skein256_final(&ctx, K);
}

/**
 * handshake_server_key(K, y, b, X, Y, sid, sidlen):
 * Compute the shared key ${K} on the server from its ephemeral secret
 * ${y}, static secret ${b}, the client's representative ${X}, its own
 * ${Y} and the server identifier.  Return 0, or -1 if a DH result is all
 * zero (the handshake must then fail).
 */
int
handshake_server_key(uint8_t K[32], const uint8_t y[32], const uint8_t b[32],
    const uint8_t X[32], const uint8_t Y[32], const uint8_t * sid,
    size_t sidlen)
{
	uint8_t u[32], dh[64];
	int rc = -1;

	elligator2_map(u, X);
	/* crypto_scalarmult returns -1 on an all-zero result. */
	if (crypto_scalarmult(dh, y, u) != 0 ||
	    crypto_scalarmult(dh + 32, b, u) != 0)
		goto done;
	derive(K, dh, dh + 32, sid, sidlen, X, Y);
	rc = 0;
done:
	sodium_memzero(dh, sizeof(dh));
	return (rc);
}

/**
 * handshake_client_key(K, x, B, X, Y, sid, sidlen):
 * Compute the shared key ${K} on the client from its ephemeral secret
 * ${x}, the server's static public key ${B}, its own ${X}, the server's
 * ${Y} and the server identifier.  Return 0, or -1 if a DH result is all
 * zero.
 */
int
handshake_client_key(uint8_t K[32], const uint8_t x[32], const uint8_t B[32],
    const uint8_t X[32], const uint8_t Y[32], const uint8_t * sid,
    size_t sidlen)
{
	uint8_t u[32], dh[64];
	int rc = -1;

	elligator2_map(u, Y);
	if (crypto_scalarmult(dh, x, u) != 0 ||
	    crypto_scalarmult(dh + 32, x, B) != 0)
		goto done;
	derive(K, dh, dh + 32, sid, sidlen, X, Y);
	rc = 0;
done:
	sodium_memzero(dh, sizeof(dh));
	return (rc);
}

/* code(out, K, sid, sidlen, first, second, who): one confirmation code. */
static void
code(uint8_t out[32], const uint8_t K[32], const uint8_t * sid,
    size_t sidlen, const uint8_t first[32], const uint8_t second[32],
    const char * who)
{
	struct skein256_ctx ctx;

	skein256_init_mac(&ctx, K, 32, 32);
	skein256_update(&ctx, sid, sidlen);
	skein256_update(&ctx, first, 32);
	skein256_update(&ctx, second, 32);
	skein256_update(&ctx, (const uint8_t *)"ntor", 4);
	skein256_update(&ctx, (const uint8_t *)who, 6);
	skein256_final(&ctx, out);
}

/**
 * handshake_codes(server_code, client_code, K, X, Y, sid, sidlen):
 * Compute the server's confirmation code and the client's code under ${K}.
 */
void
handshake_codes(uint8_t server_code[32], uint8_t client_code[32],
    const uint8_t K[32], const uint8_t X[32], const uint8_t Y[32],
    const uint8_t * sid, size_t sidlen)
{

	code(server_code, K, sid, sidlen, Y, X, "server");
	code(client_code, K, sid, sidlen, X, Y, "client");
}

/* seed(out, dh, X): Skein-MAC-256(dh; X || "dust conversation"). */
static void
seed(uint8_t out[32], uint8_t dh[32], const uint8_t X[32])
{
	struct skein256_ctx ctx;

	skein256_init_mac(&ctx, dh, 32, 32);
	skein256_update(&ctx, X, 32);
	skein256_update(&ctx, (const uint8_t *)"dust conversation", 17);
	skein256_final(&ctx, out);
	sodium_memzero(dh, 32);
}

/**
 * handshake_client_seed(out, x, B, X):
 * Compute the conversation seed on the client from its ephemeral secret
 * ${x}, the server's static public key ${B} and its own ${X}.  An all-zero
 * DH result (the handshake will fail) gives the seed of zeros as the key.
 */
void
handshake_client_seed(uint8_t out[32], const uint8_t x[32],
    const uint8_t B[32], const uint8_t X[32])
{
	uint8_t dh[32];

	if (crypto_scalarmult(dh, x, B) != 0)
		sodium_memzero(dh, sizeof(dh));
	seed(out, dh, X);
}

/**
 * handshake_server_seed(out, b, X):
 * Compute the conversation seed on the server from its static secret ${b}
 * and the client's ${X}: the client's, since X25519(b, X) = X25519(x, B).
 */
void
handshake_server_seed(uint8_t out[32], const uint8_t b[32],
    const uint8_t X[32])
{
	uint8_t u[32], dh[32];

	elligator2_map(u, X);
	if (crypto_scalarmult(dh, b, u) != 0)
		sodium_memzero(dh, sizeof(dh));
	seed(out, dh, X);
}
