#ifndef DUST_TCONN_H
#define DUST_TCONN_H

#include <stdint.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "tunnel.h"

/*
 * What the files of a Dust connection (struct tconn, tunnel.h) share
 * inside: tunnel_conn.c (its life), tunnel_read.c (its incoming bytes),
 * tunnel_sched.c (its schedule), tunnel_conv.c (conversation mode's
 * steps) and tunnel_mark.c (awaiting the mark, and the fallback).
 */

/* A format's server: the longest handshake (ms), as nginx's default. */
#define FORMAT_HANDSHAKE_MS	60000

/* Ticks between packets: the shortest (ms). */
#define TICK_MIN	2
/* A record's framing, counted against a conversation's room per feed. */
#define FEED_FRAMING	35
/* The longest sleep of a connection in conversation mode (ms). */
#define CONV_WAKE_MAX	1000
/*
 * A step held until the previous one has left the kernel (tconv_step_gone)
 * is sent when the socket says so (TCP_NOTSENT_LOWAT of 1 makes it
 * writable only once no byte waits unsent: the gone event); the timer
 * looks again after CONV_HOLD_MIN us, then twice as long each time it is
 * still held, up to CONV_HOLD_MAX us, in case the event does not come (a
 * kernel without TCP_NOTSENT_LOWAT): a slow reader is no reason to wake
 * often.
 */
#define CONV_HOLD_MIN	400
#define CONV_HOLD_MAX	3200

/* tunnel_sched.c */

/**
 * tconn_count_until(c, t):
 * Count the packets the model says are due from ${c}'s last count to
 * ${t} (nothing if ${t} is earlier), on a microsecond clock.
 */
void tconn_count_until(struct tconn *, const struct timespec *);

/**
 * tconn_send_due(c, ticked):
 * Send the packets due now, as many as the path takes (${ticked}: called
 * by the tick timer).  It may close ${c}.
 */
void tconn_send_due(struct tconn *, int);

/**
 * tconn_start(c):
 * Start the schedule of ${c}, connected: its ticks and its duration.
 */
void tconn_start(struct tconn *);

/**
 * tconn_tick_cb(fd, what, arg):
 * The tick: count time, send what is due; or close, once it is over.
 */
void tconn_tick_cb(evutil_socket_t, short, void *);

/**
 * tconn_write_cb(bev, arg):
 * The socket took the bytes made before: more may go if due.
 */
void tconn_write_cb(struct bufferevent *, void *);

/* tunnel_conv.c */

/**
 * tconv_flush_steps(c, out):
 * In conversation mode, write the steps made in ${out} to the kernel now,
 * in one call.
 */
void tconv_flush_steps(struct tconn *, struct evbuffer *);

/**
 * tconv_whole_segments(c, n):
 * Return 1 if ${n} bytes are whole segments of ${c}'s socket (its MSS
 * known, ${n} a multiple of it).
 */
int tconv_whole_segments(const struct tconn *, size_t);

/**
 * tconv_step_gone(c, out):
 * In conversation mode, return 1 if the next step may be made (nothing
 * waits before it but whole segments), else 0.
 */
int tconv_step_gone(struct tconn *, struct evbuffer *);

/**
 * tconv_count_ahead(c, out):
 * In conversation mode, if ${out} holds whole-segment steps about to be
 * written and the next step falls due within CONV_AHEAD_US, count it due
 * now; return 1 if it did, else 0.
 */
int tconv_count_ahead(struct tconn *, struct evbuffer *);

/**
 * tconv_close(c):
 * Close ${c} once what was made has gone, not before.
 */
void tconv_close(struct tconn *);

/**
 * tconv_wait(c):
 * The tick armed for a step has fired: learn from how late it fired, then
 * wait on the clock until the step is due.
 */
void tconv_wait(struct tconn *);

/**
 * tconv_next(c):
 * In conversation mode, finish ${c} if the conversation is over, else arm
 * its tick for when the next step may be due (or to look again at a held
 * one).
 */
void tconv_next(struct tconn *);

/* tunnel_read.c */

/**
 * tconn_read_cb(bev, arg):
 * Wire bytes arrived on the connection ${arg}: read them all, de-shape
 * them and hand the data to its link.
 */
void tconn_read_cb(struct bufferevent *, void *);

/* tunnel_mark.c */

/**
 * tconn_handover(c, peer_end, why):
 * The first flight of ${c} did not authenticate (${why}): hand the peer's
 * socket and the bytes it sent to the fallback, and free ${c}.
 */
void tconn_handover(struct tconn *, int, const char *);

/**
 * tconn_verdict(c, peer_end):
 * A server awaiting the mark on ${c}: close the fallback's connection once
 * the mark has verified, or hand ${c} over if it did not, the peer
 * ended (${peer_end}) first, or (a TLS format) its first bytes cannot
 * begin a ClientHello.  Return 1 if ${c} was handed over (and freed),
 * else 0.
 */
int tconn_verdict(struct tconn *, int);

/**
 * tconn_arm_stall(c):
 * Bytes of the first flight came and its mark is still awaited: hand it
 * over if no more come within STALL_MS.  Return 0, or -1 on ENOMEM.
 */
int tconn_arm_stall(struct tconn *);

/**
 * tconn_site_early(arg):
 * The fallback site spoke or closed before the verdict (the fallback_open
 * callback of a connection awaiting the mark).
 */
void tconn_site_early(void *);

/**
 * tconn_site_greeted(arg):
 * The fallback site's greeting came (or cannot come) before the verdict
 * (the fallback_open callback of a connection awaiting the mark): the
 * server's own greeting, held until then, goes now (from the event loop).
 */
void tconn_site_greeted(void *);

/**
 * tconn_greeting_held(c):
 * Return 1 if ${c} is a server's connection awaiting the mark whose
 * fallback site has not greeted yet: nothing is sent until it has (an SSH
 * format's identification line goes when the site's own comes, so that it
 * is timed as the site's), else 0.
 */
int tconn_greeting_held(const struct tconn *);

#endif /* !DUST_TCONN_H */
