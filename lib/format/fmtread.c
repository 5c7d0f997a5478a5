/*
 * A cursor over untrusted bytes whose errors name the field: the reading
 * steps the parsers of lib/format share (tlshello.c, sshhello.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fmtread.h"

/**
 * rd_bad(r, fmt, ...):
 * Write "${r}->who: " and the message to ${r}->err.  Return -1.
 */
int
rd_bad(struct rd * r, const char * fmt, ...)
{
	va_list ap;
	int n;

	if (r->errlen == 0)
		return (-1);
	n = snprintf(r->err, r->errlen, "%s: ", r->who);
	if (n < 0 || (size_t)n >= r->errlen)
		return (-1);
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return (-1);
}

/**
 * rd_left(r):
 * Return the bytes left before ${r}->end.
 */
size_t
rd_left(const struct rd * r)
{

	return (r->end - r->pos);
}

/**
 * rd_get(r, n, what, v):
 * Read an ${n}-byte big-endian integer (n <= 4) into *${v}.  Return 0, or
 * -1 naming ${what} as truncated ("${what} truncated (1 of 2 bytes)").
 */
int
rd_get(struct rd * r, size_t n, const char * what, size_t * v)
{
	size_t i;

	if (rd_left(r) < n)
		return (rd_bad(r, "%s truncated (%zu of %zu bytes)",
		    what, rd_left(r), n));
	for (*v = 0, i = 0; i < n; i++)
		*v = (*v << 8) | r->b[r->pos + i];
	r->pos += n;
	return (0);
}

/**
 * rd_u16(b, off):
 * Return the big-endian 16-bit value at ${b} + ${off}.
 */
uint16_t
rd_u16(const uint8_t * b, size_t off)
{

	return ((uint16_t)((b[off] << 8) | b[off + 1]));
}

/**
 * rd_u32(b):
 * Return the big-endian 32-bit value at ${b}.
 */
size_t
rd_u32(const uint8_t * b)
{

	return ((size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 |
	    b[3]);
}
