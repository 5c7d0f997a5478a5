#ifndef DUST_SHAPER_H
#define DUST_SHAPER_H

#include <stddef.h>
#include <stdint.h>

#include "dust/conversation.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "exact.h"
#include "huffman.h"
#include "multiset.h"

/*
 * The shaping layer of one direction of one connection (sans-I/O).
 *
 * The sending side's shaper samples packet lengths, packets per interval
 * and the connection duration from its model part with its own rng, and
 * produces shaped bytes: first the part's prefix verbatim, then the content
 * coder's output, pulling uniform bytes (the encryption layer's stream)
 * through a callback as it needs them.  The receiving side's de-shaper
 * checks and strips the prefix and pushes the recovered uniform bytes
 * through a callback; packet boundaries do not matter to it.
 *
 * Flow (packet_count): the part's flow distribution gives a rate r in
 * packets per second, drawn afresh for each second of elapsed time; within
 * a second the r packets are spread evenly (the k-th is due at k * 1000 / r
 * ms).  A fixed flow of 40 thus gives one packet every 25 ms exactly, and
 * the number of packets in any whole second follows the flow distribution.
 */

/* Draws of a first segment's rng bits (dust_shaper_first). */
#define DUST_FIRST_TRIES	64

struct dust_shaper {
	const struct dust_model_part * part;
	enum dust_coder coder;
	const struct dust_rng * rng;
	size_t prefixsent;		/* Prefix bytes produced so far. */
	uint32_t rate;			/* Packets in the current second, */
	uint32_t elapsed;		/* of which ms have passed. */
	union {
		struct dust_huff_shaper huff;
		struct dust_exact_shaper exact;
	} c;
	struct dust_ms_shaper first;	/* The first segment's coder, */
	uint32_t firstleft;		/* bytes of it still to produce, */
	uint8_t key[64];		/* the stream bytes it carries, */
	size_t carry, keyused;
	struct dust_rng_seeded tail;	/* the rest of its bits. */
	dust_pull_fn * pull;		/* The uniform stream. */
	void * ctx;
};

struct dust_deshaper {
	const struct dust_model_part * part;
	enum dust_coder coder;
	size_t prefixseen;		/* Prefix bytes checked so far. */
	int failed;			/* Sticky error: input is ignored. */
	char error[96];
	union {
		struct dust_huff_deshaper huff;
		struct dust_exact_deshaper exact;
	} c;
	dust_push_fn * push;		/* The uniform stream. */
	void * ctx;
	const struct dust_convset * set;	/* First segment being told */
	uint8_t * firstbuf;		/* (set->maxfirst bytes), */
	struct dust_ms_teller teller;	/* its bytes so far, */
	size_t carry;			/* stream bytes it carries. */
	const struct dust_multiset * matched;	/* The one told, or NULL. */
};

/**
 * dust_shaper_init(s, part, coder, rng, pull, ctx):
 * Start the shaper ${s} of model part ${part} (kept, not copied) with
 * content coder ${coder} (normally ${part}->coder), sampling with ${rng}
 * (NULL: randombytes_buf) and reading uniform bytes from ${pull}(${ctx}).
 */
void dust_shaper_init(struct dust_shaper *, const struct dust_model_part *,
    enum dust_coder, const struct dust_rng *, dust_pull_fn *, void *);

/**
 * dust_shaper_length(s):
 * Return a sampled packet length, 1..65535.
 */
uint16_t dust_shaper_length(struct dust_shaper *);

/**
 * dust_shaper_count(s, ms):
 * Return how many packets to send for the ${ms} milliseconds elapsed since
 * the last call (at most 65535).
 */
uint16_t dust_shaper_count(struct dust_shaper *, uint16_t);

/**
 * dust_shaper_duration(s):
 * Return a sampled connection duration in milliseconds.
 */
uint32_t dust_shaper_duration(struct dust_shaper *);

/**
 * dust_shaper_produce(s, out, n):
 * Write the next ${n} shaped bytes of the connection to ${out}.
 */
void dust_shaper_produce(struct dust_shaper *, uint8_t *, size_t);

/**
 * dust_shaper_pulled(s):
 * Return how many uniform bytes ${s} has pulled so far (a first segment's
 * included; not its rng bits).
 */
uint64_t dust_shaper_pulled(const struct dust_shaper *);

/**
 * dust_shaper_first(s, set, m, carry):
 * Make the bytes after the prefix (none produced yet) a permutation of
 * ${m}, one of set->firsts (${set} kept, not copied), carrying the next
 * ${carry} bytes (at most 64) of the uniform stream, the rest of its
 * capacity being bits of the shaper's rng: bits drawn again (up to
 * DUST_FIRST_TRIES times) while the receiver would not get the stream
 * bytes back (the coder's lag) or would tell the permutation as another of
 * set->firsts (a shorter one that its first bytes are a permutation of).
 * Return 0, or -1 if every draw would fail (it is sent all the same).
 */
int dust_shaper_first(struct dust_shaper *, const struct dust_convset *,
    const struct dust_multiset *, size_t);

/**
 * dust_deshaper_init(d, part, coder, push, ctx):
 * Start the de-shaper ${d} of model part ${part} and coder ${coder},
 * handing recovered uniform bytes to ${push}(${ctx}).
 */
void dust_deshaper_init(struct dust_deshaper *,
    const struct dust_model_part *, enum dust_coder, dust_push_fn *, void *);

/**
 * dust_deshaper_first(d, set, buf, carry):
 * Expect the bytes after the prefix (none received yet) to be a
 * permutation of one of the multisets of ${set} (kept, not copied; at
 * least one) carrying ${carry} stream bytes (at most 64), keeping them in ${buf}
 * (set->maxfirst bytes, the caller's) until told.  The first multiset (by
 * length) whose counts the bytes received reach exactly is the one; if
 * none can be any more, the stream fails ("first segment: ...").
 */
void dust_deshaper_first(struct dust_deshaper *, const struct dust_convset *,
    uint8_t *, size_t);

/**
 * dust_deshaper_matched(d):
 * Return the multiset (in the set given to dust_deshaper_first) the first
 * segment was told to be a permutation of, or NULL while not known.
 */
const struct dust_multiset * dust_deshaper_matched(
    const struct dust_deshaper *);

/**
 * dust_deshaper_fail(d, why):
 * Fail ${d} (if it has not failed yet) for the reason ${why}: later input
 * is ignored.
 */
void dust_deshaper_fail(struct dust_deshaper *, const char *);

/**
 * dust_deshaper_consume(d, in, n):
 * Take the ${n} received bytes ${in}.  Return 0, or -1 if the stream is
 * not of the model (the prefix differs, or a byte has weight 0); the
 * error is sticky: later input is ignored and -1 returned.
 */
int dust_deshaper_consume(struct dust_deshaper *, const uint8_t *, size_t);

/**
 * dust_deshaper_error(d):
 * Return what was wrong with the input, or NULL if nothing was.
 */
const char * dust_deshaper_error(const struct dust_deshaper *);

#endif /* !DUST_SHAPER_H */
