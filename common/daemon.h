#ifndef DUST_DAEMON_H
#define DUST_DAEMON_H

/**
 * daemon_start(pidfile):
 * Detach from the terminal (fork, setsid, standard descriptors to
 * /dev/null) and write the child's process ID to ${pidfile}.  The parent
 * exits only once the pidfile is written, so a caller that waits for the
 * command knows the daemon is listening.  Return 0 in the daemon, or -1
 * with errno on failure (in the calling process).
 */
int daemon_start(const char *);

/**
 * daemon_default_pidfile(source, buf, buflen):
 * Write spiped's default pidfile name, "${source}.pid", into ${buf}.
 * Return ${buf}.
 */
char * daemon_default_pidfile(const char *, char *, unsigned long);

#endif /* !DUST_DAEMON_H */
