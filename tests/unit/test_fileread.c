/* The bounded whole-file reader (common/fileread.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileread.h"

/* The limit the tests read under, and a directory for their files. */
#define MAX	5000
static char dir[] = "/tmp/test_fileread.XXXXXX";
static char path[64], errpath[64];

/* write_file(len): make ${path} hold ${len} bytes of a known pattern. */
static void
write_file(size_t len)
{
	FILE * f;
	size_t i;

	assert_non_null(f = fopen(path, "w"));
	for (i = 0; i < len; i++)
		assert_int_equal(fputc((int)(i * 7 % 251), f), (int)(i * 7 % 251));
	assert_int_equal(fclose(f), 0);
}

/*
 * read_caught(p, fd, max, len, msg): fileread(${p}, ${max}, ${len}), or if
 * ${p} is NULL fileread_fd(${fd}, "the pipe", ...), with what it prints on
 * stderr caught into ${msg} (a buffer of 256 bytes).
 */
static char *
read_caught(const char * p, int fd, size_t max, size_t * len, char * msg)
{
	FILE * f;
	char * buf;
	int saved;
	size_t n;

	fflush(stderr);
	assert_true((saved = dup(2)) != -1);
	assert_non_null(f = freopen(errpath, "w", stderr));
	buf = (p != NULL) ? fileread(p, max, len) :
	    fileread_fd(fd, "the pipe", max, len);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	assert_non_null(f = fopen(errpath, "r"));
	n = fread(msg, 1, 255, f);
	msg[n] = '\0';
	fclose(f);
	return (buf);
}

/* A file of exactly the limit is read whole and NUL-terminated. */
static void
test_exactly_max(void ** state)
{
	char msg[256], * buf;
	size_t len = 0, i;

	(void)state;
	write_file(MAX);
	assert_non_null(buf = read_caught(path, -1, MAX, &len, msg));
	assert_int_equal(len, MAX);
	for (i = 0; i < MAX; i++)
		assert_int_equal((uint8_t)buf[i], i * 7 % 251);
	assert_int_equal(buf[MAX], '\0');
	assert_string_equal(msg, "");
	free(buf);
}

/* One byte more than the limit is refused, naming the file and limit. */
static void
test_max_plus_one(void ** state)
{
	char msg[256], want[128];

	(void)state;
	write_file(MAX + 1);
	snprintf(want, sizeof(want), "%s: larger than %d bytes", path, MAX);
	assert_null(read_caught(path, -1, MAX, &(size_t){0}, msg));
	assert_non_null(strstr(msg, want));
}

/* An empty file is an empty string. */
static void
test_empty(void ** state)
{
	char msg[256], * buf;
	size_t len = 99;

	(void)state;
	write_file(0);
	assert_non_null(buf = read_caught(path, -1, MAX, &len, msg));
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	assert_string_equal(msg, "");
	free(buf);
}

/* A missing file is an error naming it. */
static void
test_missing(void ** state)
{
	char msg[256], want[128];

	(void)state;
	snprintf(want, sizeof(want), "%s/absent: No such file or directory",
	    dir);
	snprintf(path, sizeof(path), "%s/absent", dir);
	assert_null(read_caught(path, -1, MAX, &(size_t){0}, msg));
	assert_non_null(strstr(msg, want));
	snprintf(path, sizeof(path), "%s/file", dir);
}

/* A directory is an error naming it. */
static void
test_directory(void ** state)
{
	char msg[256], want[128];

	(void)state;
	snprintf(want, sizeof(want), "%s: is a directory", dir);
	assert_null(read_caught(dir, -1, MAX, &(size_t){0}, msg));
	assert_non_null(strstr(msg, want));
}

/*
 * pipe_read(nbytes, max, len, msg): fileread_fd on a pipe a child writes
 * ${nbytes} bytes into (a pipe's size is unknown to fstat, so the buffer
 * grows as it reads), with what it prints caught into ${msg}.
 */
static char *
pipe_read(size_t nbytes, size_t max, size_t * len, char * msg)
{
	static const char chunk[1000];
	char * buf;
	size_t left;
	pid_t pid;
	int fd[2];

	assert_int_equal(pipe(fd), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(fd[0]);
		for (left = nbytes; left > 0; left -= left < 1000 ? left : 1000)
			if (write(fd[1], chunk, left < 1000 ? left : 1000) <= 0)
				_exit(1);
		_exit(0);
	}
	close(fd[1]);
	buf = read_caught(NULL, fd[0], max, len, msg);
	close(fd[0]);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return (buf);
}

/* A pipe of exactly the limit is read whole; one byte more is refused. */
static void
test_pipe(void ** state)
{
	char msg[256], * buf;
	size_t len = 0;

	(void)state;
	assert_non_null(buf = pipe_read(MAX, MAX, &len, msg));
	assert_int_equal(len, MAX);
	assert_int_equal(buf[MAX], '\0');
	assert_string_equal(msg, "");
	free(buf);
	assert_null(pipe_read(MAX + 1, MAX, &len, msg));
	assert_non_null(strstr(msg, "the pipe: larger than 5000 bytes"));
	assert_null(pipe_read(4 * MAX, MAX, &len, msg));
	assert_non_null(strstr(msg, "the pipe: larger than 5000 bytes"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exactly_max),
		cmocka_unit_test(test_max_plus_one),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_pipe),
	};
	int rc;

	if (mkdtemp(dir) == NULL)
		return (1);
	snprintf(path, sizeof(path), "%s/file", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	unlink(errpath);
	rmdir(dir);
	return (rc);
}
