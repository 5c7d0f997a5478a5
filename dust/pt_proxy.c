/*
 * dust pt, client role: Dust connections through the upstream proxy tor
 * names in TOR_PT_PROXY (SOCKS 5, with or without a username and
 * password).  A connection's bufferevent waits without a socket while
 * ours speaks SOCKS to the proxy; once the proxy has connected to the
 * bridge, the socket is handed to it with BEV_EVENT_CONNECTED, as a
 * direct connection would report.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "pt/ptenv.h"
#include "socks/socks5_client.h"

#include "addr.h"
#include "ptrun.h"

/* Seconds the proxy has to connect us to the bridge. */
#define PROXY_TIMEOUT	30

/* A Dust connection being made through the proxy. */
struct pxconn {
	struct bufferevent * conn;	/* The Dust connection's. */
	struct bufferevent * bev;	/* Ours, to the proxy. */
	struct socks5_client s;
	struct pxconn * next, ** prevp;
};

static struct pxconn * pending;

/* conn_owned(b): nonzero if its connection still holds ${b}. */
static int
conn_owned(struct bufferevent * b)
{
	bufferevent_event_cb ecb;

	bufferevent_getcb(b, NULL, NULL, &ecb, NULL);
	return (ecb != NULL);
}

/* px_free(px): free ${px} and its socket to the proxy. */
static void
px_free(struct pxconn * px)
{

	bufferevent_decref(px->conn);
	*px->prevp = px->next;
	if (px->next != NULL)
		px->next->prevp = px->prevp;
	bufferevent_free(px->bev);
	free(px);
}

/*
 * px_done(px, fd, err): hand the socket ${fd} to the connection (-1: it
 * failed with errno ${err}) if it still waits, and free ${px}.
 */
static void
px_done(struct pxconn * px, int fd, int err)
{

	if (conn_owned(px->conn)) {
		if (fd != -1) {
			bufferevent_setfd(px->conn, fd);
			bufferevent_trigger_event(px->conn,
			    BEV_EVENT_CONNECTED, 0);
		} else {
			errno = err;
			bufferevent_trigger_event(px->conn, BEV_EVENT_ERROR,
			    0);
		}
	} else if (fd != -1) {
		close(fd);
	}
	px_free(px);
}

/* Bytes from the proxy: the SOCKS exchange. */
static void
px_read(struct bufferevent * bev, void * arg)
{
	struct pxconn * px = arg;
	struct evbuffer * in = bufferevent_get_input(bev);
	uint8_t out[SOCKS5_CLIENT_OUT_MAX], * p;
	size_t used, outlen;
	int fd;

	for (;;) {
		p = evbuffer_pullup(in, -1);
		switch (socks5_client_feed(&px->s, p, evbuffer_get_length(in),
		    &used, out, &outlen)) {
		case SOCKS5_CLIENT_NEED_MORE:
			evbuffer_drain(in, used);
			return;
		case SOCKS5_CLIENT_SEND:
			evbuffer_drain(in, used);
			bufferevent_write(bev, out, outlen);
			continue;
		case SOCKS5_CLIENT_DONE:
			evbuffer_drain(in, used);
			/* The bridge's first bytes go with the socket. */
			if (conn_owned(px->conn))
				evbuffer_add_buffer(
				    bufferevent_get_input(px->conn), in);
			fd = bufferevent_getfd(bev);
			bufferevent_disable(bev, EV_READ | EV_WRITE);
			bufferevent_setfd(bev, -1);
			px_done(px, fd, 0);
			return;
		case SOCKS5_CLIENT_ERROR:
			ptrun_log(PTLOG_WARNING, "upstream proxy: %s (reply "
			    "%u)", px->s.why, (unsigned)px->s.code);
			px_done(px, -1, ECONNREFUSED);
			return;
		}
	}
}

/* Connected to the proxy, or not. */
static void
px_event(struct bufferevent * bev, short what, void * arg)
{
	struct pxconn * px = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	ptrun_log(PTLOG_WARNING, "upstream proxy: %s", (what &
	    BEV_EVENT_TIMEOUT) ? "timed out" : "connection failed");
	px_done(px, -1, (what & BEV_EVENT_TIMEOUT) ? ETIMEDOUT :
	    ECONNREFUSED);
}

/* dest_of(to, d): the socket address ${to} as a SOCKS destination. */
static int
dest_of(const struct sock_addr * to, struct socks5_dest * d)
{
	const struct sockaddr_in * sin = (const struct sockaddr_in *)&to->ss;
	const struct sockaddr_in6 * s6 =
	    (const struct sockaddr_in6 *)&to->ss;

	memset(d, 0, sizeof(*d));
	if (to->family == AF_INET) {
		d->atyp = SOCKS5_ATYP_IPV4;
		d->addrlen = 4;
		memcpy(d->addr, &sin->sin_addr, 4);
		d->port = ntohs(sin->sin_port);
	} else if (to->family == AF_INET6) {
		d->atyp = SOCKS5_ATYP_IPV6;
		d->addrlen = 16;
		memcpy(d->addr, &s6->sin6_addr, 16);
		d->port = ntohs(s6->sin6_port);
	} else {
		return (-1);
	}
	return (0);
}

/**
 * pt_proxy_connect(cookie, conn, to):
 * A tunnel's connect hook: connect ${conn} to ${to} through the proxy
 * ${cookie} (a const struct ptproxy *, SOCKS 5).  Return 0, or -1 if it
 * failed at once.
 */
int
pt_proxy_connect(void * cookie, struct bufferevent * conn,
    const struct sock_addr * to)
{
	const struct ptproxy * proxy = cookie;
	struct timeval tv = {PROXY_TIMEOUT, 0};
	struct sockaddr_storage ss;
	struct socks5_dest d;
	struct pxconn * px;
	uint8_t out[SOCKS5_CLIENT_OUT_MAX];
	size_t outlen;
	socklen_t len;

	if (dest_of(to, &d) || (px = calloc(1, sizeof(*px))) == NULL)
		return (-1);
	if (socks5_client_init(&px->s, &d, proxy->has_user ?
	    (const uint8_t *)proxy->user : NULL, strlen(proxy->user),
	    (const uint8_t *)proxy->pass, strlen(proxy->pass), out,
	    &outlen) ||
	    (px->bev = bufferevent_socket_new(bufferevent_get_base(conn), -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(px);
		return (-1);
	}
	memset(&ss, 0, sizeof(ss));
	if (proxy->addr.v6) {
		struct sockaddr_in6 * s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, proxy->addr.ip, 16);
		s6->sin6_port = htons(proxy->addr.port);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in * sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, proxy->addr.ip, 4);
		sin->sin_port = htons(proxy->addr.port);
		len = sizeof(*sin);
	}
	px->conn = conn;
	bufferevent_incref(conn);
	px->next = pending;
	if (px->next != NULL)
		px->next->prevp = &px->next;
	px->prevp = &pending;
	pending = px;
	bufferevent_setcb(px->bev, px_read, NULL, px_event, px);
	bufferevent_set_timeouts(px->bev, &tv, &tv);
	bufferevent_enable(px->bev, EV_READ | EV_WRITE);
	bufferevent_write(px->bev, out, outlen);
	if (bufferevent_socket_connect(px->bev, (struct sockaddr *)&ss,
	    (int)len)) {
		/* The caller sees -1: nothing is reported to ${conn}. */
		px_free(px);
		return (-1);
	}
	return (0);
}

/**
 * pt_proxy_drop_all():
 * Drop the connections being made through the proxy (at exit).
 */
void
pt_proxy_drop_all(void)
{

	/* The connections themselves are closed after this. */
	while (pending != NULL)
		px_free(pending);
}
