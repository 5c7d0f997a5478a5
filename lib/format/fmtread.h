#ifndef DUST_FORMAT_FMTREAD_H
#define DUST_FORMAT_FMTREAD_H

#include <stddef.h>
#include <stdint.h>

/* Bytes [off, off + len) of what is read: where a field is. */
struct fmt_span {
	size_t off;
	size_t len;
};

/*
 * A cursor over untrusted bytes whose errors name the field: the bytes
 * [pos, end) of b are left to read, and a message goes to err as
 * "${who}: ..." (who: "ClientHello", "KEXINIT", ...).  The parsers of
 * lib/format (tlshello.c, sshhello.c) read through it, so that every
 * length is checked before it is used.
 */
struct rd {
	const uint8_t * b;
	size_t pos;
	size_t end;
	const char * who;
	char * err;
	size_t errlen;
};

/**
 * rd_bad(r, fmt, ...):
 * Write "${r}->who: " and the message to ${r}->err.  Return -1.
 */
int rd_bad(struct rd *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/**
 * rd_left(r):
 * Return the bytes left before ${r}->end.
 */
size_t rd_left(const struct rd *);

/**
 * rd_get(r, n, what, v):
 * Read an ${n}-byte big-endian integer (n <= 4) into *${v}.  Return 0, or
 * -1 naming ${what} as truncated ("${what} truncated (1 of 2 bytes)").
 */
int rd_get(struct rd *, size_t, const char *, size_t *);

/**
 * rd_u16(b, off):
 * Return the big-endian 16-bit value at ${b} + ${off}.
 */
uint16_t rd_u16(const uint8_t *, size_t);

/**
 * rd_u32(b):
 * Return the big-endian 32-bit value at ${b}.
 */
size_t rd_u32(const uint8_t *);

#endif /* !DUST_FORMAT_FMTREAD_H */
