/*
 * dust pt, server role: a dust server (server.c) listening on the bind
 * address tor gives, each session connected to tor's Extended ORPort
 * (SAFE_COOKIE authentication, then USERADDR and TRANSPORT; lib/pt's
 * extorport) or, without one, to its ORPort.  The key is kept in the
 * state directory, so the bridge line stays the same across restarts; the
 * bridge line is written there too (dust_bridgeline.txt).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sodium.h>

#include "dust/ensemble.h"
#include "dust/invite.h"
#include "dust/keyfile.h"
#include "pt/extorport.h"
#include "pt/ptaddr.h"
#include "pt/ptargs.h"
#include "pt/ptenv.h"
#include "pt/ptline.h"

#include "bridge.h"
#include "fileread.h"
#include "keyio.h"
#include "modelio.h"
#include "progopts.h"
#include "ptrun.h"
#include "server.h"
#include "tconn.h"
#include "tunnel.h"
#include "warnp.h"

#define KEY_FILE	"dust_server.key"
#define BRIDGE_FILE	"dust_bridgeline.txt"
/* Seconds tor has to accept and answer a connection to its ports. */
#define OR_TIMEOUT	30

struct orconn;

struct ptserver {
	const struct ptenv * env;
	struct dust_invite inv;		/* The bridge's. */
	char path[PTENV_PATHMAX + 64];	/* A file in the state directory. */
	struct ptaddr bound;		/* Where we listen. */
	uint8_t cookie[EXTOR_COOKIE_LEN];	/* ExtORPort's (secret). */
	int started;			/* SMETHOD written. */
	struct event * in;		/* stdin's end. */
	struct tunnel * tun;
	struct orconn * orconns;	/* Connections to tor, being made. */
	uint64_t conns;
};

/* A session's connection to tor, until tor takes it. */
struct orconn {
	struct ptserver * ps;
	struct tunnel * tun;
	struct ens_session * s;
	struct bufferevent * app;	/* The server's, without a socket. */
	struct bufferevent * bev;	/* Ours, to tor, in the handshake. */
	struct event * defer;
	struct extor_client x;
	int extended;			/* The ExtORPort. */
	uint64_t no;
	struct orconn * next, ** prevp;	/* In ps->orconns. */
};

/*
 * app_owned(app): nonzero if the server still holds ${app} (we hold a
 * reference; bufferevent_free clears the callbacks of one it lets go).
 */
static int
app_owned(struct bufferevent * app)
{
	bufferevent_event_cb ecb;

	bufferevent_getcb(app, NULL, NULL, &ecb, NULL);
	return (ecb != NULL);
}

/*
 * orconn_done(oc, fd): hand the socket ${fd} (-1: the connection failed)
 * to the server's bufferevent, if the server still holds it, and free
 * ${oc}.
 */
static void
orconn_done(struct orconn * oc, int fd)
{

	if (app_owned(oc->app)) {
		if (fd != -1) {
			bufferevent_setfd(oc->app, fd);
			bufferevent_trigger_event(oc->app,
			    BEV_EVENT_CONNECTED, 0);
		} else {
			bufferevent_trigger_event(oc->app, BEV_EVENT_ERROR,
			    0);
		}
	} else if (fd != -1) {
		close(fd);
	}
	bufferevent_decref(oc->app);
	*oc->prevp = oc->next;
	if (oc->next != NULL)
		oc->next->prevp = oc->prevp;
	if (oc->bev != NULL)
		bufferevent_free(oc->bev);
	if (oc->defer != NULL)
		event_free(oc->defer);
	extor_client_clear(&oc->x);
	free(oc);
}

/* tor's connection is ready for the OR protocol: give it on. */
static void
orconn_ready(struct orconn * oc)
{
	int fd = bufferevent_getfd(oc->bev);

	/* Bytes tor sent after OKAY are the OR protocol's. */
	if (app_owned(oc->app))
		evbuffer_add_buffer(bufferevent_get_input(oc->app),
		    bufferevent_get_input(oc->bev));
	bufferevent_disable(oc->bev, EV_READ | EV_WRITE);
	bufferevent_setfd(oc->bev, -1);
	orconn_done(oc, fd);
}

/* Bytes from the ExtORPort: the exchange. */
static void
or_read(struct bufferevent * bev, void * arg)
{
	struct orconn * oc = arg;
	struct evbuffer * in = bufferevent_get_input(bev);
	uint8_t out[EXTOR_OUT_MAX], * p;
	size_t used, outlen;
	enum extor_status st;

	for (;;) {
		p = evbuffer_pullup(in, -1);
		st = extor_client_feed(&oc->x, p, evbuffer_get_length(in),
		    &used, out, &outlen);
		evbuffer_drain(in, used);
		if (outlen > 0)
			bufferevent_write(bev, out, outlen);
		switch (st) {
		case EXTOR_NEED_MORE:
			return;
		case EXTOR_SEND:
			continue;
		case EXTOR_OKAY:
			/* tor answered DONE: it read all we sent. */
			orconn_ready(oc);
			return;
		case EXTOR_DENIED:
		case EXTOR_ERROR:
			ptrun_log(PTLOG_WARNING, "session %ju: ExtORPort: %s",
			    (uintmax_t)oc->no, oc->x.why != NULL ? oc->x.why :
			    "refused");
			orconn_done(oc, -1);
			return;
		}
	}
}

/* The connection to tor is made, or failed. */
static void
or_event(struct bufferevent * bev, short what, void * arg)
{
	struct orconn * oc = arg;

	(void)bev;
	if ((what & BEV_EVENT_CONNECTED) && !oc->extended) {
		orconn_ready(oc);
	} else if (what & BEV_EVENT_CONNECTED) {
		/* tor speaks first. */
	} else {
		ptrun_log(PTLOG_WARNING, "session %ju: connection to tor's "
		    "%s %s", (uintmax_t)oc->no, oc->extended ?
		    "ExtORPort" : "ORPort", (what & BEV_EVENT_TIMEOUT) ?
		    "timed out" : "failed");
		orconn_done(oc, -1);
	}
}

/*
 * peer_of(tun, s, pa): the address of the client whose Dust connection
 * carries ${s}, into ${pa}.  Return 0, or -1 if none is found.
 */
static int
peer_of(struct tunnel * tun, struct ens_session * s, struct ptaddr * pa)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct tconn * c;

	for (c = tun->conns; c != NULL; c = c->allnext) {
		if (c->link == NULL || ens_link_session(c->link) != s ||
		    c->bev == NULL)
			continue;
		if (getpeername(bufferevent_getfd(c->bev),
		    (struct sockaddr *)&ss, &len) == -1)
			return (-1);
		memset(pa, 0, sizeof(*pa));
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in * sin = (struct sockaddr_in *)&ss;

			memcpy(pa->ip, &sin->sin_addr, 4);
			pa->port = ntohs(sin->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 * s6 = (struct sockaddr_in6 *)&ss;

			pa->v6 = 1;
			memcpy(pa->ip, &s6->sin6_addr, 16);
			pa->port = ntohs(s6->sin6_port);
		} else {
			return (-1);
		}
		return (0);
	}
	return (-1);
}

/* ptaddr_sock(pa, sa): ${pa} as a socket address. */
static void
ptaddr_sock(const struct ptaddr * pa, struct sock_addr * sa)
{
	struct sockaddr_in * sin = (struct sockaddr_in *)&sa->ss;
	struct sockaddr_in6 * s6 = (struct sockaddr_in6 *)&sa->ss;

	memset(sa, 0, sizeof(*sa));
	if (pa->v6) {
		sa->family = s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, pa->ip, 16);
		s6->sin6_port = htons(pa->port);
		sa->len = sizeof(*s6);
	} else {
		sa->family = sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, pa->ip, 4);
		sin->sin_port = htons(pa->port);
		sa->len = sizeof(*sin);
	}
}

/*
 * The session's link is bound now (it was not when the session was
 * made): find the client's address and connect to tor.
 */
static void
defer_cb(evutil_socket_t fd, short what, void * arg)
{
	struct orconn * oc = arg;
	const struct ptenv * env = oc->ps->env;
	struct ptaddr peer, * pp = &peer;
	struct sock_addr sa;
	struct timeval tv = {OR_TIMEOUT, 0};

	(void)fd;
	(void)what;
	if (!app_owned(oc->app)) {
		orconn_done(oc, -1);
		return;
	}
	if (peer_of(oc->tun, oc->s, &peer))
		pp = NULL;
	if (oc->extended && extor_client_init(&oc->x, oc->ps->cookie, pp,
	    PTRUN_TRANSPORT, NULL)) {
		orconn_done(oc, -1);
		return;
	}
	ptaddr_sock(oc->extended ? &env->extport : &env->orport, &sa);
	if ((oc->bev = bufferevent_socket_new(oc->tun->base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		orconn_done(oc, -1);
		return;
	}
	bufferevent_setcb(oc->bev, or_read, NULL, or_event, oc);
	bufferevent_set_timeouts(oc->bev, &tv, &tv);
	bufferevent_enable(oc->bev, EV_READ);
	if (bufferevent_socket_connect(oc->bev, (struct sockaddr *)&sa.ss,
	    (int)sa.len))
		orconn_done(oc, -1);
}

/* server_hooks.open: connect session ${s}'s ${app} to tor. */
static int
open_tor(void * cookie, struct tunnel * tun, struct ens_session * s,
    struct bufferevent * app)
{
	struct ptserver * ps = cookie;
	struct orconn * oc;

	if ((oc = calloc(1, sizeof(*oc))) == NULL)
		return (-1);
	oc->ps = ps;
	oc->tun = tun;
	oc->s = s;
	oc->app = app;
	oc->extended = ps->env->has_extport;
	oc->no = ++ps->conns;
	if ((oc->defer = event_new(tun->base, -1, 0, defer_cb, oc)) ==
	    NULL) {
		free(oc);
		return (-1);
	}
	bufferevent_incref(app);
	oc->next = ps->orconns;
	if (oc->next != NULL)
		oc->next->prevp = &oc->next;
	oc->prevp = &ps->orconns;
	ps->orconns = oc;
	event_active(oc->defer, EV_TIMEOUT, 0);
	return (0);
}

/* Write the bridge line file; 0, or -1 after a LOG line. */
static int
write_bridge_file(struct ptserver * ps, const char * line)
{
	FILE * f;

	snprintf(ps->path, sizeof(ps->path), "%s/%s",
	    ps->env->state_location, BRIDGE_FILE);
	if ((f = fopen(ps->path, "w")) == NULL) {
		ptrun_log(PTLOG_WARNING, "cannot write %s: %s", ps->path,
		    strerror(errno));
		return (-1);
	}
	fprintf(f, "# dust pt: the bridge line of this bridge, for a "
	    "client's torrc\n# (with its address and fingerprint "
	    "filled in if tor's are different).\n%s\n", line);
	if (fclose(f)) {
		ptrun_log(PTLOG_WARNING, "cannot write %s", ps->path);
		return (-1);
	}
	return (0);
}

/* server_hooks.started: listening; tell tor. */
static int
started(void * cookie, struct tunnel * tun)
{
	struct ptserver * ps = cookie;
	struct ptargs args;
	char line[2048], bl[BRIDGE_LINE_MAX], why[INVITE_WHY_MAX];

	ps->tun = tun;
	if (bridge_args(&ps->inv, &args, why) ||
	    bridge_line_format(&ps->inv, "<FINGERPRINT>", bl, why)) {
		ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "%s", why);
		return (-1);
	}
	/* The file first: it is there once tor reads SMETHODS DONE. */
	(void)write_bridge_file(ps, bl);
	ptrun_write(line, ptline_smethod(line, sizeof(line), PTRUN_TRANSPORT,
	    &ps->bound, &args));
	ps->started = 1;
	ptrun_write(line, ptline_smethods_done(line, sizeof(line)));
	if ((ps->in = ptrun_stdin_watch(ps->env, tun->base)) == NULL &&
	    errno != 0) {
		ptrun_log(PTLOG_ERROR, "cannot watch stdin");
		return (-1);
	}
	return (0);
}

/* server_hooks.stopped: drop the connections to tor being made. */
static void
stopped(void * cookie)
{
	struct ptserver * ps = cookie;

	while (ps->orconns != NULL)
		orconn_done(ps->orconns, -1);
	if (ps->in != NULL)
		event_free(ps->in);
	ps->in = NULL;
}

/*
 * state_key(ps, pk): make the state directory if need be, and read the
 * key kept there, made the first time.  Return 0, or -1 after an
 * SMETHOD-ERROR line.
 */
static int
state_key(struct ptserver * ps)
{
	uint8_t sk[32];
	int rc;

	if (mkdir(ps->env->state_location, 0700) == -1 && errno != EEXIST) {
		ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "cannot make the "
		    "state directory %s: %s", ps->env->state_location,
		    strerror(errno));
		return (-1);
	}
	snprintf(ps->path, sizeof(ps->path), "%s/%s",
	    ps->env->state_location, KEY_FILE);
	if (access(ps->path, F_OK) != 0) {
		keyfile_generate(sk, ps->inv.pubkey, NULL);
		rc = keyio_write(ps->path, sk, ps->inv.pubkey);
		sodium_memzero(sk, sizeof(sk));
		if (rc) {
			ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "cannot "
			    "write the key file %s", ps->path);
			return (-1);
		}
		ptrun_log(PTLOG_NOTICE, "new bridge key in %s", ps->path);
	}
	rc = keyio_read(ps->path, sk, ps->inv.pubkey);
	sodium_memzero(sk, sizeof(sk));
	if (rc) {
		ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "cannot read the "
		    "key file %s", ps->path);
		return (-1);
	}
	return (0);
}

/*
 * options(ps, i, addr, model): the transport options of transport ${i}:
 * address= (the bridge's public IP:PORT) and model=.  Return 0, or -1
 * after an SMETHOD-ERROR line.
 */
static int
options(struct ptserver * ps, size_t i, const char ** addr,
    const char ** model)
{
	const struct ptargs * o;
	const char * k;
	size_t j;

	*addr = *model = NULL;
	if (i >= PTENV_MAXTRANSPORTS)
		return (0);
	o = &ps->env->options[i];
	for (j = 0; j < o->n; j++) {
		k = ptargs_key(o, j);
		if (strcmp(k, "address") == 0)
			*addr = ptargs_value(o, j);
		else if (strcmp(k, "model") == 0)
			*model = ptargs_value(o, j);
		else {
			ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "unknown "
			    "option %.40s (dust takes address= and model=)",
			    k);
			return (-1);
		}
	}
	return (0);
}

/*
 * cookie_read(ps): read tor's ExtORPort cookie.  Return 0, or -1 after an
 * SMETHOD-ERROR line.
 */
static int
cookie_read(struct ptserver * ps)
{
	const char * why;
	uint8_t * file;
	size_t len;
	int rc;

	if (!ps->env->has_extport)
		return (0);
	if ((file = (uint8_t *)fileread(ps->env->auth_cookie_file,
	    EXTOR_COOKIE_FILE_LEN, &len)) == NULL) {
		ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "cannot read the "
		    "ExtORPort cookie %s", ps->env->auth_cookie_file);
		return (-1);
	}
	rc = extor_cookie_parse(ps->cookie, file, len, &why);
	sodium_memzero(file, len);
	free(file);
	if (rc)
		ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "ExtORPort cookie "
		    "%s: %s", ps->env->auth_cookie_file, why);
	return (rc);
}

/*
 * setup(ps, i, lfd): check the options of transport ${i}, listen, and
 * make the bridge's invite.  Return 0, or -1 after an SMETHOD-ERROR line.
 */
static int
setup(struct ptserver * ps, size_t i, int * lfd)
{
	const struct ptenv * env = ps->env;
	const char * addr, * model;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char text[PTADDR_TEXTMAX], why[512];
	struct dust_model * m;
	int embedded;

	if (options(ps, i, &addr, &model) || state_key(ps) || cookie_read(ps))
		return (-1);
	ps->inv.model = model != NULL ? modelio_field(model, &embedded, why,
	    sizeof(why)) : strdup("");
	if (ps->inv.model == NULL || (model != NULL && embedded)) {
		ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "model=%s: %s",
		    model, ps->inv.model == NULL ? why : "not built in nor "
		    "installed: a bridge line cannot carry it");
		return (-1);
	}
	if ((m = modelio_invite(ps->inv.model, why, sizeof(why))) == NULL) {
		ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "model=%s: %s",
		    model, why);
		return (-1);
	}
	dust_model_free(m);

	/* Listen where tor says (else anywhere), and learn the port. */
	if (i < PTENV_MAXTRANSPORTS && env->has_bindaddr[i])
		ps->bound = env->bindaddr[i];
	else
		memset(&ps->bound, 0, sizeof(ps->bound));
	if ((*lfd = progopts_listen("TOR_PT_SERVER_BINDADDR",
	    ptaddr_format(&ps->bound, text))) == -1 ||
	    getsockname(*lfd, (struct sockaddr *)&ss, &len) == -1) {
		ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "cannot listen "
		    "on %s: %s", text, strerror(errno));
		return (-1);
	}
	ps->bound.port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);

	/* The address clients reach: the server identifier is made of it. */
	if (addr == NULL && sodium_is_zero(ps->bound.ip, ps->bound.v6 ? 16 :
	    4)) {
		ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "bound to %s, "
		    "an unspecified address: give the bridge's public "
		    "address (ServerTransportOptions dust address=IP:PORT)",
		    ptaddr_format(&ps->bound, text));
		return (-1);
	}
	if (invite_set_address(&ps->inv, addr != NULL ? addr :
	    ptaddr_format(&ps->bound, text), why)) {
		ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "address=: %s",
		    why);
		return (-1);
	}
	return (0);
}

/* Print the usage (server_run's option errors only); exit with ${rc}. */
static void
usage(int rc)
{

	exit(rc);
}

/**
 * pt_server(env):
 * Run the server role for ${env}.  Return the exit code.
 */
int
pt_server(const struct ptenv * env)
{
	static struct ptserver ps;
	struct server_hooks hooks = {open_tor, started, stopped, &ps};
	struct server_conf conf = {
		.po = { .name = "dust", .usage = usage, .pidflag = 'p',
		    .nmin = 1, .n = 1000, .files_per_n = 2, .fg = 1 },
		.lfd = -1, .maxsess = 1000, .idle_ms = 120 * 1000,
		.hooks = &hooks
	};
	char line[256], * invite = NULL;
	size_t i;
	int want = -1, rc = 1, lfd = -1;

	ps.env = env;
	for (i = 0; i < env->ntransports; i++) {
		if (strcmp(env->transports[i], PTRUN_TRANSPORT) == 0)
			want = (int)i;
		else if (strcmp(env->transports[i], "*") == 0)
			want = want == -1 ? PTENV_ALL : want;
		else
			ptrun_error(PT_ERR_SMETHOD, env->transports[i],
			    "no such transport (dust pt provides \"%s\")",
			    PTRUN_TRANSPORT);
	}
	if (want == -1 || setup(&ps, (size_t)want, &lfd) ||
	    (invite = invite_format(&ps.inv)) == NULL) {
		if (want != -1 && invite == NULL && lfd != -1)
			ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT,
			    "out of memory");
		ptrun_write(line, ptline_smethods_done(line, sizeof(line)));
		goto done;
	}
	conf.lfd = lfd;
	conf.ispec = invite;
	conf.kspec = ps.path;
	snprintf(ps.path, sizeof(ps.path), "%s/%s", env->state_location,
	    KEY_FILE);
	rc = server_run(&conf);
	lfd = -1;	/* server_run closed it. */
	if (!ps.started) {
		ptrun_error(PT_ERR_SMETHOD, PTRUN_TRANSPORT, "the server "
		    "could not start (its log on stderr says why)");
		ptrun_write(line, ptline_smethods_done(line, sizeof(line)));
		rc = 1;
	}
done:
	if (lfd != -1)
		close(lfd);
	sodium_memzero(ps.cookie, sizeof(ps.cookie));
	free(invite);
	invite_free(&ps.inv);
	return (rc);
}
