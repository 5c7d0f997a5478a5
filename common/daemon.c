#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon.h"

/* Write our process ID to ${path}. */
static int
write_pidfile(const char * path)
{
	FILE * f;

	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	if (fprintf(f, "%ld\n", (long)getpid()) < 0) {
		fclose(f);
		return (-1);
	}
	return (fclose(f));
}

/* Point descriptors 0, 1 and 2 at /dev/null. */
static int
null_stdio(void)
{
	int fd;

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return (-1);
	if (dup2(fd, 0) == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
		return (-1);
	if (fd > 2)
		close(fd);
	return (0);
}

/**
 * daemon_start(pidfile):
 * Detach from the terminal (fork, setsid, standard descriptors to
 * /dev/null) and write the child's process ID to ${pidfile}.  The parent
 * exits only once the pidfile is written, so a caller that waits for the
 * command knows the daemon is listening.  Return 0 in the daemon, or -1
 * with errno on failure (in the calling process).
 */
int
daemon_start(const char * pidfile)
{
	int fds[2];
	char ok;
	pid_t pid;

	if (pipe(fds))
		return (-1);
	switch ((pid = fork())) {
	case -1:
		return (-1);
	case 0:
		break;
	default:
		/* Parent: wait for the child to say it is ready. */
		close(fds[1]);
		if (read(fds[0], &ok, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(fds[0]);
	if (setsid() == -1 || write_pidfile(pidfile) || null_stdio())
		return (-1);
	ok = 1;
	if (write(fds[1], &ok, 1) != 1)
		return (-1);
	close(fds[1]);
	return (0);
}

/**
 * daemon_default_pidfile(source, buf, buflen):
 * Write spiped's default pidfile name, "${source}.pid", into ${buf}.
 * Return ${buf}.
 */
char *
daemon_default_pidfile(const char * source, char * buf, unsigned long bl)
{

	snprintf(buf, bl, "%s.pid", source);
	return (buf);
}
