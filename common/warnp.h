#ifndef DUST_WARNP_H
#define DUST_WARNP_H

/*
 * Warnings and log lines for the programs, in spiped's manner:
 * "progname: message" on stderr, or to syslog after daemonizing when the
 * user asked for --syslog.  Log lines never carry payload or keys.
 */

/**
 * warnp_init(progname):
 * Set the name that prefixes every line.
 */
void warnp_init(const char *);

/**
 * warnp_syslog(enable):
 * Send lines to syslog (facility daemon) instead of stderr if ${enable}.
 */
void warnp_syslog(int);

/**
 * warnp_setverbose(level):
 * Set the verbosity: 0 = warnings only, 1 = a line per event (-v).
 */
void warnp_setverbose(int);

/**
 * warnp_verbose():
 * Return the verbosity level.
 */
int warnp_verbose(void);

/**
 * warn0(fmt, ...):
 * Log a warning.
 */
void warn0(const char *, ...) __attribute__((format(printf, 1, 2)));

/**
 * warnp(fmt, ...):
 * Log a warning followed by ": strerror(errno)".  errno is preserved.
 */
void warnp(const char *, ...) __attribute__((format(printf, 1, 2)));

/**
 * info0(fmt, ...):
 * Log an informational line if the verbosity is at least 1.
 */
void info0(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif /* !DUST_WARNP_H */
