/*
 * A program's event base, its acceptor and its SIGUSR1 handler, and its
 * counters, logged on SIGUSR1.
 */

#include <sys/prctl.h>

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "dust/model.h"
#include "acceptor.h"
#include "tunnel.h"
#include "warnp.h"

/* SIGUSR1: the counters. */
static void
usr1_cb(evutil_socket_t sig, short what, void * arg)
{
	struct tunnel * tun = arg;

	(void)sig;
	(void)what;
	tunnel_stats_log(tun);
}

/*
 * Callbacks run in a row before the loop looks at the sockets and signals
 * again: a callback that makes itself active again at once (a bug) may
 * waste a core, but SIGTERM and SIGINT are still seen.
 */
#define DISPATCH_MAX	64

/**
 * tunnel_base_new(precise):
 * Return an event base that looks for new events (signals among them)
 * after DISPATCH_MAX callbacks at most, and whose timers fire to the
 * microsecond if ${precise} (for a model with conversations: their gaps
 * are tens of microseconds on loopback): libevent's epoll backend rounds
 * timeouts up to whole ms unless asked for precise timers (then a
 * timerfd), and the kernel may delay a wake-up by the thread's timer
 * slack (50 us by default), so that is made 1 ns.  Return NULL on failure.
 */
struct event_base *
tunnel_base_new(int precise)
{
	struct event_config * cfg;
	struct event_base * base = NULL;

	if ((cfg = event_config_new()) == NULL)
		return (NULL);
	if (event_config_set_max_dispatch_interval(cfg, NULL, DISPATCH_MAX,
	    0))
		goto done;
	if (precise) {
		(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
		if (event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER))
			goto done;
	}
	base = event_base_new_with_config(cfg);
done:
	event_config_free(cfg);
	return (base);
}

/**
 * tunnel_events(tun, accept_cb, arg):
 * Make ${tun}'s event base, the acceptor ${tun}->acc that calls
 * accept_cb(${arg}, fd) with each connection accepted on the listening
 * socket ${tun}->lfd, and a SIGUSR1 handler that logs the counters.
 * Return 0, or -1 on failure; tunnel_events_free frees what was made.
 */
int
tunnel_events(struct tunnel * tun, void (* accept_cb)(void *, int),
    void * arg)
{

	if ((tun->base = tunnel_base_new(tun->model->conv != NULL)) == NULL ||
	    (tun->acc = acceptor_new(tun->base, tun->lfd, NULL, accept_cb,
	    arg)) == NULL ||
	    (tun->usr1 = evsignal_new(tun->base, SIGUSR1, usr1_cb, tun)) ==
	    NULL || event_add(tun->usr1, NULL))
		return (-1);
	return (0);
}

/**
 * tunnel_events_free(tun):
 * Free what tunnel_events made (the event base last).
 */
void
tunnel_events_free(struct tunnel * tun)
{

	if (tun->usr1 != NULL)
		event_free(tun->usr1);
	acceptor_free(tun->acc);
	if (tun->base != NULL)
		event_base_free(tun->base);
}

/**
 * tunnel_stats_log(tun):
 * Log the counters of ${tun}.
 */
void
tunnel_stats_log(struct tunnel * tun)
{
	struct tunnel_stats * st = &tun->st;

	warn0("sessions %ju open %ju; connections %ju open %ju "
	    "(%ju failed silently), %ju unauthenticated; wire bytes out %ju "
	    "in %ju; "
	    "real bytes out %ju in %ju; cover bytes out %ju; "
	    "packets skipped (path full) %ju; timer lead %u us",
	    (uintmax_t)st->sessions, (uintmax_t)st->sessions_open,
	    (uintmax_t)st->conns, (uintmax_t)st->conns_open,
	    (uintmax_t)st->failed, (uintmax_t)st->unauthenticated,
	    (uintmax_t)st->wire_out,
	    (uintmax_t)st->wire_in, (uintmax_t)st->real_out,
	    (uintmax_t)st->real_in,
	    (uintmax_t)(st->wire_out > st->real_out ?
	    st->wire_out - st->real_out : 0), (uintmax_t)st->skipped,
	    tun->wake_late_us);
}
