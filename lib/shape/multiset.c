#include <math.h>
#include <stdint.h>
#include <string.h>

#include "multiset.h"

#include "arith.h"

/*
 * The counts left live in a Fenwick tree over the 256 byte values (tree[i]
 * sums the counts of the values i - (i & -i) .. i - 1), so that a
 * cumulative count, the value holding a count and a decrement each cost 8
 * steps whatever the length.
 */

/* tree_build(tree, m): the tree of the counts of ${m}. */
static void
tree_build(uint32_t tree[257], const struct dust_multiset * m)
{
	unsigned int i, j;

	tree[0] = 0;
	for (i = 1; i <= 256; i++)
		tree[i] = m->count[i - 1];
	for (i = 1; i <= 256; i++) {
		j = i + (i & -i);
		if (j <= 256)
			tree[j] += tree[i];
	}
}

/* tree_below(tree, b): the counts left of the byte values below ${b}. */
static uint32_t
tree_below(const uint32_t tree[257], unsigned int b)
{
	uint32_t sum = 0;

	for (; b > 0; b -= b & -b)
		sum += tree[b];
	return (sum);
}

/* tree_take(tree, b): take one ${b} away. */
static void
tree_take(uint32_t tree[257], unsigned int b)
{

	for (b++; b <= 256; b += b & -b)
		tree[b]--;
}

/*
 * tree_find(tree, c, lo): the byte value whose interval [lo, lo + count)
 * holds ${c} (below the total); its lo in *${lo}.
 */
static unsigned int
tree_find(const uint32_t tree[257], uint32_t c, uint32_t * lo)
{
	unsigned int pos = 0, step;
	uint32_t rem = c;

	/* The largest pos with the counts of 0 .. pos - 1 at most c. */
	for (step = 128; step > 0; step >>= 1) {
		if (tree[pos + step] <= rem) {
			pos += step;
			rem -= tree[pos];
		}
	}
	*lo = c - rem;
	return (pos);
}

/**
 * dust_multiset_capacity(m):
 * Return log2(n! / prod(c_b!)) for the counts of ${m}: the bits a
 * permutation of ${m} carries before the coder's loss.
 */
double
dust_multiset_capacity(const struct dust_multiset * m)
{
	double ln = lgamma((double)m->n + 1);
	unsigned int b;

	for (b = 0; b < 256; b++)
		ln -= lgamma((double)m->count[b] + 1);
	return (ln > 0 ? ln / log(2) : 0);
}

/**
 * dust_ms_shaper_init(s, m, pull, ctx):
 * Start a sender ${s} of permutations of ${m} (kept, not copied) reading
 * uniform bytes from ${pull}(${ctx}).
 */
void
dust_ms_shaper_init(struct dust_ms_shaper * s, const struct dust_multiset * m,
    dust_pull_fn * pull, void * ctx)
{

	s->m = m;
	tree_build(s->tree, m);
	s->left = m->n;
	arith_dec_init(&s->a, pull, ctx);
}

/**
 * dust_ms_shape(s, out, n):
 * Write the next ${n} bytes of the permutation to ${out} (${n} at most
 * the bytes left; the rest are not written).  Return the bytes written.
 */
size_t
dust_ms_shape(struct dust_ms_shaper * s, uint8_t * out, size_t n)
{
	uint32_t lo, c;
	unsigned int b;
	size_t i;

	if (n > s->left)
		n = s->left;
	for (i = 0; i < n; i++) {
		c = (uint32_t)arith_dec_count(&s->a, s->left);
		b = tree_find(s->tree, c, &lo);
		arith_dec_take(&s->a, lo, tree_below(s->tree, b + 1),
		    s->left);
		out[i] = (uint8_t)b;
		tree_take(s->tree, b);
		s->left--;
	}
	return (n);
}

/**
 * dust_ms_deshaper_init(d, m, push, ctx):
 * Start a receiver ${d} of permutations of ${m}, handing the recovered
 * uniform bytes to ${push}(${ctx}).
 */
void
dust_ms_deshaper_init(struct dust_ms_deshaper * d,
    const struct dust_multiset * m, dust_push_fn * push, void * ctx)
{

	d->m = m;
	tree_build(d->tree, m);
	d->left = m->n;
	arith_enc_init(&d->a, push, ctx);
}

/**
 * dust_ms_deshape(d, in, n, bad):
 * Recover the uniform bits behind the ${n} received bytes ${in}, pushing
 * every complete byte.  Return 0, or -1 if a byte is not among those left
 * (or the permutation is complete): its offset is stored in ${bad}, the
 * bytes before it are taken.
 */
int
dust_ms_deshape(struct dust_ms_deshaper * d, const uint8_t * in, size_t n,
    size_t * bad)
{
	uint32_t lo, hi;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		lo = tree_below(d->tree, in[i]);
		hi = tree_below(d->tree, in[i] + 1U);
		if (d->left == 0 || hi == lo) {
			*bad = i;
			rc = -1;
			break;
		}
		arith_enc_take(&d->a, lo, hi, d->left);
		tree_take(d->tree, in[i]);
		d->left--;
	}
	arith_enc_flush(&d->a);
	return (rc);
}

/**
 * dust_ms_teller_init(t):
 * Start the teller ${t} with no byte seen.
 */
void
dust_ms_teller_init(struct dust_ms_teller * t)
{

	memset(t, 0, sizeof(*t));
}

/* same_counts(count, m): are ${count} the counts of ${m}? */
static int
same_counts(const uint32_t count[256], const struct dust_multiset * m)
{
	size_t b;

	for (b = 0; b < 256; b++)
		if (count[b] != m->count[b])
			return (0);
	return (1);
}

/**
 * dust_ms_teller_add(t, list, n, b, which):
 * Count the byte ${b} in ${t}, telling among the ${n} multisets ${list}
 * (sorted by length, then counts).  Return 1 if the bytes seen are now a
 * permutation of one of them (the first, stored in ${which}), -1 if they
 * can be of none any more, else 0.  Not to be called after a non-zero
 * return.
 */
int
dust_ms_teller_add(struct dust_ms_teller * t,
    const struct dust_multiset * list, size_t n, uint8_t b,
    const struct dust_multiset ** which)
{

	t->count[b]++;
	t->len++;
	/* The candidates shorter than what has been seen are out. */
	for (; t->next < n && list[t->next].n <= t->len; t->next++) {
		if (list[t->next].n == t->len &&
		    same_counts(t->count, &list[t->next])) {
			*which = &list[t->next];
			return (1);
		}
	}
	return (t->next == n ? -1 : 0);
}
