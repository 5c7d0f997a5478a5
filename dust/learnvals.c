#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "learnvals.h"

/**
 * vals_add(a, x):
 * Append ${x} to ${a}.  Return 0, or -1 out of memory.
 */
int
vals_add(struct vals * a, int64_t x)
{
	int64_t * nv;
	size_t ncap;

	if (a->n == a->cap) {
		ncap = a->cap ? a->cap * 2 : 256;
		if ((nv = realloc(a->v, ncap * sizeof(*nv))) == NULL)
			return (-1);
		a->v = nv;
		a->cap = ncap;
	}
	a->v[a->n++] = x;
	return (0);
}

/* cmp64(a, b): qsort order of int64_t. */
static int
cmp64(const void * a, const void * b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return ((x > y) - (x < y));
}

/**
 * vals_write(f, a):
 * Write the samples ${a} (sorted here) to ${f} as an empirical family:
 * each distinct value with its count.
 */
void
vals_write(FILE * f, struct vals * a)
{
	size_t i, j;

	qsort(a->v, a->n, sizeof(int64_t), cmp64);
	fputs("{\"family\": \"empirical\", \"points\": [", f);
	for (i = 0; i < a->n; i = j) {
		for (j = i; j < a->n && a->v[j] == a->v[i]; j++)
			;
		fprintf(f, "%s[%lld, %zu]", i ? ", " : "",
		    (long long)a->v[i], j - i);
	}
	fputs("]}", f);
}

/**
 * vals_round2(x):
 * Return ${x} rounded to two significant digits (x >= 100; nearer
 * integer below), so that a distribution of times has few points.
 */
int64_t
vals_round2(double x)
{
	double p;

	if (x < 100)
		return ((int64_t)llround(x));
	p = pow(10, floor(log10(x)) - 1);
	return ((int64_t)(llround(x / p) * p));
}
