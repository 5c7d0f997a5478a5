#ifndef DUST_MUXRUN_H
#define DUST_MUXRUN_H

#include <event2/event.h>

/*
 * What pipemux and pipemuxd (and later proxymux, proxymuxd) do between
 * parsing their options and exiting: daemonize in spiped's manner, then
 * run the event loop until SIGTERM or SIGINT.
 */

/**
 * muxrun_daemonize(foreground, pidfile, deflt, use_syslog):
 * Unless ${foreground}, detach and write the pidfile ${pidfile} (or, if
 * NULL, "${deflt}.pid"), then send log lines to syslog if ${use_syslog}.
 * Ignore SIGPIPE.  Return 0, or -1 after printing why.
 */
int muxrun_daemonize(int, const char *, const char *, int);

/**
 * muxrun_loop(base):
 * Run ${base} until SIGTERM or SIGINT arrives.  Return 0, or -1 after
 * printing why.
 */
int muxrun_loop(struct event_base *);

#endif /* !DUST_MUXRUN_H */
