#ifndef DUST_FORMAT_WIRE_H
#define DUST_FORMAT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "dust/rng.h"

#include "format.h"

struct seattle;

/*
 * A format on the wire, whichever protocol it is (docs/protocol.md, "The
 * formats on the wire"): the engine's one interface to tlswire.c (TLS
 * 1.3) and the other protocols' framings, which all have these functions
 * with their own prefix.  Sans I/O: bytes in, bytes out.
 */

/* Where a side stands. */
enum fmtwire_state {
	FMTWIRE_OK = 0,			/* Handshaking or carrying data. */
	FMTWIRE_UNAUTHENTICATED,	/* Server: the first flight is not
					   a client's: hand it over. */
	FMTWIRE_FAILED			/* Framing broken: the protocol's
					   last words, then close. */
};

/*
 * A side of a connection: each protocol's struct begins with this one,
 * whose ops are that protocol's functions (tlswire.c).
 */
struct fmtwire;
struct fmtwire_ops {
	size_t (*ready)(struct fmtwire *);
	size_t (*get)(struct fmtwire *, uint8_t *);
	/* Consume the start of ${len} peer bytes: the count, or SIZE_MAX
	   on ENOMEM (fmtwire_put calls it until all are taken). */
	size_t (*take)(struct fmtwire *, const uint8_t *, size_t);
	/* Go off the format (fmtwire_fail, and what the protocol does). */
	void (*fail)(struct fmtwire *, enum fmtwire_state, const char *);
	int (*hello_out)(const struct fmtwire *);
	int (*done)(const struct fmtwire *);
	void (*destroy)(struct fmtwire *);
};
struct fmtwire {
	const struct fmtwire_ops * ops;
	struct seattle * s;		/* The session it carries. */
	enum fmtwire_state state;
	char why[160];		/* Why, if not FMTWIRE_OK (fmtwire_fail). */
};

/**
 * fmtwire_new(f, server, s, rng):
 * Create one side (a server if ${server}) of a connection in the format
 * ${f} over the Seattle session ${s} (made with the _points constructors;
 * both must outlive it), drawing the values of its random fields from
 * ${rng}.  Return NULL on error.
 */
struct fmtwire * fmtwire_new(const struct dust_format *, int,
    struct seattle *, const struct dust_rng *);

/**
 * fmtwire_greeting(f, len):
 * Return what a server of the format ${f} sends at accept, before any
 * byte of the client (an SSH server's identification line, the captured
 * one: the same bytes on every connection), with its length in *${len};
 * or NULL with *${len} 0 if the client speaks first (TLS).
 */
const uint8_t * fmtwire_greeting(const struct dust_format *, size_t *);

/**
 * fmtwire_ready(w):
 * Return the length of what ${w} has to send now (a flight, or one
 * record or packet), or 0 if nothing.
 */
size_t fmtwire_ready(struct fmtwire *);

/**
 * fmtwire_get(w, buf):
 * Write what fmtwire_ready said (exactly that many bytes) to ${buf}.
 * Return the number of bytes written.
 */
size_t fmtwire_get(struct fmtwire *, uint8_t *);

/**
 * fmtwire_put(w, buf, len):
 * Take ${len} bytes from the peer.  Return 0, or -1 on ENOMEM; bytes that
 * break the format change the state, not the return.
 */
int fmtwire_put(struct fmtwire *, const uint8_t *, size_t);

/**
 * fmtwire_state(w):
 * Return where ${w} stands.
 */
enum fmtwire_state fmtwire_state(const struct fmtwire *);

/**
 * fmtwire_failure(w):
 * Return why ${w} is unauthenticated or failed (for logs), or NULL.
 */
const char * fmtwire_failure(const struct fmtwire *);

/**
 * fmtwire_hello_out(w):
 * Return 1 once a client has made its first flight (its key and mark are
 * on their way), or on a server; else 0.
 */
int fmtwire_hello_out(const struct fmtwire *);

/**
 * fmtwire_done(w):
 * Return 1 once a failed side has made its last words: the program
 * closes.
 */
int fmtwire_done(const struct fmtwire *);

/**
 * fmtwire_fail(w, state, proto, why):
 * A protocol's framing found ${w} off the format: set its state to
 * ${state}, and the reason "${proto} format: ${why}".  Return 1, or 0 if
 * it was not FMTWIRE_OK already (the first reason stays).
 */
int fmtwire_fail(struct fmtwire *, enum fmtwire_state, const char *,
    const char *);

/**
 * fmtwire_free(w):
 * Wipe and free ${w} (NULL is fine).
 */
void fmtwire_free(struct fmtwire *);

#endif /* !DUST_FORMAT_WIRE_H */
