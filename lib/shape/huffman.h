#ifndef DUST_HUFFMAN_H
#define DUST_HUFFMAN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Reverse Huffman coding (docs/spec.md §3.3), the default content coder.
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

/* Bits of the shaper's multi-codeword table index (12: 16 KiB, in L1). */
#define DUST_HUFF_FASTBITS	12

/* A canonical code and its tables (immutable; shared by connections). */
struct dust_huff_code {
	uint8_t len[256];	/* Codeword lengths; 0 = byte not in code. */
	uint16_t code[256];	/* Codewords, right-aligned. */
	/* Next DUST_HUFF_MAXLEN bits -> byte | length << 8. */
	uint16_t table[1 << DUST_HUFF_MAXLEN];
	/*
	 * Next DUST_HUFF_FASTBITS bits -> the first codeword they begin
	 * with, and the length of the next if they tell it (the shaper's
	 * fast path; layout in huffman.c), or 0 if the first is longer.
	 */
	uint32_t fast[1 << DUST_HUFF_FASTBITS];
	/* Byte -> codeword | length << 16 (the de-shaper's), or 1 << 31
	 * if the byte is not in the code. */
	uint32_t put[256];
	unsigned int minlen;	/* Shortest codeword length. */
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
	unsigned int nbits;	/* (< 64 between calls). */
	uint64_t pulled;	/* Uniform bytes pulled so far. */
};

/* Receiver state. */
struct dust_huff_deshaper {
	const struct dust_huff_code * c;
	dust_push_fn * push;
	void * ctx;
	uint64_t acc;		/* Pending bits are the low ${nbits} (< 8). */
	unsigned int nbits;
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
 * Write ${n} shaped bytes to ${out}, pulling uniform bytes as needed: by
 * the time it returns, exactly the bytes a coder pulling before each
 * codeword, whenever fewer than 16 bits are held, enough to hold 56..63
 * would have pulled, so that fewer than 64 bits (at most 7 bytes and 7
 * bits) are held between calls.  Within a call they may be pulled sooner
 * and in larger pieces, but never more than the call will use or hold.
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
