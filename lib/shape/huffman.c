#include <stdint.h>
#include <string.h>

#include "dust/huffman.h"

/**
 * dust_huff_lengths(freq, len):
 * Compute the length-limited Huffman codeword lengths ${len} of the 256
 * frequencies ${freq} (at least two non-zero; sum below 2^32).
 */
void
dust_huff_lengths(const uint32_t freq[256], uint8_t len[256])
{
	uint64_t w[511];
	int parent[511], alive[511];
	unsigned int count[64];
	unsigned int depth, i, nnodes, a, b, k, l, maxlen, j;
	int order[256], norder;

	memset(len, 0, 256);
	memset(alive, 0, sizeof(alive));
	for (i = 0; i < 256; i++) {
		w[i] = freq[i];
		parent[i] = -1;
		alive[i] = (freq[i] > 0);
	}

	/*
	 * Huffman's algorithm: merge the two live nodes of smallest (weight,
	 * id) until one is left.  Node ids are array indices: leaves 0..255
	 * (the byte), internal nodes 256, 257, ... in the order made.  The
	 * first one taken is the smaller; which child is which does not
	 * matter, only the depths are kept.  256 symbols: O(n^2) is cheap.
	 */
	for (nnodes = 256;; nnodes++) {
		a = b = 511;
		for (i = 0; i < nnodes; i++) {
			if (!alive[i])
				continue;
			if (a == 511 || w[i] < w[a]) {
				b = a;
				a = i;
			} else if (b == 511 || w[i] < w[b])
				b = i;
		}
		if (b == 511)
			break;
		w[nnodes] = w[a] + w[b];
		parent[nnodes] = -1;
		alive[nnodes] = 1;
		alive[a] = alive[b] = 0;
		parent[a] = parent[b] = (int)nnodes;
	}

	/* Depths of the leaves, and how many at each depth. */
	memset(count, 0, sizeof(count));
	maxlen = 0;
	for (i = 0; i < 256; i++) {
		if (freq[i] == 0)
			continue;
		for (depth = 0, k = i; parent[k] != -1; k = (unsigned)parent[k])
			depth++;
		len[i] = (uint8_t)depth;
		count[depth]++;
		if (depth > maxlen)
			maxlen = depth;
	}
	if (maxlen <= DUST_HUFF_MAXLEN)
		return;

	/*
	 * Limit the lengths (ITU T.81 Annex K.3, Adjust_BITS): take two
	 * codewords of the deepest level i; one of them moves up to i - 1,
	 * the other becomes the sibling of a codeword at the deepest level
	 * j < i - 1 still in use, which moves down to j + 1.  The Kraft sum
	 * stays 1, so the code stays complete.
	 */
	for (i = maxlen; i > DUST_HUFF_MAXLEN; i--) {
		while (count[i] > 0) {
			j = i - 2;
			while (count[j] == 0)
				j--;
			count[i] -= 2;
			count[i - 1] += 1;
			count[j + 1] += 2;
			count[j] -= 1;
		}
	}

	/*
	 * Give the new lengths, shortest first, to the symbols in order of
	 * their Huffman length, ties by byte value: the likelier a byte, the
	 * shorter its codeword still.
	 */
	norder = 0;
	for (l = 1; l <= maxlen; l++)
		for (i = 0; i < 256; i++)
			if (freq[i] > 0 && len[i] == l)
				order[norder++] = (int)i;
	for (l = 1, k = 0; l <= DUST_HUFF_MAXLEN; l++)
		for (j = 0; j < count[l]; j++)
			len[order[k++]] = (uint8_t)l;
}

/**
 * dust_huff_build(c, freq):
 * Build the canonical code and table ${c} of ${freq} (at least two
 * non-zero frequencies).  Return 0, or -1 if fewer than two are non-zero.
 */
int
dust_huff_build(struct dust_huff_code * c, const uint32_t freq[256])
{
	unsigned int count[DUST_HUFF_MAXLEN + 1], next[DUST_HUFF_MAXLEN + 1];
	unsigned int i, l, nz = 0, code;
	uint32_t first, last, e;

	for (i = 0; i < 256; i++)
		nz += (freq[i] > 0);
	if (nz < 2)
		return (-1);
	dust_huff_lengths(freq, c->len);

	/* Canonical codewords (RFC 1951, 3.2.2). */
	memset(count, 0, sizeof(count));
	for (i = 0; i < 256; i++)
		count[c->len[i]]++;
	count[0] = 0;
	code = 0;
	for (l = 1; l <= DUST_HUFF_MAXLEN; l++) {
		code = (code + count[l - 1]) << 1;
		next[l] = code;
	}
	for (i = 0; i < 256; i++) {
		if (c->len[i] == 0) {
			c->code[i] = 0;
			continue;
		}
		c->code[i] = (uint16_t)next[c->len[i]]++;
	}
	c->identity = 1;
	for (i = 0; i < 256; i++)
		c->identity &= (c->len[i] == 8 && c->code[i] == i);

	/* Every DUST_HUFF_MAXLEN-bit window starting with a codeword. */
	for (i = 0; i < 256; i++) {
		if ((l = c->len[i]) == 0)
			continue;
		first = (uint32_t)c->code[i] << (DUST_HUFF_MAXLEN - l);
		last = first + (1U << (DUST_HUFF_MAXLEN - l));
		for (e = first; e < last; e++)
			c->table[e] = (uint16_t)(i | l << 8);
	}
	return (0);
}

/**
 * dust_huff_shaper_init(s, c, pull, ctx):
 * Start a sender ${s} of code ${c} reading uniform bytes from ${pull}.
 */
void
dust_huff_shaper_init(struct dust_huff_shaper * s,
    const struct dust_huff_code * c, dust_pull_fn * pull, void * ctx)
{

	s->c = c;
	s->pull = pull;
	s->ctx = ctx;
	s->acc = 0;
	s->nbits = 0;
	s->pulled = 0;
}

/**
 * dust_huff_shape(s, out, n):
 * Write ${n} shaped bytes to ${out}, pulling uniform bytes as needed (at
 * most 7 bytes ahead of the bits used).
 */
void
dust_huff_shape(struct dust_huff_shaper * s, uint8_t * out, size_t n)
{
	const uint16_t * table = s->c->table;
	uint64_t acc = s->acc;
	unsigned int nbits = s->nbits, k, e;
	uint8_t buf[8];
	size_t i;

	if (s->c->identity) {
		/* The same bytes the table would give: those already pulled,
		 * then the stream itself. */
		for (i = 0; i < n && nbits >= 8; i++) {
			nbits -= 8;
			out[i] = (uint8_t)(acc >> nbits);
		}
		s->acc = acc;
		s->nbits = nbits;
		if (i < n) {
			s->pull(s->ctx, out + i, n - i);
			s->pulled += n - i;
		}
		return;
	}
	for (i = 0; i < n; i++) {
		if (nbits < DUST_HUFF_MAXLEN) {
			/* Top up to 56..63 bits. */
			k = (64 - nbits) / 8;
			s->pull(s->ctx, buf, k);
			s->pulled += k;
			for (e = 0; e < k; e++)
				acc = (acc << 8) | buf[e];
			nbits += 8 * k;
		}
		e = table[(acc >> (nbits - DUST_HUFF_MAXLEN)) &
		    ((1U << DUST_HUFF_MAXLEN) - 1)];
		out[i] = (uint8_t)e;
		nbits -= e >> 8;
	}
	s->acc = acc;
	s->nbits = nbits;
}

/**
 * dust_huff_deshaper_init(d, c, push, ctx):
 * Start a receiver ${d} of code ${c} handing recovered bytes to ${push}.
 */
void
dust_huff_deshaper_init(struct dust_huff_deshaper * d,
    const struct dust_huff_code * c, dust_push_fn * push, void * ctx)
{

	d->c = c;
	d->push = push;
	d->ctx = ctx;
	d->acc = 0;
	d->nbits = 0;
	d->outlen = 0;
}

/**
 * dust_huff_deshape(d, in, n, bad):
 * Recover the uniform bits of the ${n} received bytes ${in}, pushing every
 * complete byte.  Return 0, or -1 if a byte is not in the code (its
 * offset in ${in} stored in ${bad}; the bytes before it are recovered).
 */
int
dust_huff_deshape(struct dust_huff_deshaper * d, const uint8_t * in,
    size_t n, size_t * bad)
{
	const struct dust_huff_code * c = d->c;
	uint64_t acc = d->acc;
	unsigned int nbits = d->nbits, l;
	size_t i;
	int rc = 0;

	if (c->identity && nbits == 0) {
		/* Every byte is its own codeword: the bytes are the bits. */
		d->push(d->ctx, in, n);
		return (0);
	}
	for (i = 0; i < n; i++) {
		if ((l = c->len[in[i]]) == 0) {
			*bad = i;
			rc = -1;
			break;
		}
		/* nbits < 8 here, so 8 + 16 bits fit. */
		acc = (acc << l) | c->code[in[i]];
		nbits += l;
		while (nbits >= 8) {
			nbits -= 8;
			d->out[d->outlen++] = (uint8_t)(acc >> nbits);
			if (d->outlen == sizeof(d->out)) {
				d->push(d->ctx, d->out, d->outlen);
				d->outlen = 0;
			}
		}
	}
	d->acc = acc;
	d->nbits = nbits;
	if (d->outlen > 0) {
		d->push(d->ctx, d->out, d->outlen);
		d->outlen = 0;
	}
	return (rc);
}
