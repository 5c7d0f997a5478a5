#include <string.h>

#include <sodium.h>

#include "crypto/elligator.h"
#include "crypto/skein.h"

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

/*
 * peer_u(u, key, rep): the u-coordinate of a key as sent: the map of a
 * representative (${rep} 1), or the key itself, a point (${rep} 0).
 */
static void
peer_u(uint8_t u[32], const uint8_t key[32], int rep)
{

	if (rep)
		elligator2_map(u, key);
	else
		memcpy(u, key, 32);
}

/*
 * static_dh(out, dh2, sk, pk): DH2 into ${out}: ${dh2} if known already
 * (from the seed: a scalar multiplication less), else X25519(${sk},
 * ${pk}).  Return 0, or -1 if it is all zero.
 */
static int
static_dh(uint8_t out[32], const uint8_t * dh2, const uint8_t sk[32],
    const uint8_t pk[32])
{

	/* crypto_scalarmult returns -1 on an all-zero result. */
	if (dh2 == NULL)
		return (crypto_scalarmult(out, sk, pk) != 0 ? -1 : 0);
	memcpy(out, dh2, 32);
	return (sodium_is_zero(out, 32) ? -1 : 0);
}

/**
 * handshake_server_key(K, y, b, X, Y, rep, sid, sidlen, dh2):
 * Compute the shared key ${K} on the server from its ephemeral secret
 * ${y}, static secret ${b}, the client's key ${X} (a representative if
 * ${rep}, else a point), its own ${Y} and the server identifier; ${dh2} is DH2 if known already
 * (handshake_static_dh), else NULL.  Return 0, or -1 if a DH result is
 * all zero (the handshake must then fail).
 */
int
handshake_server_key(uint8_t K[32], const uint8_t y[32], const uint8_t b[32],
    const uint8_t X[32], const uint8_t Y[32], int rep, const uint8_t * sid,
    size_t sidlen, const uint8_t * dh2)
{
	uint8_t u[32], dh[64];
	int rc = -1;

	peer_u(u, X, rep);
	/* crypto_scalarmult returns -1 on an all-zero result. */
	if (crypto_scalarmult(dh, y, u) != 0 || static_dh(dh + 32, dh2, b, u))
		goto done;
	derive(K, dh, dh + 32, sid, sidlen, X, Y);
	rc = 0;
done:
	sodium_memzero(dh, sizeof(dh));
	return (rc);
}

/**
 * handshake_client_key(K, x, B, X, Y, rep, sid, sidlen, dh2):
 * Compute the shared key ${K} on the client from its ephemeral secret
 * ${x}, the server's static public key ${B}, its own ${X}, the server's
 * ${Y} (a representative if ${rep}, else a point) and the server
 * identifier; ${dh2} is DH2 if known already
 * (handshake_static_dh), else NULL.  Return 0, or -1 if a DH result is
 * all zero.
 */
int
handshake_client_key(uint8_t K[32], const uint8_t x[32], const uint8_t B[32],
    const uint8_t X[32], const uint8_t Y[32], int rep, const uint8_t * sid,
    size_t sidlen, const uint8_t * dh2)
{
	uint8_t u[32], dh[64];
	int rc = -1;

	peer_u(u, Y, rep);
	if (crypto_scalarmult(dh, x, u) != 0 || static_dh(dh + 32, dh2, x, B))
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

/**
 * handshake_static_dh(dh2, sk, pk, rep):
 * Compute DH2, the result with the server's static key, which both the
 * seed and K use: X25519(b, X) on the server (${sk} = b, ${pk} the
 * representative X, ${rep} 1), X25519(x, B) on the client (${sk} = x,
 * ${pk} = B, ${rep} 0).  An all-zero result (the handshake will fail)
 * leaves ${dh2} zeros.
 */
void
handshake_static_dh(uint8_t dh2[32], const uint8_t sk[32],
    const uint8_t pk[32], int rep)
{
	uint8_t u[32];

	peer_u(u, pk, rep);
	if (static_dh(dh2, NULL, sk, u))
		sodium_memzero(dh2, 32);
}

/**
 * handshake_seed(out, dh2, X):
 * Compute the conversation seed from DH2 (handshake_static_dh, the same
 * on both sides: X25519(x, B) = X25519(b, X)) and the client's ${X}:
 * Skein-MAC-256(DH2; X || "dust conversation").  All-zero DH2 gives the
 * seed of zeros as the key.
 */
void
handshake_seed(uint8_t out[32], const uint8_t dh2[32], const uint8_t X[32])
{
	struct skein256_ctx ctx;

	skein256_init_mac(&ctx, dh2, 32, 32);
	skein256_update(&ctx, X, 32);
	skein256_update(&ctx, (const uint8_t *)"dust conversation", 17);
	skein256_final(&ctx, out);
}
