#ifndef DUST_TUNNEL_H
#define DUST_TUNNEL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dust/engine.h"
#include "dust/ensemble.h"
#include "dust/invite.h"
#include "dust/model.h"
#include "dust/seattle.h"

#include "addr.h"

/*
 * What dust server and dust client share (docs/ensemble.md): one Dust
 * connection driven by the model's schedule (struct tconn), the
 * application side of a session (struct tapp), counters, and loading
 * invites and models.  One file a job: tunnel_load.c (invite and model),
 * tunnel_time.c (time arithmetic, timers), tunnel_events.c (event base,
 * acceptor, counters), tunnel_conn.c (a connection's life), tunnel_read.c
 * (its incoming bytes), tunnel_sched.c (its schedule), tunnel_conv.c
 * (conversation mode's steps), tunnel_mark.c (the mark and the fallback),
 * tunnel_app.c (the application side), tunnel_streams.c (the streams a
 * session carries); tconn.h holds what a connection's files share inside.
 */

/* Application output buffered before a session stops giving bytes. */
#define TUNNEL_APP_HIGH		(256 * 1024)
/*
 * Wire bytes made ahead in user space: packets are made (data or cover
 * drawn) only while fewer wait for the socket, so that data is never
 * queued behind much cover.
 */
#define TUNNEL_WIRE_HIGH	(128 * 1024)
/* Packets due that may wait for a full path; older ones are skipped. */
#define TUNNEL_DUE_MAX		128
/* Packets (of those due now) whose data is fed to the engine at once. */
#define TUNNEL_FEED_AHEAD	16
/* Largest read or write of a socket in one go (libevent's is 16 KiB). */
#define TUNNEL_IO_MAX		(256 * 1024)
/* The first packets of a connection go out one per tick. */
#define TUNNEL_PACED		16
/* Kernel buffers of Dust sockets. */
#define TUNNEL_SOCKBUF		(256 * 1024)

/* Counters, printed on SIGUSR1. */
struct tunnel_stats {
	uint64_t sessions, sessions_open;
	uint64_t conns, conns_open;
	uint64_t wire_out, wire_in;		/* Bytes on Dust sockets. */
	uint64_t real_out, real_in;		/* Application bytes. */
	uint64_t failed;			/* Silent handshake failures. */
	uint64_t unauthenticated;		/* First flights without the
						   mark (handed over, or held
						   silent). */
	uint64_t skipped;			/* Packets due, never sent:
						   the path was full. */
};

/* What every connection of a program shares. */
struct tunnel {
	struct event_base * base;
	struct dust_model * model;
	struct dust_conv_recent * recent;	/* A client's last drawn. */
	struct dust_invite inv;
	uint8_t sid[SEATTLE_SID_MAX];
	size_t sidlen;
	uint8_t sk[32];			/* Server's static key. */
	struct seattle_replay * replay;
	int server;
	int mark;			/* Server: require the mark. */
	uint8_t mark_key[32];		/* Server: MK (dust_engine_mark_key). */
	struct fallback * fallback;	/* Server: --fallback, or NULL. */
	struct replaylog * rlog;	/* Server: --replay-log, or NULL. */
	double ratio;			/* Uniform bytes per wire byte sent. */
	uint32_t wake_late_us;		/* How late our timers fire: a running
					   90th percentile (tconv_wait). */
	struct tunnel_stats st;
	uint64_t conn_serial, sess_serial;
	struct tconn * conns;		/* Every connection. */
	int lfd;			/* The listening socket. */
	struct acceptor * acc;		/* Accepting on ${lfd}. */
	struct event * usr1;		/* SIGUSR1: log the counters. */
	/*
	 * Client: connect a Dust connection's ${bev} (without a socket) to
	 * ${to} another way (dust pt: through an upstream proxy), reporting
	 * BEV_EVENT_CONNECTED with its socket set, or BEV_EVENT_ERROR; 0, or
	 * -1 if it failed at once.  NULL: connect directly.
	 */
	int (*connect)(void *, struct bufferevent *, const struct sock_addr *);
	void * connect_cookie;
};

struct tconn;

/* What the owner of a connection hears from it. */
struct tconn_hooks {
	/* Bytes reached the link: the session may have news. */
	void (*pumped)(struct tconn *, void *);
	/* The duration is nearly over (client: open the next one). */
	void (*ending)(struct tconn *, void *);
	/*
	 * The connection is gone; its link is ended and ${c} freed after
	 * this returns.
	 */
	void (*ended)(struct tconn *, void *, const char *);
};

/* tconn.finishing: how a connection whose conversation is over ends. */
#define FINISH_WAIT	1
#define FINISH_FLUSH	2

struct tconn {
	struct tunnel * tun;
	uint64_t no;			/* For log lines. */
	struct bufferevent * bev;
	struct dust_engine * e;
	struct ens_link * link;
	struct event * tick, * end, * warn;
	struct event * gone;		/* Conversation: the socket sent all
					   it was given (tconv_step_gone). */
	struct timespec last, born;
	uint32_t tick_ms;
	uint32_t hold_us;		/* Conversation: next look at a held
					   step (tconv_next). */
	struct timespec step_at;	/* When the next step is due, */
	struct timespec wake_at;	/* and its tick is to fire, */
	int step_armed;			/* if the tick is for it. */
	int mss;			/* The socket's segment size (0 if
					   unknown), */
	int lowat;			/* and its TCP_NOTSENT_LOWAT. */
	uint32_t due;			/* Packets due, not sent yet. */
	uint64_t npackets;		/* Packets sent. */
	uint32_t duration;
	double credit;
	int connected;
	int answered;			/* The peer's Dust bytes were read: its
					   handshake checked out. */
	int expired;			/* Closed because its duration (or
					   conversation) ended. */
	int conv;			/* The model has conversations. */
	int format;			/* The model has a format: records
					   are sent on demand (tconn_kick). */
	uint64_t idle_ms;		/* Client, with a "hosts" object:
					   closed after this long without
					   data (0: never). */
	int finishing;			/* Over: FINISH_WAIT for the peer's
					   close or the tick, FINISH_FLUSH
					   closing once flushed. */
	int failed_logged, link_logged;
	int awaiting;			/* Server: the mark not checked yet. */
	struct evbuffer * kept;		/* With --fallback: the peer's bytes
					   while the mark is awaited, */
	struct fbconn * fb;		/* and the site's connection; */
	struct event * stall;		/* a first flight that stopped. */
	const struct tconn_hooks * hooks;
	void * cookie;
	struct tconn * next;		/* In the owner's list. */
	struct tconn * allnext, ** allprevp;
};

/**
 * tunnel_load(tun, invite, server, why, whylen):
 * Read the invite ${invite} (the text "dust:...", or a file holding it),
 * and its model (JSON text, a built-in name, or empty: "uniform") into
 * ${tun}.  Return 0, or -1 with a sentence in ${why}.
 */
int tunnel_load(struct tunnel *, const char *, int, char *, size_t);

/**
 * tunnel_chunk(tun):
 * Return the default number of application bytes per DATA message for
 * ${tun}'s side: ENS_CHUNK, but in conversation mode what the model's
 * steps carry (a client's requests are small, a server's answers larger),
 * since a message is sent only whole within one conversation.
 */
size_t tunnel_chunk(const struct tunnel *);

/**
 * tunnel_free(tun):
 * Free what tunnel_load made.
 */
void tunnel_free(struct tunnel *);

/**
 * tunnel_stats_log(tun):
 * Log the counters of ${tun}.
 */
void tunnel_stats_log(struct tunnel *);

/* tunnel_time.c: time arithmetic on CLOCK_MONOTONIC, and timers. */

/**
 * tunnel_us_between(a, b):
 * Return the microseconds from ${a} to ${b} (0 if ${b} is earlier).
 */
uint64_t tunnel_us_between(const struct timespec *, const struct timespec *);

/**
 * tunnel_add_us(t, us):
 * Move ${t} ${us} microseconds on.
 */
void tunnel_add_us(struct timespec *, uint64_t);

/**
 * tunnel_ms_between(a, b):
 * Return the whole milliseconds from ${a} to ${b} (0 if ${b} is
 * earlier).
 */
uint64_t tunnel_ms_between(const struct timespec *, const struct timespec *);

/**
 * tunnel_ms_since(t):
 * Return the milliseconds from ${t} (CLOCK_MONOTONIC) to now.
 */
uint64_t tunnel_ms_since(const struct timespec *);

/**
 * tunnel_arm_us(ev, us):
 * Arm the one-shot ${ev} for ${us} microseconds.
 */
void tunnel_arm_us(struct event *, uint64_t);

/**
 * tunnel_arm_ms(ev, ms):
 * Arm the one-shot ${ev} for ${ms} milliseconds.
 */
void tunnel_arm_ms(struct event *, uint64_t);

/**
 * tunnel_bev_tune(bev):
 * Let ${bev} write up to TUNNEL_IO_MAX bytes in one system call.  (Its
 * reads are capped at 4096 bytes by libevent whatever it is told: the
 * large reads are sockread's, in tconn_read_cb and tapp_pump.)
 */
void tunnel_bev_tune(struct bufferevent *);

/**
 * tunnel_base_new(precise):
 * Return an event base that looks for new events (signals among them)
 * after a few dozen callbacks at most, and whose timers fire to the
 * microsecond if ${precise} (for models with conversations).  Return NULL
 * on failure.
 */
struct event_base * tunnel_base_new(int);

/**
 * tunnel_events(tun, accept_cb, arg):
 * Make ${tun}'s event base, the acceptor ${tun}->acc that calls
 * accept_cb(${arg}, fd) with each connection accepted on the listening
 * socket ${tun}->lfd, and a SIGUSR1 handler that logs the counters.
 * Return 0, or -1 on failure; tunnel_events_free frees what was made.
 */
int tunnel_events(struct tunnel *, void (*)(void *, int), void *);

/**
 * tunnel_events_free(tun):
 * Free what tunnel_events made (the event base last).
 */
void tunnel_events_free(struct tunnel *);

/**
 * tconn_new(tun, fd, to, link, hooks, cookie):
 * Run a Dust connection on the accepted socket ${fd} (taken over), or if
 * ${to} is not NULL on a new connection to ${to}, carrying ${link} (taken
 * over).  Return it, or NULL on failure with errno set (${fd} and
 * ${link} are then freed).
 */
struct tconn * tconn_new(struct tunnel *, int, const struct sock_addr *,
    struct ens_link *, const struct tconn_hooks *, void *);

/**
 * tunnel_kick_session(tun, s):
 * The session ${s} may have data to send: its connections that send on
 * demand (a model with a format) look soon, from the event loop; the
 * others wait for their schedule.
 */
void tunnel_kick_session(struct tunnel *, struct ens_session *);

/**
 * tconn_close(c, why):
 * End ${c}: call its ended hook and free it.
 */
void tconn_close(struct tconn *, const char *);

/**
 * tconn_detach(c):
 * Forget the owner of ${c} (its hooks are not called any more); the
 * connection goes on with cover traffic until its duration ends, or, in
 * a format, closes once it has sent what it made.
 */
void tconn_detach(struct tconn *);

/**
 * tconn_close_all(tun):
 * Close every connection of ${tun} without calling hooks (for exiting).
 */
void tconn_close_all(struct tunnel *);

/* The application side of a session. */
struct tapp {
	struct bufferevent * bev;
	struct ens_session * s;
	int eof_in;			/* The application sent EOF. */
	int shut_out;			/* We shut its write side. */
	int gone;			/* Socket closed. */
	int connected;
};

/**
 * tapp_pump(a, tun):
 * Move bytes between the application socket of ${a} and its session.
 * Return 1 if the application side is finished (closed), else 0.
 */
int tapp_pump(struct tapp *, struct tunnel *);

/**
 * tapp_close(a, reset):
 * Close the application socket of ${a} (with a reset if ${reset}).
 */
void tapp_close(struct tapp *, int);

/* tunnel_streams.c: the streams of a session (docs/streams.md). */
struct muxio;
struct muxio_hooks;
struct muxio_limit;

/* The port id of a stream to the server's fixed target (-t). */
#define TUNNEL_TARGET_PORT	0
/*
 * A stream's window each way (docs/streams.md): the session's own
 * (ENS_WINDOW_BYTES), so that one stream may fill the session as one
 * application connection did; pipemux's 256 KiB held a download through
 * the tunnel to a third of its goodput.
 */
#define TUNNEL_STREAM_WINDOW	ENS_WINDOW_BYTES

/**
 * tstreams_new(tun, a, server, hooks, cookie, name, limit):
 * Make the application side ${a} of a session (its bufferevent, marked
 * connected) one end of a socketpair, and run a muxio link of the
 * ${server} side on the other end with ${hooks}, ${cookie}, ${name} and
 * ${limit} (see muxio_new).  Return the link, or NULL on failure with
 * ${a}->bev NULL.
 */
struct muxio * tstreams_new(struct tunnel *, struct tapp *, int,
    const struct muxio_hooks *, void *, const char *, struct muxio_limit *);

#endif /* !DUST_TUNNEL_H */
