#ifndef DUST_JSONW_H
#define DUST_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/**
 * jsonw_string(f, s, len):
 * Write the ${len} bytes ${s} to ${f} as a JSON string literal; bytes of
 * 0x80 and above are written as \u00XX (callers keep them out when the
 * reader wants raw bytes back).
 */
void jsonw_string(FILE *, const uint8_t *, size_t);

/**
 * jsonw_close(f, path):
 * Flush and close ${f}, the file ${path} that was written.  Return 0, or
 * -1 after printing the error.
 */
int jsonw_close(FILE *, const char *);

#endif /* !DUST_JSONW_H */
