/*
 * dust client: accept application connections and carry each as a stream
 * of one Ensemble session over model-shaped Dust connections to a dust
 * server (docs/streams.md, docs/ensemble.md, man/dust.1); with --socks,
 * a SOCKS5 front end whose connections go where they ask, through the
 * server's exit.
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

#include "socks/socks5.h"

#include "acceptor.h"
#include "addr.h"
#include "args.h"
#include "backoff.h"
#include "client.h"
#include "client_conns.h"
#include "dust.h"
#include "muxio.h"
#include "muxsocks.h"
#include "progrun.h"
#include "progopts.h"
#include "sock.h"
#include "socksfront.h"
#include "tunnel.h"
#include "warnp.h"

/* Long options without a short one. */
#define OPT_SOCKS	1000
#define OPT_LINGER	1001

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
/* The most connections a session holds at once (-c). */
#define CONNS_MAX	16
/* A session without streams is closed after this long (ms). */
#define LINGER_DEFAULT	60000
/* How often the session's streams are counted (ms). */
#define QUIET_CHECK	250

struct client {
	struct tunnel tun;
	struct sock_addr server;	/* Where Dust connections go. */
	size_t maxlinks;
	size_t chunk;			/* -m: most bytes per DATA. */
	struct csess * sessions;	/* Every session, ending ones too; */
	struct csess * cur;		/* the one new streams go into. */
	struct muxio_limit limit;	/* -n: streams at once. */
	struct socksfront * socks;	/* --socks, or NULL. */
	uint64_t linger_ms;		/* --linger */
	struct event * quiet;		/* Counts the streams of ${cur}. */
	struct backoff bo;		/* Pace of connects to the server. */
	uint64_t fails_total;		/* Failures counted, ever. */
	struct tconn * probe;		/* While the server cannot be reached:
					   the one connection trying. */
	struct cconns plan;		/* When connections open and close
					   (client_conns.h). */
};

struct csess {
	struct client * cl;
	struct tapp app;
	struct ens_session * s;
	struct muxio * m;		/* Its streams, or NULL once ended. */
	struct timespec quiet_since;	/* When its streams fell to none, */
	int quiet;			/* if they did. */
	struct tconn * conns;
	size_t nconns, nlinks_total;
	struct event * retry;		/* Reconnect timer. */
	struct event * kick;		/* Deferred pump. */
	struct event * grow;		/* A further connection's gap. */
	uint64_t moved;			/* Bytes up and down, */
	struct timespec moved_at;	/* and when they last changed. */
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
static uint64_t csess_moved(struct csess *);

/* Print the usage and exit with ${rc}. */
static void usage(int) __attribute__((noreturn));
static void
usage(int rc)
{

	fprintf(rc ? stderr : stdout,
	    "usage: dust client {-s LISTEN | --socks LISTEN} -i INVITE [-t SERVER]\n"
	    "                   [-n MAXSTREAMS] [-c CONNS] [-m BYTES]\n"
	    "                   [--linger MS] [-F] [-p PIDFILE] [-v] [--syslog]\n"
	    "Carry each connection accepted on LISTEN to the dust server of\n"
	    "INVITE (the invite text, or a file holding it) as a stream of one\n"
	    "Ensemble session, to the server's target; with --socks, LISTEN is\n"
	    "a SOCKS5 proxy and each stream goes where it asks, through the\n"
	    "server's exit.  -t connects to SERVER instead of the invite's\n"
	    "address (a relay); -c is the most connections the session holds\n"
	    "at once (default 2; 16 with a model that has a \"hosts\" object,\n"
	    "whose learned process opens and closes them); -n the most\n"
	    "streams at once (default 1000); -m the most application bytes\n"
	    "per Data message sent (1 to 8192, default 8192); --linger: a\n"
	    "session without streams is closed after MS milliseconds\n"
	    "(default 60000).\n");
	exit(rc);
}

/*
 * csess_streams_end(cs): the session ${cs} takes no more streams; those
 * it carries are reset (a SOCKS client still waiting gets reply 01).
 */
static void
csess_streams_end(struct csess * cs)
{

	if (cs->cl->cur == cs)
		cs->cl->cur = NULL;
	if (cs->m != NULL) {
		muxio_free(cs->m);
		cs->m = NULL;
	}
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
	csess_streams_end(cs);
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
	event_free(cs->grow);
	*cs->prevp = cs->next;
	if (cs->next != NULL)
		cs->next->prevp = cs->prevp;
	free(cs);
	cl->tun.st.sessions_open--;
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
	if (!ens_session_idle(cs->s) && cs->nconns < cconns_max(&cs->cl->plan))
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
 * csess_moved(cs): return the application bytes ${cs} has moved up and
 * down, noting when they last changed.
 */
static uint64_t
csess_moved(struct csess * cs)
{
	uint64_t up, down;

	ens_session_stats(cs->s, &up, &down);
	if (up + down != cs->moved) {
		cs->moved = up + down;
		clock_gettime(CLOCK_MONOTONIC, &cs->moved_at);
	}
	return (cs->moved);
}

/*
 * csess_silent(cs): return 1 if ${cs} is idle as the learned client is
 * (a model with a "hosts" object): it carries no stream and has nothing
 * to say, so that an ended connection is not replaced (a learned idle
 * client sends nothing); else 0.
 */
static int
csess_silent(const struct csess * cs)
{

	return (cs->cl->plan.h != NULL &&
	    (cs->m == NULL || muxio_count(cs->m) == 0) &&
	    !ens_session_wants_link(cs->s));
}

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
	/*
	 * The learned gap since the last start (client_conns.h): a busy
	 * host's while others are open, the session carries streams or has
	 * something to say, or bytes moved since the last start.
	 */
	if ((wait = (uint32_t)cconns_gap_ms(&cl->plan, !csess_silent(cs) ||
	    cs->nconns > 0 || csess_moved(cs) != cl->plan.moved)) > 0) {
		if (!evtimer_pending(cs->retry, NULL))
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
	c->idle_ms = cconns_idle_ms(&cl->plan);
	cconns_started(&cl->plan, csess_moved(cs));
	c->next = cs->conns;
	cs->conns = c;
	cs->nconns++;
	cs->nlinks_total++;
}

/*
 * csess_grow(cs): with a "hosts" object, open a further connection for
 * ${cs} when bytes flow and the learned process allows (cconns_next), or
 * wake when its gap has passed.
 */
static void
csess_grow(struct csess * cs)
{
	struct client * cl = cs->cl;
	uint64_t wait;

	if (cl->plan.h == NULL || cs->nconns == 0 || cl->bo.fails > 0 ||
	    ens_session_idle(cs->s) || evtimer_pending(cs->grow, NULL))
		return;
	wait = cconns_next(&cl->plan, cs->nconns, csess_moved(cs));
	if (wait == 0)
		open_conn(cs);
	else if (wait != CCONNS_NEVER)
		tunnel_arm_ms(cs->grow, wait);
}

/* Gap timer: a further connection may open now. */
static void
grow_cb(evutil_socket_t fd, short what, void * arg)
{

	(void)fd;
	(void)what;
	csess_grow(arg);
}

/*
 * csess_close_idle(cs): close the connections of ${cs} that have been
 * without data (the session's bytes unchanged) for their idle time, as
 * the learned client closes: a FIN, or a RST (SO_LINGER 0).  A
 * conversation's connection is left to its conversation, which ends it
 * as the learned connection ended (docs/models.md, "close").
 */
static void
csess_close_idle(struct csess * cs)
{
	struct linger rst = { 1, 0 };
	struct tconn * c, * next;
	uint64_t idle;

	(void)csess_moved(cs);
	idle = tunnel_ms_since(&cs->moved_at);
	for (c = cs->conns; c != NULL; c = next) {
		next = c->next;
		if (c->idle_ms == 0 || c->conv || !c->answered ||
		    c->finishing || idle < c->idle_ms ||
		    tunnel_ms_since(&c->born) < c->idle_ms)
			continue;
		if (cconns_close_rst(&cs->cl->plan))
			(void)setsockopt(bufferevent_getfd(c->bev), SOL_SOCKET,
			    SO_LINGER, &rst, sizeof(rst));
		c->expired = 1;
		tconn_close(c, "idle");
	}
}

/* Retry timer: open a connection if none is left; pump. */
static void
retry_cb(evutil_socket_t fd, short what, void * arg)
{
	struct csess * cs = arg;

	(void)fd;
	(void)what;
	if (cs->nconns == 0 && !ens_session_idle(cs->s) &&
	    !csess_silent(cs)) {
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

	tunnel_kick_session(&cs->cl->tun, cs->s);
	/* The session's stream is over: so are its streams. */
	if (done)
		csess_streams_end(cs);
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
	if (cs->nconns == 0 && !ens_session_idle(cs->s) &&
	    !csess_silent(cs)) {
		if (evtimer_pending(cs->retry, NULL) &&
		    cs->cl->bo.fails == 0 && ens_session_wants_link(cs->s))
			event_del(cs->retry);
		if (!evtimer_pending(cs->retry, NULL))
			event_active(cs->retry, EV_TIMEOUT, 0);
	}
	csess_grow(cs);
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

/* The client side of a link is never asked for a target. */
static const struct sock_addr *
no_target(void * cookie, uint8_t port)
{

	(void)cookie;
	(void)port;
	return (NULL);
}

/*
 * The stream layer of a session died (a protocol error, or the session's
 * stream ended): the session takes no more streams; if the server's
 * stream had not ended cleanly, the session cannot go on.
 */
static void
streams_dead(void * cookie, const char * why)
{
	struct csess * cs = cookie;

	cs->m = NULL;
	if (cs->cl->cur == cs)
		cs->cl->cur = NULL;
	if (!ens_session_rx_done(cs->s)) {
		warn0("session #%ju: streams: %s", (uintmax_t)cs->no, why);
		ens_session_abort(cs->s, "stream layer failed");
	}
	event_active(cs->kick, 0, 0);
}

static const struct muxio_hooks streams_hooks = {
	no_target, streams_dead, NULL
};

/*
 * csess_new(cl): open a session of ${cl} (its first Dust connection on
 * the way) and make it the one new streams go into.  Return it, or NULL
 * after a warning.
 */
static struct csess *
csess_new(struct client * cl)
{
	struct csess * cs;
	char name[64];

	if ((cs = calloc(1, sizeof(*cs))) == NULL ||
	    (cs->s = ens_session_client_new()) == NULL ||
	    (cs->retry = event_new(cl->tun.base, -1, 0, retry_cb,
	    cs)) == NULL ||
	    (cs->kick = event_new(cl->tun.base, -1, 0, kick_cb,
	    cs)) == NULL ||
	    (cs->grow = event_new(cl->tun.base, -1, 0, grow_cb,
	    cs)) == NULL)
		goto err;
	cs->no = cl->tun.sess_serial + 1;
	snprintf(name, sizeof(name), "session #%ju", (uintmax_t)cs->no);
	if ((cs->m = tstreams_new(&cl->tun, &cs->app, 0, &streams_hooks, cs,
	    name, &cl->limit)) == NULL)
		goto err;
	cl->tun.sess_serial++;
	cs->cl = cl;
	(void)ens_session_set_chunk(cs->s, cl->chunk);
	cs->app.s = cs->s;
	cs->fails_base = cl->fails_total;
	cs->poll = POLL_MIN;
	clock_gettime(CLOCK_MONOTONIC, &cs->born);
	cs->moved_at = cs->born;
	cs->next = cl->sessions;
	if (cs->next != NULL)
		cs->next->prevp = &cs->next;
	cs->prevp = &cl->sessions;
	cl->sessions = cs;
	cl->cur = cs;
	cl->tun.st.sessions++;
	cl->tun.st.sessions_open++;
	bufferevent_setcb(cs->app.bev, app_rw, app_rw, app_event, cs);
	tunnel_bev_tune(cs->app.bev);
	bufferevent_setwatermark(cs->app.bev, EV_WRITE,
	    TUNNEL_APP_HIGH / 2, 0);
	bufferevent_enable(cs->app.bev, EV_READ | EV_WRITE);
	info0("session #%ju: opened", (uintmax_t)cs->no);
	open_conn(cs);
	return (cs);

err:
	warn0("cannot open a session: %s", strerror(errno));
	if (cs != NULL) {
		ens_session_free(cs->s);
		if (cs->retry)
			event_free(cs->retry);
		if (cs->kick)
			event_free(cs->kick);
		if (cs->grow)
			event_free(cs->grow);
	}
	free(cs);
	return (NULL);
}

/* streams(cl): return the link of the session new streams go into. */
static struct muxio *
streams(struct client * cl)
{

	if (cl->cur == NULL && csess_new(cl) == NULL)
		return (NULL);
	cl->cur->quiet = 0;
	return (cl->cur->m);
}

/*
 * Every QUIET_CHECK ms: close the session new streams go into once it
 * has carried none for the linger time.  It closes cleanly, as an
 * application connection did: its stream ends (FIN), the server's ends
 * in answer, and Close is exchanged.
 */
static void
quiet_cb(evutil_socket_t fd, short what, void * arg)
{
	struct client * cl = arg;
	struct csess * cs;

	(void)fd;
	(void)what;
	if (cl->plan.h != NULL)
		for (cs = cl->sessions; cs != NULL; cs = cs->next)
			csess_close_idle(cs);
	if ((cs = cl->cur) == NULL || cs->m == NULL)
		return;
	if (muxio_count(cs->m) > 0) {
		cs->quiet = 0;
		return;
	}
	if (!cs->quiet) {
		cs->quiet = 1;
		clock_gettime(CLOCK_MONOTONIC, &cs->quiet_since);
		return;
	}
	if (tunnel_ms_since(&cs->quiet_since) < cl->linger_ms)
		return;
	info0("session #%ju: no stream for %ju ms: closing",
	    (uintmax_t)cs->no, (uintmax_t)cl->linger_ms);
	cl->cur = NULL;
	cs->app.eof_in = 1;
	bufferevent_disable(cs->app.bev, EV_READ);
	csess_pump(cs);
}

/**
 * client_accept(cl, fd):
 * Carry the application connection ${fd} (taken over) as a stream of the
 * session of the client ${cl} (a struct client *): to the server's target,
 * or with --socks through the SOCKS front end.
 */
void
client_accept(void * arg, int fd)
{
	struct client * cl = arg;
	struct muxio * m;

	if (cl->socks != NULL) {
		socksfront_add(cl->socks, fd);
		return;
	}
	if ((m = streams(cl)) == NULL) {
		close(fd);
		return;
	}
	(void)muxio_accept(m, fd, TUNNEL_TARGET_PORT);
}

/* A SOCKS request is in: a stream to its destination. */
static void
socks_cb(void * arg, int fd, const uint8_t * prefix, size_t len)
{
	struct client * cl = arg;
	struct muxio * m;

	if ((m = streams(cl)) == NULL) {
		socksfront_refuse(cl->socks, fd, SOCKS5_FAILURE);
		return;
	}
	(void)muxsocks_accept(m, fd, prefix, len);
}

/* client_defaults(cl): the settings of ${cl} before its options. */
static void
client_defaults(struct client * cl)
{

	cl->maxlinks = 0;	/* client_plan decides. */
	cl->linger_ms = LINGER_DEFAULT;
	backoff_init(&cl->bo, BACKOFF_MIN, BACKOFF_MAX);
}

/*
 * client_plan(cl): once its model is loaded, how ${cl} opens connections:
 * without -c 2 at once, or with a "hosts" object as many as the learned
 * process opens (up to -c's largest).
 */
static void
client_plan(struct client * cl)
{

	if (cl->maxlinks == 0)
		cl->maxlinks = cl->tun.model->hosts != NULL ? CONNS_MAX : 2;
	cconns_init(&cl->plan, cl->tun.model->hosts, cl->maxlinks);
}

/*
 * client_start(cl): the events of ${cl} on its base that count the
 * streams of its session.  Return 0, or -1 on failure.
 */
static int
client_start(struct client * cl)
{
	struct timeval quiet_tv = {0, QUIET_CHECK * 1000};

	if ((cl->quiet = event_new(cl->tun.base, -1, EV_PERSIST, quiet_cb,
	    cl)) == NULL || event_add(cl->quiet, &quiet_tv))
		return (-1);
	return (0);
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
	cl->limit.max = SIZE_MAX;
	cl->chunk = tunnel_chunk(&cl->tun);
	client_plan(cl);
	if (client_start(cl)) {
		snprintf(why, whylen, "cannot set up its events");
		tunnel_free(&cl->tun);
		free(cl);
		return (NULL);
	}
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
	if (cl->quiet != NULL)
		event_free(cl->quiet);
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
		{"socks", required_argument, NULL, OPT_SOCKS},
		{"linger", required_argument, NULL, OPT_LINGER},
		{NULL, 0, NULL, 0}
	};
	static struct client cl;
	struct progopts po = {
		.name = "dust", .usage = usage, .pidflag = 'p', .nmin = 1,
		.n = 1000
	};
	const char * lspec = NULL, * ispec = NULL, * tspec = NULL;
	const char * sspec = NULL;
	uint64_t v;
	int ch, rc = 1;
	char why[256];

	client_defaults(&cl);
	while ((ch = getopt_long(argc, argv, "c:Fhi:m:n:p:s:t:v", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (args_uint("-c", optarg, 1, CONNS_MAX, &v))
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
		case OPT_SOCKS:
			sspec = optarg;
			break;
		case OPT_LINGER:
			if (args_uint("--linger", optarg, 0, 86400000,
			    &cl.linger_ms))
				return (1);
			break;
		default:
			if (progopts_flag(&po, ch, optarg))
				return (1);
		}
	}
	if (optind != argc || (lspec == NULL) == (sspec == NULL) ||
	    ispec == NULL)
		usage(1);
	if (sspec != NULL)
		lspec = sspec;
	/*
	 * Each stream: its application connection.  The session's links
	 * (-c) and its socketpair fit in PROGOPTS_FILES_BASE.
	 */
	po.files_per_n = 1;
	if (progopts_files(&po))
		return (1);
	cl.limit.max = (size_t)po.n;
	if (tunnel_load(&cl.tun, ispec, 0, why, sizeof(why))) {
		warn0("-i: %s", why);
		return (1);
	}
	if (cl.chunk == 0)
		cl.chunk = tunnel_chunk(&cl.tun);
	client_plan(&cl);
	if (tspec == NULL)
		tspec = invite_format_address(&cl.tun.inv, why, sizeof(why));
	if (progopts_resolve("server address", tspec, &cl.server, 1) < 0 ||
	    (cl.tun.lfd = progopts_listen("-s", lspec)) == -1)
		goto done0;
	if (progrun_daemonize(po.fg, po.pidfile, lspec, po.use_syslog))
		goto done1;
	if (tunnel_events(&cl.tun, client_accept, &cl) ||
	    (sspec != NULL && (cl.socks = socksfront_new(cl.tun.base,
	    socks_cb, &cl)) == NULL) || client_start(&cl)) {
		warn0("cannot set up the event loop");
		goto done2;
	}
	if (progrun_loop(cl.tun.base) == 0)
		rc = 0;
	client_stop(&cl);
done2:
	if (cl.socks != NULL)
		socksfront_free(cl.socks);
	if (cl.quiet != NULL)
		event_free(cl.quiet);
	tunnel_events_free(&cl.tun);
done1:
	close(cl.tun.lfd);
done0:
	tunnel_free(&cl.tun);
	return (rc);
}
