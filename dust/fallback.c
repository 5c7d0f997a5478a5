/*
 * dust server --fallback: the connection to the fallback site opened for
 * every accepted connection, and the plain TCP relay a connection whose
 * first flight did not authenticate becomes (docs/protocol.md, "The
 * fallback").
 */
#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "addr.h"
#include "fallback.h"
#include "warnp.h"

/* Bytes queued towards one side before the other is read no more. */
#define RELAY_HIGH	(1024 * 1024)

/*
 * The longest greeting of a site that is looked for: an SSH server's
 * identification line and the lines it may send before it (RFC 4253
 * 4.2; sshhello.h's SSHHELLO_PREAMBLE_MAX and _IDENT_MAX).
 */
#define GREETING_MAX	(8192 + 255)

struct fallback {
	struct event_base * base;
	struct sock_addr addr;
	char name[128];			/* The address, for log lines. */
	void (*freed)(void *);
	void * cookie;
	int down;			/* Connects fail: logged once. */
	uint8_t * greeting;		/* What the server sends at accept; */
	size_t glen;			/* its bytes, */
	size_t glines;			/* and its lines (LFs). */
	int warned;			/* The site's greeting differs: logged
					   once. */
	size_t relays;
	struct fbconn * list;		/* Pending and relaying. */
};

struct fbconn {
	struct fallback * fb;
	struct bufferevent * site;	/* To the fallback site. */
	struct bufferevent * peer;	/* The prober's; NULL until relaying. */
	void (*early)(void *);		/* The site spoke or closed first. */
	void (*on_greeted)(void *);	/* Its greeting came (or cannot). */
	void * cookie;
	int connected, failed;		/* The connect to the site. */
	int site_eof, peer_eof;		/* Read an end of file from it. */
	int site_shut, peer_shut;	/* Shut its write side (passed the
					   other's FIN on). */
	int site_rst;			/* The site reset before the verdict. */
	int greeted;			/* The site's greeting is in (or there
					   is none), */
	size_t gend;			/* its bytes at the input's start, */
	int skip;			/* to drop: the peer has the server's. */
	struct event * watch[2];	/* Site, peer: a reset after its FIN. */
	struct fbconn * next, ** prevp;
};

/* Close ${bev}'s socket with a reset (SO_LINGER 0) and free it. */
static void
reset_free(struct bufferevent * bev)
{
	struct linger l = { 1, 0 };

	if (bev == NULL)
		return;
	if (bufferevent_getfd(bev) != -1)
		(void)setsockopt(bufferevent_getfd(bev), SOL_SOCKET,
		    SO_LINGER, &l, sizeof(l));
	bufferevent_free(bev);
}

/* Unlink and free ${f}, resetting what is still open if ${reset}. */
static void
fbconn_free(struct fbconn * f, int reset)
{
	struct fallback * fb = f->fb;
	int relay = (f->peer != NULL), i;

	for (i = 0; i < 2; i++)
		if (f->watch[i] != NULL)
			event_free(f->watch[i]);
	if (reset) {
		reset_free(f->site);
		reset_free(f->peer);
	} else {
		if (f->site != NULL)
			bufferevent_free(f->site);
		if (f->peer != NULL)
			bufferevent_free(f->peer);
	}
	*f->prevp = f->next;
	if (f->next != NULL)
		f->next->prevp = f->prevp;
	free(f);
	if (relay) {
		fb->relays--;
		if (fb->freed != NULL)
			fb->freed(fb->cookie);
	}
}

/*
 * printable(b, n, out, outlen): the ${n} bytes ${b} in ${out} for a log
 * line: a line end dropped, other bytes outside ' ' to '~' as '?'.
 */
static void
printable(const uint8_t * b, size_t n, char * out, size_t outlen)
{
	size_t i, k = 0;

	while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
		n--;
	for (i = 0; i < n && k + 1 < outlen; i++)
		out[k++] = (b[i] >= ' ' && b[i] <= '~') ? (char)b[i] : '?';
	out[k] = '\0';
}

/*
 * greeting_differs(f, b, n): the site's greeting ${b} (${n} bytes) is not
 * the server's: warn once, naming both.
 */
static void
greeting_differs(struct fbconn * f, const uint8_t * b, size_t n)
{
	struct fallback * fb = f->fb;
	char site[256], ours[256];

	if (fb->warned)
		return;
	fb->warned = 1;
	printable(b, n, site, sizeof(site));
	printable(fb->greeting, fb->glen, ours, sizeof(ours));
	warn0("--fallback %s: its identification line \"%s\" is not the "
	    "model's \"%s\": a prober handed over fails the key exchange "
	    "(learn the model from this server: models/capture/ssh.sh)",
	    fb->name, site, ours);
}

/*
 * find_greeting(f): the site's first bytes are its greeting, as many lines
 * as the server's (fallback_set_greeting): once they are all in, note
 * their length in ${f}->gend (warning once if they are not the server's).
 * A site that sends GREETING_MAX bytes without them has none.  Return 1
 * while they are awaited, else 0.
 */
static int
find_greeting(struct fbconn * f)
{
	struct evbuffer * in = bufferevent_get_input(f->site);
	struct evbuffer_ptr p;
	const uint8_t * b;
	size_t i, n;

	if (f->greeted)
		return (0);
	memset(&p, 0, sizeof(p));
	for (i = 0; i < f->fb->glines; i++) {
		p = evbuffer_search(in, "\n", 1, i > 0 ? &p : NULL);
		if (p.pos == -1 || (size_t)p.pos >= GREETING_MAX) {
			f->greeted = (p.pos != -1 ||
			    evbuffer_get_length(in) >= GREETING_MAX);
			return (!f->greeted);
		}
		(void)evbuffer_ptr_set(in, &p, 1, EVBUFFER_PTR_ADD);
	}
	f->greeted = 1;
	f->gend = n = (size_t)p.pos;
	if ((b = evbuffer_pullup(in, p.pos)) != NULL && (n != f->fb->glen ||
	    memcmp(b, f->fb->greeting, n)))
		greeting_differs(f, b, n);
	return (0);
}

/*
 * The site's connection before the verdict: it spoke (its greeting aside,
 * which is no word: every site that greets greets every visitor).
 */
static void
pending_read(struct bufferevent * bev, void * arg)
{
	struct fbconn * f = arg;

	if (find_greeting(f))
		return;
	if (evbuffer_get_length(bufferevent_get_input(bev)) == f->gend) {
		f->on_greeted(f->cookie);
		return;
	}
	bufferevent_disable(f->site, EV_READ);
	f->early(f->cookie);
}

/*
 * site_connect_event(f, what): the connect to the site ended as ${what}
 * says: log a failure once an episode (until a connect works again).
 * Return 1 if ${what} was about the connect, else 0.
 */
static int
site_connect_event(struct fbconn * f, short what)
{
	struct fallback * fb = f->fb;

	if (what & BEV_EVENT_CONNECTED) {
		f->connected = 1;
		if (fb->down) {
			fb->down = 0;
			info0("--fallback %s: reachable again", fb->name);
		}
		return (1);
	}
	if (f->connected)
		return (0);
	f->failed = 1;
	if (!fb->down) {
		fb->down = 1;
		warn0("--fallback %s: cannot connect (%s); unauthenticated "
		    "connections are reset until it answers again", fb->name,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	}
	return (1);
}

/* The site's connection before the verdict: connected, closed, failed. */
static void
pending_event(struct bufferevent * bev, short what, void * arg)
{
	struct fbconn * f = arg;

	(void)bev;
	if (site_connect_event(f, what)) {
		/* No greeting comes from a site that cannot be reached. */
		if (f->failed)
			f->on_greeted(f->cookie);
		return;
	}
	if (what & BEV_EVENT_EOF)
		f->site_eof = 1;
	else
		f->site_rst = 1;
	bufferevent_disable(f->site, EV_READ);
	f->early(f->cookie);
}

/**
 * fallback_new(base, addr, freed, cookie):
 * Make the fallback to the site at ${addr} on ${base}; freed(${cookie}) is
 * called when a relay ends.  Return it, or NULL on ENOMEM.
 */
struct fallback *
fallback_new(struct event_base * base, const struct sock_addr * addr,
    void (*freed)(void *), void * cookie)
{
	struct fallback * fb;

	if ((fb = calloc(1, sizeof(*fb))) == NULL)
		return (NULL);
	fb->base = base;
	fb->addr = *addr;
	fb->freed = freed;
	fb->cookie = cookie;
	(void)addr_format(addr, fb->name, sizeof(fb->name));
	return (fb);
}

/**
 * fallback_set_greeting(fb, greeting, len):
 * The server sends the ${len} bytes ${greeting} at accept, before any byte
 * of the peer (an SSH format's identification line): the site's own
 * greeting, its first as many lines, is not "the site spoke first"
 * (fallback_open's greeted is called once it is in), nor relayed to a peer
 * that had the server's (fallback_relay), and if it is not the same bytes
 * one warning is logged.  Return 0, or -1 on ENOMEM.
 */
int
fallback_set_greeting(struct fallback * fb, const uint8_t * greeting,
    size_t len)
{
	size_t i;

	free(fb->greeting);
	fb->greeting = NULL;
	fb->glen = fb->glines = 0;
	if (len == 0)
		return (0);
	if ((fb->greeting = malloc(len)) == NULL)
		return (-1);
	memcpy(fb->greeting, greeting, len);
	fb->glen = len;
	for (i = 0; i < len; i++)
		fb->glines += (greeting[i] == '\n');
	return (0);
}

/**
 * fallback_relays(fb):
 * Return the number of relays of ${fb} running.
 */
size_t
fallback_relays(const struct fallback * fb)
{

	return (fb->relays);
}

/**
 * fallback_free(fb):
 * End every relay and pending connection of ${fb} and free it.
 */
void
fallback_free(struct fallback * fb)
{

	if (fb == NULL)
		return;
	fb->freed = NULL;
	while (fb->list != NULL)
		fbconn_free(fb->list, 0);
	free(fb->greeting);
	free(fb);
}

/**
 * fallback_open(fb, early, greeted, cookie):
 * Open a connection to the site for a connection just accepted; early(
 * ${cookie}) if the site sends bytes or closes before the verdict,
 * greeted(${cookie}) once its greeting has come (or cannot).  Return it,
 * or NULL on failure (logged).
 */
struct fbconn *
fallback_open(struct fallback * fb, void (*early)(void *),
    void (*greeted)(void *), void * cookie)
{
	struct fbconn * f;
	int one = 1;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		goto err0;
	f->fb = fb;
	f->early = early;
	f->on_greeted = greeted;
	f->cookie = cookie;
	f->greeted = (fb->glines == 0);
	if ((f->site = bufferevent_socket_new(fb->base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto err1;
	bufferevent_setcb(f->site, pending_read, NULL, pending_event, f);
	if (bufferevent_enable(f->site, EV_READ))
		goto err2;
	if (bufferevent_socket_connect(f->site,
	    (const struct sockaddr *)&fb->addr.ss, (int)fb->addr.len)) {
		/*
		 * An immediate failure (no such Unix socket, no descriptor
		 * left): as a refused connect, logged while errno says why.
		 * The peer is not decided by it: a client's first flight may
		 * still come, and a stranger's verdict resets it.
		 */
		(void)site_connect_event(f, BEV_EVENT_ERROR);
		bufferevent_free(f->site);
		f->site = NULL;
	} else if (fb->addr.family != AF_UNIX)
		(void)setsockopt(bufferevent_getfd(f->site), IPPROTO_TCP,
		    TCP_NODELAY, &one, sizeof(one));
	f->next = fb->list;
	if (f->next != NULL)
		f->next->prevp = &f->next;
	f->prevp = &fb->list;
	fb->list = f;
	return (f);

err2:
	bufferevent_free(f->site);
err1:
	free(f);
err0:
	warn0("--fallback: cannot open a connection: out of memory");
	return (NULL);
}

/**
 * fallback_greeted(f):
 * Return 1 if the site's greeting has come to ${f} (or cannot), or if ${f}
 * is NULL; else 0.
 */
int
fallback_greeted(const struct fbconn * f)
{

	return (f == NULL || f->greeted || f->failed || f->site == NULL ||
	    f->site_eof || f->site_rst);
}

/**
 * fallback_cancel(f):
 * The first flight authenticated: close the connection ${f} to the site.
 */
void
fallback_cancel(struct fbconn * f)
{

	if (f != NULL)
		fbconn_free(f, 0);
}

/* Shut ${bev}'s write side once what is queued for it has gone. */
static void
shut_when_sent(struct bufferevent * bev, int * shut)
{

	if (*shut || evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	(void)shutdown(bufferevent_getfd(bev), SHUT_WR);
	*shut = 1;
}

/*
 * relay_check(f): pass on the ends of file whose bytes have gone, and
 * end the relay once both ways are shut.  Return 1 if ${f} was freed.
 */
static int
relay_check(struct fbconn * f)
{

	if (f->site_eof)
		shut_when_sent(f->peer, &f->peer_shut);
	if (f->peer_eof)
		shut_when_sent(f->site, &f->site_shut);
	if (f->peer_shut && f->site_shut) {
		fbconn_free(f, 0);
		return (1);
	}
	return (0);
}

/* A side that sent its FIN may reset later (bytes sent to a closed
   socket): mirror it at once, as its kernel does to a direct client. */
static void
watch_cb(evutil_socket_t fd, short what, void * arg)
{
	struct fbconn * f = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)what;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0)
		fbconn_free(f, 1);
}

/*
 * watch_reset(f, i, bev): after the FIN of ${bev}, watch it for a reset
 * (edge-triggered: its end of file stays readable).
 */
static void
watch_reset(struct fbconn * f, int i, struct bufferevent * bev)
{

	if (f->watch[i] != NULL || (f->watch[i] = event_new(f->fb->base,
	    bufferevent_getfd(bev), EV_READ | EV_ET | EV_PERSIST, watch_cb,
	    f)) == NULL)
		return;
	(void)event_add(f->watch[i], NULL);
}

/* Move what ${from} read to ${to}; stop reading while ${to} is full. */
static void
pass(struct bufferevent * from, struct bufferevent * to)
{

	bufferevent_write_buffer(to, bufferevent_get_input(from));
	if (evbuffer_get_length(bufferevent_get_output(to)) > RELAY_HIGH)
		bufferevent_disable(from, EV_READ);
}

/*
 * The site's bytes to the peer: if the peer has the server's greeting, once
 * the site's is in and dropped.
 */
static void
pass_site(struct fbconn * f)
{

	if (f->skip) {
		if (find_greeting(f))
			return;
		(void)evbuffer_drain(bufferevent_get_input(f->site), f->gend);
		f->skip = 0;
	}
	pass(f->site, f->peer);
}

/* Either side has bytes. */
static void
relay_read(struct bufferevent * bev, void * arg)
{
	struct fbconn * f = arg;

	if (bev == f->site)
		pass_site(f);
	else
		pass(f->peer, f->site);
}

/* A side took all that was queued for it: read the other again. */
static void
relay_write(struct bufferevent * bev, void * arg)
{
	struct fbconn * f = arg;

	if (bev == f->site && !f->peer_eof)
		bufferevent_enable(f->peer, EV_READ);
	if (bev == f->peer && !f->site_eof)
		bufferevent_enable(f->site, EV_READ);
	(void)relay_check(f);
}

/*
 * relay_reset(f, bev): the side ${bev} reset or failed: what it sent
 * before goes to the other side first, written now (a reset behind bytes
 * on their way does not take them back; the socket takes them unless it
 * is full), then the other side is reset too.
 */
static void
relay_reset(struct fbconn * f, struct bufferevent * bev)
{
	struct bufferevent * to = (bev == f->site) ? f->peer : f->site;
	struct evbuffer * out = bufferevent_get_output(to);

	relay_read(bev, f);
	/* A bufferevent's output is drained by it alone: frozen until now. */
	(void)evbuffer_unfreeze(out, 1);
	(void)evbuffer_write(out, bufferevent_getfd(to));
	fbconn_free(f, 1);
}

/* A side sent its FIN, reset, or failed: mirror it. */
static void
relay_event(struct bufferevent * bev, short what, void * arg)
{
	struct fbconn * f = arg;

	/* The site was still connecting when the connection came. */
	if (bev == f->site && site_connect_event(f, what) &&
	    (what & BEV_EVENT_CONNECTED))
		return;
	if (what & BEV_EVENT_EOF) {
		/* What it sent before its FIN goes first. */
		relay_read(bev, f);
		if (bev == f->site)
			f->site_eof = 1;
		else
			f->peer_eof = 1;
		watch_reset(f, bev == f->site ? 0 : 1, bev);
		(void)relay_check(f);
		return;
	}
	if (what & BEV_EVENT_ERROR)
		relay_reset(f, bev);
}

/**
 * fallback_relay(f, peer, kept, unsent, greeted, peer_end):
 * Hand the peer's socket ${peer} to the site: write the bytes of ${kept}
 * to the site's connection ${f}, those of ${unsent} to the peer, mirror
 * ${peer_end}, and relay from then on, the site's greeting dropped if
 * ${greeted}.  If the site cannot be reached, the peer's connection is
 * reset.  Return 0, or -1 if the relay could not be set up (all closed
 * then).
 */
int
fallback_relay(struct fbconn * f, int peer, struct evbuffer * kept,
    struct evbuffer * unsent, int greeted, int peer_end)
{
	struct fallback * fb = f->fb;

	/* The peer had the server's greeting: the site's is not relayed. */
	f->skip = greeted && fb->glines > 0;

	if ((f->peer = bufferevent_socket_new(fb->base, peer,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(peer);
		fbconn_free(f, 1);
		return (-1);
	}
	fb->relays++;
	/* A site that is down, or reset us, or a peer that reset: reset. */
	if (f->failed || f->site == NULL || f->site_rst ||
	    peer_end == FALLBACK_PEER_RST) {
		if (f->site != NULL && peer_end == FALLBACK_PEER_RST)
			(void)evbuffer_write(kept,
			    bufferevent_getfd(f->site));
		fbconn_free(f, 1);
		return (0);
	}
	bufferevent_setcb(f->site, relay_read, relay_write, relay_event, f);
	bufferevent_setcb(f->peer, relay_read, relay_write, relay_event, f);
	if (bufferevent_write_buffer(f->site, kept) ||
	    bufferevent_write_buffer(f->peer, unsent) ||
	    bufferevent_enable(f->peer, EV_READ | EV_WRITE) ||
	    bufferevent_enable(f->site, EV_READ | EV_WRITE)) {
		fbconn_free(f, 1);
		return (-1);
	}
	/* What the site sent before the verdict goes on at once. */
	pass_site(f);
	if (f->site_eof) {
		bufferevent_disable(f->site, EV_READ);
		watch_reset(f, 0, f->site);
	}
	if (peer_end == FALLBACK_PEER_FIN) {
		f->peer_eof = 1;
		bufferevent_disable(f->peer, EV_READ);
		watch_reset(f, 1, f->peer);
	}
	(void)relay_check(f);
	return (0);
}
