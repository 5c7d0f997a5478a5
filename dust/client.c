/*
 * dust client: accept application connections and carry each as an
 * Ensemble session over model-shaped Dust connections to a dust server
 * (docs/ensemble.md, man/dust.1).
 */
#include <sys/socket.h>

#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "addr.h"
#include "args.h"
#include "dust.h"
#include "muxrun.h"
#include "sock.h"
#include "tunnel.h"
#include "warnp.h"

/* Reconnect delays after failed connections (ms), and the give-up count. */
#define BACKOFF_MIN	100
#define BACKOFF_MAX	5000
#define FAILS_MAX	10

struct client {
	struct tunnel tun;
	struct sock_addr server;	/* Where Dust connections go. */
	int lfd;
	struct event * lev;
	size_t nsess, maxsess, maxlinks;
	struct csess * sessions;
};

struct csess {
	struct client * cl;
	struct tapp app;
	struct ens_session * s;
	struct tconn * conns;
	size_t nconns, nlinks_total;
	struct event * retry;		/* Reconnect timer. */
	struct event * kick;		/* Deferred pump. */
	uint32_t backoff;
	int fails;
	uint64_t no;
	struct timespec born;
	struct csess * next, ** prevp;
};

static void csess_pump(struct csess *);
static void open_conn(struct csess *);

/* Print the usage and exit with ${rc}. */
static void usage(int) __attribute__((noreturn));
static void
usage(int rc)
{

	fprintf(rc ? stderr : stdout,
	    "usage: dust client -s LISTEN -i INVITE [-t SERVER] [-n MAXSESSIONS]\n"
	    "                   [-c CONNS] [-F] [-p PIDFILE] [-v] [--syslog]\n"
	    "Carry each connection accepted on LISTEN to the dust server of\n"
	    "INVITE (the invite text, or a file holding it) as an Ensemble\n"
	    "session.  -t connects to SERVER instead of the invite's address\n"
	    "(a relay); -c is the most connections a session holds at once\n"
	    "(default 2); -n the most sessions (default 1000).\n");
	exit(rc);
}

/* Milliseconds since ${t}. */
static uint64_t
ms_since(const struct timespec * t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((uint64_t)((now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000));
}

/* Free ${cs}: its connections go on as cover until their ends. */
static void
csess_free(struct csess * cs)
{
	struct client * cl = cs->cl;
	struct tconn * c;
	uint64_t up, down;
	const char * why;

	ens_session_stats(cs->s, &up, &down);
	why = ens_session_why(cs->s);
	info0("session #%ju: %s%s after %ju ms, %zu connections, "
	    "%ju bytes up, %ju bytes down", (uintmax_t)cs->no,
	    why ? "aborted: " : "closed cleanly", why ? why : "",
	    (uintmax_t)ms_since(&cs->born), cs->nlinks_total,
	    (uintmax_t)up, (uintmax_t)down);
	while ((c = cs->conns) != NULL) {
		cs->conns = c->next;
		tconn_detach(c);
	}
	tapp_close(&cs->app, 1);
	ens_session_free(cs->s);
	event_free(cs->retry);
	event_free(cs->kick);
	*cs->prevp = cs->next;
	if (cs->next != NULL)
		cs->next->prevp = cs->prevp;
	free(cs);
	cl->tun.st.sessions_open--;
	/* Room again for a new application connection. */
	if (cl->nsess-- == cl->maxsess)
		event_add(cl->lev, NULL);
}

/* Hooks of the Dust connections. */
static void
conn_pumped(struct tconn * c, void * cookie)
{

	(void)c;
	csess_pump(cookie);
}

static void
conn_ending(struct tconn * c, void * cookie)
{
	struct csess * cs = cookie;

	(void)c;
	if (!ens_session_idle(cs->s) && cs->nconns < cs->cl->maxlinks)
		open_conn(cs);
}

static void
conn_ended(struct tconn * c, void * cookie, const char * why)
{
	struct csess * cs = cookie;
	struct tconn ** pp;
	uint32_t delay = 0;

	for (pp = &cs->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			cs->nconns--;
			break;
		}
	}
	/* Connections that die young, or never connect, back off. */
	if (why != NULL && (!c->connected || ms_since(&c->born) < 1000)) {
		cs->fails++;
		delay = cs->backoff;
		cs->backoff = cs->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
		    cs->backoff * 2;
	} else if (c->connected) {
		cs->fails = 0;
		cs->backoff = BACKOFF_MIN;
	}
	if (cs->fails > FAILS_MAX) {
		ens_session_abort(cs->s, "cannot reach the server");
	} else if (cs->nconns == 0 && !ens_session_idle(cs->s) &&
	    !evtimer_pending(cs->retry, NULL)) {
		struct timeval tv = {delay / 1000, (delay % 1000) * 1000};

		evtimer_add(cs->retry, &tv);
	}
	/* The link ends after this: pump once it has. */
	event_active(cs->kick, 0, 0);
}

static const struct tconn_hooks hooks = {
	conn_pumped, conn_ending, conn_ended
};

/* Open a Dust connection for ${cs}. */
static void
open_conn(struct csess * cs)
{
	struct client * cl = cs->cl;
	struct ens_link * l;
	struct tconn * c;

	if ((l = ens_link_client(cs->s)) == NULL) {
		ens_session_abort(cs->s, "out of memory");
		return;
	}
	if ((c = tconn_new(&cl->tun, -1, &cl->server, l, &hooks, cs)) ==
	    NULL) {
		warn0("cannot start a connection");
		return;
	}
	c->next = cs->conns;
	cs->conns = c;
	cs->nconns++;
	cs->nlinks_total++;
}

/* Retry timer: open a connection if none is left; pump. */
static void
retry_cb(evutil_socket_t fd, short what, void * arg)
{
	struct csess * cs = arg;

	(void)fd;
	(void)what;
	if (cs->nconns == 0 && !ens_session_idle(cs->s) &&
	    cs->fails <= FAILS_MAX)
		open_conn(cs);
	csess_pump(cs);
}

/* Deferred pump. */
static void
kick_cb(evutil_socket_t fd, short what, void * arg)
{

	(void)fd;
	(void)what;
	csess_pump(arg);
}

/* Move data between the application and the session; free when done. */
static void
csess_pump(struct csess * cs)
{
	int done = tapp_pump(&cs->app, &cs->cl->tun);

	/* Done, or the server cannot be reached: nothing more to say. */
	if ((done && ens_session_idle(cs->s)) ||
	    (cs->fails > FAILS_MAX && cs->nconns == 0)) {
		csess_free(cs);
		return;
	}
	/* A session with work and no connection gets one. */
	if (cs->nconns == 0 && !ens_session_idle(cs->s) &&
	    !evtimer_pending(cs->retry, NULL))
		event_active(cs->retry, EV_TIMEOUT, 0);
}

/* Application socket callbacks. */
static void
app_rw(struct bufferevent * bev, void * arg)
{

	(void)bev;
	csess_pump(arg);
}

static void
app_event(struct bufferevent * bev, short what, void * arg)
{
	struct csess * cs = arg;

	if (what & BEV_EVENT_EOF) {
		cs->app.eof_in = 1;
		bufferevent_disable(bev, EV_READ);
	} else if (what & BEV_EVENT_ERROR) {
		ens_session_abort(cs->s, "application connection failed");
		tapp_close(&cs->app, 1);
	}
	csess_pump(cs);
}

/* A new application connection. */
static void
accept_cb(evutil_socket_t lfd, short what, void * arg)
{
	struct client * cl = arg;
	struct csess * cs;
	int fd;

	(void)what;
	while ((fd = sock_accept(lfd)) != -1) {
		if ((cs = calloc(1, sizeof(*cs))) == NULL ||
		    (cs->s = ens_session_client_new()) == NULL ||
		    (cs->retry = event_new(cl->tun.base, -1, 0, retry_cb,
		    cs)) == NULL ||
		    (cs->kick = event_new(cl->tun.base, -1, 0, kick_cb,
		    cs)) == NULL ||
		    (cs->app.bev = bufferevent_socket_new(cl->tun.base, fd,
		    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
			warn0("out of memory: connection refused");
			if (cs != NULL) {
				ens_session_free(cs->s);
				if (cs->retry)
					event_free(cs->retry);
				if (cs->kick)
					event_free(cs->kick);
			}
			free(cs);
			close(fd);
			continue;
		}
		cs->cl = cl;
		cs->app.s = cs->s;
		cs->app.connected = 1;
		cs->backoff = BACKOFF_MIN;
		cs->no = ++cl->tun.sess_serial;
		clock_gettime(CLOCK_MONOTONIC, &cs->born);
		cs->next = cl->sessions;
		if (cs->next != NULL)
			cs->next->prevp = &cs->next;
		cs->prevp = &cl->sessions;
		cl->sessions = cs;
		cl->tun.st.sessions++;
		cl->tun.st.sessions_open++;
		bufferevent_setcb(cs->app.bev, app_rw, app_rw, app_event, cs);
		bufferevent_setwatermark(cs->app.bev, EV_WRITE,
		    TUNNEL_APP_HIGH / 2, 0);
		bufferevent_enable(cs->app.bev, EV_READ | EV_WRITE);
		info0("session #%ju: opened", (uintmax_t)cs->no);
		open_conn(cs);
		/* The limit: stop accepting until a session ends. */
		if (++cl->nsess >= cl->maxsess) {
			event_del(cl->lev);
			break;
		}
	}
}

/* SIGUSR1: the counters. */
static void
usr1_cb(evutil_socket_t sig, short what, void * arg)
{
	struct client * cl = arg;

	(void)sig;
	(void)what;
	tunnel_stats_log(&cl->tun);
}

/**
 * cmd_client(argc, argv):
 * The dust client.  Return the exit code.
 */
int
cmd_client(int argc, char ** argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"syslog", no_argument, NULL, 'S'},
		{NULL, 0, NULL, 0}
	};
	static struct client cl;
	struct sock_addr sa;
	const char * lspec = NULL, * ispec = NULL, * tspec = NULL;
	const char * pidfile = NULL;
	uint64_t v;
	int fg = 0, use_syslog = 0, ch, rc = 1;
	char why[256];
	struct event * usr1 = NULL;
	struct csess * cs;

	cl.maxsess = 1000;
	cl.maxlinks = 2;
	while ((ch = getopt_long(argc, argv, "c:Fhi:n:p:s:t:v", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (args_uint("-c", optarg, 1, 16, &v))
				return (1);
			cl.maxlinks = (size_t)v;
			break;
		case 'F':
			fg = 1;
			break;
		case 'h':
			usage(0);
		case 'i':
			ispec = optarg;
			break;
		case 'n':
			if (args_uint("-n", optarg, 1, 1000000, &v))
				return (1);
			cl.maxsess = (size_t)v;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 's':
			lspec = optarg;
			break;
		case 'S':
			use_syslog = 1;
			break;
		case 't':
			tspec = optarg;
			break;
		case 'v':
			warnp_setverbose(1);
			break;
		default:
			usage(1);
		}
	}
	if (optind != argc || lspec == NULL || ispec == NULL)
		usage(1);
	if (tunnel_load(&cl.tun, ispec, 0, why, sizeof(why))) {
		warn0("-i: %s", why);
		return (1);
	}
	if (tspec == NULL)
		tspec = invite_format_address(&cl.tun.inv, why, sizeof(why));
	if (addr_resolve(tspec, &cl.server, 1, why, sizeof(why)) < 0) {
		warn0("server address: %s", why);
		goto done0;
	}
	if (addr_resolve(lspec, &sa, 1, why, sizeof(why)) < 0) {
		warn0("-s: %s", why);
		goto done0;
	}
	if ((cl.lfd = sock_listen(&sa)) == -1) {
		warnp("-s: cannot listen on %s", lspec);
		goto done0;
	}
	if (muxrun_daemonize(fg, pidfile, lspec, use_syslog))
		goto done1;
	if ((cl.tun.base = event_base_new()) == NULL ||
	    (cl.lev = event_new(cl.tun.base, cl.lfd, EV_READ | EV_PERSIST,
	    accept_cb, &cl)) == NULL ||
	    (usr1 = evsignal_new(cl.tun.base, SIGUSR1, usr1_cb, &cl)) ==
	    NULL || event_add(cl.lev, NULL) || event_add(usr1, NULL)) {
		warn0("cannot set up the event loop");
		goto done2;
	}
	if (muxrun_loop(cl.tun.base) == 0)
		rc = 0;
	while ((cs = cl.sessions) != NULL)
		csess_free(cs);
	tconn_close_all(&cl.tun);
done2:
	if (usr1)
		event_free(usr1);
	if (cl.lev)
		event_free(cl.lev);
	if (cl.tun.base)
		event_base_free(cl.tun.base);
done1:
	close(cl.lfd);
done0:
	tunnel_free(&cl.tun);
	return (rc);
}
