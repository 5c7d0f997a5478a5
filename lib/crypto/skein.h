#ifndef DUST_SKEIN_H
#define DUST_SKEIN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Skein-256 (Skein 1.3: Threefish-256 in UBI chaining), in the three forms
 * Dust uses: the hash with any output length, Skein-MAC (a Key UBI block
 * before the Config block), and the stream-cipher form of docs/spec.md §2.2.
 * Known answers: tests/vectors/skein256.txt.
 */

#define SKEIN256_BLOCK_BYTES	32

struct skein256_ctx {
	uint64_t h[4];		/* Chaining value. */
	uint64_t tweak[2];	/* Tweak of the Message UBI under way. */
	uint8_t buf[32];	/* Bytes not yet processed (a whole last
				   block is kept back: it may be final). */
	size_t buflen;
	uint64_t outlen;	/* Output bytes asked for. */
};

/**
 * skein256_init(ctx, outlen):
 * Start a plain Skein-256 hash with ${outlen} bytes of output.
 */
void skein256_init(struct skein256_ctx *, size_t);

/**
 * skein256_init_mac(ctx, key, keylen, outlen):
 * Start Skein-MAC-256 keyed with ${key} (any length), ${outlen} output
 * bytes.
 */
void skein256_init_mac(struct skein256_ctx *, const uint8_t *, size_t,
    size_t);

/**
 * skein256_update(ctx, msg, len):
 * Absorb ${len} bytes of message.
 */
void skein256_update(struct skein256_ctx *, const uint8_t *, size_t);

/**
 * skein256_final(ctx, out):
 * Finish and write the output (as many bytes as init asked for) to ${out}.
 * The context is wiped.
 */
void skein256_final(struct skein256_ctx *, uint8_t *);

/**
 * skein256_mac8(start, msg, len, out):
 * Eight Skein-MAC-256 codes at once: each continues the keyed context
 * ${start} (nothing absorbed yet, 32 output bytes) over the ${len} (>= 1)
 * bytes at msg[j] and writes its 32-byte code to out[j], as
 * skein256_update and skein256_final on a copy of ${start} would.  Return
 * 1, or 0 (nothing written) if the CPU has no 8-lane vectors or ${start}
 * is not such a context: the caller then makes them one by one.
 */
int skein256_mac8(const struct skein256_ctx *, const uint8_t * const[8],
    size_t, uint8_t * const[8]);

/**
 * skein256_hash(out, outlen, msg, len):
 * One-shot Skein-256 of ${msg} with ${outlen} bytes of output.
 */
void skein256_hash(uint8_t *, size_t, const uint8_t *, size_t);

/**
 * skein256_mac(out, key, keylen, msg, len):
 * One-shot Skein-MAC-256-256 of ${msg} under ${key}: 32 bytes to ${out}.
 */
void skein256_mac(uint8_t[32], const uint8_t *, size_t, const uint8_t *,
    size_t);

/*
 * Stream cipher (docs/spec.md §2.2): G = UBI(Key: K) -> UBI(Config: output
 * length 2^64-1 bits) -> UBI(Nonce: IV) -> UBI(Message: empty); keystream
 * block i is the 32-byte Output UBI of G over i (8 bytes little-endian).
 * The keystream runs on across calls.
 */
struct skein256_stream {
	uint64_t g[4];		/* Chaining value after the Message UBI. */
	uint64_t counter;	/* Next keystream block number. */
	uint8_t block[32];	/* Current keystream block. */
	size_t used;		/* Bytes of ${block} already used. */
};

/**
 * skein256_stream_init(s, key, iv):
 * Key the stream ${s} with the 32-byte ${key} and 32-byte ${iv}.
 */
void skein256_stream_init(struct skein256_stream *, const uint8_t[32],
    const uint8_t[32]);

/**
 * skein256_stream_xor(s, out, in, len):
 * XOR ${len} bytes of ${in} with the next keystream bytes into ${out}
 * (${out} may equal ${in}).
 */
void skein256_stream_xor(struct skein256_stream *, uint8_t *,
    const uint8_t *, size_t);

/**
 * skein256_stream_wipe(s):
 * Wipe the key material held in the stream ${s}.
 */
void skein256_stream_wipe(struct skein256_stream *);

#endif /* !DUST_SKEIN_H */
