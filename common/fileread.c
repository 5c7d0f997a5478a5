#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileread.h"
#include "warnp.h"

/* What is read first from a file whose size fstat does not tell. */
#define FILEREAD_FIRST	4096

/*
 * grow(buf, len, cap): a buffer of ${cap} + 1 bytes holding the ${len}
 * bytes of ${buf}, which is wiped and freed.  Return it, or NULL (${buf}
 * kept).
 */
static char *
grow(char * buf, size_t len, size_t cap)
{
	char * nb;

	if ((nb = malloc(cap + 1)) == NULL)
		return (NULL);
	if (buf != NULL) {
		memcpy(nb, buf, len);
		sodium_memzero(buf, len);
		free(buf);
	}
	return (nb);
}

/*
 * first_cap(fd, name, max, cap): set ${cap} to the bytes to read first
 * from ${fd}: one more than the file's size, so that its end is seen
 * without growing, or FILEREAD_FIRST if its size is unknown; at most
 * ${max} + 1.  Return 0, or -1 after printing why the file is refused.
 */
static int
first_cap(int fd, const char * name, size_t max, size_t * cap)
{
	struct stat sb;

	if (fstat(fd, &sb) == -1) {
		warnp("%s", name);
		return (-1);
	}
	if (S_ISDIR(sb.st_mode)) {
		warn0("%s: is a directory", name);
		return (-1);
	}
	if (S_ISREG(sb.st_mode) && sb.st_size > 0) {
		if ((uintmax_t)sb.st_size > max) {
			warn0("%s: larger than %zu bytes", name, max);
			return (-1);
		}
		*cap = (size_t)sb.st_size + 1;
	} else
		*cap = FILEREAD_FIRST;
	if (*cap > max)
		*cap = max + 1;
	return (0);
}

/**
 * fileread_fd(fd, name, max, len):
 * As fileread, from the open descriptor ${fd} (which it does not close),
 * naming it ${name} in its messages ("standard input").
 */
char *
fileread_fd(int fd, const char * name, size_t max, size_t * len)
{
	char * buf, * nb;
	size_t have = 0, cap;
	ssize_t n;

	/* Room for a byte past ${max} and the NUL. */
	if (max > SIZE_MAX - 2)
		max = SIZE_MAX - 2;
	if (first_cap(fd, name, max, &cap))
		return (NULL);
	if ((buf = grow(NULL, 0, cap)) == NULL)
		goto oom;

	/* Read until the end, or until a byte past ${max} arrives. */
	for (;;) {
		if (have == cap) {
			if (cap > max) {
				warn0("%s: larger than %zu bytes", name, max);
				goto err;
			}
			cap = (cap > (max + 1) / 2) ? max + 1 : cap * 2;
			if ((nb = grow(buf, have, cap)) == NULL)
				goto oom;
			buf = nb;
		}
		if ((n = read(fd, buf + have, cap - have)) == -1) {
			if (errno == EINTR)
				continue;
			warnp("%s", name);
			goto err;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	buf[have] = '\0';
	*len = have;
	return (buf);

oom:
	warnp("%s", name);
err:
	if (buf != NULL) {
		sodium_memzero(buf, have);
		free(buf);
	}
	return (NULL);
}

/**
 * fileread(path, max, len):
 * Read the whole file ${path}, at most ${max} bytes, into a malloc'd
 * buffer with a NUL after its last byte, and set ${len} to its length.
 * Return the buffer, or NULL after printing "${path}: why" (it is missing,
 * a directory, unreadable, or "larger than ${max} bytes").  The buffer is
 * grown without leaving copies behind, so a caller holding a secret can
 * sodium_memzero(buf, len) it before free(buf).
 */
char *
fileread(const char * path, size_t max, size_t * len)
{
	char * buf;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		warnp("%s", path);
		return (NULL);
	}
	buf = fileread_fd(fd, path, max, len);
	close(fd);
	return (buf);
}
