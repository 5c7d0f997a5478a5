#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dust/keyfile.h"

#include "fileread.h"
#include "keyio.h"
#include "warnp.h"

/**
 * keyio_read(path, sk, pk):
 * Read and check the server key file ${path}.  Return 0, or -1 after
 * printing a warning that names the file and what was wrong.
 */
int
keyio_read(const char * path, uint8_t sk[32], uint8_t pk[32])
{
	char why[KEYFILE_WHY_MAX], * buf;
	size_t len;
	int rc = 0;

	/* A little more than a key file holds: keyfile_parse judges it. */
	if ((buf = fileread(path, KEYFILE_BYTES + 64, &len)) == NULL)
		return (-1);
	if (keyfile_parse(buf, len, sk, pk, why) != 0) {
		warn0("%s: %s", path, why);
		rc = -1;
	}
	sodium_memzero(buf, len);
	free(buf);
	return (rc);
}

/**
 * keyio_write(path, sk, pk):
 * Write a new key file ${path} with mode 0600; refuse to replace an
 * existing file.  Return 0, or -1 after printing a warning.
 */
int
keyio_write(const char * path, const uint8_t sk[32], const uint8_t pk[32])
{
	char text[KEYFILE_BYTES + 1];
	size_t off = 0;
	ssize_t n;
	int fd;

	/* O_EXCL: an existing key is never overwritten. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1) {
		if (errno == EEXIST)
			warn0("%s already exists: not overwriting it", path);
		else
			warnp("cannot create key file %s", path);
		return (-1);
	}
	if (fchmod(fd, 0600) != 0) {
		warnp("cannot set mode 0600 on %s", path);
		goto err;
	}
	keyfile_format(text, sk, pk);
	while (off < KEYFILE_BYTES) {
		if ((n = write(fd, text + off, KEYFILE_BYTES - off)) == -1) {
			if (errno == EINTR)
				continue;
			warnp("cannot write key file %s", path);
			goto err;
		}
		off += (size_t)n;
	}
	sodium_memzero(text, sizeof(text));
	if (fsync(fd) != 0 || close(fd) != 0) {
		warnp("cannot write key file %s", path);
		unlink(path);
		return (-1);
	}
	return (0);
err:
	sodium_memzero(text, sizeof(text));
	close(fd);
	unlink(path);
	return (-1);
}
