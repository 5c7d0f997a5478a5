/*
 * dust pt, client role: a SOCKS5 proxy on loopback (CMETHOD dust socks5).
 * tor connects to it for each connection to a dust bridge, with the
 * bridge's arguments (key=, model=) in the RFC 1929 username and password
 * and the bridge's address in the CONNECT request; these make the
 * bridge's invite (bridge.c), and the connection is carried as a session
 * of a dust client for that invite (client.c), one client per bridge.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dust/invite.h"
#include "pt/ptaddr.h"
#include "pt/ptargs.h"
#include "pt/ptenv.h"
#include "pt/ptline.h"
#include "socks/socks5.h"

#include "acceptor.h"
#include "addr.h"
#include "bridge.h"
#include "client.h"
#include "progrun.h"
#include "ptrun.h"
#include "sock.h"
#include "tunnel.h"
#include "warnp.h"

/* Seconds tor has for its SOCKS exchange. */
#define SOCKS_TIMEOUT	30

/* A bridge: its invite and the client carrying connections to it. */
struct bridge {
	char * invite;
	struct client * cl;
	struct bridge * next;
};

struct ptclient {
	struct event_base * base;
	int lfd;
	struct acceptor * acc;
	struct bridge * bridges;
	const struct ptproxy * proxy;	/* TOR_PT_PROXY, or NULL. */
	uint64_t conns;
};

/* One SOCKS exchange with tor. */
struct socksconn {
	struct ptclient * pc;
	struct bufferevent * bev;
	struct socks5_server s;
	uint64_t no;
};

/* Close ${sc} and free it. */
static void
socksconn_free(struct socksconn * sc)
{

	bufferevent_free(sc->bev);
	free(sc);
}

/*
 * refuse(sc, code, why): answer the CONNECT of ${sc} with the SOCKS5 reply
 * ${code}, log ${why}, and close.
 */
static void
refuse(struct socksconn * sc, uint8_t code, const char * why)
{
	uint8_t reply[10];
	size_t n = socks5_reply(reply, code);

	ptrun_log(PTLOG_WARNING, "connection %ju refused: %s",
	    (uintmax_t)sc->no, why);
	(void)send(bufferevent_getfd(sc->bev), reply, n, MSG_NOSIGNAL);
	socksconn_free(sc);
}

/*
 * bridge_get(pc, inv, why, whylen): the bridge of the invite ${inv},
 * made the first time it is asked for.  Return it, or NULL with a
 * sentence in ${why}.
 */
static struct bridge *
bridge_get(struct ptclient * pc, const struct dust_invite * inv, char * why,
    size_t whylen)
{
	struct bridge * b = NULL;
	struct sock_addr sa;
	char * text, addr[64];

	if ((text = invite_format(inv)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return (NULL);
	}
	for (b = pc->bridges; b != NULL; b = b->next) {
		if (strcmp(b->invite, text) == 0) {
			free(text);
			return (b);
		}
	}
	invite_format_address(inv, addr, sizeof(addr));
	if (addr_resolve(addr, &sa, 1, why, whylen) != 1 ||
	    (b = calloc(1, sizeof(*b))) == NULL) {
		if (b == NULL && why[0] == '\0')
			snprintf(why, whylen, "out of memory");
		free(text);
		return (NULL);
	}
	if ((b->cl = client_new(pc->base, text, &sa, why, whylen)) == NULL) {
		free(b);
		free(text);
		return (NULL);
	}
	if (pc->proxy != NULL) {
		client_tunnel(b->cl)->connect = pt_proxy_connect;
		client_tunnel(b->cl)->connect_cookie =
		    (void *)(uintptr_t)pc->proxy;
	}
	b->invite = text;
	b->next = pc->bridges;
	pc->bridges = b;
	ptrun_log(PTLOG_INFO, "bridge %s: ready", addr);
	return (b);
}

/* A whole CONNECT request: make the bridge's invite, hand the socket on. */
static void
request(struct socksconn * sc)
{
	struct dust_invite inv;
	struct ptargs args;
	struct pt_error err;
	struct bridge * b;
	struct ptaddr pa;
	char addr[PTADDR_TEXTMAX], why[512];
	struct ptargs kv;
	char line[1024];
	uint8_t reply[10];
	uint64_t sc_no = sc->no;
	int fd;

	if (sc->s.dest.atyp == SOCKS5_ATYP_DOMAIN) {
		refuse(sc, SOCKS5_BAD_ATYP, "a bridge is an IP address, not a "
		    "host name");
		return;
	}
	memset(&pa, 0, sizeof(pa));
	pa.v6 = (sc->s.dest.atyp == SOCKS5_ATYP_IPV6);
	memcpy(pa.ip, sc->s.dest.addr, sc->s.dest.addrlen);
	pa.port = sc->s.dest.port;
	ptaddr_format(&pa, addr);
	if (ptargs_from_socks5_auth(&args, sc->s.uname, sc->s.ulen,
	    sc->s.passwd, sc->s.plen, &err)) {
		snprintf(why, sizeof(why), "bridge %s: bad arguments: %s",
		    addr, err.msg);
		refuse(sc, SOCKS5_NOT_ALLOWED, why);
		return;
	}
	if (bridge_invite(&inv, addr, &args, why)) {
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		    " (bridge %s)", addr);
		refuse(sc, SOCKS5_NOT_ALLOWED, why);
		return;
	}
	why[0] = '\0';
	b = bridge_get(sc->pc, &inv, why, sizeof(why));
	invite_free(&inv);
	if (b == NULL) {
		refuse(sc, SOCKS5_FAILURE, why);
		return;
	}
	if (evbuffer_get_length(bufferevent_get_input(sc->bev)) > 0) {
		refuse(sc, SOCKS5_FAILURE, "data before the SOCKS reply");
		return;
	}

	/* The socket leaves its bufferevent for the client's session. */
	fd = bufferevent_getfd(sc->bev);
	if (send(fd, reply, socks5_reply(reply, SOCKS5_OK), MSG_NOSIGNAL) !=
	    10) {
		ptrun_log(PTLOG_WARNING, "connection %ju: cannot answer tor",
		    (uintmax_t)sc->no);
		socksconn_free(sc);
		return;
	}
	bufferevent_setfd(sc->bev, -1);
	socksconn_free(sc);
	ptargs_init(&kv);
	(void)ptargs_add(&kv, "ADDRESS", 7, addr, strlen(addr), NULL);
	(void)ptargs_add(&kv, "CONNECT", 7, "Success", 7, NULL);
	ptrun_write(line, ptline_status(line, sizeof(line), PTRUN_TRANSPORT,
	    &kv));
	info0("connection %ju: carried to bridge %s", (uintmax_t)sc_no, addr);
	client_accept(b->cl, fd);
}

/* Bytes from tor: the SOCKS exchange. */
static void
socks_read(struct bufferevent * bev, void * arg)
{
	struct socksconn * sc = arg;
	struct evbuffer * in = bufferevent_get_input(bev);
	uint8_t reply[32], * p;
	size_t used, rl, len;
	enum socks5_status st;

	for (;;) {
		len = evbuffer_get_length(in);
		p = evbuffer_pullup(in, -1);
		st = socks5_server_feed(&sc->s, p, len, &used, reply, &rl);
		evbuffer_drain(in, used);
		if (rl > 0)
			(void)send(bufferevent_getfd(bev), reply, rl,
			    MSG_NOSIGNAL);
		switch (st) {
		case SOCKS5_NEED_MORE:
			return;
		case SOCKS5_REPLY:
			continue;
		case SOCKS5_REQUEST:
			request(sc);
			return;
		case SOCKS5_ERROR:
			ptrun_log(PTLOG_WARNING, "connection %ju: SOCKS: %s",
			    (uintmax_t)sc->no, sc->s.why);
			socksconn_free(sc);
			return;
		}
	}
}

/* tor closed, or the exchange timed out. */
static void
socks_event(struct bufferevent * bev, short what, void * arg)
{
	struct socksconn * sc = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT)
		ptrun_log(PTLOG_WARNING, "connection %ju: no SOCKS request "
		    "within %d s", (uintmax_t)sc->no, SOCKS_TIMEOUT);
	socksconn_free(sc);
}

/* A connection from tor. */
static void
accept_cb(void * arg, int fd)
{
	struct ptclient * pc = arg;
	struct socksconn * sc;
	struct timeval tv = {SOCKS_TIMEOUT, 0};

	if ((sc = calloc(1, sizeof(*sc))) == NULL ||
	    (sc->bev = bufferevent_socket_new(pc->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		warn0("out of memory: connection refused");
		free(sc);
		close(fd);
		return;
	}
	sc->pc = pc;
	sc->no = ++pc->conns;
	socks5_server_init_auth(&sc->s);
	bufferevent_setcb(sc->bev, socks_read, NULL, socks_event, sc);
	bufferevent_set_timeouts(sc->bev, &tv, NULL);
	bufferevent_enable(sc->bev, EV_READ);
}

/*
 * listen_socks(pc): listen on 127.0.0.1 (any port) and write the CMETHOD
 * line, or the CMETHOD-ERROR line.  Return 0 or -1.
 */
static int
listen_socks(struct ptclient * pc)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct ptaddr pa;
	char line[256];

	if ((pc->lfd = progopts_listen("SOCKS", "127.0.0.1:0")) == -1 ||
	    getsockname(pc->lfd, (struct sockaddr *)&sin, &len) == -1) {
		ptrun_error(PT_ERR_CMETHOD, PTRUN_TRANSPORT,
		    "cannot listen on 127.0.0.1: %s", strerror(errno));
		return (-1);
	}
	memset(&pa, 0, sizeof(pa));
	memcpy(pa.ip, &sin.sin_addr, 4);
	pa.port = ntohs(sin.sin_port);
	ptrun_write(line, ptline_cmethod(line, sizeof(line), PTRUN_TRANSPORT,
	    "socks5", &pa));
	return (0);
}

/**
 * pt_client(env):
 * Run the client role for ${env}.  Return the exit code.
 */
int
pt_client(const struct ptenv * env)
{
	static struct ptclient pc;
	struct event * in = NULL;
	struct bridge * b;
	char line[256];
	size_t i;
	int want = 0, rc = 1;

	pc.lfd = -1;
	/* An upstream proxy: SOCKS 5, which Dust connections go through. */
	if (env->has_proxy && env->proxy.type != PTPROXY_SOCKS5) {
		ptrun_error(PT_ERR_PROXY, NULL, "dust pt uses only socks5 "
		    "upstream proxies (TOR_PT_PROXY)");
		return (1);
	}
	if (env->has_proxy) {
		pc.proxy = &env->proxy;
		ptrun_write(line, ptline_proxy_done(line, sizeof(line)));
	}
	for (i = 0; i < env->ntransports; i++) {
		if (strcmp(env->transports[i], PTRUN_TRANSPORT) == 0 ||
		    strcmp(env->transports[i], "*") == 0)
			want = 1;
		else
			ptrun_error(PT_ERR_CMETHOD, env->transports[i],
			    "no such transport (dust pt provides \"%s\")",
			    PTRUN_TRANSPORT);
	}
	if (!want) {
		ptrun_write(line, ptline_cmethods_done(line, sizeof(line)));
		return (1);
	}
	if ((pc.base = tunnel_base_new(1)) == NULL) {
		ptrun_error(PT_ERR_CMETHOD, PTRUN_TRANSPORT,
		    "cannot make the event loop");
		ptrun_write(line, ptline_cmethods_done(line, sizeof(line)));
		return (1);
	}
	if (listen_socks(&pc) == 0 &&
	    (pc.acc = acceptor_new(pc.base, pc.lfd, "SOCKS", accept_cb,
	    &pc)) == NULL)
		ptrun_error(PT_ERR_CMETHOD, PTRUN_TRANSPORT,
		    "cannot accept connections");
	ptrun_write(line, ptline_cmethods_done(line, sizeof(line)));
	if (pc.acc == NULL)
		goto done;
	if ((in = ptrun_stdin_watch(env, pc.base)) == NULL && errno != 0) {
		ptrun_log(PTLOG_ERROR, "cannot watch stdin");
		goto done;
	}
	if (progrun_loop(pc.base) == 0)
		rc = 0;
done:
	pt_proxy_drop_all();
	while ((b = pc.bridges) != NULL) {
		pc.bridges = b->next;
		client_free(b->cl);
		free(b->invite);
		free(b);
	}
	if (in != NULL)
		event_free(in);
	acceptor_free(pc.acc);
	if (pc.lfd != -1)
		close(pc.lfd);
	event_base_free(pc.base);
	return (rc);
}
