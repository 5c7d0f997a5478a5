#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "warnp.h"

static const char * progname = "dust";
static int use_syslog = 0;
static int verbosity = 0;

/**
 * warnp_init(progname):
 * Set the name that prefixes every line.
 */
void
warnp_init(const char * name)
{
	const char * slash = strrchr(name, '/');

	progname = (slash != NULL) ? slash + 1 : name;
}

/**
 * warnp_syslog(enable):
 * Send lines to syslog (facility daemon) instead of stderr if ${enable}.
 */
void
warnp_syslog(int enable)
{
	if (enable && !use_syslog)
		openlog(progname, LOG_PID, LOG_DAEMON);
	use_syslog = enable;
}

/**
 * warnp_setverbose(level):
 * Set the verbosity: 0 = warnings only, 1 = a line per event (-v).
 */
void
warnp_setverbose(int level)
{

	verbosity = level;
}

/**
 * warnp_verbose():
 * Return the verbosity level.
 */
int
warnp_verbose(void)
{

	return (verbosity);
}

/* Format one line and send it where lines go. */
static void emit(int, const char *, const char *, va_list)
    __attribute__((format(printf, 3, 0)));
static void
emit(int priority, const char * suffix, const char * fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (use_syslog) {
		syslog(priority, "%s%s%s", line, suffix ? ": " : "",
		    suffix ? suffix : "");
	} else {
		fprintf(stderr, "%s: %s%s%s\n", progname, line,
		    suffix ? ": " : "", suffix ? suffix : "");
	}
}

/**
 * warn0(fmt, ...):
 * Log a warning.
 */
void
warn0(const char * fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

/**
 * warnp(fmt, ...):
 * Log a warning followed by ": strerror(errno)".  errno is preserved.
 */
void
warnp(const char * fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	emit(LOG_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

/**
 * info0(fmt, ...):
 * Log an informational line if the verbosity is at least 1.
 */
void
info0(const char * fmt, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	emit(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}
