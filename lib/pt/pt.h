#ifndef DUST_PT_H
#define DUST_PT_H

#include <stddef.h>

/*
 * What the Pluggable Transports 1.0 modules share: transport names and
 * errors.  An error is a value: the stdout line it must be reported on
 * (ENV-ERROR, VERSION-ERROR, PROXY-ERROR, CMETHOD-ERROR, SMETHOD-ERROR),
 * the transport it concerns (for the METHOD errors) and a message naming
 * what was wrong.  docs/pt.md describes the whole interface.
 */

/* The longest transport name accepted (the specification sets none). */
#define PT_NAMEMAX	63

/* The line an error is reported on. */
enum pt_errline {
	PT_ERR_NONE,		/* not a line of the protocol (SOCKS arguments) */
	PT_ERR_ENV,		/* ENV-ERROR <msg> */
	PT_ERR_VERSION,		/* VERSION-ERROR <msg> */
	PT_ERR_PROXY,		/* PROXY-ERROR <msg> */
	PT_ERR_CMETHOD,		/* CMETHOD-ERROR <transport> <msg> */
	PT_ERR_SMETHOD		/* SMETHOD-ERROR <transport> <msg> */
};

struct pt_error {
	enum pt_errline line;
	char transport[PT_NAMEMAX + 1];	/* For the METHOD errors. */
	char msg[256];
};

/**
 * pt_name_valid(s, len):
 * Return 1 if the ${len} bytes at ${s} are a transport name (a C
 * identifier: [a-zA-Z_][a-zA-Z0-9_]*, at most PT_NAMEMAX bytes), else 0.
 */
int pt_name_valid(const char *, size_t);

/**
 * pt_error_set(err, line, transport, fmt, ...):
 * Fill ${err} (if not NULL) with ${line}, ${transport} (NULL for none) and
 * the message made from ${fmt}.  Return -1, for "return (pt_error_set(...))".
 */
int pt_error_set(struct pt_error *, enum pt_errline, const char *,
    const char *, ...) __attribute__((format(printf, 4, 5)));

/**
 * pt_error_prefix(err, line, prefix):
 * Put ${prefix} before the message of ${err} (if not NULL) and report it
 * on ${line}.  Return -1.
 */
int pt_error_prefix(struct pt_error *, enum pt_errline, const char *);

#endif /* !DUST_PT_H */
