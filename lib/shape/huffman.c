#include <stdint.h>
#include <string.h>

#include "huffman.h"

/*
 * An entry of the shaper's fast table (struct dust_huff_code, fast), for
 * the next DUST_HUFF_FASTBITS bits: the bits to skip (lowest: a shift by
 * the entry is a shift by them), the byte of the first codeword (whole in
 * the index), and how many codewords are skipped: two if the index's bits
 * also tell the length of the second one, and that length is at most
 * DUST_HUFF_FASTBITS (its byte is then the first of the entry where it
 * starts: the shaper reads it apart, off the chain of bit positions), else
 * one.  Then where the second starts (0: one codeword).  An entry of 0:
 * the first codeword is longer than the index.
 */
#define FAST_BITS(e)	((e) & 0x3f)
#define FAST_BYTE(e)	((uint8_t)((e) >> 8))
#define FAST_COUNT(e)	(((e) >> 24) & 0x3)
#define FAST_SECOND(e)	((e) >> 28)

/* The de-shaper's entry of a byte not in the code (struct field put). */
#define PUT_BAD		(1U << 31)

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

/*
 * fast_entry(b, second, bits, count): return the fast table's entry of the
 * byte ${b} and ${count} codewords (1 or 2) of ${bits} bits together, the
 * second starting at bit ${second} (0 if one).
 */
static uint32_t
fast_entry(unsigned int b, unsigned int second, unsigned int bits,
    unsigned int count)
{

	return ((uint32_t)bits | (uint32_t)b << 8 | (uint32_t)count << 24 |
	    (uint32_t)second << 28);
}

/*
 * fast_fill(c): fill the fast table of ${c} from its 16-bit table.  A
 * codeword that fits in DUST_HUFF_FASTBITS bits is read the same from the
 * index's bits followed by zeros: whatever follows it does not matter.
 * The length of the next one is told by fewer bits: the code is canonical,
 * so lengths grow with the (left-aligned) bits, and the length is known if
 * the index's bits followed by zeros and by ones give the same.
 */
static void
fast_fill(struct dust_huff_code * c)
{
	const unsigned int k = DUST_HUFF_FASTBITS;
	unsigned int i, rest, e1, l1, lo, hi;

	for (i = 0; i < (1U << k); i++) {
		e1 = c->table[i << (DUST_HUFF_MAXLEN - k)];
		if ((l1 = e1 >> 8) > k) {
			c->fast[i] = 0;
			continue;
		}
		/* The bits after the first codeword, left-aligned in 16. */
		rest = ((i << l1) & ((1U << k) - 1)) << (DUST_HUFF_MAXLEN - k);
		lo = c->table[rest] >> 8;
		hi = c->table[rest | ((1U << (DUST_HUFF_MAXLEN - k + l1)) - 1)]
		    >> 8;
		if (lo == hi && lo <= k)
			c->fast[i] = fast_entry(e1 & 0xff, l1, l1 + lo, 2);
		else
			c->fast[i] = fast_entry(e1 & 0xff, 0, l1, 1);
	}
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
	fast_fill(c);

	/* The de-shaper's view, and the shortest codeword. */
	c->minlen = DUST_HUFF_MAXLEN;
	for (i = 0; i < 256; i++) {
		if ((l = c->len[i]) == 0) {
			c->put[i] = PUT_BAD;
			continue;
		}
		c->put[i] = c->code[i] | (uint32_t)l << 16;
		if (l < c->minlen)
			c->minlen = l;
	}
	return (0);
}

/* get_be64(p): return the 8 bytes at ${p}, most significant first. */
static inline uint64_t
get_be64(const uint8_t * p)
{

	return ((uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	    (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
	    (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	    (uint64_t)p[6] << 8 | (uint64_t)p[7]);
}

/* put_be64(p, x): store ${x} at ${p}, most significant byte first. */
static inline void
put_be64(uint8_t * p, uint64_t x)
{

	p[0] = (uint8_t)(x >> 56);
	p[1] = (uint8_t)(x >> 48);
	p[2] = (uint8_t)(x >> 40);
	p[3] = (uint8_t)(x >> 32);
	p[4] = (uint8_t)(x >> 24);
	p[5] = (uint8_t)(x >> 16);
	p[6] = (uint8_t)(x >> 8);
	p[7] = (uint8_t)x;
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

/*
 * How many bytes are pulled, and when.  The coder used to pull before each
 * codeword, whenever it held fewer than 16 bits, as many whole bytes as
 * brought it to 56..63 bits: with the codeword starting at bit ${at} of
 * the stream, bytes up to that of ${at} plus 8.  What the stream holds
 * depends on when it is pulled (Seattle makes padding records when asked,
 * sized to the packet; include/dust/engine.h), so a call still pulls
 * exactly those bytes by the time it returns, but it pulls them in larger
 * pieces: the ${m} bytes still to make start at least minlen bits apart,
 * and at the last one's start the rule has pulled at least 16 bits past
 * it, so that many are sure to be pulled by the end of the call anyway.
 */

/* Bytes of the stream a shape call keeps at once, at most. */
#define PULLMAX		2048

/*
 * The stream bits of a shape call: the bytes held from the last call and
 * those pulled since, from a byte boundary of the stream.  Bit positions
 * are counted from the first bit of b[0].
 */
struct pulled {
	uint8_t b[PULLMAX + 16];	/* And 16 to read words past have. */
	size_t have;		/* Bytes pulled into b. */
	uint64_t used;		/* Bits of b made into codewords. */
	uint64_t due;		/* 8 * the bytes the old rule had pulled. */
};

/*
 * due_at(due, at): return the new ${due} after the old rule's check before
 * a codeword starting at bit ${at}.
 */
static inline uint64_t
due_at(uint64_t due, uint64_t at)
{

	return (at + 16 > due ? (at & ~(uint64_t)7) + 64 : due);
}

/*
 * held_in(s, p): start ${p} with the bits ${s} holds from its last call,
 * which end on the last byte pulled.
 */
static void
held_in(const struct dust_huff_shaper * s, struct pulled * p)
{
	unsigned int nbytes = (s->nbits + 7) / 8, i;

	for (i = 0; i < nbytes; i++)
		p->b[i] = (uint8_t)(s->acc >> (8 * (nbytes - 1 - i)));
	memset(p->b + nbytes, 0, 16);
	p->have = nbytes;
	p->used = 8 * nbytes - s->nbits;
	p->due = 8 * nbytes;
}

/*
 * held_out(s, p): keep in ${s} the bits of ${p} not used (all of it
 * pulled: fewer than 64 bits, so at most 8 bytes of b hold them).
 */
static void
held_out(struct dust_huff_shaper * s, const struct pulled * p)
{
	size_t i;

	s->nbits = (unsigned int)(8 * p->have - p->used);
	s->acc = 0;
	for (i = (size_t)(p->used / 8); i < p->have; i++)
		s->acc = s->acc << 8 | p->b[i];
}

/*
 * pull_to(s, p, upto): pull bytes into ${p} until it has ${upto} (as many
 * as fit, dropping the used bytes first if they must go to make room).
 */
static void
pull_to(struct dust_huff_shaper * s, struct pulled * p, uint64_t upto)
{
	size_t k;

	if (upto <= p->have)
		return;
	if (upto > PULLMAX) {
		k = (size_t)(p->used / 8);
		memmove(p->b, p->b + k, p->have - k);
		p->have -= k;
		p->used -= 8 * k;
		p->due -= 8 * k;
		upto -= k;
		if (upto > PULLMAX)
			upto = PULLMAX;
	}
	k = (size_t)upto - p->have;
	s->pull(s->ctx, p->b + p->have, k);
	s->pulled += k;
	p->have += k;
	memset(p->b + p->have, 0, 16);
}

/*
 * fetch(s, p, m): pull what the call is sure to pull by its end anyway,
 * with ${m} bytes still to make (at least 1): the old rule's bytes so far,
 * or those up to 16 bits past where the last codeword starts at the
 * earliest, if more.
 */
static void
fetch(struct dust_huff_shaper * s, struct pulled * p, size_t m)
{
	uint64_t sure;

	/* Beyond what b holds it makes no difference. */
	if (m > 8 * PULLMAX)
		m = 8 * PULLMAX;
	sure = (p->used + (uint64_t)(m - 1) * s->c->minlen + 16 + 7) / 8;
	if (sure < p->due / 8)
		sure = p->due / 8;
	pull_to(s, p, sure);
}

/*
 * shape_one(c, p): make one byte from the next codeword of ${p} (its next
 * 16 bits pulled) with the 16-bit table.  Return the byte.
 */
static uint8_t
shape_one(const struct dust_huff_code * c, struct pulled * p)
{
	const uint8_t * b = p->b + p->used / 8;
	uint32_t w = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
	uint16_t e = c->table[(w >> (8 - p->used % 8)) & 0xffff];

	p->due = due_at(p->due, p->used);
	p->used += e >> 8;
	return ((uint8_t)e);
}

/*
 * The bits of a run of blocks: the top ${cnt} bits of ${w} (more below may
 * be read too), which come just before the byte at ${next}; ${used} is the
 * stream bit at the top of ${w}.  A codeword starting at ${edge} (due - 15)
 * or later is where the old rule pulled.
 */
struct window {
	uint64_t w;
	unsigned int cnt;
	const uint8_t * next;
	uint64_t used, edge;
};

/*
 * refill(v): read the bytes at v->next into ${v} below its bits, to 56..63
 * of them.  The read does not wait for the bits just used: its address is
 * known since the last refill (Fabian Giesen's "variant 4" bit reader).
 */
static inline void
refill(struct window * v)
{

	v->w |= get_be64(v->next) >> v->cnt;
	v->next += (63 - v->cnt) >> 3;
	v->cnt |= 56;
}

/*
 * shape_entry(c, v, out): make the one or two bytes of the fast table's
 * entry for the top bits of ${v} (24 or more), writing two bytes at ${out}
 * and advancing ${v}.  Return how many bytes were made.
 */
static inline size_t
shape_entry(const struct dust_huff_code * c, struct window * v,
    uint8_t * out)
{
	uint32_t e = c->fast[v->w >> (64 - DUST_HUFF_FASTBITS)];
	uint16_t t;
	uint64_t at, second;

	if (e == 0) {
		/* A codeword longer than the index: one byte, the long way. */
		t = c->table[v->w >> (64 - DUST_HUFF_MAXLEN)];
		e = fast_entry(t & 0xff, 0, t >> 8, 1);
	}
	out[0] = FAST_BYTE(e);
	/* The second codeword's byte (a wasted read if there is none). */
	out[1] = FAST_BYTE(c->fast[(v->w << FAST_SECOND(e)) >>
	    (64 - DUST_HUFF_FASTBITS)]);
	/*
	 * The old rule's check before each codeword (due_at): the first one
	 * past the edge, if any, moves it (at least 49 bits on: past the
	 * second too).
	 */
	at = v->used + FAST_SECOND(e);
	second = at >= v->edge ? (at & ~(uint64_t)7) + 64 - 15 : v->edge;
	v->edge = v->used >= v->edge ? (v->used & ~(uint64_t)7) + 64 - 15 :
	    second;
	v->w <<= FAST_BITS(e);
	v->cnt -= FAST_BITS(e);
	v->used += FAST_BITS(e);
	return (FAST_COUNT(e));
}

/*
 * shape_run(c, p, out, nblocks): make ${nblocks} blocks of 2 to 4 bytes,
 * each from two fast-table entries, at ${out} (4 * ${nblocks} bytes of
 * room; 48 bits of ${p} pulled at the start of every block: two entries
 * of up to 24 bits).  Return how many bytes were made.
 */
static size_t
shape_run(const struct dust_huff_code * c, struct pulled * p,
    uint8_t * out, size_t nblocks)
{
	struct window v;
	unsigned int skip = (unsigned int)(p->used % 8);
	size_t k = 0;

	/* From the byte of the first bit; drop the bits before it. */
	v.w = 0;
	v.cnt = 0;
	v.next = p->b + p->used / 8;
	refill(&v);
	v.w <<= skip;
	v.cnt -= skip;
	v.used = p->used;
	/* (If below 0, the first codeword is past it: ${edge} moves.) */
	v.edge = p->due > 15 ? p->due - 15 : 0;
	while (nblocks-- > 0) {
		refill(&v);
		k += shape_entry(c, &v, out + k);
		k += shape_entry(c, &v, out + k);
	}
	p->used = v.used;
	p->due = v.edge + 15;
	return (k);
}

/**
 * dust_huff_shape(s, out, n):
 * Write ${n} shaped bytes to ${out}, pulling uniform bytes as needed: by
 * the time it returns, exactly the bytes a coder pulling before each
 * codeword, whenever fewer than 16 bits are held, enough to hold 56..63
 * would have pulled, so that fewer than 64 bits (at most 7 bytes and 7
 * bits) are held between calls.  Within a call they may be pulled sooner
 * and in larger pieces, but never more than the call will use or hold.
 */
void
dust_huff_shape(struct dust_huff_shaper * s, uint8_t * out, size_t n)
{
	struct pulled p;
	uint64_t acc = s->acc, avail;
	unsigned int nbits = s->nbits;
	size_t i, nblocks;

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
	held_in(s, &p);
	for (i = 0; i < n;) {
		if (8 * p.have - p.used < 48)
			fetch(s, &p, n - i);
		/* Blocks while 4 bytes of room and 48 bits are sure. */
		avail = 8 * p.have - p.used;
		nblocks = (n - i) / 4;
		if (avail < 48)
			nblocks = 0;
		else if (nblocks > (avail - 48) / 48 + 1)
			nblocks = (size_t)((avail - 48) / 48 + 1);
		/* Else one codeword: fetch leaves 16 bits at least. */
		if (nblocks > 0)
			i += shape_run(s->c, &p, out + i, nblocks);
		else
			out[i++] = shape_one(s->c, &p);
	}
	/* The bytes the old rule had pulled by now, not all used. */
	pull_to(s, &p, p.due / 8);
	held_out(s, &p);
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
}

/* Bytes a de-shape call recovers before pushing them, at most. */
#define PUSHMAX		4096

/*
 * put_three(put, in, code, len): the codewords of the three bytes at ${in}
 * (entries of the put table ${put}) as one, in ${code} and ${len}.  Return
 * 0, or -1 (nothing stored) if one of the bytes is not in the code.  The
 * three are joined apart from the accumulator, off its dependency chain.
 */
static inline int
put_three(const uint32_t * put, const uint8_t * in, uint64_t * code,
    unsigned int * len)
{
	uint32_t e0 = put[in[0]], e1 = put[in[1]], e2 = put[in[2]];

	if ((e0 | e1 | e2) & PUT_BAD)
		return (-1);
	*code = ((uint64_t)(e0 & 0xffff) << (e1 >> 16) | (e1 & 0xffff)) <<
	    (e2 >> 16) | (e2 & 0xffff);
	*len = (e0 >> 16) + (e1 >> 16) + (e2 >> 16);
	return (0);
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
	const uint32_t * put = d->c->put;
	uint8_t out[PUSHMAX + 8];
	uint64_t acc = d->acc, code;
	unsigned int nbits = d->nbits, len;
	size_t i = 0, o = 0;
	int rc = 0;

	if (d->c->identity && nbits == 0) {
		/* Every byte is its own codeword: the bytes are the bits. */
		d->push(d->ctx, in, n);
		return (0);
	}
	while (i < n) {
		if (o > PUSHMAX - 8) {
			d->push(d->ctx, out, o);
			o = 0;
		}
		/* Three codewords (48 bits at most) or one at a time. */
		if (n - i >= 3 && put_three(put, in + i, &code, &len) == 0)
			i += 3;
		else if ((code = put[in[i]]) & PUT_BAD) {
			*bad = i;
			rc = -1;
			break;
		} else {
			len = (unsigned int)(code >> 16);
			code &= 0xffff;
			i++;
		}
		/*
		 * Fewer than 8 bits were pending: 1..55 now.  Write them all,
		 * left-aligned, 8 bytes at once; keep the whole ones.
		 */
		acc = acc << len | code;
		nbits += len;
		put_be64(out + o, acc << (64 - nbits));
		o += nbits / 8;
		nbits %= 8;
	}
	if (o > 0)
		d->push(d->ctx, out, o);
	d->acc = acc;
	d->nbits = nbits;
	return (rc);
}
