#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dust/conversation.h"
#include "dust/engine.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"
#include "format/wire.h"
#include "seattle/machine.h"
#include "seattle/mark.h"
#include "shape/convsched.h"
#include "shape/shaper.h"

struct dust_engine {
	struct seattle * s;
	struct fmtwire * wire;		/* A model with a format: its framing
					   instead of the shaper's coder. */
	struct dust_shaper shaper;	/* Our direction. */
	struct dust_deshaper deshaper;	/* The peer's. */
	uint32_t duration;		/* Per-packet mode. */
	uint64_t now_us;		/* Time passed to packet_count(_us). */
	const struct dust_convset * convs;	/* NULL: per-packet mode. */
	struct dust_convsched cs;
	struct dust_rng_seeded draws;	/* Samples, cover's seed: keyed once. */
	uint8_t * firstbuf;		/* Server: the first segment, told. */
	uint64_t produced;		/* Wire bytes we have sent. */
	double carry;			/* Uniform bytes per wire byte, less a
					   margin (conversation mode). */
	double pad_ratio;		/* Stream bytes a wire byte carries,
					   a little under (padding room). */
	int nomem;			/* seattle_push ran out of memory. */
	int first_short;		/* The first segment cannot carry the
					   key and the mark (a client draws
					   another key: client_fresh). */
	int server;			/* The server side. */
	int marked;			/* A server requiring the mark, or a
					   client sending it. */
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

/*
 * Share of the entropy a wire byte is counted on to carry when records are
 * sized to the rest of a conversation (Huffman carries about the entropy,
 * sometimes less for a while), and the stream bytes kept in reserve (the
 * peer's de-shaper lags by a few bytes; code and IV may still be due).
 */
#define CARRY_MARGIN	0.9
#define CARRY_RESERVE	(2 * 32 + 16)

/*
 * fit_records(e): a record is readable only once whole, so in conversation
 * mode make each new one small enough to end within what the rest of the
 * conversation can carry (at most SEATTLE_RECORD_DATA of data).
 */
static void
fit_records(struct dust_engine * e)
{
	double room;
	size_t max;

	if (e->cs.conv == NULL || e->cs.ours_total <= e->produced)
		return;
	room = (double)(e->cs.ours_total - e->produced) * e->carry;
	if (room < CARRY_RESERVE + SEATTLE_LEN_MIN + 2 + 1)
		max = 1;
	else
		max = (size_t)room - CARRY_RESERVE - SEATTLE_LEN_MIN - 2;
	if (max > SEATTLE_RECORD_DATA)
		max = SEATTLE_RECORD_DATA;
	/* Never above the default size: the buffer is there, no ENOMEM. */
	(void)seattle_set_record_data(e->s, max);
}

/*
 * first_carry(e): the stream bytes a first segment carries: the client's
 * key, and its mark if it is sent, so that a server requiring the mark
 * has it in the client's first step.
 */
static size_t
first_carry(const struct dust_engine * e)
{

	return (SEATTLE_KEY_BYTES + (e->marked ? MARK_BYTES : 0));
}

/*
 * try_seed(e): once Seattle knows the seed, follow its conversation: the
 * client shapes its first step as a permutation of the conversation's
 * first segment, if it has one; the server checks that the segment it
 * received was one of those (docs/engine.md, "The first segment").
 */
static void
try_seed(struct dust_engine * e)
{
	const struct dust_conv * c;
	uint8_t seed[32];

	if (e->cs.conv != NULL || seattle_conversation_seed(e->s, seed))
		return;
	c = dust_conv_draw(e->convs, seed);
	sodium_memzero(seed, sizeof(seed));
	dust_convsched_start(&e->cs, c);
	/*
	 * If no draw of its rng bits works (a capacity too close to the key's
	 * 256 bits), the segment goes all the same: the server then fails
	 * silently, as for any stream it cannot read.
	 */
	if (e->cs.dir == DUST_C2S && c->first != NULL &&
	    dust_shaper_first(&e->shaper, e->convs, c->first,
	    first_carry(e)))
		e->first_short = 1;
	/* A prober's, or a corrupt, segment: fail, follow c as cover. */
	if (e->cs.dir == DUST_S2C && e->convs->nfirsts > 0 &&
	    c->first != dust_deshaper_matched(&e->deshaper)) {
		dust_deshaper_fail(&e->deshaper, "first segment: not a "
		    "permutation of the conversation drawn's");
		snprintf(e->failure, sizeof(e->failure), "shaping: %s",
		    dust_deshaper_error(&e->deshaper));
	}
}

/*
 * cover_draw(e): a server that will never know the seed (its de-shaper
 * failed before the client's key) follows a conversation drawn with its
 * rng, once as many bytes have come as the longest first segment and one
 * more, as when no segment matches: a prober sees the same either way.
 */
static void
cover_draw(struct dust_engine * e)
{
	uint8_t seed[32];
	size_t need = e->deshaper.part->prefixlen + SEATTLE_KEY_BYTES;

	if (e->convs->nfirsts > 0)
		need = e->deshaper.part->prefixlen + e->convs->maxfirst;
	if (e->cs.conv != NULL || e->cs.dir != DUST_S2C || e->marked ||
	    dust_deshaper_error(&e->deshaper) == NULL || e->cs.received <= need)
		return;
	dust_rng_fill(&e->draws.rng, seed, sizeof(seed));
	dust_convsched_start(&e->cs, dust_conv_draw(e->convs, seed));
	sodium_memzero(seed, sizeof(seed));
}

/*
 * Wrap the session ${s} (NULL: error) in an engine; ${send} is our part;
 * ${marked}: the session sends (client) or requires (server) the mark.
 */
static struct dust_engine *
wrap(struct seattle * s, const struct dust_model * model, int send,
    int marked, const struct dust_rng * rng)
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
	e->server = (send == DUST_S2C);
	e->marked = marked;
	/*
	 * The shaper draws lengths, counts and times per packet: from the
	 * connection's own stream (include/dust/rng.h), one draw of ${rng}.
	 */
	dust_rng_seeded_from(&e->draws, rng);
	dust_shaper_init(&e->shaper, out, out->coder, &e->draws.rng, pull, e);
	dust_deshaper_init(&e->deshaper, in, in->coder, push, e);
	e->duration = dust_shaper_duration(&e->shaper);
	if (model->format != NULL) {
		/* The format's records carry the stream, timed by demand. */
		if ((e->wire = fmtwire_new(model->format, e->server, s,
		    &e->draws.rng)) == NULL) {
			dust_engine_free(e);
			return (NULL);
		}
		return (e);
	}
	if ((e->convs = model->conv) != NULL) {
		e->carry = dust_model_entropy(out) / 8 * CARRY_MARGIN;
		dust_convsched_init(&e->cs, e->convs->idle_ms, send);
		if (send == DUST_S2C && e->convs->nfirsts > 0) {
			if ((e->firstbuf = malloc(e->convs->maxfirst)) ==
			    NULL) {
				dust_engine_free(e);
				return (NULL);
			}
			dust_deshaper_first(&e->deshaper, e->convs,
			    e->firstbuf, first_carry(e));
		}
		try_seed(e);
	}
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

/*
 * client_new(model, B, sid, sidlen, rng, marked, hour): the client side;
 * if ${marked}, its first flight carries the mark of the hour ${hour}.
 */
static struct dust_engine *
client_new(const struct dust_model * model, const uint8_t B[32],
    const uint8_t * sid, size_t sidlen, const struct dust_rng * rng,
    int marked, uint64_t hour)
{
	struct seattle * s;
	uint8_t MK[32];

	/* A format's key fields hold curve points, not representatives. */
	s = model->format != NULL ? seattle_client_new_points(B, sid, sidlen,
	    rng) : seattle_client_new(B, sid, sidlen, rng);
	if (s == NULL)
		return (NULL);
	/* Before wrap: the shaper may pull X for a first segment. */
	if (marked) {
		mark_key(MK, B, sid, sidlen);
		(void)seattle_set_mark(s, MK, hour);
		sodium_memzero(MK, sizeof(MK));
	}
	return (wrap(s, model, DUST_C2S, marked, rng));
}

/**
 * dust_engine_client_new(model, B, sid, sidlen, rng):
 * Create the client side of a connection shaped by ${model} (which must
 * outlive it) to the server of static public key ${B} and identifier
 * ${sid} (${sidlen} bytes, 7 or 19).  ${rng} (NULL: libsodium) gives
 * the keys and the keys of the connection's own streams, a few draws at
 * creation and none after: filler and per-packet samples come from those
 * streams (include/dust/rng.h).  Return NULL on error.
 */
struct dust_engine *
dust_engine_client_new(const struct dust_model * model, const uint8_t B[32],
    const uint8_t * sid, size_t sidlen, const struct dust_rng * rng)
{

	return (client_new(model, B, sid, sidlen, rng, 0, 0));
}

/*
 * Ephemeral keys a client draws at most for a conversation not recently
 * drawn: with half of them recent, all REDRAW_MAX are recent once in
 * 2^32 connections, which then follow the last one drawn.
 */
#define REDRAW_MAX	32
/*
 * Keys a marked client draws at most for a conversation whose first
 * segment can carry its key and mark (64 bytes); the share of such
 * conversations in the model sets how many it takes.
 */
#define MARK_REDRAW_MAX	256

/*
 * client_fresh(model, B, sid, sidlen, rng, recent, marked, hour): the
 * client side following a conversation not in ${recent}.  The
 * conversation is the handshake seed's, a hash of the client's ephemeral
 * key and the server's static key (lib/seattle/machine.h), so the client
 * draws its key again until the conversation is not a recent one:
 * nothing on the wire changes, and the keys stay uniform to anyone
 * without the server's key.
 */
static struct dust_engine *
client_fresh(const struct dust_model * model, const uint8_t B[32],
    const uint8_t * sid, size_t sidlen, const struct dust_rng * rng,
    struct dust_conv_recent * recent, int marked, uint64_t hour)
{
	struct dust_engine * e;
	int i;

	for (i = 1;; i++) {
		e = client_new(model, B, sid, sidlen, rng, marked, hour);
		if (e == NULL || e->cs.conv == NULL)
			return (e);
		/* A first segment too small for the key and the mark: the
		   server would fail it (docs/protocol.md, "The mark"). */
		if (e->first_short && i < MARK_REDRAW_MAX) {
			dust_engine_free(e);
			continue;
		}
		if (recent == NULL)
			return (e);
		if (i >= REDRAW_MAX ||
		    !dust_conv_recent_has(recent, e->cs.conv))
			break;
		dust_engine_free(e);
	}
	dust_conv_recent_add(recent, e->cs.conv);
	return (e);
}

/**
 * dust_engine_client_new_fresh(model, B, sid, sidlen, rng, recent):
 * As dust_engine_client_new, but in conversation mode follow one of the
 * conversations not in ${recent} (NULL: any), and add it to ${recent}.
 * Return NULL on error.
 */
struct dust_engine *
dust_engine_client_new_fresh(const struct dust_model * model,
    const uint8_t B[32], const uint8_t * sid, size_t sidlen,
    const struct dust_rng * rng, struct dust_conv_recent * recent)
{

	return (client_fresh(model, B, sid, sidlen, rng, recent, 0, 0));
}

/**
 * dust_engine_client_new_marked(model, B, sid, sidlen, rng, recent, hour):
 * As dust_engine_client_new_fresh, and the first flight carries the mark
 * of the hour ${hour} (dust_engine_mark_hour of the wall clock) right
 * after the client's key, in the place of the first filler chunk.
 * Return NULL on error.
 */
struct dust_engine *
dust_engine_client_new_marked(const struct dust_model * model,
    const uint8_t B[32], const uint8_t * sid, size_t sidlen,
    const struct dust_rng * rng, struct dust_conv_recent * recent,
    uint64_t hour)
{

	return (client_fresh(model, B, sid, sidlen, rng, recent, 1, hour));
}

/*
 * server_session(model, b, sid, sidlen, replay, rng): the server's Seattle
 * session, with X and Y as points if ${model} has a format.
 */
static struct seattle *
server_session(const struct dust_model * model, const uint8_t b[32],
    const uint8_t * sid, size_t sidlen, struct seattle_replay * replay,
    const struct dust_rng * rng)
{

	if (model->format != NULL)
		return (seattle_server_new_points(b, sid, sidlen, replay,
		    rng));
	return (seattle_server_new(b, sid, sidlen, replay, rng));
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

	return (wrap(server_session(model, b, sid, sidlen, replay, rng),
	    model, DUST_S2C, 0, rng));
}

/**
 * dust_engine_server_new_marked(model, b, sid, sidlen, replay, rng, MK,
 *     hour):
 * As dust_engine_server_new, but requiring the mark: the server sends
 * nothing (but an SSH format's identification line) until the client's
 * key and mark have arrived and verified with
 * the mark key ${MK} (dust_engine_mark_key, computed once) at the hour
 * ${hour} (the connection's, by the wall clock) against ${replay}; if
 * they do not, the state is DUST_ENGINE_UNAUTHENTICATED.  Return NULL on
 * error.
 */
struct dust_engine *
dust_engine_server_new_marked(const struct dust_model * model,
    const uint8_t b[32], const uint8_t * sid, size_t sidlen,
    struct seattle_replay * replay, const struct dust_rng * rng,
    const uint8_t MK[32], uint64_t hour)
{
	struct seattle * s;

	if ((s = server_session(model, b, sid, sidlen, replay, rng)) == NULL)
		return (NULL);
	(void)seattle_set_mark(s, MK, hour);
	return (wrap(s, model, DUST_S2C, 1, rng));
}

/**
 * dust_engine_mark_key(MK, B, sid, sidlen):
 * Compute the mark key ${MK} of the server of static public key ${B} and
 * identifier ${sid} (${sidlen} bytes): what a server requiring the mark
 * computes once at start.
 */
void
dust_engine_mark_key(uint8_t MK[32], const uint8_t B[32],
    const uint8_t * sid, size_t sidlen)
{

	mark_key(MK, B, sid, sidlen);
}

/**
 * dust_engine_mark_hour(unix_time):
 * Return the mark's hour of ${unix_time} (seconds since the epoch).
 */
uint64_t
dust_engine_mark_hour(uint64_t unix_time)
{

	return (mark_hour(unix_time));
}

/*
 * Stream bytes a shaper may hold pulled but not yet on the wire (its bit
 * buffer): the first flight is out once this many more than X and the
 * mark have been pulled.
 */
#define PULL_AHEAD	16

/**
 * dust_engine_first_flight_out(e):
 * Return 1 once the wire bytes a marked client has made carry its key and
 * its mark whole (or for a client without the mark, its key), else 0;
 * always 1 on a server.
 */
int
dust_engine_first_flight_out(const struct dust_engine * e)
{
	size_t need = SEATTLE_KEY_BYTES + PULL_AHEAD;

	if (e->server)
		return (1);
	if (e->wire != NULL)
		return (fmtwire_hello_out(e->wire));
	if (e->marked)
		need += MARK_BYTES;
	return (dust_shaper_pulled(&e->shaper) >= need);
}

/* held(e): a server requiring the mark has not verified it (yet). */
static int
held(const struct dust_engine * e)
{

	return (e->marked && !seattle_may_send(e->s));
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
	fmtwire_free(e->wire);
	seattle_free(e->s);
	free(e->firstbuf);
	dust_rng_seeded_wipe(&e->draws);
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

	if (e->convs != NULL)
		return (dust_convsched_duration(&e->cs));
	/* A format's connection lasts as long as its session: no end. */
	if (e->wire != NULL)
		return (DUST_DURATION_MAX);
	return (e->duration);
}

/**
 * dust_engine_done(e):
 * Return 1 when the connection should close: in conversation mode when
 * the conversation is over (all our steps sent and all the peer's bytes
 * received, or idle_ms passed with nothing received and nothing of ours
 * due by time alone); in per-packet mode when the duration has elapsed.
 */
int
dust_engine_done(const struct dust_engine * e)
{

	if (e->convs != NULL)
		return (dust_convsched_done(&e->cs));
	if (e->wire != NULL)
		return (fmtwire_done(e->wire));
	return (e->now_us / 1000 >= e->duration);
}

/**
 * dust_engine_close_us(e):
 * Once dust_engine_done, return the microseconds until this side should
 * close the connection: in conversation mode as the real connection was
 * closed (UINT64_MAX: the peer closed first, close when it does; 0: now,
 * also when the model does not say); 0 in per-packet mode.
 */
uint64_t
dust_engine_close_us(const struct dust_engine * e)
{

	if (e->convs != NULL)
		return (dust_convsched_close_us(&e->cs));
	return (0);
}

/* next_packet(sh): ms until the per-packet schedule's next packet. */
static uint32_t
next_packet(const struct dust_shaper * sh)
{
	uint64_t k, t;

	if (sh->rate == 0)
		return (1000 - sh->elapsed);
	/* Packet k is due at ceil(k * 1000 / rate) ms into the second. */
	k = (uint64_t)sh->rate * sh->elapsed / 1000 + 1;
	t = (k * 1000 + sh->rate - 1) / sh->rate;
	if (t > 1000)
		t = 1000;
	return ((uint32_t)(t - sh->elapsed));
}

/**
 * dust_engine_next_due_us(e):
 * Return the microseconds until something may change by time alone (see
 * dust_engine_next_due); 0 if a step is due now; UINT64_MAX once the
 * conversation is over.
 */
uint64_t
dust_engine_next_due_us(const struct dust_engine * e)
{

	if (e->convs != NULL)
		return (dust_convsched_next_due_us(&e->cs));
	/* A format sends on demand: nothing falls due by time. */
	if (e->wire != NULL)
		return (UINT64_MAX);
	/* The per-packet schedule's ms started now_us % 1000 ago. */
	return ((uint64_t)next_packet(&e->shaper) * 1000 - e->now_us % 1000);
}

/**
 * dust_engine_next_due(e):
 * Return dust_engine_next_due_us in ms, rounded up (so that a caller that
 * waits that long finds the step due), UINT32_MAX once the conversation
 * is over.
 */
uint32_t
dust_engine_next_due(const struct dust_engine * e)
{
	uint64_t us = dust_engine_next_due_us(e), ms;

	if (us == UINT64_MAX)
		return (UINT32_MAX);
	ms = us / 1000 + (us % 1000 != 0);
	return (ms >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)ms);
}

/**
 * dust_engine_room(e):
 * Return how many more application bytes a caller should queue with
 * dust_put_decoded: in conversation mode what the rest of our steps can
 * carry (a little under the estimate), less what is queued and the
 * records' framing, 0 while the conversation is unknown; SIZE_MAX in
 * per-packet mode.  Bytes queued beyond it are not lost to the engine,
 * but they may not reach the peer before the conversation ends.
 */
size_t
dust_engine_room(const struct dust_engine * e)
{
	double room;
	size_t used;

	if (e->convs == NULL)
		return (SIZE_MAX);
	if (e->cs.conv == NULL || e->cs.ours_total <= e->produced)
		return (0);
	room = (double)(e->cs.ours_total - e->produced) * e->carry;
	used = seattle_unsent(e->s) + CARRY_RESERVE + SEATTLE_LEN_MIN + 2;
	return (room > (double)used ? (size_t)room - used : 0);
}

/**
 * dust_engine_state(e):
 * Return where ${e} stands.
 */
enum dust_engine_state
dust_engine_state(const struct dust_engine * e)
{

	if (e->wire != NULL && fmtwire_state(e->wire) != FMTWIRE_OK)
		return (fmtwire_state(e->wire) == FMTWIRE_UNAUTHENTICATED ?
		    DUST_ENGINE_UNAUTHENTICATED : DUST_ENGINE_FAILED);
	/* Before the mark verified, bytes out of framing fail it too. */
	if (held(e) && (seattle_status(e->s) == SEATTLE_UNAUTHENTICATED ||
	    dust_deshaper_error(&e->deshaper) != NULL || e->nomem))
		return (DUST_ENGINE_UNAUTHENTICATED);
	if (held(e))
		return (DUST_ENGINE_AWAITING_MARK);
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
	if (e->wire != NULL && fmtwire_failure(e->wire) != NULL)
		return (fmtwire_failure(e->wire));
	if (e->nomem)
		return ("out of memory");
	return (seattle_failure(e->s));
}

/*
 * shaper_count(e, ms): the per-packet schedule's packets for ${ms} more
 * milliseconds (at most 65535).
 */
static uint16_t
shaper_count(struct dust_engine * e, uint64_t ms)
{
	uint64_t n = 0;
	uint16_t step;

	/* The shaper takes at most 65535 ms a call. */
	do {
		step = ms > 65535 ? 65535 : (uint16_t)ms;
		n += dust_shaper_count(&e->shaper, step);
		ms -= step;
	} while (ms > 0);
	return (n > 65535 ? 65535 : (uint16_t)n);
}

/**
 * dust_packet_count_us(e, us):
 * Return the number of packets to send for the ${us} microseconds elapsed
 * since the last call.  In conversation mode: the number of our steps
 * that became due, to the microsecond; in per-packet mode the packets of
 * the whole milliseconds completed (the rest counts with the next call).
 */
uint16_t
dust_packet_count_us(struct dust_engine * e, uint32_t us)
{
	uint64_t ms = (e->now_us + us) / 1000 - e->now_us / 1000;

	e->now_us += us;
	/*
	 * A format sends what its framing has ready: before the mark
	 * verified, that is nothing but an SSH server's identification
	 * line (fmtwire_greeting: the captured bytes, which every SSH
	 * server sends at accept; no secret, nothing drawn), so it is not
	 * held here.  Other models send nothing before the mark verified,
	 * and their schedule starts when it has.
	 */
	if (e->wire != NULL)
		return (fmtwire_ready(e->wire) > 0);
	if (held(e))
		return (0);
	if (e->convs != NULL) {
		try_seed(e);
		return (dust_convsched_count_us(&e->cs, us));
	}
	return (shaper_count(e, ms));
}

/**
 * dust_packet_count(e, ms):
 * Return the number of packets to send for the ${ms} milliseconds elapsed
 * since the last call (command 0x00): dust_packet_count_us of ${ms} * 1000.
 */
uint16_t
dust_packet_count(struct dust_engine * e, uint16_t ms)
{

	return (dust_packet_count_us(e, (uint32_t)ms * 1000));
}

/**
 * dust_encoded_ready(e):
 * Return the length of the next packet to send, drawn from the model
 * whatever data is queued (command 0x01).  In conversation mode: the
 * length of the next due step, or 0 if no step is due.
 */
uint16_t
dust_encoded_ready(struct dust_engine * e)
{

	size_t n;

	if (e->wire != NULL) {
		/* A flight longer than a packet is refused at load. */
		n = fmtwire_ready(e->wire);
		return (n > 65535 ? 0 : (uint16_t)n);
	}
	if (e->convs != NULL)
		return (dust_convsched_length(&e->cs));
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

	if (e->wire != NULL) {
		/* A record is made whole or not at all. */
		if (fmtwire_ready(e->wire) != len ||
		    fmtwire_get(e->wire, buf) != len)
			memset(buf, 0, len);
		e->produced += len;
		return;
	}
	if (e->convs != NULL)
		fit_records(e);
	seattle_pad_room(e->s, (size_t)(len * e->pad_ratio));
	dust_shaper_produce(&e->shaper, buf, len);
	e->produced += len;
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

	if (e->wire != NULL) {
		if (fmtwire_put(e->wire, buf, len))
			e->nomem = 1;
		return (e->nomem ? -1 : 0);
	}
	/* A de-shaping error is sticky: the input is then ignored. */
	if (dust_deshaper_consume(&e->deshaper, buf, len) &&
	    e->failure[0] == '\0')
		snprintf(e->failure, sizeof(e->failure), "shaping: %s",
		    dust_deshaper_error(&e->deshaper));
	if (e->convs != NULL) {
		try_seed(e);
		dust_convsched_received(&e->cs, len);
		cover_draw(e);
	}
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
