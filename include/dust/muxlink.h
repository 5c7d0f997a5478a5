#ifndef DUST_MUXLINK_H
#define DUST_MUXLINK_H

#include <stddef.h>
#include <stdint.h>

#include "dust/muxframe.h"

/*
 * The state of one pipemux link, without I/O: the connection table, the
 * per-connection flow-control windows, id allocation and the protocol
 * rules (docs/pipemux.md).  Bytes from the link go in through
 * muxlink_input; what the local side does goes in through muxlink_open,
 * muxlink_send, muxlink_close, muxlink_consumed and muxlink_abandon.
 * What comes out (bytes for the link, data and half-closes for local
 * connections, new credit) comes out through the callbacks.
 */

/*
 * Unacknowledged bytes allowed in flight per connection per direction,
 * unless muxlink_set_window says more (up to MUXLINK_WINDOW_MAX; both
 * sides of a link must agree).
 */
#define MUXLINK_WINDOW		262144
#define MUXLINK_WINDOW_MAX	(16 * 1024 * 1024)
/* The receiver returns credit once a quarter of the window is consumed. */
#define MUXLINK_CREDIT_BATCH	(MUXLINK_WINDOW / 4)

struct muxlink;

struct muxlink_cbs {
	/*
	 * Bytes for the link: a header of ${hlen} bytes and ${dlen} bytes of
	 * data (possibly none).  Return 0, or -1 if they cannot be queued.
	 */
	int (*output)(void * cookie, const uint8_t * hdr, size_t hlen,
	    const uint8_t * data, size_t dlen);

	/*
	 * Server side only: the peer opened connection ${id} to port id
	 * ${port}.  Return the local connection's handle, or NULL to refuse
	 * (unknown port id, no memory): a close frame goes back at once.
	 */
	void * (*open)(void * cookie, uint16_t id, uint8_t port);

	/* Data for the local connection ${user} (not yet consumed). */
	int (*data)(void * cookie, void * user, const uint8_t * buf,
	    size_t len);

	/* The peer half-closed: shut down the local connection's writes. */
	void (*eof)(void * cookie, void * user);

	/* More send credit for ${user}: it may read again. */
	void (*credit)(void * cookie, void * user);

	/* Both sides have closed: the id is free, ${user} is detached. */
	void (*freed)(void * cookie, void * user);

	/*
	 * The peer's local connection is gone (a RESET message): drop the
	 * local connection ${user} at once, with a reset.  ${user} is
	 * detached: no callback names it again.
	 */
	void (*reset)(void * cookie, void * user);
};

/**
 * muxlink_new(server, cbs, cookie):
 * Create the state of a link on the client (${server} = 0, pipemux) or
 * the server side (pipemuxd), calling ${cbs} with ${cookie}.  Return it,
 * or NULL on allocation failure.
 */
struct muxlink * muxlink_new(int, const struct muxlink_cbs *, void *);

/**
 * muxlink_set_window(link, window):
 * Make ${window} bytes (MUXLINK_WINDOW to MUXLINK_WINDOW_MAX) the
 * flow-control window of each connection of ${link} in each direction,
 * credit going back in batches of a quarter of it.  Both sides of a link
 * must use the same window: it is the credit each assumes at an open.
 * Return 0, or -1 if ${window} is out of range or a connection is open.
 */
int muxlink_set_window(struct muxlink *, uint32_t);

/**
 * muxlink_free(link):
 * Free ${link}.  No callback is made.
 */
void muxlink_free(struct muxlink *);

/**
 * muxlink_input(link, buf, len):
 * Handle ${len} bytes from the link.  Return 0, or -1 on a protocol error
 * or a failed callback (muxlink_error says which); the link must then be
 * dropped.
 */
int muxlink_input(struct muxlink *, const uint8_t *, size_t);

/**
 * muxlink_end(link):
 * The link's input ended.  Return 0 if it ended between frames, or -1
 * (muxlink_error says where it was cut).
 */
int muxlink_end(struct muxlink *);

/**
 * muxlink_error(link):
 * Return a sentence naming the last error.
 */
const char * muxlink_error(const struct muxlink *);

/**
 * muxlink_open(link, port, user, id):
 * Client side: allocate a connection id for the local connection ${user}
 * and send an open frame for port id ${port}.  Return 0 with the id in
 * *${id}, or -1 (muxlink_error says why: no free id, output failed).
 */
int muxlink_open(struct muxlink *, uint8_t, void *, uint16_t *);

/**
 * muxlink_open_data(link, port, data, len, user, id):
 * As muxlink_open, with the ${len} bytes of ${data} (at most
 * MUXFRAME_MAXDATA) in the open frame; they count against the new
 * connection's window like any data.
 */
int muxlink_open_data(struct muxlink *, uint8_t, const uint8_t *, size_t,
    void *, uint16_t *);

/**
 * muxlink_sendable(link, id):
 * Return how many bytes connection ${id} may send now (its credit), 0 if
 * it may not send at all.
 */
size_t muxlink_sendable(const struct muxlink *, uint16_t);

/**
 * muxlink_send(link, id, buf, len):
 * Send ${len} bytes (at most muxlink_sendable) from the local connection
 * of ${id}, cut into frames.  Return 0, or -1 (muxlink_error says why).
 */
int muxlink_send(struct muxlink *, uint16_t, const uint8_t *, size_t);

/**
 * muxlink_close(link, id):
 * The local connection of ${id} reached end of file: send a close frame.
 * The freed callback follows at once if the peer had closed too.  Return
 * 0, or -1 (muxlink_error says why).
 */
int muxlink_close(struct muxlink *, uint16_t);

/**
 * muxlink_consumed(link, id, n):
 * ${n} bytes delivered by the data callback for ${id} were written to the
 * local socket; return credit to the peer when a batch is due.  Return 0,
 * or -1 (muxlink_error says why).
 */
int muxlink_consumed(struct muxlink *, uint16_t, size_t);

/**
 * muxlink_abandon(link, id):
 * The local connection of ${id} is gone (reset, write error): send a
 * RESET message if the peer may still send, and a close frame if none was
 * sent; detach it (no more callbacks for it), and from now on discard and
 * credit whatever the peer sends on ${id} until it closes.  The freed
 * callback is not made.  Return 0, or -1.
 */
int muxlink_abandon(struct muxlink *, uint16_t);

/**
 * muxlink_refuse(link, id):
 * Server side: the target of ${id} could not be reached.  As
 * muxlink_abandon, but with a close frame only (the client sees EOF, as
 * for an unknown port id).  Return 0, or -1.
 */
int muxlink_refuse(struct muxlink *, uint16_t);

/**
 * muxlink_count(link):
 * Return the number of connection ids in use.
 */
size_t muxlink_count(const struct muxlink *);

#endif /* !DUST_MUXLINK_H */
