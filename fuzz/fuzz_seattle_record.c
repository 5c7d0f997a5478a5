/*
 * Seattle records on arbitrary bytes: a server whose handshake with a
 * real client (recorded once) is done is fed the input, either raw (an
 * established session fed garbage) or, if the first byte is odd, XORed
 * with the client's real keystream, so that the fuzzer writes record
 * plaintext (LEN, FLAGS, DATA, CODE) and reaches every check of the record
 * parser.  The fuzzer cannot
 * forge a MAC: no application data may ever come out.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/elligator.h"
#include "crypto/skein.h"
#include "dust/rng.h"
#include "dust/seattle.h"

#include "seattle/handshake.h"
#include "seattle/machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t sid[7] = {0, 127, 0, 0, 1, 0x1f, 0x59};

/*
 * The client's side of one handshake, made once: its first 32 bytes (X),
 * the 64 after the server's answer (CC, IV) and its sending keystream.
 * Replaying them to a fresh server (same seeds, so the same Y) is a whole
 * handshake at the cost of the server's part only.
 */
static uint8_t client_x[32], client_cc_iv[64];
static struct skein256_stream client_ks;
static uint8_t b[32];

static void
client_once(void)
{
	/* The generators outlive this call: the sessions keep them. */
	static struct dust_rng_seeded rk, rc, rs, rc2;
	struct seattle * c, * s;
	uint8_t B[32], x[32], X[32], iv[32], K[32], buf[96];

	dust_rng_seeded_u64(&rk, 1);
	dust_rng_fill(&rk.rng, b, 32);
	crypto_scalarmult_base(B, b);
	dust_rng_seeded_u64(&rc, 2);
	dust_rng_seeded_u64(&rs, 3);
	c = seattle_client_new(B, sid, sizeof(sid), &rc.rng);
	s = seattle_server_new(b, sid, sizeof(sid), NULL, &rs.rng);
	if (c == NULL || s == NULL)
		abort();
	seattle_pull(c, client_x, 32);
	seattle_push(s, client_x, 32);
	seattle_pull(s, buf, 96);
	seattle_push(c, buf, 96);
	seattle_pull(c, client_cc_iv, 64);

	/* The client's key and IV, drawn again from the same seed. */
	dust_rng_seeded_u64(&rc2, 2);
	elligator2_key_pair(X, x, &rc2.rng);
	dust_rng_fill(&rc2.rng, iv, 32);
	if (handshake_client_key(K, x, B, X, buf, 1, sid, sizeof(sid), NULL) != 0)
		abort();
	skein256_stream_init(&client_ks, K, iv);
	seattle_free(c);
	seattle_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	static struct dust_rng_seeded rs;
	static int ready;
	struct skein256_stream ks;
	struct seattle * s;
	uint8_t buf[512];
	size_t off, n;
	int plain;

	if (len < 1)
		return (0);
	plain = data[0] & 1;
	data++;
	len--;
	if (!ready) {
		client_once();
		ready = 1;
	}
	dust_rng_seeded_u64(&rs, 3);
	if ((s = seattle_server_new(b, sid, sizeof(sid), NULL, &rs.rng)) ==
	    NULL)
		abort();
	seattle_push(s, client_x, 32);
	seattle_pull(s, buf, 96);
	seattle_push(s, client_cc_iv, 64);
	if (seattle_status(s) != SEATTLE_ESTABLISHED)
		abort();
	memcpy(&ks, &client_ks, sizeof(ks));
	for (off = 0; off < len; off += n) {
		n = len - off < sizeof(buf) ? len - off : sizeof(buf);
		if (plain)
			skein256_stream_xor(&ks, buf, data + off, n);
		else
			memcpy(buf, data + off, n);
		seattle_push(s, buf, n);
		seattle_pull(s, buf, 1 + n % 64);
	}
	if (seattle_readable(s) != 0)
		abort();	/* A MAC was forged. */
	seattle_push_end(s);
	seattle_pull(s, buf, sizeof(buf));
	seattle_free(s);
	return (0);
}
