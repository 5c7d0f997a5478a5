/*
 * dust client: accept application connections and carry each as an
 * Ensemble session over model-shaped Dust connections to a dust server
 * (docs/ensemble.md, man/dust.1).
 */
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "acceptor.h"
#include "addr.h"
#include "args.h"
#include "backoff.h"
#include "client.h"
#include "dust.h"
#include "progrun.h"
#include "progopts.h"
#include "sock.h"
#include "tunnel.h"
#include "warnp.h"

/*
 * Waits after failed connections to the server (ms), doubling from the
 * first to the last (docs: man/dust.1), and the failures in a row after
 * which a session gives up.
 */
#define BACKOFF_MIN	100
#define BACKOFF_MAX	5000
#define FAILS_MAX	6
/* A connection that ends sooner unanswered has failed (ms). */
#define YOUNG_MS	1000
/* Conversation mode: how often an idle session asks for news (ms). */
#define POLL_MIN	50
#define POLL_MAX	1000

struct client {
	struct tunnel tun;
	struct sock_addr server;	/* Where Dust connections go. */
	size_t nsess, maxsess, maxlinks;
	size_t chunk;			/* -m: most bytes per DATA. */
	struct csess * sessions;
	struct backoff bo;		/* Pace of connects to the server. */
	uint64_t fails_total;		/* Failures counted, ever. */
	struct tconn * probe;		/* While the server cannot be reached:
					   the one connection trying. */
};

struct csess {
	struct client * cl;
	struct tapp app;
	struct ens_session * s;
	struct tconn * conns;
	size_t nconns, nlinks_total;
	struct event * retry;		/* Reconnect timer. */
	struct event * kick;		/* Deferred pump. */
	uint32_t poll;			/* Conversation mode: next idle wait. */
	uint64_t seen;			/* Bytes up and down at the last end. */
	uint64_t fails_base;		/* cl->fails_total when the server
					   last answered the session. */
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
	    "                   [-c CONNS] [-m BYTES] [-F] [-p PIDFILE] [-v]\n"
	    "                   [--syslog]\n"
	    "Carry each connection accepted on LISTEN to the dust server of\n"
	    "INVITE (the invite text, or a file holding it) as an Ensemble\n"
	    "session.  -t connects to SERVER instead of the invite's address\n"
	    "(a relay); -c is the most connections a session holds at once\n"
	    "(default 2); -n the most sessions (default 1000); -m the most\n"
	    "application bytes per Data message sent (1 to 8192, default\n"
	    "8192).\n");
	exit(rc);
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
	    "%ju bytes up, %ju bytes down, %ju extends", (uintmax_t)cs->no,
	    why ? "aborted: " : "closed cleanly", why ? why : "",
	    (uintmax_t)tunnel_ms_since(&cs->born), cs->nlinks_total,
	    (uintmax_t)up, (uintmax_t)down,
	    (uintmax_t)ens_session_extends(cs->s));
	while ((c = cs->conns) != NULL) {
		cs->conns = c->next;
		if (c == cl->probe)
			cl->probe = NULL;
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
		acceptor_release(cl->tun.acc);
	acceptor_wake(cl->tun.acc);
}

/*
 * wake_waiting(cl): make every session that waits for a connection to
 * the server look again at once (the backoff or the probe changed).
 */
static void
wake_waiting(struct client * cl)
{
	struct csess * cs;

	for (cs = cl->sessions; cs != NULL; cs = cs->next) {
		if (cs->nconns > 0 || !evtimer_pending(cs->retry, NULL))
			continue;
		event_del(cs->retry);
		event_active(cs->retry, EV_TIMEOUT, 0);
	}
}

/*
 * connect_failed(cl, started, why): a connection to the server begun at
 * ${started} failed for ${why}: back off, logging the first failure of a
 * spell as a warning and the next ones (one per wait, not one per
 * connection) if verbose.
 */
static void
connect_failed(struct client * cl, const struct timespec * started,
    const char * why)
{
	uint32_t wait;

	if ((wait = backoff_failed(&cl->bo, started)) == 0)
		return;
	cl->fails_total++;
	if (cl->bo.fails == 1)
		warn0("cannot reach the server: %s; next try in %u ms",
		    why, wait);
	else
		info0("cannot reach the server (%ju failures): %s; next try "
		    "in %u ms", (uintmax_t)cl->bo.fails, why, wait);
	wake_waiting(cl);
}

/*
 * connect_answered(cs): the server answered a connection of ${cs} (its
 * Dust handshake checked out): the backoff starts again.
 */
static void
connect_answered(struct csess * cs)
{
	struct client * cl = cs->cl;
	uint64_t fails;

	cs->fails_base = cl->fails_total;
	if ((fails = backoff_succeeded(&cl->bo)) == 0)
		return;
	warn0("the server answers again after %ju failed connections",
	    (uintmax_t)fails);
	wake_waiting(cl);
}

/* csess_gave_up(cs): return 1 if ${cs} saw too many failures in a row. */
static int
csess_gave_up(const struct csess * cs)
{

	return (cs->cl->fails_total - cs->fails_base > FAILS_MAX);
}

/*
 * conv_delay(cs): in conversation mode a connection ends with its
 * conversation, and the next follows at once while data flows or the
 * session has something to say; an idle session asks for what the server
 * may hold after POLL_MIN ms, doubling to POLL_MAX.  Return the wait.
 */
static uint32_t
conv_delay(struct csess * cs)
{
	uint64_t up, down;
	uint32_t d;

	ens_session_stats(cs->s, &up, &down);
	if (up + down != cs->seen || ens_session_wants_link(cs->s)) {
		cs->seen = up + down;
		cs->poll = POLL_MIN;
		return (0);
	}
	d = cs->poll;
	cs->poll = cs->poll * 2 > POLL_MAX ? POLL_MAX : cs->poll * 2;
	return (d);
}

/* Hooks of the Dust connections. */
static void
conn_pumped(struct tconn * c, void * cookie)
{
	struct csess * cs = cookie;

	if (c == cs->cl->probe)
		cs->cl->probe = NULL;
	connect_answered(cs);
	csess_pump(cs);
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
	struct client * cl = cs->cl;
	struct tconn ** pp;
	uint32_t delay = 0;
	int probe = (c == cl->probe);

	for (pp = &cs->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			cs->nconns--;
			break;
		}
	}
	if (probe)
		cl->probe = NULL;
	/*
	 * Connections the server never answered that die young, or never
	 * connect, have failed; the others end as the model says.
	 */
	if (c->answered) {
		connect_answered(cs);
	} else if (!c->expired && why != NULL &&
	    (!c->connected || tunnel_ms_since(&c->born) < YOUNG_MS)) {
		connect_failed(cl, &c->born, why);
		probe = 1;
	}
	if (c->connected && c->conv && cl->bo.fails == 0)
		delay = conv_delay(cs);
	/* The probe is over: the other sessions may try. */
	if (probe)
		wake_waiting(cl);
	if (csess_gave_up(cs)) {
		ens_session_abort(cs->s, "cannot reach the server");
	} else if (cs->nconns == 0 && !ens_session_idle(cs->s) &&
	    !evtimer_pending(cs->retry, NULL)) {
		tunnel_arm_ms(cs->retry, delay);
	}
	/* The link ends after this: pump once it has. */
	event_active(cs->kick, 0, 0);
}

static const struct tconn_hooks hooks = {
	conn_pumped, conn_ending, conn_ended
};

/*
 * Open a Dust connection for ${cs}.  While the server cannot be reached,
 * one connection at a time tries (the probe), no sooner than the backoff
 * allows; the others wait on their retry timer (a failed or answered
 * probe wakes them: wake_waiting).
 */
static void
open_conn(struct csess * cs)
{
	struct client * cl = cs->cl;
	struct ens_link * l;
	struct tconn * c;
	struct timespec started;
	uint32_t wait;

	if (cl->bo.fails > 0 && cl->probe != NULL) {
		tunnel_arm_ms(cs->retry, BACKOFF_MAX);
		return;
	}
	if ((wait = backoff_wait(&cl->bo)) > 0) {
		tunnel_arm_ms(cs->retry, wait);
		return;
	}
	if ((l = ens_link_client(cs->s)) == NULL) {
		ens_session_abort(cs->s, "out of memory");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &started);
	if ((c = tconn_new(&cl->tun, -1, &cl->server, l, &hooks, cs)) ==
	    NULL) {
		/* EMFILE, ENETUNREACH ...: it failed at once. */
		connect_failed(cl, &started, strerror(errno));
		if (csess_gave_up(cs))
			ens_session_abort(cs->s, "cannot reach the server");
		/* Then the retry timer, or the end. */
		event_active(cs->kick, 0, 0);
		return;
	}
	if (cl->bo.fails > 0)
		cl->probe = c;
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
	if (cs->nconns == 0 && !ens_session_idle(cs->s)) {
		if (csess_gave_up(cs))
			ens_session_abort(cs->s, "cannot reach the server");
		else
			open_conn(cs);
	}
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
	    (csess_gave_up(cs) && cs->nconns == 0)) {
		csess_free(cs);
		return;
	}
	/*
	 * A session with work and no connection gets one; one with
	 * something to say does not wait for its next poll.
	 */
	if (cs->nconns == 0 && !ens_session_idle(cs->s)) {
		if (evtimer_pending(cs->retry, NULL) &&
		    cs->cl->bo.fails == 0 && ens_session_wants_link(cs->s))
			event_del(cs->retry);
		if (!evtimer_pending(cs->retry, NULL))
			event_active(cs->retry, EV_TIMEOUT, 0);
	}
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

/**
 * client_accept(cl, fd):
 * Carry the application connection ${fd} (taken over) as a session of
 * the client ${cl} (a struct client *).
 */
void
client_accept(void * arg, int fd)
{
	struct client * cl = arg;
	struct csess * cs;

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
		return;
	}
	cs->cl = cl;
	(void)ens_session_set_chunk(cs->s, cl->chunk);
	cs->app.s = cs->s;
	cs->app.connected = 1;
	cs->fails_base = cl->fails_total;
	cs->poll = POLL_MIN;
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
	tunnel_bev_tune(cs->app.bev);
	bufferevent_setwatermark(cs->app.bev, EV_WRITE,
	    TUNNEL_APP_HIGH / 2, 0);
	bufferevent_enable(cs->app.bev, EV_READ | EV_WRITE);
	info0("session #%ju: opened", (uintmax_t)cs->no);
	open_conn(cs);
	/* The limit: stop accepting until a session ends. */
	if (++cl->nsess >= cl->maxsess)
		acceptor_hold(cl->tun.acc);
}

/* client_defaults(cl): the settings of ${cl} before its options. */
static void
client_defaults(struct client * cl)
{

	cl->maxlinks = 2;
	backoff_init(&cl->bo, BACKOFF_MIN, BACKOFF_MAX);
}

/* client_stop(cl): end every session and connection of ${cl}. */
static void
client_stop(struct client * cl)
{
	struct csess * cs;

	/* A session still open is not "closed cleanly" in the log. */
	while ((cs = cl->sessions) != NULL) {
		ens_session_abort(cs->s, "the client is exiting");
		csess_free(cs);
	}
	tconn_close_all(&cl->tun);
}

/**
 * client_new(base, invite, server, why, whylen):
 * Make a client on the event base ${base}, without a listening socket,
 * for the server of the invite text ${invite}, whose Dust connections go
 * to ${server}.  Return it, or NULL with a sentence in ${why}.
 */
struct client *
client_new(struct event_base * base, const char * invite,
    const struct sock_addr * server, char * why, size_t whylen)
{
	struct client * cl;

	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return (NULL);
	}
	client_defaults(cl);
	if (tunnel_load(&cl->tun, invite, 0, why, whylen)) {
		free(cl);
		return (NULL);
	}
	cl->tun.base = base;
	cl->tun.lfd = -1;
	cl->server = *server;
	cl->maxsess = SIZE_MAX;
	cl->chunk = tunnel_chunk(&cl->tun);
	return (cl);
}

/**
 * client_tunnel(cl):
 * Return the tunnel of ${cl} (to set how its connections are made).
 */
struct tunnel *
client_tunnel(struct client * cl)
{

	return (&cl->tun);
}

/**
 * client_free(cl):
 * End the sessions and connections of ${cl} (made by client_new) and free
 * it.
 */
void
client_free(struct client * cl)
{

	if (cl == NULL)
		return;
	client_stop(cl);
	tunnel_free(&cl->tun);
	free(cl);
}

/**
 * cmd_client(argc, argv):
 * The dust client.  Return the exit code.
 */
int
cmd_client(int argc, char ** argv)
{
	static const struct option opts[] = {
		PROGOPTS_LONG_HELP, PROGOPTS_LONG_SYSLOG,
		{NULL, 0, NULL, 0}
	};
	static struct client cl;
	struct progopts po = {
		.name = "dust", .usage = usage, .pidflag = 'p', .nmin = 1,
		.n = 1000
	};
	const char * lspec = NULL, * ispec = NULL, * tspec = NULL;
	uint64_t v;
	int ch, rc = 1;
	char why[256];

	client_defaults(&cl);
	while ((ch = getopt_long(argc, argv, "c:Fhi:m:n:p:s:t:v", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (args_uint("-c", optarg, 1, 16, &v))
				return (1);
			cl.maxlinks = (size_t)v;
			break;
		case 'i':
			ispec = optarg;
			break;
		case 'm':
			if (args_uint("-m", optarg, 1, ENS_CHUNK, &v))
				return (1);
			cl.chunk = (size_t)v;
			break;
		case 's':
			lspec = optarg;
			break;
		case 't':
			tspec = optarg;
			break;
		default:
			if (progopts_flag(&po, ch, optarg))
				return (1);
		}
	}
	if (optind != argc || lspec == NULL || ispec == NULL)
		usage(1);
	/* Each session: its application connection and its links. */
	po.files_per_n = 1 + cl.maxlinks;
	if (progopts_files(&po))
		return (1);
	cl.maxsess = (size_t)po.n;
	if (tunnel_load(&cl.tun, ispec, 0, why, sizeof(why))) {
		warn0("-i: %s", why);
		return (1);
	}
	if (cl.chunk == 0)
		cl.chunk = tunnel_chunk(&cl.tun);
	if (tspec == NULL)
		tspec = invite_format_address(&cl.tun.inv, why, sizeof(why));
	if (progopts_resolve("server address", tspec, &cl.server, 1) < 0 ||
	    (cl.tun.lfd = progopts_listen("-s", lspec)) == -1)
		goto done0;
	if (progrun_daemonize(po.fg, po.pidfile, lspec, po.use_syslog))
		goto done1;
	if (tunnel_events(&cl.tun, client_accept, &cl)) {
		warn0("cannot set up the event loop");
		goto done2;
	}
	if (progrun_loop(cl.tun.base) == 0)
		rc = 0;
	client_stop(&cl);
done2:
	tunnel_events_free(&cl.tun);
done1:
	close(cl.tun.lfd);
done0:
	tunnel_free(&cl.tun);
	return (rc);
}
