/*
 * dust pt: a managed transport of the Pluggable Transports interface
 * version 1 (docs/pt.md, man/dust.1): tor starts it with the TOR_PT_*
 * environment and reads its lines on stdout.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "pt/ptenv.h"
#include "pt/ptline.h"

#include "dust.h"
#include "ptrun.h"
#include "warnp.h"

extern char ** environ;

/* Longest line written. */
#define LINE_MAX_PT	2048

/* Print the usage and exit with ${rc}. */
static void
usage(int rc)
{

	fprintf(rc ? stderr : stdout,
	    "usage: dust pt [-M MODELDIR] [-v]\n"
	    "A managed Pluggable Transport (version 1) for tor: tor starts\n"
	    "it from a torrc line such as\n"
	    "  ClientTransportPlugin dust exec /usr/local/bin/dust pt\n"
	    "  ServerTransportPlugin dust exec /usr/local/bin/dust pt\n"
	    "and tells it its role in TOR_PT_* variables.  -M: where the\n"
	    "installed models are ($DUST_MODEL_DIR).  The server keeps its\n"
	    "key and writes its bridge line (dust_bridgeline.txt) in\n"
	    "TOR_PT_STATE_LOCATION.\n");
	exit(rc);
}

/**
 * ptrun_write(line, len):
 * Write the ${len}-byte line ${line} (made by a ptline_* function; -1: none
 * could be made) to stdout at once.
 */
void
ptrun_write(const char * line, int len)
{
	ssize_t w;
	size_t off = 0;

	if (len < 0)
		return;
	while (off < (size_t)len) {
		if ((w = write(STDOUT_FILENO, line + off, (size_t)len -
		    off)) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		off += (size_t)w;
	}
}

/**
 * ptrun_log(severity, fmt, ...):
 * Write a LOG line with the message made from ${fmt}, and the message to
 * stderr too.
 */
void
ptrun_log(enum ptlog_severity sev, const char * fmt, ...)
{
	char msg[512], line[LINE_MAX_PT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ptrun_write(line, ptline_log(line, sizeof(line), sev, msg));
	if (sev <= PTLOG_WARNING)
		warn0("%s", msg);
	else
		info0("%s", msg);
}

/**
 * ptrun_error(line, transport, fmt, ...):
 * Write the -ERROR line ${line} (of ${transport}, for the METHOD errors)
 * with the message made from ${fmt}.
 */
void
ptrun_error(enum pt_errline which, const char * transport,
    const char * fmt, ...)
{
	struct pt_error err;
	char line[LINE_MAX_PT];
	va_list ap;

	memset(&err, 0, sizeof(err));
	err.line = which;
	if (transport != NULL)
		snprintf(err.transport, sizeof(err.transport), "%s",
		    transport);
	va_start(ap, fmt);
	vsnprintf(err.msg, sizeof(err.msg), fmt, ap);
	va_end(ap);
	ptrun_write(line, ptline_error(line, sizeof(line), &err));
	warn0("%s", err.msg);
}

/* stdin is readable: its end ends the loop. */
static void
stdin_cb(evutil_socket_t fd, short what, void * arg)
{
	char buf[256];
	ssize_t r;

	(void)what;
	if ((r = read(fd, buf, sizeof(buf))) > 0 ||
	    (r == -1 && (errno == EINTR || errno == EAGAIN)))
		return;
	info0("stdin closed: exiting");
	event_base_loopbreak(arg);
}

/**
 * ptrun_stdin_watch(env, base):
 * If ${env} asks for it (TOR_PT_EXIT_ON_STDIN_CLOSE=1), end the loop of
 * ${base} when stdin closes.  Return the event made (free it with
 * event_free; NULL if none was asked for), or NULL with errno set.
 */
struct event *
ptrun_stdin_watch(const struct ptenv * env, struct event_base * base)
{
	struct event * ev;
	struct stat sb;
	char c;

	errno = 0;
	if (!env->exit_on_stdin_close)
		return (NULL);
	if ((ev = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    stdin_cb, base)) == NULL)
		return (NULL);
	/* A file or /dev/null cannot be polled: it is at its end or not. */
	if (fstat(STDIN_FILENO, &sb) == 0 && (S_ISREG(sb.st_mode) ||
	    (S_ISCHR(sb.st_mode) && !isatty(STDIN_FILENO)))) {
		if (read(STDIN_FILENO, &c, 1) == 0 &&
		    event_base_loopexit(base, NULL) == 0)
			info0("stdin closed: exiting");
		return (ev);
	}
	if (event_add(ev, NULL)) {
		event_free(ev);
		errno = EINVAL;
		return (NULL);
	}
	return (ev);
}

/**
 * cmd_pt(argc, argv):
 * dust pt: read the TOR_PT_* environment, answer on stdout, and run the
 * role it gives.  Return the exit code.
 */
int
cmd_pt(int argc, char ** argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	static struct ptenv env;
	struct pt_error err;
	char line[LINE_MAX_PT];
	int ch;

	while ((ch = getopt_long(argc, argv, "hM:v", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
			break;
		case 'M':
			if (setenv("DUST_MODEL_DIR", optarg, 1)) {
				warnp("setenv");
				return (1);
			}
			break;
		case 'v':
			warnp_setverbose(1);
			break;
		default:
			usage(1);
		}
	}
	if (optind != argc)
		usage(1);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		warnp("signal(SIGPIPE)");
		return (1);
	}

	/* VERSION-ERROR alone, or VERSION 1 before anything else. */
	if (ptenv_parse(&env, ptenv_array_get, environ, &err)) {
		if (err.line != PT_ERR_VERSION)
			ptrun_write(line, ptline_version(line, sizeof(line)));
		ptrun_write(line, ptline_error(line, sizeof(line), &err));
		warn0("%s", err.msg);
		return (1);
	}
	ptrun_write(line, ptline_version(line, sizeof(line)));
	if (env.role == PTENV_CLIENT)
		return (pt_client(&env));
	return (pt_server(&env));
}
