/*
 * The engine of the hello templates: what tlstemplate.c and sshtemplate.c
 * do alike with captured starts and their random fields.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmttmpl.h"

/**
 * fmt_fail(err, errlen, fmt, ...):
 * Write the message to ${err} (${errlen} bytes).  Return -1.
 */
int
fmt_fail(char * err, size_t errlen, const char * fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/**
 * fmt_add(c, place, index, off, len, kind, group):
 * Append a candidate (not linked) to ${c}.  Return 0, or -1 if ${c} is
 * full.
 */
int
fmt_add(struct fmt_cands * c, int place, size_t index, size_t off,
    size_t len, int kind, uint16_t group)
{
	struct fmt_field * f;

	if (c->n == FMT_MAX_CANDS)
		return (-1);
	f = &c->f[c->n++];
	f->place = place;
	f->index = index;
	f->off = off;
	f->len = len;
	f->kind = kind;
	f->group = group;
	f->link = -1;
	return (0);
}

/* in_fields(f, n, off): nonzero if byte ${off} is in one of the fields. */
static int
in_fields(const struct fmt_field * f, size_t n, size_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (off >= f[i].off && off < f[i].off + f[i].len)
			return (1);
	return (0);
}

/**
 * fmt_outside(a, b, len, f, n):
 * Return the first offset below ${len} at which ${a} and ${b} differ
 * outside the ${n} fields ${f}, or ${len} if there is none.
 */
size_t
fmt_outside(const uint8_t * a, const uint8_t * b, size_t len,
    const struct fmt_field * f, size_t n)
{
	size_t off;

	for (off = 0; off < len; off++)
		if (a[off] != b[off] && !in_fields(f, n, off))
			break;
	return (off);
}

/**
 * fmt_differs(starts, n, f):
 * Return nonzero if the bytes of the field ${f} differ between any two of
 * the ${n} ${starts}.
 */
int
fmt_differs(const uint8_t * const * starts, size_t n,
    const struct fmt_field * f)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (memcmp(starts[0] + f->off, starts[i] + f->off, f->len))
			return (1);
	return (0);
}

/* by_off(a, b): qsort's order of two fields by offset. */
static int
by_off(const void * a, const void * b)
{
	const struct fmt_field * x = a, * y = b;

	return ((x->off > y->off) - (x->off < y->off));
}

/**
 * fmt_sort(f, n):
 * Sort the ${n} fields ${f} by offset.
 */
void
fmt_sort(struct fmt_field * f, size_t n)
{

	qsort(f, n, sizeof(f[0]), by_off);
}

/**
 * fmt_voff(f, i):
 * Return the offset of field ${i}'s value among the values of the fields
 * ${f}: the lengths of the fields before it.
 */
size_t
fmt_voff(const struct fmt_field * f, size_t i)
{
	size_t j, voff = 0;

	for (j = 0; j < i; j++)
		voff += f[j].len;
	return (voff);
}

/**
 * fmt_put(bytes, len, f, n, vals, out):
 * Write to ${out} the ${len} ${bytes} with the ${n} fields ${f} set to
 * ${vals}, field after field.
 */
void
fmt_put(const uint8_t * bytes, size_t len, const struct fmt_field * f,
    size_t n, const uint8_t * vals, uint8_t * out)
{
	size_t i, voff;

	memcpy(out, bytes, len);
	for (i = voff = 0; i < n; voff += f[i++].len)
		memcpy(out + f[i].off, vals + voff, f[i].len);
}

/**
 * fmt_take(b, f, n, vals):
 * Write the bytes of the ${n} fields ${f} of ${b} to ${vals}, field after
 * field.
 */
void
fmt_take(const uint8_t * b, const struct fmt_field * f, size_t n,
    uint8_t * vals)
{
	size_t i, voff;

	for (i = voff = 0; i < n; voff += f[i++].len)
		memcpy(vals + voff, b + f[i].off, f[i].len);
}
