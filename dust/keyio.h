#ifndef DUST_KEYIO_H
#define DUST_KEYIO_H

#include <stdint.h>

/**
 * keyio_read(path, sk, pk):
 * Read and check the server key file ${path}, which must not be open to
 * group or others (mode & 077 == 0).  Return 0, or -1 after printing a
 * warning that names the file and what was wrong.
 */
int keyio_read(const char *, uint8_t[32], uint8_t[32]);

/**
 * keyio_write(path, sk, pk):
 * Write a new key file ${path} with mode 0600; refuse to replace an
 * existing file.  Return 0, or -1 after printing a warning.
 */
int keyio_write(const char *, const uint8_t[32], const uint8_t[32]);

#endif /* !DUST_KEYIO_H */
