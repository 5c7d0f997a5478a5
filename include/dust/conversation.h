#ifndef DUST_CONVERSATION_H
#define DUST_CONVERSATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * Conversations: the optional connection-level part of a model
 * (docs/models.md, "Conversations").  Each conversation is the sequence of
 * data segments of one real connection: direction, TCP payload length and
 * the gap since the previous data segment (either direction; the first
 * step's gap is from the connection's start).  Both sides of a Dust
 * connection follow the same conversation, chosen from a seed both derive
 * from the handshake (include/dust/seattle.h, seattle_conversation_seed)
 * without a byte more on the wire.
 *
 * A conversation is usable when it can carry session data: its first step
 * is the client's and long enough for the client's prefix and its 32-byte
 * key (with margin), and the client has a later step after a server step
 * (the client's code needs the server's key first, DECISIONS §1).  Only
 * usable conversations are drawn, each with the same probability.
 */

#define DUST_CONV_MAX		4096		/* Conversations per model. */
#define DUST_CONV_STEPS_MAX	65536		/* Steps per conversation. */
#define DUST_CONV_TOTAL_MAX	(1 << 22)	/* Steps in all of them. */
#define DUST_CONV_IDLE_DEFAULT	60000		/* ms. */
#define DUST_CONV_GAP_MAX	2147483647	/* ms, after rounding. */

/* Key bytes (with margin) the client's first step must carry. */
#define DUST_CONV_KEY_MARGIN	48

/* One data segment of a conversation. */
struct dust_conv_step {
	uint32_t gap;		/* ms since the previous step, rounded. */
	uint16_t len;		/* TCP payload bytes, 1..65535. */
	uint8_t dir;		/* DUST_C2S or DUST_S2C. */
};

struct dust_conv {
	struct dust_conv_step * step;
	size_t nsteps;
};

struct dust_convset {
	uint32_t idle_ms;	/* Silence that ends a conversation. */
	struct dust_conv * list;
	size_t n;
	size_t * usable;	/* Indices into list of the usable ones. */
	size_t nusable;
};

/**
 * dust_conv_usable(c, minfirst):
 * Return 1 if the conversation ${c} can carry session data: its first step
 * is the client's with at least ${minfirst} bytes, and a client step
 * follows a server step.  Else 0.
 */
int dust_conv_usable(const struct dust_conv *, size_t);

/**
 * dust_conv_index(seed, n):
 * Return an index uniform on 0..${n}-1 (${n} >= 1) drawn deterministically
 * from the 32-byte ${seed} (Skein-MAC-256 expansion, rejection sampling).
 */
size_t dust_conv_index(const uint8_t[32], size_t);

/**
 * dust_conv_draw(set, seed):
 * Return the usable conversation of ${set} that ${seed} selects.
 */
const struct dust_conv * dust_conv_draw(const struct dust_convset *,
    const uint8_t[32]);

/**
 * dust_convset_free(set):
 * Free ${set} and its conversations (NULL: nothing).
 */
void dust_convset_free(struct dust_convset *);

#endif /* !DUST_CONVERSATION_H */
