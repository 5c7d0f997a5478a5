#ifndef DUST_DIST_H
#define DUST_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "dust/rng.h"

/*
 * Integer-valued distributions of a model (packet length, packets per
 * second, connection duration), sampled with a CSPRNG of their own
 * (include/dust/rng.h), never with the data stream.  docs/models.md
 * describes the families and their JSON form.
 *
 * Continuous families (normal, exponential) are made integer by rounding
 * to the nearest integer; every family except fixed and uniform may be
 * truncated to [min, max] (rejection sampling), and a truncation that keeps
 * less than DUST_DIST_MINMASS of the distribution is refused by the model
 * loader, so that sampling takes at most 1 / DUST_DIST_MINMASS draws on
 * average.
 */

enum dust_dist_family {
	DUST_DIST_FIXED,
	DUST_DIST_UNIFORM,
	DUST_DIST_NORMAL,
	DUST_DIST_EXPONENTIAL,
	DUST_DIST_POISSON,
	DUST_DIST_EMPIRICAL
};

/* Smallest share of a distribution a truncation [min, max] may keep. */
#define DUST_DIST_MINMASS	0.01

/* Largest Poisson lambda and normal/exponential mean accepted. */
#define DUST_DIST_MAXLAMBDA	1e6
#define DUST_DIST_MAXMEAN	1e12

struct dust_dist {
	enum dust_dist_family family;
	int64_t min, max;	/* Support: every sample is in [min, max]. */
	double mean;		/* Mean (normal, exponential), lambda. */
	double sigma;		/* normal: standard deviation. */
	double below;		/* Untruncated P(X <= min - 1). */
	double mass;		/* Untruncated P(min <= X <= max). */
	size_t npoints;		/* Empirical: values, ascending, */
	int64_t * values;	/* with cumulative probabilities */
	double * cum;		/* (cum[npoints - 1] == 1). */
};

/**
 * dust_dist_prepare(d):
 * Compute ${d}->below and ${d}->mass from the family's parameters and
 * [min, max] (empirical: sort and merge the points, whose weights are in
 * ${d}->cum on entry).  Return 0, or -1 if the truncation keeps less than
 * DUST_DIST_MINMASS of the distribution.
 */
int dust_dist_prepare(struct dust_dist *);

/**
 * dust_dist_sample(d, rng):
 * Return a sample of ${d} drawn with ${rng} (NULL: randombytes_buf).
 */
int64_t dust_dist_sample(const struct dust_dist *, const struct dust_rng *);

/**
 * dust_dist_cdf(d, k):
 * Return P(X <= ${k}) for a sample X of ${d} (truncation included).
 */
double dust_dist_cdf(const struct dust_dist *, int64_t);

/**
 * dust_dist_free(d):
 * Free the arrays held by ${d} (not ${d} itself).
 */
void dust_dist_free(struct dust_dist *);

/**
 * dust_rng_unit(rng):
 * Return a uniform double in [0, 1) with 53 random bits from ${rng}.
 */
double dust_rng_unit(const struct dust_rng *);

#endif /* !DUST_DIST_H */
