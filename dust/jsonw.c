#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jsonw.h"
#include "warnp.h"

/**
 * jsonw_string(f, s, len):
 * Write the ${len} bytes ${s} to ${f} as a JSON string literal; bytes of
 * 0x80 and above are written as \u00XX (callers keep them out when the
 * reader wants raw bytes back).
 */
void
jsonw_string(FILE * f, const uint8_t * s, size_t len)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fprintf(f, "\\%c", s[i]);
		else if (s[i] == '\r')
			fputs("\\r", f);
		else if (s[i] == '\n')
			fputs("\\n", f);
		else if (s[i] == '\t')
			fputs("\\t", f);
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			fprintf(f, "\\u%04x", s[i]);
		else
			fputc(s[i], f);
	}
	fputc('"', f);
}

/**
 * jsonw_close(f, path):
 * Flush and close ${f}, the file ${path} that was written.  Return 0, or
 * -1 after printing the error.
 */
int
jsonw_close(FILE * f, const char * path)
{

	if (fflush(f) || ferror(f)) {
		warnp("%s", path);
		fclose(f);
		return (-1);
	}
	fclose(f);
	return (0);
}
