/*
 * dust server: accept Dust connections, run the Ensemble sessions they
 * carry, and connect each session to the target (docs/ensemble.md,
 * man/dust.1).
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
#include "fallback.h"
#include "keyio.h"
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

/* A session with no connection for this long is dropped (seconds). */
#define IDLE_DEFAULT	120
/* ... or this long (ms) if the client never used its ID. */
#define ORPHAN_MS	5000

struct server {
	struct tunnel tun;
	struct sock_addr target;
	struct event * sweep;
	int paused;
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
	    "usage: dust server -s LISTEN -t TARGET -k KEYFILE -i INVITE\n"
	    "                   [-n MAXCONNS] [-S MAXSESSIONS] [-I SECONDS]\n"
	    "                   [-m BYTES] [--fallback ADDRESS] [--replay-log FILE]\n"
	    "                   [--no-mark] [-F] [-p PIDFILE] [-v] [--syslog]\n"
	    "Accept Dust connections on LISTEN for the server of KEYFILE and\n"
	    "INVITE (the invite text, or a file holding it), and connect each\n"
	    "Ensemble session to TARGET.  -n: most connections at once\n"
	    "(default 10000); -S: most sessions (default 1000); -I: seconds a\n"
	    "session without connections is kept (default 120); -m: most\n"
	    "application bytes per Data message sent (1 to 8192, default\n"
	    "8192).  A connection whose first flight carries no valid mark\n"
	    "gets nothing; with --fallback it is relayed to ADDRESS, bytes\n"
	    "and ends included.  --replay-log: keep the marks seen in FILE\n"
	    "across restarts (default: in memory only).  --no-mark: answer\n"
	    "clients without the mark (the seed's protocol; no fallback).\n");
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

	if (ss->freeing)
		return;
	if (tapp_pump(&ss->app, &ss->sv->tun) && ens_session_idle(ss->s))
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
	int one = 1;

	if (what & BEV_EVENT_CONNECTED) {
		ss->app.connected = 1;
		(void)setsockopt(bufferevent_getfd(bev), IPPROTO_TCP,
		    TCP_NODELAY, &one, sizeof(one));
	} else if (what & BEV_EVENT_EOF) {
		ss->app.eof_in = 1;
		bufferevent_disable(bev, EV_READ);
	} else if (what & BEV_EVENT_ERROR) {
		ens_session_abort(ss->s, ss->app.connected ?
		    "target connection failed" : "cannot connect to target");
		tapp_close(&ss->app, 1);
	}
	ssess_pump(ss);
}

/* The table made a session: connect it to the target. */
static void
created(void * cookie, struct ens_session * s)
{
	struct server * sv = cookie;
	struct ssess * ss;

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
	if ((ss->app.bev = bufferevent_socket_new(sv->tun.base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		ss->app.gone = 1;
		ens_session_abort(s, "out of memory");
		return;
	}
	bufferevent_setcb(ss->app.bev, app_rw, app_rw, app_event, ss);
	tunnel_bev_tune(ss->app.bev);
	bufferevent_setwatermark(ss->app.bev, EV_WRITE, TUNNEL_APP_HIGH / 2,
	    0);
	bufferevent_enable(ss->app.bev, EV_READ | EV_WRITE);
	if (sv->hooks != NULL ? sv->hooks->open(sv->hooks->cookie, &sv->tun,
	    s, ss->app.bev) : bufferevent_socket_connect(ss->app.bev,
	    (struct sockaddr *)&sv->target.ss, (int)sv->target.len)) {
		tapp_close(&ss->app, 1);
		ens_session_abort(s, "cannot connect to target");
	}
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

/* A connection or relay ended: room again for one. */
static void
room_again(void * cookie)
{
	struct server * sv = cookie;

	if (sv->paused && conns_open(sv) <= sv->maxconns) {
		sv->paused = 0;
		acceptor_release(sv->tun.acc);
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
		info0("%zu connections: not accepting more for now",
		    sv->maxconns);
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
	sv.tun.lfd = -1;
	/* A Dust connection may hold the site's connection too. */
	if (conf->fspec != NULL)
		po.files_per_n = 3;
	if (progopts_files(&po))
		return (1);
	sv.maxconns = (size_t)po.n;
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
	if ((conf->hooks == NULL &&
	    progopts_resolve("-t", conf->tspec, &sv.target, 1) < 0) ||
	    (sv.tun.lfd = conf->lfd >= 0 ? conf->lfd :
	    progopts_listen("-s", conf->lspec)) == -1)
		goto done0;
	if ((sv.table = ens_table_new((size_t)conf->maxsess, NULL, created,
	    &sv)) == NULL) {
		warn0("out of memory");
		goto done1;
	}
	if (progrun_daemonize(po.fg, po.pidfile, conf->lspec, po.use_syslog))
		goto done1;
	if (tunnel_events(&sv.tun, accept_cb, &sv) || (conf->fspec != NULL &&
	    (sv.tun.fallback = fallback_new(sv.tun.base, &fallback,
	    room_again, &sv)) == NULL) ||
	    (sv.sweep = event_new(sv.tun.base, -1, EV_PERSIST, sweep_cb,
	    &sv)) == NULL || event_add(sv.sweep, &sec)) {
		warn0("cannot set up the event loop");
		goto done2;
	}
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
	fallback_free(sv.tun.fallback);
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
		{NULL, 0, NULL, 0}
	};
	struct server_conf conf = {
		.po = {
			.name = "dust", .usage = usage, .pidflag = 'p',
			.nmin = 1, .n = 10000,
			/* Each Dust connection, and the target connection of
			   the session it carries. */
			.files_per_n = 2
		},
		.lfd = -1, .maxsess = 1000, .idle_ms = IDLE_DEFAULT * 1000
	};
	uint64_t v;
	int ch;

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
		default:
			if (progopts_flag(&conf.po, ch, optarg))
				return (1);
		}
	}
	if (optind != argc || conf.lspec == NULL || conf.ispec == NULL ||
	    conf.tspec == NULL || conf.kspec == NULL)
		usage(1);
	if (conf.nomark && (conf.fspec != NULL || conf.rspec != NULL)) {
		warn0("--no-mark: --fallback and --replay-log need the mark");
		return (1);
	}
	return (server_run(&conf));
}
