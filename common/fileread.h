#ifndef DUST_FILEREAD_H
#define DUST_FILEREAD_H

#include <stddef.h>

/*
 * The programs' one whole-file reader: a file is read whole, up to a
 * limit, or not at all; a larger file is an error naming the file and
 * the limit, never a silently shortened text.
 */

/**
 * fileread(path, max, len):
 * Read the whole file ${path}, at most ${max} bytes, into a malloc'd
 * buffer with a NUL after its last byte, and set ${len} to its length.
 * Return the buffer, or NULL after printing "${path}: why" (it is missing,
 * a directory, unreadable, or "larger than ${max} bytes").  The buffer is
 * grown without leaving copies behind, so a caller holding a secret can
 * sodium_memzero(buf, len) it before free(buf).
 */
char * fileread(const char *, size_t, size_t *);

/**
 * fileread_fd(fd, name, max, len):
 * As fileread, from the open descriptor ${fd} (which it does not close),
 * naming it ${name} in its messages ("standard input").
 */
char * fileread_fd(int, const char *, size_t, size_t *);

#endif /* !DUST_FILEREAD_H */
