#ifndef DUST_FORMAT_FMTTMPL_H
#define DUST_FORMAT_FMTTMPL_H

#include <stddef.h>
#include <stdint.h>

/*
 * The engine of the hello templates (tlstemplate.c, sshtemplate.c): a
 * template is a captured start kept byte for byte and its random fields;
 * learning compares captures, keeps the fixed bytes and the fields sorted
 * by offset; filling and extracting go field by field.  Which places of a
 * protocol's structure are candidates, and which values a field may hold,
 * stay in the protocol's file.
 */

#define FMT_MAX_CANDS	64	/* Candidate places of one start. */

/* One random field of a template (or a candidate place for one). */
struct fmt_field {
	int place;		/* enum tlshello_place, sshhello_place */
	size_t index;
	int kind;		/* enum tlshello_kind, sshhello_kind */
	uint16_t group;		/* TLS: a key_share group; else 0. */
	size_t off;		/* In the template's bytes. */
	size_t len;
	int link;		/* An earlier field it always equals, or -1. */
};

/* The candidate places of one start, in the order the structure has them. */
struct fmt_cands {
	size_t n;
	struct fmt_field f[FMT_MAX_CANDS];
};

/**
 * fmt_fail(err, errlen, fmt, ...):
 * Write the message to ${err} (${errlen} bytes).  Return -1.
 */
int fmt_fail(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * fmt_add(c, place, index, off, len, kind, group):
 * Append a candidate (not linked) to ${c}.  Return 0, or -1 if ${c} is
 * full.
 */
int fmt_add(struct fmt_cands *, int, size_t, size_t, size_t, int, uint16_t);

/**
 * fmt_outside(a, b, len, f, n):
 * Return the first offset below ${len} at which ${a} and ${b} differ
 * outside the ${n} fields ${f}, or ${len} if there is none.
 */
size_t fmt_outside(const uint8_t *, const uint8_t *, size_t,
    const struct fmt_field *, size_t);

/**
 * fmt_differs(starts, n, f):
 * Return nonzero if the bytes of the field ${f} differ between any two of
 * the ${n} ${starts}.
 */
int fmt_differs(const uint8_t * const *, size_t, const struct fmt_field *);

/**
 * fmt_sort(f, n):
 * Sort the ${n} fields ${f} by offset.
 */
void fmt_sort(struct fmt_field *, size_t);

/**
 * fmt_voff(f, i):
 * Return the offset of field ${i}'s value among the values of the fields
 * ${f}: the lengths of the fields before it.
 */
size_t fmt_voff(const struct fmt_field *, size_t);

/**
 * fmt_put(bytes, len, f, n, vals, out):
 * Write to ${out} the ${len} ${bytes} with the ${n} fields ${f} set to
 * ${vals}, field after field.
 */
void fmt_put(const uint8_t *, size_t, const struct fmt_field *, size_t,
    const uint8_t *, uint8_t *);

/**
 * fmt_take(b, f, n, vals):
 * Write the bytes of the ${n} fields ${f} of ${b} to ${vals}, field after
 * field.
 */
void fmt_take(const uint8_t *, const struct fmt_field *, size_t, uint8_t *);

#endif /* !DUST_FORMAT_FMTTMPL_H */
