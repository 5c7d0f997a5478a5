#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/dist.h"
#include "dust/rng.h"

/* Rejection sampling gives up after this many draws (see dust_dist_sample). */
#define MAXTRIES	100000

/**
 * dust_rng_unit(rng):
 * Return a uniform double in [0, 1) with 53 random bits from ${rng}.
 */
double
dust_rng_unit(const struct dust_rng * rng)
{
	uint8_t b[8];
	uint64_t v = 0;
	int i;

	dust_rng_fill(rng, b, sizeof(b));
	for (i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	return ((double)(v >> 11) * 0x1p-53);
}

/* log P(X = k) for X ~ Poisson(lambda), k >= 0. */
static double
poisson_logpmf(double lambda, double k)
{

	return (k * log(lambda) - lambda - lgamma(k + 1));
}

/*
 * Untruncated P(X <= k) of a Poisson(lambda): the sum of the pmf over
 * lambda +- (40 sqrt(lambda) + 40), outside which the terms are below
 * 1e-300 and do not count.
 */
static double
poisson_cdf(double lambda, int64_t k)
{
	double lo, hi, j, sum = 0;

	if (k < 0)
		return (0);
	lo = floor(lambda - 40 * sqrt(lambda) - 40);
	if (lo < 0)
		lo = 0;
	hi = ceil(lambda + 40 * sqrt(lambda) + 40);
	if ((double)k < hi)
		hi = (double)k;
	for (j = lo; j <= hi; j++)
		sum += exp(poisson_logpmf(lambda, j));
	return (sum > 1 ? 1 : sum);
}

/* Untruncated P(X <= k) of the continuous families, rounded to integers. */
static double
raw_cdf(const struct dust_dist * d, int64_t k)
{
	double x = (double)k + 0.5;

	switch (d->family) {
	case DUST_DIST_NORMAL:
		return (0.5 * erfc(-(x - d->mean) / (d->sigma * sqrt(2.0))));
	case DUST_DIST_EXPONENTIAL:
		return (x <= 0 ? 0 : -expm1(-x / d->mean));
	case DUST_DIST_POISSON:
		return (poisson_cdf(d->mean, k));
	default:
		return (0);
	}
}

/* Sort helper for the empirical points. */
struct point {
	int64_t v;
	double w;
};

/* point_cmp(a, b): order points by value, for qsort. */
static int
point_cmp(const void * a, const void * b)
{
	const struct point * x = a, * y = b;

	return ((x->v > y->v) - (x->v < y->v));
}

/**
 * dust_dist_prepare(d):
 * Compute ${d}->below and ${d}->mass from the family's parameters and
 * [min, max] (empirical: sort and merge the points, whose weights are in
 * ${d}->cum on entry).  Return 0, or -1 if the truncation keeps less than
 * DUST_DIST_MINMASS of the distribution.
 */
int
dust_dist_prepare(struct dust_dist * d)
{
	struct point * p;
	size_t i, n;
	double total = 0, run = 0;

	switch (d->family) {
	case DUST_DIST_FIXED:
	case DUST_DIST_UNIFORM:
		d->below = 0;
		d->mass = 1;
		return (0);
	case DUST_DIST_EMPIRICAL:
		if ((p = malloc(d->npoints * sizeof(*p))) == NULL)
			return (-1);
		for (i = 0; i < d->npoints; i++) {
			p[i].v = d->values[i];
			p[i].w = d->cum[i];
			total += d->cum[i];
		}
		qsort(p, d->npoints, sizeof(*p), point_cmp);
		/* Merge equal values; drop zero weights. */
		for (i = n = 0; i < d->npoints; i++) {
			if (p[i].w == 0)
				continue;
			if (n > 0 && d->values[n - 1] == p[i].v) {
				run += p[i].w;
				d->cum[n - 1] = run / total;
				continue;
			}
			run += p[i].w;
			d->values[n] = p[i].v;
			d->cum[n] = run / total;
			n++;
		}
		free(p);
		if (n == 0)
			return (-1);
		d->cum[n - 1] = 1;
		d->npoints = n;
		d->min = d->values[0];
		d->max = d->values[n - 1];
		d->below = 0;
		d->mass = 1;
		return (0);
	default:
		d->below = raw_cdf(d, d->min - 1);
		d->mass = raw_cdf(d, d->max) - d->below;
		return ((d->mass >= DUST_DIST_MINMASS) ? 0 : -1);
	}
}

/* A Poisson(lambda) sample: inversion, enumerating outwards from the mode. */
static int64_t
poisson_sample(double lambda, const struct dust_rng * rng)
{
	double u = dust_rng_unit(rng);
	double m = floor(lambda);
	double pm = exp(poisson_logpmf(lambda, m));
	double plo = pm, phi = pm, acc = pm, lo = m, hi = m;
	double steps = 0, maxsteps = 50 * sqrt(lambda) + 100;

	if (u < acc)
		return ((int64_t)m);
	while (steps++ < maxsteps) {
		hi++;
		phi *= lambda / hi;
		acc += phi;
		if (u < acc)
			return ((int64_t)hi);
		if (lo > 0) {
			plo *= lo / lambda;
			lo--;
			acc += plo;
			if (u < acc)
				return ((int64_t)lo);
		}
	}
	/* u fell in the rounding error of the sum (below 1e-12): the mode. */
	return ((int64_t)m);
}

/* One untruncated draw of a continuous family, as a double (rounded). */
static double
raw_sample(const struct dust_dist * d, const struct dust_rng * rng)
{
	double u1, u2;

	switch (d->family) {
	case DUST_DIST_NORMAL:
		/* Box-Muller; u1 in (0, 1] so that log is finite. */
		u1 = 1 - dust_rng_unit(rng);
		u2 = dust_rng_unit(rng);
		return (floor(d->mean + d->sigma * sqrt(-2 * log(u1)) *
		    cos(2 * M_PI * u2) + 0.5));
	case DUST_DIST_EXPONENTIAL:
		u1 = 1 - dust_rng_unit(rng);
		return (floor(-d->mean * log(u1) + 0.5));
	case DUST_DIST_POISSON:
		return ((double)poisson_sample(d->mean, rng));
	default:
		return (0);
	}
}

/**
 * dust_dist_sample(d, rng):
 * Return a sample of ${d} drawn with ${rng} (NULL: randombytes_buf).
 */
int64_t
dust_dist_sample(const struct dust_dist * d, const struct dust_rng * rng)
{
	double x = 0, u;
	size_t lo, hi, mid;
	int tries;

	switch (d->family) {
	case DUST_DIST_FIXED:
		return (d->min);
	case DUST_DIST_UNIFORM:
		/* Ranges are below 2^32 (the loader's bounds). */
		return (d->min + (int64_t)dust_rng_uniform(rng,
		    (uint32_t)(d->max - d->min + 1)));
	case DUST_DIST_EMPIRICAL:
		u = dust_rng_unit(rng);
		/* The first point whose cumulative probability exceeds u. */
		lo = 0;
		hi = d->npoints - 1;
		while (lo < hi) {
			mid = (lo + hi) / 2;
			if (d->cum[mid] > u)
				hi = mid;
			else
				lo = mid + 1;
		}
		return (d->values[lo]);
	default:
		/*
		 * Rejection: the loader guarantees mass >= DUST_DIST_MINMASS,
		 * so MAXTRIES draws all fail with probability below
		 * 0.99^100000 = 1e-436; then the nearer bound is returned.
		 */
		for (tries = 0; tries < MAXTRIES; tries++) {
			x = raw_sample(d, rng);
			if (x >= (double)d->min && x <= (double)d->max)
				return ((int64_t)x);
		}
		return (x < (double)d->min ? d->min : d->max);
	}
}

/**
 * dust_dist_cdf(d, k):
 * Return P(X <= ${k}) for a sample X of ${d} (truncation included).
 */
double
dust_dist_cdf(const struct dust_dist * d, int64_t k)
{
	size_t lo, hi, mid;

	if (k < d->min)
		return (0);
	if (k >= d->max)
		return (1);
	switch (d->family) {
	case DUST_DIST_UNIFORM:
		return ((double)(k - d->min + 1) /
		    (double)(d->max - d->min + 1));
	case DUST_DIST_EMPIRICAL:
		/* The last point <= k. */
		lo = 0;
		hi = d->npoints - 1;
		while (lo < hi) {
			mid = (lo + hi + 1) / 2;
			if (d->values[mid] <= k)
				lo = mid;
			else
				hi = mid - 1;
		}
		return (d->cum[lo]);
	default:
		return ((raw_cdf(d, k) - d->below) / d->mass);
	}
}

/**
 * dust_dist_free(d):
 * Free the arrays held by ${d} (not ${d} itself).
 */
void
dust_dist_free(struct dust_dist * d)
{

	free(d->values);
	free(d->cum);
	d->values = NULL;
	d->cum = NULL;
	d->npoints = 0;
}
