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
 * from the handshake (lib/seattle/machine.h, seattle_conversation_seed)
 * without a byte more on the wire.
 *
 * A conversation can be followed when its first step is the client's and
 * long enough for the client's prefix and its 32-byte key (with margin):
 * the server knows the conversation only once it has the key.  It is
 * usable (carries session data) when the client also has a step after a
 * server step (the client's code needs the server's key first, docs/spec.md
 * §1.9); a followable one with a single client turn carries cover traffic
 * only.  The model's "draw" says which are drawn, each with the same
 * probability: "usable" (the default) or "all" (every followable one, so
 * that the connections keep the real mix of single-turn ones).
 *
 * A conversation may also hold its first segment's bytes after the
 * client's prefix, as a multiset ("first"; docs/models.md): the client
 * then sends a permutation of them (lib/shape/multiset.h), so the
 * segment has the real one's byte statistics exactly, and the server
 * tells which multiset it is from the counts of the bytes received.  In a
 * model where any conversation has one, those without cannot be
 * followed, and the followable ones need a permutation capacity of at
 * least DUST_CONV_FIRST_BITS instead of a long enough first step.
 */

#define DUST_CONV_MAX		4096		/* Conversations per model. */
#define DUST_CONV_STEPS_MAX	65536		/* Steps per conversation. */
#define DUST_CONV_TOTAL_MAX	(1 << 22)	/* Steps in all of them. */
#define DUST_CONV_IDLE_DEFAULT	60000		/* ms. */
#define DUST_CONV_GAP_MAX	2147483647	/* ms. */

/* Key bytes (with margin) the client's first step must carry. */
#define DUST_CONV_KEY_MARGIN	48

/*
 * Bits a first segment's permutations must carry (log2 n! / prod c_b!):
 * the 32-byte key and 32 bits for the coder's lag, which the client
 * checks (it redraws its rng bits if its segment would not give the key
 * back), so no more margin is needed.
 */
#define DUST_CONV_FIRST_BITS	(8 * 32 + 32)

/* What a conversation can do (dust_conv_class). */
#define DUST_CONV_NONE		0	/* Cannot be followed. */
#define DUST_CONV_COVER		1	/* Followed; carries no data. */
#define DUST_CONV_DATA		2	/* Usable: carries data. */

/* A first segment's byte counts, internal to libdust (lib/shape/). */
struct dust_multiset;

/* One data segment of a conversation. */
struct dust_conv_step {
	uint64_t gap_us;	/* us since the previous step, rounded. */
	uint16_t len;		/* TCP payload bytes, 1..65535. */
	uint8_t dir;		/* DUST_C2S or DUST_S2C. */
};

struct dust_conv {
	struct dust_conv_step * step;
	size_t nsteps;
	const struct dust_multiset * first;	/* In the set's firsts; NULL:
						   none. */
	uint8_t has_close;	/* The real connection's close is known: */
	uint8_t close_dir;	/* the side that closed first, */
	uint64_t close_gap_us;	/* us after the last step. */
};

struct dust_convset {
	uint32_t idle_ms;	/* Silence that ends a conversation. */
	struct dust_conv * list;
	size_t n;
	int draw_all;		/* Draw the cover-only ones too. */
	size_t * drawn;		/* Indices into list of those drawn, */
	size_t ndrawn;
	size_t nusable;		/* How many are usable. */
	struct dust_multiset * firsts;	/* Distinct first segments, by */
	size_t nfirsts;			/* length (then counts); */
	uint32_t maxfirst;		/* the longest one's n. */
};

/**
 * dust_conv_class(c, minfirst):
 * Return DUST_CONV_DATA if the conversation ${c} can carry session data
 * (its first step is the client's with at least ${minfirst} bytes, and a
 * client step follows a server step), DUST_CONV_COVER if only the first
 * condition holds, else DUST_CONV_NONE.
 */
int dust_conv_class(const struct dust_conv *, size_t);

/**
 * dust_conv_index(seed, n):
 * Return an index uniform on 0..${n}-1 (${n} >= 1) drawn deterministically
 * from the 32-byte ${seed} (Skein-MAC-256 expansion, rejection sampling).
 */
size_t dust_conv_index(const uint8_t[32], size_t);

/**
 * dust_conv_draw(set, seed):
 * Return the conversation of ${set} that ${seed} selects among those
 * drawn (usable ones, or all followable ones).
 */
const struct dust_conv * dust_conv_draw(const struct dust_convset *,
    const uint8_t[32]);

/*
 * The conversations a client drew last, so that it draws others: a real
 * client's connections seldom repeat each other's shapes exactly, and a
 * classifier that had seen one twin knew the other (docs/models.md).
 */
struct dust_conv_recent;

/**
 * dust_conv_recent_new(set):
 * Create an empty record of the conversations of ${set} (which must
 * outlive it) drawn last, which keeps the last half as many as ${set}
 * draws from.  Return NULL on ENOMEM.
 */
struct dust_conv_recent * dust_conv_recent_new(const struct dust_convset *);

/**
 * dust_conv_recent_has(r, c):
 * Return 1 if the conversation ${c} (of ${r}'s set) is among those ${r}
 * keeps, else 0.
 */
int dust_conv_recent_has(const struct dust_conv_recent *,
    const struct dust_conv *);

/**
 * dust_conv_recent_add(r, c):
 * Note the conversation ${c} (of ${r}'s set) as the last drawn; the
 * oldest is forgotten once ${r} holds as many as it keeps.
 */
void dust_conv_recent_add(struct dust_conv_recent *, const struct dust_conv *);

/**
 * dust_conv_recent_free(r):
 * Free ${r} (NULL: nothing).
 */
void dust_conv_recent_free(struct dust_conv_recent *);

/**
 * dust_convset_free(set):
 * Free ${set} and its conversations (NULL: nothing).
 */
void dust_convset_free(struct dust_convset *);

#endif /* !DUST_CONVERSATION_H */
