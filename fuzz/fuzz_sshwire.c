/*
 * The SSH format's framing (lib/format/sshwire.c) through the engine with
 * the built-in model "ssh", on arbitrary bytes: the first input byte
 * chooses the side (its 2 low bits) and the sizes of the pieces the rest
 * arrives in:
 *   0: a server requiring the mark, fed the bytes as a client's start: it
 *      sends its identification line at once and not a byte more (a
 *      fuzzer cannot forge a mark), awaiting it or unauthenticated;
 *   1: a client that has sent its start, fed the bytes as the server's;
 *   2: a server after a real handshake with a client (fixed seeds), fed
 *      the bytes as the client's packets;
 *   3: the same with the model in the input: a 2-byte big-endian length
 *      and that much JSON text of a whole model, then the packets (the
 *      seed is one with the AES-GCM captures of tests/vectors/
 *      ssh-hellos.txt, whose clear packet lengths the built-in's ChaCha20
 *      framing does not have); a model that loads must carry the
 *      handshake.
 * No crash, hang or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dust/engine.h"
#include "dust/keyfile.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"

#include "format/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dust_model * model;
static uint8_t b[32], B[32], MK[32];
static const uint8_t sid[7] = { 0, 127, 0, 0, 1, 0, 22 };

#define HOUR	493674

/*
 * relay(from, to): what ${from} has to send, given to ${to}.  Return its
 * length.
 */
static size_t
relay(struct dust_engine * from, struct dust_engine * to)
{
	static uint8_t pkt[65535];
	size_t total = 0;
	uint16_t n;

	while (dust_packet_count(from, 1) > 0) {
		n = dust_encoded_ready(from);
		dust_get_encoded(from, pkt, n);
		if (to != NULL && dust_put_encoded(to, pkt, n))
			abort();
		total += n;
	}
	return (total);
}

/*
 * feed(e, data, len, piece): ${data} to ${e} in pieces of ${piece}.
 * Return the length of what ${e} sent meanwhile.
 */
static size_t
feed(struct dust_engine * e, const uint8_t * data, size_t len, size_t piece)
{
	size_t sent = 0;

	while (len > 0) {
		if (piece > len)
			piece = len;
		if (dust_put_encoded(e, data, (uint16_t)piece))
			abort();
		data += piece;
		len -= piece;
		sent += relay(e, NULL);
	}
	return (sent);
}

/* server(m): a server of ${m} requiring the mark, no replay filter. */
static struct dust_engine *
server(const struct dust_model * m)
{
	struct dust_rng_seeded r;
	struct dust_engine * s;

	dust_rng_seeded_u64(&r, 2);
	if ((s = dust_engine_server_new_marked(m, b, sid, sizeof(sid),
	    NULL, &r.rng, MK, HOUR)) == NULL)
		abort();
	return (s);
}

/* client(m): a marked client of ${m} of the server. */
static struct dust_engine *
client(const struct dust_model * m)
{
	struct dust_rng_seeded r;
	struct dust_engine * c;

	dust_rng_seeded_u64(&r, 1);
	if ((c = dust_engine_client_new_marked(m, B, sid, sizeof(sid),
	    &r.rng, NULL, HOUR)) == NULL)
		abort();
	return (c);
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	struct dust_engine * c = NULL, * s = NULL;
	struct dust_model * own = NULL;
	const struct dust_model * m;
	struct dust_rng_seeded r;
	size_t mlen;
	enum dust_engine_state st;
	size_t piece;
	int mode;

	if (model == NULL) {
		if ((model = dust_model_builtin("ssh", NULL, 0)) == NULL)
			abort();
		dust_rng_seeded_u64(&r, 3);
		keyfile_generate(b, B, &r.rng);
		dust_engine_mark_key(MK, B, sid, sizeof(sid));
	}
	if (len < 1)
		return (0);
	mode = data[0] & 3;
	piece = 1 + (data[0] >> 2) * 37;
	data++;
	len--;
	if (mode == 0) {
		s = server(model);
		/* Its identification line at once, then not a byte more. */
		if (relay(s, NULL) != model->format->ssh->server_ident ||
		    feed(s, data, len, piece) != 0)
			abort();
		st = dust_engine_state(s);
		if (st != DUST_ENGINE_AWAITING_MARK &&
		    st != DUST_ENGINE_UNAUTHENTICATED)
			abort();
	} else if (mode == 1) {
		c = client(model);
		(void)relay(c, NULL);
		(void)feed(c, data, len, piece);
	} else {
		m = model;
		if (mode == 3) {
			if (len < 2 || (mlen = (size_t)(data[0] << 8 |
			    data[1])) > len - 2)
				return (0);
			if ((m = own = dust_model_parse((const char *)data + 2,
			    mlen, NULL, 0)) == NULL || m->format == NULL ||
			    m->format->protocol != DUST_FORMAT_SSH)
				goto done;
			data += 2 + mlen;
			len -= 2 + mlen;
		}
		c = client(m);
		s = server(m);
		(void)relay(c, s);
		(void)relay(s, c);
		(void)relay(c, s);
		if (dust_engine_state(s) != DUST_ENGINE_ESTABLISHED)
			abort();
		(void)feed(s, data, len, piece);
	}
done:
	dust_engine_free(c);
	dust_engine_free(s);
	dust_model_free(own);
	return (0);
}
