#ifndef DUST_LEARNVALS_H
#define DUST_LEARNVALS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Samples that dust model learn collects (lengths, rates, durations, gaps)
 * and writes as a model's empirical distribution.
 */

/* A growable array of samples. */
struct vals {
	int64_t * v;
	size_t n, cap;
};

/**
 * vals_add(a, x):
 * Append ${x} to ${a}.  Return 0, or -1 out of memory.
 */
int vals_add(struct vals *, int64_t);

/**
 * vals_write(f, a):
 * Write the samples ${a} (sorted here) to ${f} as an empirical family:
 * each distinct value with its count.
 */
void vals_write(FILE *, struct vals *);

/**
 * vals_round2(x):
 * Return ${x} rounded to two significant digits (x >= 100; nearer
 * integer below), so that a distribution of times has few points.
 */
int64_t vals_round2(double);

#endif /* !DUST_LEARNVALS_H */
