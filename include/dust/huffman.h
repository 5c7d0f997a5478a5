#ifndef DUST_HUFFMAN_H
#define DUST_HUFFMAN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Reverse Huffman coding (DECISIONS §3), the default content coder.
 *
 * The code is built from a model's 256 byte frequencies (integers; bytes of
 * frequency 0 are not in the code): Huffman's algorithm, always merging the
 * two nodes of smallest (weight, id), where a leaf's id is its byte value
 * and internal nodes get ids 256, 257, ... as they are made; lengths above
 * DUST_HUFF_MAXLEN are then limited (JPEG's method, ITU T.81 Annex K.3,
 * which keeps the code complete) and the code is made canonical (DEFLATE's
 * order: shorter codewords first, then by byte value), so that 256 equal
 * weights give the identity.
 *
 * Shaping (sender) reads the uniform stream most significant bit first and
 * emits the byte whose codeword comes next: output byte b then has
 * probability 2^-len(b).  Deshaping (receiver) writes each received byte's
 * codeword, recovering the bits exactly, whatever the packet boundaries.
 */

#define DUST_HUFF_MAXLEN	16

/* Where uniform bytes come from: always fills ${buf} with ${n} bytes. */
typedef void dust_pull_fn(void * ctx, uint8_t * buf, size_t n);

/* Where recovered uniform bytes go. */
typedef void dust_push_fn(void * ctx, const uint8_t * buf, size_t n);

/* A canonical code and its table (immutable; shared by connections). */
struct dust_huff_code {
	uint8_t len[256];	/* Codeword lengths; 0 = byte not in code. */
	uint16_t code[256];	/* Codewords, right-aligned. */
	/* Next DUST_HUFF_MAXLEN bits -> byte | length << 8. */
	uint16_t table[1 << DUST_HUFF_MAXLEN];
	/* Every byte is its own 8-bit codeword (equal weights): shaping
	 * and de-shaping are copies, and take the short way. */
	int identity;
};

/* Sender state. */
struct dust_huff_shaper {
	const struct dust_huff_code * c;
	dust_pull_fn * pull;
	void * ctx;
	uint64_t acc;		/* Bits not yet used are the low ${nbits}. */
	unsigned int nbits;
	uint64_t pulled;	/* Uniform bytes pulled so far. */
};

/* Receiver state. */
struct dust_huff_deshaper {
	const struct dust_huff_code * c;
	dust_push_fn * push;
	void * ctx;
	uint64_t acc;		/* Pending bits are the low ${nbits}. */
	unsigned int nbits;
	uint8_t out[256];	/* Recovered bytes not yet pushed. */
	size_t outlen;
};

/**
 * dust_huff_lengths(freq, len):
 * Compute the length-limited Huffman codeword lengths ${len} of the 256
 * frequencies ${freq} (at least two non-zero; sum below 2^32).
 */
void dust_huff_lengths(const uint32_t[256], uint8_t[256]);

/**
 * dust_huff_build(c, freq):
 * Build the canonical code and table ${c} of ${freq} (at least two
 * non-zero frequencies).  Return 0, or -1 if fewer than two are non-zero.
 */
int dust_huff_build(struct dust_huff_code *, const uint32_t[256]);

/**
 * dust_huff_shaper_init(s, c, pull, ctx):
 * Start a sender ${s} of code ${c} reading uniform bytes from ${pull}.
 */
void dust_huff_shaper_init(struct dust_huff_shaper *,
    const struct dust_huff_code *, dust_pull_fn *, void *);

/**
 * dust_huff_shape(s, out, n):
 * Write ${n} shaped bytes to ${out}, pulling uniform bytes as needed (at
 * most 7 bytes ahead of the bits used).
 */
void dust_huff_shape(struct dust_huff_shaper *, uint8_t *, size_t);

/**
 * dust_huff_deshaper_init(d, c, push, ctx):
 * Start a receiver ${d} of code ${c} handing recovered bytes to ${push}.
 */
void dust_huff_deshaper_init(struct dust_huff_deshaper *,
    const struct dust_huff_code *, dust_push_fn *, void *);

/**
 * dust_huff_deshape(d, in, n, bad):
 * Recover the uniform bits of the ${n} received bytes ${in}, pushing every
 * complete byte.  Return 0, or -1 if a byte is not in the code (its
 * offset in ${in} stored in ${bad}; the bytes before it are recovered).
 */
int dust_huff_deshape(struct dust_huff_deshaper *, const uint8_t *, size_t,
    size_t *);

#endif /* !DUST_HUFFMAN_H */
