#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dust/engine.h"
#include "dust/model.h"
#include "dust/seattle.h"
#include "dust/shaper.h"

struct dust_engine {
	struct seattle * s;
	struct dust_shaper shaper;	/* Our direction. */
	struct dust_deshaper deshaper;	/* The peer's. */
	uint32_t duration;
	double pad_ratio;		/* Stream bytes a wire byte carries,
					   a little under (padding room). */
	int nomem;			/* seattle_push ran out of memory. */
	char failure[160];
};

/* The shaper's uniform source: the Seattle stream. */
static void
pull(void * ctx, uint8_t * buf, size_t n)
{
	struct dust_engine * e = ctx;

	seattle_pull(e->s, buf, n);
}

/* The de-shaper's output: the peer's Seattle stream. */
static void
push(void * ctx, const uint8_t * buf, size_t n)
{
	struct dust_engine * e = ctx;

	if (seattle_push(e->s, buf, n))
		e->nomem = 1;
}

/* Wrap the session ${s} (NULL: error) in an engine; ${send} is our part. */
static struct dust_engine *
wrap(struct seattle * s, const struct dust_model * model, int send,
    const struct dust_rng * rng)
{
	struct dust_engine * e;
	const struct dust_model_part * out = &model->part[send];
	const struct dust_model_part * in = &model->part[1 - send];

	if (s == NULL)
		return (NULL);
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		seattle_free(s);
		return (NULL);
	}
	e->s = s;
	dust_shaper_init(&e->shaper, out, out->coder, rng, pull, e);
	dust_deshaper_init(&e->deshaper, in, in->coder, push, e);
	e->duration = dust_shaper_duration(&e->shaper);
	/*
	 * A packet of n bytes pulls about n * entropy / 8 stream bytes: all
	 * n with the uniform model (identity code, a copy), a little fewer
	 * than the estimate otherwise so that padding seldom runs on into
	 * the next packet.
	 */
	e->pad_ratio = dust_model_entropy(out) / 8.0;
	if (e->pad_ratio < 0.999)
		e->pad_ratio *= 0.9;
	return (e);
}

/**
 * dust_engine_client_new(model, B, sid, sidlen, rng):
 * Create the client side of a connection shaped by ${model} (which must
 * outlive it) to the server of static public key ${B} and identifier
 * ${sid} (${sidlen} bytes, 7 or 19), drawing keys and samples from ${rng}
 * (NULL: libsodium).  Return NULL on error.
 */
struct dust_engine *
dust_engine_client_new(const struct dust_model * model, const uint8_t B[32],
    const uint8_t * sid, size_t sidlen, const struct dust_rng * rng)
{

	return (wrap(seattle_client_new(B, sid, sidlen, rng), model, DUST_C2S,
	    rng));
}

/**
 * dust_engine_server_new(model, b, sid, sidlen, replay, rng):
 * Create the server side for the static secret key ${b}, identifier
 * ${sid}, replay filter ${replay} (NULL: none, for tests).  Return NULL on
 * error.
 */
struct dust_engine *
dust_engine_server_new(const struct dust_model * model, const uint8_t b[32],
    const uint8_t * sid, size_t sidlen, struct seattle_replay * replay,
    const struct dust_rng * rng)
{

	return (wrap(seattle_server_new(b, sid, sidlen, replay, rng), model,
	    DUST_S2C, rng));
}

/**
 * dust_engine_free(e):
 * Wipe and free ${e}.  NULL is allowed.
 */
void
dust_engine_free(struct dust_engine * e)
{

	if (e == NULL)
		return;
	seattle_free(e->s);
	/* The coders' bit buffers hold stream bytes: wipe them too. */
	sodium_memzero(e, sizeof(*e));
	free(e);
}

/**
 * dust_engine_duration(e):
 * Return the connection duration in ms, drawn once at creation: close the
 * connection when it has elapsed.
 */
uint32_t
dust_engine_duration(const struct dust_engine * e)
{

	return (e->duration);
}

/**
 * dust_engine_state(e):
 * Return where ${e} stands.
 */
enum dust_engine_state
dust_engine_state(const struct dust_engine * e)
{

	if (dust_deshaper_error(&e->deshaper) != NULL || e->nomem)
		return (DUST_ENGINE_FAILED);
	switch (seattle_status(e->s)) {
	case SEATTLE_ESTABLISHED:
		return (DUST_ENGINE_ESTABLISHED);
	case SEATTLE_HANDSHAKING:
		return (DUST_ENGINE_HANDSHAKING);
	default:
		return (DUST_ENGINE_FAILED);
	}
}

/**
 * dust_engine_failure(e):
 * Return why ${e} failed (for logs; nothing on the wire shows it), or
 * NULL.
 */
const char *
dust_engine_failure(const struct dust_engine * e)
{

	if (e->failure[0] != '\0')
		return (e->failure);
	if (e->nomem)
		return ("out of memory");
	return (seattle_failure(e->s));
}

/**
 * dust_packet_count(e, ms):
 * Return the number of packets to send for the ${ms} milliseconds elapsed
 * since the last call (command 0x00).
 */
uint16_t
dust_packet_count(struct dust_engine * e, uint16_t ms)
{

	return (dust_shaper_count(&e->shaper, ms));
}

/**
 * dust_encoded_ready(e):
 * Return the length of the next packet to send, drawn from the model
 * whatever data is queued (command 0x01).
 */
uint16_t
dust_encoded_ready(struct dust_engine * e)
{

	return (dust_shaper_length(&e->shaper));
}

/**
 * dust_put_decoded(e, buf, len):
 * Queue ${len} bytes of application data to send (command 0x02).  Return
 * 0, or -1 on ENOMEM.
 */
int
dust_put_decoded(struct dust_engine * e, const uint8_t * buf, uint16_t len)
{

	return (seattle_write(e->s, buf, len));
}

/**
 * dust_get_encoded(e, buf, len):
 * Write the next ${len} wire bytes to ${buf}: shaped data or padding;
 * always succeeds (command 0x03).
 */
void
dust_get_encoded(struct dust_engine * e, uint8_t * buf, uint16_t len)
{

	seattle_pad_room(e->s, (size_t)(len * e->pad_ratio));
	dust_shaper_produce(&e->shaper, buf, len);
}

/**
 * dust_decoded_ready(e):
 * Return how many received application bytes are waiting (at most 65535;
 * command 0x11).
 */
uint16_t
dust_decoded_ready(const struct dust_engine * e)
{
	size_t n = seattle_readable(e->s);

	return (n > 65535 ? 65535 : (uint16_t)n);
}

/**
 * dust_put_encoded(e, buf, len):
 * Take ${len} received wire bytes, in any split (command 0x12).  Return
 * 0, or -1 on ENOMEM.  Bytes that are not the model's or not the peer's
 * fail the connection silently (see dust_engine_state).
 */
int
dust_put_encoded(struct dust_engine * e, const uint8_t * buf, uint16_t len)
{

	/* A de-shaping error is sticky: the input is then ignored. */
	if (dust_deshaper_consume(&e->deshaper, buf, len) &&
	    e->failure[0] == '\0')
		snprintf(e->failure, sizeof(e->failure), "shaping: %s",
		    dust_deshaper_error(&e->deshaper));
	return (e->nomem ? -1 : 0);
}

/**
 * dust_get_decoded(e, buf, len):
 * Move ${len} received application bytes to ${buf} (command 0x13).
 * Return 0, or -1 (nothing moved) if fewer than ${len} are waiting: asking
 * for more than dust_decoded_ready is an error, as in the seed.
 */
int
dust_get_decoded(struct dust_engine * e, uint8_t * buf, uint16_t len)
{

	if (seattle_readable(e->s) < len)
		return (-1);
	seattle_read(e->s, buf, len);
	return (0);
}
