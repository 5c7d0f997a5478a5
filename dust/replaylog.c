/*
 * The server's replay log (replaylog.h): the marks it accepted, so that a
 * restart forgets none within their window.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seattle/replay.h"

#include "fileread.h"
#include "replaylog.h"
#include "warnp.h"

struct replaylog {
	char * path;
	struct seattle_replay * filter;
	int fd;
	size_t records, max;		/* In the file; compact beyond max. */
};

/* Write ${len} bytes of ${buf} to ${fd}.  Return 0, or -1 on error. */
static int
write_all(int fd, const uint8_t * buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

/*
 * compact(rl): write the filter's live marks to ${path}.new, rename it
 * over ${path} and append to it from now on.  Return 0, or -1 after
 * printing why.
 */
static int
compact(struct replaylog * rl)
{
	uint8_t * log;
	size_t len;
	char tmp[4096];
	int fd;

	if (seattle_replay_compact(rl->filter, &log, &len)) {
		warn0("--replay-log: out of memory");
		return (-1);
	}
	snprintf(tmp, sizeof(tmp), "%s.new", rl->path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_CLOEXEC, 0600)) == -1 || write_all(fd, log, len) ||
	    fsync(fd) || rename(tmp, rl->path)) {
		warnp("--replay-log: %s", tmp);
		if (fd != -1)
			close(fd);
		free(log);
		return (-1);
	}
	free(log);
	if (rl->fd != -1)
		close(rl->fd);
	rl->fd = fd;
	rl->records = (len - SEATTLE_REPLAY_LOG_HEADER) /
	    SEATTLE_REPLAY_LOG_RECORD;
	return (0);
}

/**
 * replaylog_open(path, filter, capacity, hour):
 * Load the log at ${path} into ${filter} at the hour ${hour}, write it
 * again with the live marks only, and journal new marks.  Return the log,
 * or NULL after printing why.
 */
struct replaylog *
replaylog_open(const char * path, struct seattle_replay * filter,
    size_t capacity, uint64_t hour)
{
	struct replaylog * rl;
	char * log = NULL, why[256];
	size_t len = 0, end, max;

	if ((rl = calloc(1, sizeof(*rl))) == NULL ||
	    (rl->path = strdup(path)) == NULL) {
		warn0("--replay-log: out of memory");
		goto err;
	}
	rl->filter = filter;
	rl->fd = -1;
	rl->max = 2 * capacity;
	max = SEATTLE_REPLAY_LOG_HEADER + rl->max * SEATTLE_REPLAY_LOG_RECORD;
	seattle_replay_advance(filter, hour);
	if (access(path, F_OK) == 0) {
		if ((log = fileread(path, max, &len)) == NULL)
			goto err;
		if (seattle_replay_load(filter, (uint8_t *)log, len, &end, why,
		    sizeof(why))) {
			/* Not a replay log at all: never overwrite it. */
			if (end == 0 && len > 0) {
				warn0("--replay-log: %s: %s: not a replay log, "
				    "left as it is", path, why);
				free(log);
				goto err;
			}
			warn0("--replay-log: %s: %s; kept the %zu bytes "
			    "before it", path, why, end);
		}
		free(log);
	}
	if (compact(rl))
		goto err;
	seattle_replay_journal(filter);
	return (rl);

err:
	replaylog_close(rl);
	return (NULL);
}

/**
 * replaylog_append(rl):
 * Append the records the filter queued to the log (and compact it when
 * it has grown).
 */
void
replaylog_append(struct replaylog * rl)
{
	uint8_t buf[64 * SEATTLE_REPLAY_LOG_RECORD];
	size_t n;

	while ((n = seattle_replay_journal_take(rl->filter, buf,
	    sizeof(buf))) > 0) {
		if (write_all(rl->fd, buf, n))
			warnp("--replay-log: %s", rl->path);
		rl->records += n / SEATTLE_REPLAY_LOG_RECORD;
	}
	if (rl->records > rl->max)
		(void)compact(rl);
}

/**
 * replaylog_close(rl):
 * Close and free ${rl}.
 */
void
replaylog_close(struct replaylog * rl)
{

	if (rl == NULL)
		return;
	if (rl->fd != -1)
		close(rl->fd);
	free(rl->path);
	free(rl);
}
