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

/*
 * Check that the key file open on ${fd} (named ${path}) is private: no
 * access for group or others, as ssh requires of its keys.  Return 0, or
 * -1 after printing a warning that names the file, its mode and the cure.
 */
static int
keyio_private(int fd, const char * path)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0) {
		warnp("cannot stat key file %s", path);
		return (-1);
	}
	if (sb.st_mode & 077) {
		warn0("key file %s has mode %04o: a secret key must not be "
		    "open to group or others; run chmod 600 %s",
		    path, (unsigned int)(sb.st_mode & 07777), path);
		return (-1);
	}
	return (0);
}

/**
 * keyio_read(path, sk, pk):
 * Read and check the server key file ${path}, which must not be open to
 * group or others (mode & 077 == 0).  Return 0, or -1 after printing a
 * warning that names the file and what was wrong.
 */
int
keyio_read(const char * path, uint8_t sk[32], uint8_t pk[32])
{
	char why[KEYFILE_WHY_MAX], * buf;
	size_t len;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY)) == -1) {
		warnp("%s", path);
		return (-1);
	}
	/* A little more than a key file holds: keyfile_parse judges it. */
	if (keyio_private(fd, path) ||
	    (buf = fileread_fd(fd, path, KEYFILE_BYTES + 64, &len)) == NULL) {
		close(fd);
		return (-1);
	}
	close(fd);
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
