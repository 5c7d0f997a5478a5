#ifndef DUST_MUXRUN_H
#define DUST_MUXRUN_H

#include <event2/event.h>

#include "progopts.h"

/*
 * What pipemux, pipemuxd, proxymux and proxymuxd do between
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
 * muxrun_start(po, deflt, precise):
 * Daemonize as muxrun_daemonize does with the options in ${po} (the
 * default pidfile "${deflt}.pid"), then make an event base, with precise
 * timers if ${precise}.  Return the base, or NULL after printing why.
 */
struct event_base * muxrun_start(const struct progopts *, const char *, int);

/**
 * muxrun_serve(base, started):
 * The end of a mux program: if ${started} is 0, print "cannot start" and
 * return 1; else run ${base} as muxrun_loop does and return 0, or 1 if
 * the loop failed.
 */
int muxrun_serve(struct event_base *, int);

/**
 * muxrun_loop(base):
 * Run ${base} until SIGTERM or SIGINT arrives.  Return 0, or -1 after
 * printing why.
 */
int muxrun_loop(struct event_base *);

#endif /* !DUST_MUXRUN_H */
