#ifndef DUST_COVER_H
#define DUST_COVER_H

#include <stddef.h>
#include <stdint.h>

/*
 * coverpipe blocks and schedule (sans-I/O: no sockets, no clocks; the
 * caller passes the time in as nanoseconds of a monotonic clock).
 *
 * Block (docs/spec.md §6.2): a 2-byte big-endian word W, then
 * block - 2 further bytes.
 *   W <= block - 2       data block: W bytes of real data, then zeros.
 *   W == COVER_EOS       end of stream: the sender will send no more
 *                        data in this direction; the rest is zeros.
 *   block - 2 < W < EOS  reserved: a protocol error (COVER_E_LENGTH).
 * The padding must be zero (COVER_E_PADDING otherwise): nothing is hidden
 * by it, and a strict check drops random input at once.
 */

#define COVER_RATE_DEFAULT	40	/* Blocks per second, each way. */
#define COVER_BLOCK_DEFAULT	1024	/* Bytes per block. */
#define COVER_BLOCK_MIN		16
#define COVER_BLOCK_MAX		65536	/* So block - 2 < COVER_EOS. */
#define COVER_RATE_MAX		100000
#define COVER_EOS		0xFFFF	/* Control word: end of stream. */

/* Errors of the unpacker (negative, named by cover_strerror). */
#define COVER_E_LENGTH		(-1)	/* Word in (block - 2, 0xFFFF). */
#define COVER_E_PADDING		(-2)	/* Non-zero byte in the padding. */
#define COVER_E_AFTER_EOS	(-3)	/* Bytes after the end-of-stream block. */
#define COVER_E_TRUNCATED	(-4)	/* Stream ended inside a block. */
#define COVER_E_NO_EOS		(-5)	/* Stream ended without end of stream. */

/* What cover_unpack found (non-negative). */
#define COVER_NEED		0	/* All input used; feed more. */
#define COVER_DATA		1	/* Real data in *data, *datalen. */
#define COVER_END		2	/* The end-of-stream block is complete. */

/**
 * cover_strerror(err):
 * Return a sentence naming the unpacker error ${err}.
 */
const char * cover_strerror(int);

/**
 * cover_pack_header(blk, block, n):
 * Complete the block ${blk} of ${block} bytes whose ${n} bytes of data
 * (n <= block - 2) are already at ${blk} + 2: write the length word and
 * zero the padding.  Return ${block}.
 */
size_t cover_pack_header(uint8_t *, size_t, size_t);

/**
 * cover_pack(blk, block, data, n):
 * Write a data block carrying ${n} <= block - 2 bytes of ${data} into
 * ${blk}.  Return ${block}.
 */
size_t cover_pack(uint8_t *, size_t, const uint8_t *, size_t);

/**
 * cover_pack_eos(blk, block):
 * Write the end-of-stream block into ${blk}.  Return ${block}.
 */
size_t cover_pack_eos(uint8_t *, size_t);

/* Streaming unpacker: accepts a stream cut anywhere. */
struct cover_unpacker {
	size_t block;		/* Block size. */
	size_t pos;		/* Bytes of the current block seen. */
	size_t len;		/* Data bytes of the current block. */
	int eos;		/* Length word was COVER_EOS. */
	int ended;		/* The end-of-stream block is complete. */
	int err;		/* Sticky error, 0 if none. */
	uint8_t hi;		/* First byte of the length word. */
};

/**
 * cover_unpack_init(u, block):
 * Start unpacking a stream of ${block}-byte blocks.
 */
void cover_unpack_init(struct cover_unpacker *, size_t);

/**
 * cover_unpack(u, in, inlen, used, data, datalen):
 * Consume input from ${in} (${inlen} bytes) until something happens; set
 * ${used} to the bytes consumed.  Return COVER_DATA with ${data} and
 * ${datalen} (> 0) pointing at real data inside ${in}; COVER_END when the
 * end-of-stream block is complete; COVER_NEED when all of ${in} is used
 * and nothing else happened; or a negative COVER_E_* error, after which
 * every call returns the same error.
 */
int cover_unpack(struct cover_unpacker *, const uint8_t *, size_t, size_t *,
    const uint8_t **, size_t *);

/**
 * cover_unpack_finish(u):
 * The stream has ended.  Return 0 if it ended cleanly after the
 * end-of-stream block, the sticky error if any, COVER_E_TRUNCATED if it
 * ended inside a block, else COVER_E_NO_EOS.
 */
int cover_unpack_finish(const struct cover_unpacker *);

/*
 * Schedule: tick k (k = 0, 1, ...) is due at start + floor(k * 1e9 / rate)
 * nanoseconds, computed exactly for every k (no accumulated error).
 * "next" is the first tick not yet taken.
 */
struct cover_sched {
	uint64_t start;		/* Time of tick 0, ns. */
	uint64_t rate;		/* Ticks per second, 1 .. 1e6. */
	uint64_t next;		/* First tick not yet taken. */
};

/**
 * cover_sched_init(s, start, rate):
 * Start a schedule of ${rate} ticks per second whose tick 0 is due at
 * ${start} ns.
 */
void cover_sched_init(struct cover_sched *, uint64_t, uint64_t);

/**
 * cover_sched_at(s, k):
 * Return the time (ns) at which tick ${k} is due.
 */
uint64_t cover_sched_at(const struct cover_sched *, uint64_t);

/**
 * cover_sched_deadline(s):
 * Return the time (ns) at which the next untaken tick is due.
 */
uint64_t cover_sched_deadline(const struct cover_sched *);

/**
 * cover_sched_due(s, now):
 * Return the number of untaken ticks due at or before ${now}.
 */
uint64_t cover_sched_due(const struct cover_sched *, uint64_t);

/**
 * cover_sched_take(s, now, max, skipped):
 * Take every tick due at or before ${now}.  Of those, the newest ${max}
 * are to be run; set ${skipped} to the number of older ones dropped (the
 * catch-up policy: after a stall, at most ${max} ticks are sent late, the
 * rest are skipped, and the schedule keeps its phase).  Return the number
 * to run.
 */
uint64_t cover_sched_take(struct cover_sched *, uint64_t, uint64_t,
    uint64_t *);

#endif /* !DUST_COVER_H */
