/*
 * dust server: accept Dust connections, run the Ensemble sessions they
 * carry, and connect each stream of a session to the target, or with
 * --exit to the destination it asks for (docs/streams.md,
 * docs/ensemble.md, man/dust.1).
 */
#include <sys/socket.h>

#include <getopt.h>
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

#include "acceptor.h"
#include "addr.h"
#include "args.h"
#include "dust.h"
#include "exitopts.h"
#include "fallback.h"
#include "format/wire.h"
#include "keyio.h"
#include "muxio.h"
#include "muxsocks.h"
#include "progrun.h"
#include "progopts.h"
#include "replaylog.h"
#include "server.h"
#include "sock.h"
#include "tunnel.h"
#include "warnp.h"

/* Long options without a short one. */
#define OPT_FALLBACK	1000
#define OPT_REPLAYLOG	1001
#define OPT_NOMARK	1002
#define OPT_EXIT	1003

/* A session with no connection for this long is dropped (seconds). */
#define IDLE_DEFAULT	120
/* ... or this long (ms) if the client never used its ID. */
#define ORPHAN_MS	5000
/* The warning that -n is reached, at most once this long (ms). */
#define LIMIT_WARN_MS	60000

struct server {
	struct tunnel tun;
	struct sock_addr target;
	int has_target;			/* -t given. */
	struct exitopts ex;		/* --exit: the policy and resolver, */
	struct muxsocks_exit exit;	/* what the streams' links use, */
	int exit_on;			/* if given. */
	struct muxio_limit limit;	/* -n: streams at once, all sessions. */
	struct event * sweep;
	struct event * room;		/* Looks for room under the limit. */
	int paused;
	uint64_t limit_hits;		/* Since limit_warned. */
	struct timespec limit_warned;
	size_t maxconns;
	uint64_t idle_ms;
	size_t chunk;			/* -m: most bytes per DATA. */
	struct ens_table * table;
	struct ssess * sessions;
	const struct server_hooks * hooks;	/* dust pt's, or NULL. */
};

struct ssess {
	struct server * sv;
	struct tapp app;
	struct ens_session * s;
	struct muxio * m;		/* Its streams, or NULL once ended. */
	uint64_t no;
	struct timespec born, lonely;	/* lonely: when links fell to 0. */
	int freeing;
	struct ssess * next, ** prevp;
};

/* Print the usage and exit with ${rc}. */
static void usage(int) __attribute__((noreturn));
static void
usage(int rc)
{

	fprintf(rc ? stderr : stdout,
	    "usage: dust server -s LISTEN {-t TARGET | --exit} -k KEYFILE -i INVITE\n"
	    "                   [-n MAXCONNS] [-S MAXSESSIONS] [-I SECONDS]\n"
	    "                   [-m BYTES] [--fallback ADDRESS] [--replay-log FILE]\n"
	    "                   [--no-mark] [--allow CIDR ...] [--deny CIDR ...]\n"
	    "                   [--ports LIST] [--timeout SECONDS]\n"
	    "                   [--resolv-conf FILE] [-F] [-p PIDFILE] [-v]\n"
	    "                   [--syslog]\n"
	    "Accept Dust connections on LISTEN for the server of KEYFILE and\n"
	    "INVITE (the invite text, or a file holding it), and connect each\n"
	    "stream of an Ensemble session to TARGET; with --exit, a SOCKS\n"
	    "client's stream to the destination it asks for, if the policy\n"
	    "(--allow, --deny, --ports; loopback, private and this host's\n"
	    "addresses denied by default) lets it.  -n: most Dust connections,\n"
	    "and most streams, at once (default 10000); -S: most sessions\n"
	    "(default 1000); -I: seconds a session without connections is\n"
	    "kept (default 120); -m: most application bytes per Data message\n"
	    "sent (1 to 8192, default 8192).  A connection whose first\n"
	    "flight carries no valid mark gets nothing; with --fallback it\n"
	    "is relayed to ADDRESS, bytes and ends included.  --replay-log:\n"
	    "keep the marks seen in FILE across restarts (default: in memory\n"
	    "only).  --no-mark: answer clients without the mark (the seed's\n"
	    "protocol; no fallback).\n");
	exit(rc);
}

/* Free ${ss} and its session. */
static void
ssess_free(struct ssess * ss)
{
	struct server * sv = ss->sv;
	uint64_t up, down;
	const char * why = ens_session_why(ss->s);

	ens_session_stats(ss->s, &down, &up);
	info0("session #%ju: %s%s after %ju ms, %ju bytes up, "
	    "%ju bytes down, %ju extends", (uintmax_t)ss->no,
	    why ? "aborted: " : "closed cleanly", why ? why : "",
	    (uintmax_t)tunnel_ms_since(&ss->born), (uintmax_t)up,
	    (uintmax_t)down, (uintmax_t)ens_session_extends(ss->s));
	if (ss->m != NULL)
		muxio_free(ss->m);
	tapp_close(&ss->app, 1);
	ens_table_remove(sv->table, ss->s);
	*ss->prevp = ss->next;
	if (ss->next != NULL)
		ss->next->prevp = ss->prevp;
	free(ss);
	sv->tun.st.sessions_open--;
}

/* Move data between the target and the session; free when done. */
static void
ssess_pump(struct ssess * ss)
{
	int done;

	if (ss->freeing)
		return;
	done = tapp_pump(&ss->app, &ss->sv->tun);
	tunnel_kick_session(&ss->sv->tun, ss->s);
	if (!done)
		return;
	/* The session's stream is over: so are its streams. */
	if (ss->m != NULL) {
		muxio_free(ss->m);
		ss->m = NULL;
	}
	if (ens_session_idle(ss->s))
		ssess_free(ss);
}

/* Target socket callbacks. */
static void
app_rw(struct bufferevent * bev, void * arg)
{

	(void)bev;
	ssess_pump(arg);
}

static void
app_event(struct bufferevent * bev, short what, void * arg)
{
	struct ssess * ss = arg;

	if (what & BEV_EVENT_EOF) {
		ss->app.eof_in = 1;
		bufferevent_disable(bev, EV_READ);
	} else if (what & BEV_EVENT_ERROR) {
		ens_session_abort(ss->s, "stream layer failed");
		tapp_close(&ss->app, 1);
	}
	ssess_pump(ss);
}

/* Where a stream for port id ${port} goes: -t's target, for port 0. */
static const struct sock_addr *
stream_target(void * cookie, uint8_t port)
{
	struct ssess * ss = cookie;

	if (port != TUNNEL_TARGET_PORT || !ss->sv->has_target)
		return (NULL);
	return (&ss->sv->target);
}

/*
 * The stream layer of a session died (a protocol error, or the client's
 * stream ended and ours with it): if the client's stream had not ended
 * cleanly, the session cannot go on.
 */
static void
streams_dead(void * cookie, const char * why)
{
	struct ssess * ss = cookie;

	ss->m = NULL;
	if (!ens_session_rx_done(ss->s)) {
		warn0("session #%ju: streams: %s", (uintmax_t)ss->no, why);
		ens_session_abort(ss->s, "stream layer failed");
	}
	ssess_pump(ss);
}

/*
 * A stream to the target when the caller makes the target's connections
 * (dust pt: tor's Extended ORPort, each stream a connection of its own).
 */
static int
stream_open(void * cookie, uint8_t port, struct bufferevent * bev)
{
	struct ssess * ss = cookie;
	const struct server_hooks * h = ss->sv->hooks;

	if (port != TUNNEL_TARGET_PORT)
		return (-1);
	return (h->open(h->cookie, &ss->sv->tun, ss->s, bev));
}

static const struct muxio_hooks streams_hooks = {
	stream_target, streams_dead, NULL
};
static const struct muxio_hooks streams_hooks_open = {
	stream_target, streams_dead, stream_open
};

/* The table made a session: run its streams (docs/streams.md). */
static void
created(void * cookie, struct ens_session * s)
{
	struct server * sv = cookie;
	struct ssess * ss;
	char name[64];

	if ((ss = calloc(1, sizeof(*ss))) == NULL) {
		ens_session_abort(s, "out of memory");
		return;
	}
	ss->sv = sv;
	ss->s = s;
	(void)ens_session_set_chunk(s, sv->chunk);
	ss->app.s = s;
	ss->no = ++sv->tun.sess_serial;
	clock_gettime(CLOCK_MONOTONIC, &ss->born);
	ss->lonely = ss->born;
	ens_session_set_cookie(s, ss);
	ss->next = sv->sessions;
	if (ss->next != NULL)
		ss->next->prevp = &ss->next;
	ss->prevp = &sv->sessions;
	sv->sessions = ss;
	sv->tun.st.sessions++;
	sv->tun.st.sessions_open++;
	info0("session #%ju: opened", (uintmax_t)ss->no);
	snprintf(name, sizeof(name), "session #%ju", (uintmax_t)ss->no);
	if ((ss->m = tstreams_new(&sv->tun, &ss->app, 1, sv->hooks != NULL &&
	    sv->hooks->open != NULL ? &streams_hooks_open : &streams_hooks, ss,
	    name, &sv->limit)) == NULL) {
		ss->app.gone = 1;
		ens_session_abort(s, "cannot start its streams");
		return;
	}
	if (sv->exit_on)
		muxsocks_serve(ss->m, &sv->exit);
	bufferevent_setcb(ss->app.bev, app_rw, app_rw, app_event, ss);
	tunnel_bev_tune(ss->app.bev);
	bufferevent_setwatermark(ss->app.bev, EV_WRITE, TUNNEL_APP_HIGH / 2,
	    0);
	bufferevent_enable(ss->app.bev, EV_READ | EV_WRITE);
}

/* Connection hooks: a bound link's session may have news. */
static void
conn_pumped(struct tconn * c, void * cookie)
{
	struct ens_session * s;

	(void)cookie;
	if (c->link != NULL && (s = ens_link_session(c->link)) != NULL &&
	    ens_session_cookie(s) != NULL)
		ssess_pump(ens_session_cookie(s));
}

/* conns_open(sv): Dust connections and fallback relays running. */
static size_t
conns_open(const struct server * sv)
{

	return ((size_t)sv->tun.st.conns_open + (sv->tun.fallback != NULL ?
	    fallback_relays(sv->tun.fallback) : 0));
}

/*
 * A connection or relay ended, or a connection became a relay: look for
 * room under the limit once the event has run its course.  Not at once:
 * a connection handed to the fallback is still counted when its ended
 * hook runs and its relay not yet, and a relay that fails at once ends
 * before its connection is freed, so the counts are right only after.
 */
static void
room_again(void * cookie)
{
	struct server * sv = cookie;

	event_active(sv->room, EV_TIMEOUT, 0);
}

/* Accept again if below the limit; retry a pause for descriptors. */
static void
room_cb(evutil_socket_t fd, short what, void * arg)
{
	struct server * sv = arg;

	(void)fd;
	(void)what;
	if (sv->paused && conns_open(sv) < sv->maxconns) {
		sv->paused = 0;
		acceptor_release(sv->tun.acc);
		info0("accepting again (%zu connections and relays open)",
		    conns_open(sv));
	}
	acceptor_wake(sv->tun.acc);
}

static void
conn_ended(struct tconn * c, void * cookie, const char * why)
{
	struct server * sv = cookie;
	struct ens_session * s;
	struct ssess * ss;

	(void)why;
	if (c->link != NULL && (s = ens_link_session(c->link)) != NULL &&
	    (ss = ens_session_cookie(s)) != NULL &&
	    ens_session_links(s) == 1)
		clock_gettime(CLOCK_MONOTONIC, &ss->lonely);
	room_again(sv);
}

static const struct tconn_hooks hooks = {
	conn_pumped, NULL, conn_ended
};

/*
 * limit_reached(sv): say that accepting pauses at the limit: a warning at
 * most once a LIMIT_WARN_MS (with how many times since the last one), so
 * that connections that come and go at the limit fill no log.
 */
static void
limit_reached(struct server * sv)
{

	sv->limit_hits++;
	if (sv->limit_warned.tv_sec != 0 &&
	    tunnel_ms_since(&sv->limit_warned) < LIMIT_WARN_MS) {
		info0("-n %zu reached: not accepting more for now",
		    sv->maxconns);
		return;
	}
	warn0("-n %zu reached (connections%s): not accepting more until one "
	    "ends (%ju time(s) since the last such line)", sv->maxconns,
	    sv->tun.fallback != NULL ? " and relays to --fallback" : "",
	    (uintmax_t)sv->limit_hits);
	sv->limit_hits = 0;
	clock_gettime(CLOCK_MONOTONIC, &sv->limit_warned);
}

/* Accept Dust connections. */
static void
accept_cb(void * arg, int fd)
{
	struct server * sv = arg;
	struct ens_link * l;

	if ((l = ens_link_server(sv->table)) == NULL)
		close(fd);
	else if (tconn_new(&sv->tun, fd, NULL, l, &hooks, sv) == NULL)
		warn0("cannot start a connection");
	/* The limit: stop accepting until a connection ends. */
	if (conns_open(sv) >= sv->maxconns && !sv->paused) {
		sv->paused = 1;
		acceptor_hold(sv->tun.acc);
		limit_reached(sv);
	}
}

/* Every second: drop sessions left without connections too long. */
static void
sweep_cb(evutil_socket_t fd, short what, void * arg)
{
	struct server * sv = arg;
	struct ssess * ss, * next;

	(void)fd;
	(void)what;
	for (ss = sv->sessions; ss != NULL; ss = next) {
		next = ss->next;
		if (ens_session_links(ss->s) > 0)
			continue;
		if (ens_session_idle(ss->s) && ss->app.gone) {
			ssess_free(ss);
		} else if (!ens_session_heard(ss->s) &&
		    tunnel_ms_since(&ss->lonely) > ORPHAN_MS) {
			ens_session_abort(ss->s, "NEW_OK never acknowledged");
			ssess_free(ss);
		} else if (tunnel_ms_since(&ss->lonely) > sv->idle_ms) {
			ens_session_abort(ss->s, "no connection for too long");
			tapp_close(&ss->app, 1);
			ssess_free(ss);
		}
	}
}

/*
 * fallback_greeting(tun): what the model's server sends at accept (an SSH
 * format's identification line) is the fallback site's greeting too, which
 * the fallback drops.  Return 0, or -1 on ENOMEM.
 */
static int
fallback_greeting(struct tunnel * tun)
{
	const uint8_t * g = NULL;
	size_t len = 0;

	if (tun->model->format != NULL)
		g = fmtwire_greeting(tun->model->format, &len);
	return (fallback_set_greeting(tun->fallback, g, len));
}

/**
 * server_run(conf):
 * Run a dust server as ${conf} says until SIGTERM or SIGINT (or a hook
 * breaks its loop).  Return the exit code.
 */
int
server_run(const struct server_conf * conf)
{
	static struct server sv;
	struct progopts po = conf->po;
	struct sock_addr fallback;
	uint8_t pk[32];
	int rc = 1;
	char why[256];
	struct timeval sec = {1, 0};

	sv.idle_ms = conf->idle_ms;
	sv.chunk = conf->chunk;
	sv.hooks = conf->hooks;
	sv.ex = conf->ex;
	sv.exit_on = conf->exit_on;
	sv.tun.lfd = -1;
	/* A Dust connection may hold the site's connection too. */
	if (conf->fspec != NULL)
		po.files_per_n = 3;
	if (progopts_files(&po))
		return (1);
	sv.maxconns = (size_t)po.n;
	sv.limit.max = (size_t)po.n;
	/* This host's own addresses are refused unless --allow opens them. */
	if (sv.exit_on && exitopts_own(&sv.ex))
		return (1);
	if (keyio_read(conf->kspec, sv.tun.sk, pk))
		return (1);
	if (tunnel_load(&sv.tun, conf->ispec, 1, why, sizeof(why))) {
		warn0("-i: %s", why);
		goto done0;
	}
	if (sv.chunk == 0)
		sv.chunk = tunnel_chunk(&sv.tun);
	if (memcmp(pk, sv.tun.inv.pubkey, 32) != 0) {
		warn0("-i: the invite is not for the key in %s", conf->kspec);
		goto done0;
	}
	if ((sv.tun.replay = seattle_replay_new(SEATTLE_REPLAY_DEFAULT,
	    NULL)) == NULL) {
		warn0("out of memory");
		goto done0;
	}
	sv.tun.mark = !conf->nomark;
	dust_engine_mark_key(sv.tun.mark_key, pk, sv.tun.sid, sv.tun.sidlen);
	if (conf->rspec != NULL && (sv.tun.rlog = replaylog_open(conf->rspec,
	    sv.tun.replay, SEATTLE_REPLAY_DEFAULT,
	    dust_engine_mark_hour((uint64_t)time(NULL)))) == NULL)
		goto done0;
	if (conf->fspec != NULL &&
	    progopts_resolve("--fallback", conf->fspec, &fallback, 1) < 0)
		goto done0;
	if ((conf->tspec != NULL &&
	    progopts_resolve("-t", conf->tspec, &sv.target, 1) < 0) ||
	    (sv.tun.lfd = conf->lfd >= 0 ? conf->lfd :
	    progopts_listen("-s", conf->lspec)) == -1)
		goto done0;
	/* The caller's hook makes the target's connections. */
	sv.has_target = (conf->tspec != NULL || conf->hooks != NULL);
	if ((sv.table = ens_table_new((size_t)conf->maxsess, NULL, created,
	    &sv)) == NULL) {
		warn0("out of memory");
		goto done1;
	}
	if (progrun_daemonize(po.fg, po.pidfile, conf->lspec, po.use_syslog))
		goto done1;
	if (tunnel_events(&sv.tun, accept_cb, &sv) || (sv.room =
	    event_new(sv.tun.base, -1, 0, room_cb, &sv)) == NULL ||
	    (conf->fspec != NULL &&
	    ((sv.tun.fallback = fallback_new(sv.tun.base, &fallback,
	    room_again, &sv)) == NULL || fallback_greeting(&sv.tun))) ||
	    (sv.sweep = event_new(sv.tun.base, -1, EV_PERSIST, sweep_cb,
	    &sv)) == NULL || event_add(sv.sweep, &sec) ||
	    (sv.exit_on && exitopts_start(&sv.ex, sv.tun.base))) {
		warn0("cannot set up the event loop");
		goto done2;
	}
	sv.exit.connect = &sv.ex.cfg;
	sv.exit.pacer = NULL;
	if (conf->hooks != NULL &&
	    conf->hooks->started(conf->hooks->cookie, &sv.tun))
		goto done3;
	if (progrun_loop(sv.tun.base) == 0)
		rc = 0;
done3:
	tconn_close_all(&sv.tun);
	/* A session still open is not "closed cleanly" in the log. */
	while (sv.sessions != NULL) {
		ens_session_abort(sv.sessions->s, "the server is exiting");
		ssess_free(sv.sessions);
	}
	if (conf->hooks != NULL)
		conf->hooks->stopped(conf->hooks->cookie);
done2:
	exitopts_free(&sv.ex, sv.tun.base);
	fallback_free(sv.tun.fallback);
	if (sv.room)
		event_free(sv.room);
	if (sv.sweep)
		event_free(sv.sweep);
	tunnel_events_free(&sv.tun);
done1:
	ens_table_free(sv.table);
	close(sv.tun.lfd);
done0:
	replaylog_close(sv.tun.rlog);
	tunnel_free(&sv.tun);
	return (rc);
}

/**
 * cmd_server(argc, argv):
 * The dust server.  Return the exit code.
 */
int
cmd_server(int argc, char ** argv)
{
	static const struct option opts[] = {
		PROGOPTS_LONG_HELP, PROGOPTS_LONG_SYSLOG,
		{"fallback", required_argument, NULL, OPT_FALLBACK},
		{"replay-log", required_argument, NULL, OPT_REPLAYLOG},
		{"no-mark", no_argument, NULL, OPT_NOMARK},
		{"exit", no_argument, NULL, OPT_EXIT},
		EXITOPTS_LONG,
		{NULL, 0, NULL, 0}
	};
	static struct server_conf conf = {
		.po = {
			.name = "dust", .usage = usage, .pidflag = 'p',
			.nmin = 1, .n = 10000,
			/* Each Dust connection, and a stream's connection to
			   its target or destination. */
			.files_per_n = 2
		},
		.lfd = -1, .maxsess = 1000, .idle_ms = IDLE_DEFAULT * 1000
	};
	uint64_t v;
	int ch, r;

	exitopts_init(&conf.ex);
	while ((ch = getopt_long(argc, argv, "FhI:i:k:m:n:p:S:s:t:v", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'I':
			if (args_uint("-I", optarg, 1, 86400, &v))
				return (1);
			conf.idle_ms = v * 1000;
			break;
		case 'i':
			conf.ispec = optarg;
			break;
		case 'k':
			conf.kspec = optarg;
			break;
		case 'm':
			if (args_uint("-m", optarg, 1, ENS_CHUNK, &v))
				return (1);
			conf.chunk = (size_t)v;
			break;
		case 'S':
			if (args_uint("-S", optarg, 1, 1000000,
			    &conf.maxsess))
				return (1);
			break;
		case 's':
			conf.lspec = optarg;
			break;
		case 't':
			conf.tspec = optarg;
			break;
		case OPT_FALLBACK:
			conf.fspec = optarg;
			break;
		case OPT_REPLAYLOG:
			conf.rspec = optarg;
			break;
		case OPT_NOMARK:
			conf.nomark = 1;
			break;
		case OPT_EXIT:
			conf.exit_on = 1;
			break;
		default:
			if ((r = exitopts_flag(&conf.ex, ch, optarg)) == -1 ||
			    (r == 1 && progopts_flag(&conf.po, ch, optarg)))
				return (1);
		}
	}
	if (optind != argc || conf.lspec == NULL || conf.ispec == NULL ||
	    (conf.tspec == NULL && !conf.exit_on) || conf.kspec == NULL)
		usage(1);
	if (conf.nomark && (conf.fspec != NULL || conf.rspec != NULL)) {
		warn0("--no-mark: --fallback and --replay-log need the mark");
		return (1);
	}
	return (server_run(&conf));
}
