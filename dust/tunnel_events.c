#include <signal.h>
#include <stddef.h>

#include <event2/event.h>

#include "tunnel.h"

/* SIGUSR1: the counters. */
static void
usr1_cb(evutil_socket_t sig, short what, void * arg)
{
	struct tunnel * tun = arg;

	(void)sig;
	(void)what;
	tunnel_stats_log(tun);
}

/**
 * tunnel_events(tun, accept_cb, arg):
 * Make ${tun}'s event base, the event ${tun}->lev that calls
 * accept_cb(${tun}->lfd, EV_READ, ${arg}) whenever the listening socket
 * ${tun}->lfd is readable, and a SIGUSR1 handler that logs the counters.
 * Return 0, or -1 on failure; tunnel_events_free frees what was made.
 */
int
tunnel_events(struct tunnel * tun, event_callback_fn accept_cb, void * arg)
{

	if ((tun->base = event_base_new()) == NULL ||
	    (tun->lev = event_new(tun->base, tun->lfd, EV_READ | EV_PERSIST,
	    accept_cb, arg)) == NULL ||
	    (tun->usr1 = evsignal_new(tun->base, SIGUSR1, usr1_cb, tun)) ==
	    NULL || event_add(tun->lev, NULL) || event_add(tun->usr1, NULL))
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
	if (tun->lev != NULL)
		event_free(tun->lev);
	if (tun->base != NULL)
		event_base_free(tun->base);
}
