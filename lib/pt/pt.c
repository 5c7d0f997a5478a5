#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pt.h"

/**
 * pt_name_valid(s, len):
 * Return 1 if the ${len} bytes at ${s} are a transport name (a C
 * identifier: [a-zA-Z_][a-zA-Z0-9_]*, at most PT_NAMEMAX bytes), else 0.
 */
int
pt_name_valid(const char * s, size_t len)
{
	size_t i;

	if (len == 0 || len > PT_NAMEMAX)
		return (0);
	for (i = 0; i < len; i++) {
		char c = s[i];
		int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_';

		if (!letter && !(i > 0 && c >= '0' && c <= '9'))
			return (0);
	}
	return (1);
}

/**
 * pt_error_set(err, line, transport, fmt, ...):
 * Fill ${err} (if not NULL) with ${line}, ${transport} (NULL for none) and
 * the message made from ${fmt}.  Return -1, for "return (pt_error_set(...))".
 */
int
pt_error_set(struct pt_error * err, enum pt_errline line,
    const char * transport, const char * fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return (-1);
	err->line = line;
	snprintf(err->transport, sizeof(err->transport), "%s",
	    transport ? transport : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return (-1);
}

/**
 * pt_error_prefix(err, line, prefix):
 * Put ${prefix} before the message of ${err} (if not NULL) and report it
 * on ${line}.  Return -1.
 */
int
pt_error_prefix(struct pt_error * err, enum pt_errline line,
    const char * prefix)
{
	char msg[sizeof(err->msg)];

	if (err == NULL)
		return (-1);
	memcpy(msg, err->msg, sizeof(msg));
	snprintf(err->msg, sizeof(err->msg), "%s%s", prefix, msg);
	err->line = line;
	return (-1);
}
