/*
 * Transcript vectors the unit tests make (header-only: each test is one
 * binary built from one .c file): the text a test made is checked against
 * its file in tests/vectors/, or written there with DUST_WRITE_VECTORS=1.
 */
#ifndef VECTORFILE_H
#define VECTORFILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * vector_check(path, text, len): the file ${path} must hold exactly the
 * ${len} bytes of ${text} (a string); with DUST_WRITE_VECTORS in the
 * environment, write them there instead.
 */
static inline void
vector_check(const char * path, const char * text, size_t len)
{
	FILE * f;
	char * want;
	long flen;

	if (getenv("DUST_WRITE_VECTORS") != NULL) {
		assert_non_null(f = fopen(path, "w"));
		assert_int_equal(fwrite(text, 1, len, f), len);
		assert_int_equal(fclose(f), 0);
		return;
	}
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s (DUST_WRITE_VECTORS=1 makes it)",
		    path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	flen = ftell(f);
	rewind(f);
	assert_non_null(want = malloc((size_t)flen + 1));
	assert_int_equal(fread(want, 1, (size_t)flen, f), (size_t)flen);
	want[flen] = '\0';
	fclose(f);
	assert_string_equal(text, want);
	free(want);
}

/*
 * vector_hex(out, size, len, name, b, n): append "name = <hex of the ${n}
 * bytes ${b}>" and a newline to the text ${out} of ${*len} bytes (in a
 * buffer of ${size}).
 */
static inline void
vector_hex(char * out, size_t size, size_t * len, const char * name,
    const uint8_t * b, size_t n)
{
	size_t i;

	*len += (size_t)snprintf(out + *len, size - *len, "%s = ", name);
	for (i = 0; i < n && *len + 3 < size; i++)
		*len += (size_t)snprintf(out + *len, size - *len, "%02x",
		    b[i]);
	*len += (size_t)snprintf(out + *len, size - *len, "\n");
	assert_true(*len + 1 < size);
}

#endif /* !VECTORFILE_H */
