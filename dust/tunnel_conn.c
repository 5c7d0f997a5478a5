/*
 * A Dust connection's life: made on an accepted or a new socket with its
 * engine and timers, its socket's events, its duration, and its end.
 */

#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dust/engine.h"
#include "dust/ensemble.h"
#include "addr.h"
#include "fallback.h"
#include "tconn.h"
#include "tunnel.h"
#include "warnp.h"

/* Connected, closed, failed. */
static void
event_cb(struct bufferevent * bev, short what, void * arg)
{
	struct tconn * c = arg;
	int fd, one = 1;
	char why[128];

	if (what & BEV_EVENT_CONNECTED) {
		fd = bufferevent_getfd(bev);
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		tconn_start(c);
		return;
	}
	/* Before the mark: the fallback's, if there is one. */
	if (c->awaiting && c->kept != NULL && tconn_verdict(c, (what &
	    BEV_EVENT_EOF) ? FALLBACK_PEER_FIN : FALLBACK_PEER_RST))
		return;
	if (what & BEV_EVENT_EOF)
		tconn_close(c, c->finishing ? "conversation over" :
		    "closed by the peer");
	else if (what & BEV_EVENT_ERROR && c->connected)
		tconn_close(c, "cut");
	else if (what & BEV_EVENT_ERROR) {
		snprintf(why, sizeof(why), "connect failed (%s)",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		tconn_close(c, why);
	}
}

/* The duration has ended. */
static void
end_cb(evutil_socket_t fd, short what, void * arg)
{

	struct tconn * c = arg;

	(void)fd;
	(void)what;
	/* A peer silent before its mark: the site's timers decide. */
	if (c->awaiting && c->kept != NULL) {
		tconn_handover(c, FALLBACK_PEER_OPEN,
		    "no mark within the duration");
		return;
	}
	c->expired = 1;
	tconn_close(c, "duration ended");
}

/* The duration is nearly over. */
static void
warn_cb(evutil_socket_t fd, short what, void * arg)
{
	struct tconn * c = arg;

	(void)fd;
	(void)what;
	if (c->hooks != NULL && c->hooks->ending != NULL)
		c->hooks->ending(c, c->cookie);
}

/**
 * tunnel_bev_tune(bev):
 * Let ${bev} write up to TUNNEL_IO_MAX bytes in one system call.  (Its
 * reads are capped at 4096 bytes by libevent whatever it is told: the
 * large reads are sockread's, in tconn_read_cb and tapp_pump.)
 */
void
tunnel_bev_tune(struct bufferevent * bev)
{

	(void)bufferevent_set_max_single_write(bev, TUNNEL_IO_MAX);
}

/**
 * tconn_new(tun, fd, to, link, hooks, cookie):
 * Run a Dust connection on the accepted socket ${fd} (taken over), or if
 * ${to} is not NULL on a new connection to ${to}, carrying ${link} (taken
 * over).  Return it, or NULL on failure with errno set (${fd} and
 * ${link} are then freed).
 */
struct tconn *
tconn_new(struct tunnel * tun, int fd, const struct sock_addr * to,
    struct ens_link * link, const struct tconn_hooks * hooks, void * cookie)
{
	struct tconn * c;
	uint64_t hour;
	int saved;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto err0;
	c->tun = tun;
	c->link = link;
	c->hooks = hooks;
	c->cookie = cookie;
	c->tick_ms = TICK_MIN;
	c->hold_us = CONV_HOLD_MIN;
	c->no = ++tun->conn_serial;
	hour = dust_engine_mark_hour((uint64_t)time(NULL));
	if (tun->server && tun->mark)
		c->e = dust_engine_server_new_marked(tun->model, tun->sk,
		    tun->sid, tun->sidlen, tun->replay, NULL, tun->mark_key,
		    hour);
	else if (tun->server)
		c->e = dust_engine_server_new(tun->model, tun->sk, tun->sid,
		    tun->sidlen, tun->replay, NULL);
	else
		c->e = dust_engine_client_new_marked(tun->model,
		    tun->inv.pubkey, tun->sid, tun->sidlen, NULL, tun->recent,
		    hour);
	if (c->e == NULL)
		goto err1;
	c->duration = dust_engine_duration(c->e);
	c->conv = (tun->model->conv != NULL);
	c->format = (tun->model->format != NULL);
	if ((c->bev = bufferevent_socket_new(tun->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto err2;
	fd = -1;
	if ((c->tick = evtimer_new(tun->base, tconn_tick_cb, c)) == NULL ||
	    (c->end = evtimer_new(tun->base, end_cb, c)) == NULL ||
	    (c->warn = evtimer_new(tun->base, warn_cb, c)) == NULL)
		goto err3;
	bufferevent_setcb(c->bev, tconn_read_cb, tconn_write_cb, event_cb, c);
	/* tconn_write_cb when half of what was made has gone. */
	bufferevent_setwatermark(c->bev, EV_WRITE, TUNNEL_WIRE_HIGH / 2, 0);
	tunnel_bev_tune(c->bev);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE))
		goto err3;
	clock_gettime(CLOCK_MONOTONIC, &c->born);
	if (to != NULL && (tun->connect != NULL ?
	    tun->connect(tun->connect_cookie, c->bev, to) :
	    bufferevent_socket_connect(c->bev,
	    (const struct sockaddr *)&to->ss, (int)to->len)))
		goto err3;
	tun->st.conns++;
	tun->st.conns_open++;
	c->allnext = tun->conns;
	if (c->allnext != NULL)
		c->allnext->allprevp = &c->allnext;
	c->allprevp = &tun->conns;
	tun->conns = c;
	c->awaiting = (tun->server && tun->mark);
	/*
	 * The fallback's connection opens at once, so that its timers run
	 * from the instant they would for a direct client.
	 */
	if (c->awaiting && tun->fallback != NULL &&
	    (c->kept = evbuffer_new()) != NULL &&
	    (c->fb = fallback_open(tun->fallback, tconn_site_early,
	    tconn_site_greeted, c)) == NULL) {
		evbuffer_free(c->kept);
		c->kept = NULL;
	}
	if (to == NULL)
		tconn_start(c);
	return (c);

err3:
	saved = errno;
	if (c->tick)
		event_free(c->tick);
	if (c->end)
		event_free(c->end);
	if (c->warn)
		event_free(c->warn);
	bufferevent_free(c->bev);
	errno = saved;
err2:
	saved = errno;
	dust_engine_free(c->e);
	errno = saved;
err1:
	saved = errno;
	free(c);
	errno = saved;
err0:
	saved = errno;
	if (fd != -1)
		close(fd);
	ens_link_end(link);
	errno = saved;
	return (NULL);
}

/**
 * tconn_detach(c):
 * Forget the owner of ${c} (its hooks are not called any more); the
 * connection goes on with cover traffic until its duration ends, or, in
 * a format, closes once it has sent what it made.
 */
void
tconn_detach(struct tconn * c)
{

	c->hooks = NULL;
	c->cookie = NULL;
	if (c->link != NULL) {
		ens_link_end(c->link);
		c->link = NULL;
	}
	/*
	 * A format's connection carries its session and nothing else (no
	 * cover): it ends with it, once what was made has been sent, as a
	 * TLS client closes once its last request is answered.
	 */
	if (c->format && !c->finishing) {
		/* Not here: the caller may be one of ${c}'s callbacks. */
		c->finishing = FINISH_FLUSH;
		event_active(c->tick, EV_TIMEOUT, 0);
	}
}

/**
 * tconn_close(c, why):
 * End ${c}: call its ended hook and free it.
 */
void
tconn_close(struct tconn * c, const char * why)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (why != NULL)
		info0("connection #%ju: %s after %ju ms", (uintmax_t)c->no, why,
		    (uintmax_t)tunnel_ms_between(&c->born, &now));
	if (c->hooks != NULL && c->hooks->ended != NULL)
		c->hooks->ended(c, c->cookie, why);
	/* Unacknowledged data goes out again on the other links. */
	ens_link_end(c->link);
	c->link = NULL;
	event_free(c->tick);
	event_free(c->end);
	event_free(c->warn);
	if (c->gone != NULL)
		event_free(c->gone);
	fallback_cancel(c->fb);
	if (c->kept != NULL)
		evbuffer_free(c->kept);
	if (c->stall != NULL)
		event_free(c->stall);
	bufferevent_free(c->bev);
	dust_engine_free(c->e);
	c->tun->st.conns_open--;
	*c->allprevp = c->allnext;
	if (c->allnext != NULL)
		c->allnext->allprevp = c->allprevp;
	free(c);
}

/**
 * tconn_close_all(tun):
 * Close every connection of ${tun} without calling hooks (for exiting).
 */
void
tconn_close_all(struct tunnel * tun)
{
	struct tconn * c;

	while ((c = tun->conns) != NULL) {
		tconn_detach(c);
		tconn_close(c, NULL);
	}
}
