#ifndef DUST_PROGRUN_H
#define DUST_PROGRUN_H

#include <event2/event.h>

#include "progopts.h"

/*
 * What every daemon-like program (pipemux, pipemuxd, proxymux, proxymuxd,
 * coverpipe, coverpiped, dust client and dust server) does between
 * parsing its options (progopts) and exiting: daemonize in spiped's
 * manner, then run the event loop until SIGTERM or SIGINT.
 */

/**
 * progrun_daemonize(foreground, pidfile, deflt, use_syslog):
 * Unless ${foreground}, detach and write the pidfile ${pidfile} (or, if
 * NULL, "${deflt}.pid"), then send log lines to syslog if ${use_syslog}.
 * Ignore SIGPIPE.  Return 0, or -1 after printing why.
 */
int progrun_daemonize(int, const char *, const char *, int);

/**
 * progrun_start(po, deflt, precise):
 * Daemonize as progrun_daemonize does with the options in ${po} (the
 * default pidfile "${deflt}.pid"), then make an event base, with precise
 * timers if ${precise}.  Return the base, or NULL after printing why.
 */
struct event_base * progrun_start(const struct progopts *, const char *, int);

/**
 * progrun_serve(base, started):
 * The end of a program: if ${started} is 0, print "cannot start" and
 * return 1; else run ${base} as progrun_loop does and return 0, or 1 if
 * the loop failed.
 */
int progrun_serve(struct event_base *, int);

/**
 * progrun_loop(base):
 * Run ${base} until SIGTERM or SIGINT arrives.  Return 0, or -1 after
 * printing why.
 */
int progrun_loop(struct event_base *);

#endif /* !DUST_PROGRUN_H */
