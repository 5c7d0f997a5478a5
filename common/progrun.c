#include <signal.h>
#include <stdio.h>

#include <event2/event.h>

#include "daemon.h"
#include "progrun.h"
#include "progopts.h"
#include "warnp.h"

/**
 * progrun_daemonize(foreground, pidfile, deflt, use_syslog):
 * Unless ${foreground}, detach and write the pidfile ${pidfile} (or, if
 * NULL, "${deflt}.pid"), then send log lines to syslog if ${use_syslog}.
 * Ignore SIGPIPE.  Return 0, or -1 after printing why.
 */
int
progrun_daemonize(int fg, const char * pidfile, const char * deflt,
    int use_syslog)
{
	char buf[4096];

	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		warnp("signal(SIGPIPE)");
		return (-1);
	}
	if (fg)
		return (0);
	if (pidfile == NULL)
		pidfile = daemon_default_pidfile(deflt, buf, sizeof(buf));
	if (daemon_start(pidfile)) {
		warnp("cannot daemonize (pidfile %s)", pidfile);
		return (-1);
	}
	warnp_syslog(use_syslog);
	return (0);
}

/* SIGTERM or SIGINT: leave the loop. */
static void
sigcb(evutil_socket_t sig, short what, void * arg)
{

	info0("signal %d: exiting", (int)sig);
	event_base_loopbreak(arg);
}

/**
 * progrun_loop(base):
 * Run ${base} until SIGTERM or SIGINT arrives.  Return 0, or -1 after
 * printing why.
 */
int
progrun_loop(struct event_base * base)
{
	struct event * term, * intr;
	int rc = -1;

	term = evsignal_new(base, SIGTERM, sigcb, base);
	intr = evsignal_new(base, SIGINT, sigcb, base);
	if (term == NULL || intr == NULL || event_add(term, NULL) ||
	    event_add(intr, NULL)) {
		warn0("cannot watch signals");
		goto done;
	}
	if (event_base_dispatch(base) == -1) {
		warn0("event loop failed");
		goto done;
	}
	rc = 0;
done:
	if (term != NULL)
		event_free(term);
	if (intr != NULL)
		event_free(intr);
	return (rc);
}

/**
 * progrun_start(po, deflt, precise):
 * Daemonize as progrun_daemonize does with the options in ${po} (the
 * default pidfile "${deflt}.pid"), then make an event base, with precise
 * timers if ${precise}.  Return the base, or NULL after printing why.
 */
struct event_base *
progrun_start(const struct progopts * po, const char * deflt, int precise)
{
	struct event_config * ecfg;
	struct event_base * base = NULL;

	if (progrun_daemonize(po->fg, po->pidfile, deflt, po->use_syslog))
		return (NULL);
	if ((ecfg = event_config_new()) == NULL ||
	    (precise &&
	    event_config_set_flag(ecfg, EVENT_BASE_FLAG_PRECISE_TIMER)) ||
	    (base = event_base_new_with_config(ecfg)) == NULL)
		warn0("cannot create an event base");
	if (ecfg != NULL)
		event_config_free(ecfg);
	return (base);
}

/**
 * progrun_serve(base, started):
 * The end of a program: if ${started} is 0, print "cannot start" and
 * return 1; else run ${base} as progrun_loop does and return 0, or 1 if
 * the loop failed.
 */
int
progrun_serve(struct event_base * base, int started)
{

	if (!started) {
		warn0("cannot start");
		return (1);
	}
	return (progrun_loop(base) ? 1 : 0);
}
