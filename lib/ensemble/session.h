#ifndef DUST_ENSEMBLE_SESSION_H
#define DUST_ENSEMBLE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "dust/ensemble.h"

/*
 * Internals shared by session.c, link.c and table.c.  Message numbers
 * (n) count a direction's DATA messages from 0 across session IDs; the
 * wire carries n mod 2^16 as the sequence number, which the receiver maps
 * back to the n nearest its window (docs/ensemble.md).
 */

/* A DATA message kept until acknowledged (len 0: FIN). */
struct ens_txmsg {
	uint64_t n;
	uint64_t sent_on;		/* Serial of the link, 0 = to send. */
	size_t len;
	uint8_t * data;
};

/* A received DATA message, in order of n. */
struct ens_rxmsg {
	uint64_t n;
	size_t len;
	size_t off;			/* Bytes of it already read. */
	uint8_t * data;
};

struct ens_session {
	int server;
	enum ens_state state;
	char why[96];
	uint8_t ids[ENS_IDS][ENS_ID_BYTES];	/* ids[nids - 1] newest. */
	size_t nids;
	uint64_t ids_taken;		/* IDs ever made newest. */
	size_t confirmed;		/* Server: newest ID the client used. */
	struct ens_table * table;
	void * cookie;
	struct ens_link * links;
	size_t nlinks;
	uint64_t serial;		/* Last link serial handed out. */

	/* Sending. */
	struct ens_txmsg * tx;		/* tx[txhead .. txlen): unacked. */
	size_t txhead, txlen, txcap;
	uint64_t tx_next;		/* n of the next new message. */
	uint64_t tx_acked;		/* Every n below is acknowledged. */
	size_t tx_bytes;		/* Unacknowledged application bytes. */
	int tx_eof;			/* FIN queued. */
	size_t chunk;			/* Most bytes per DATA sent. */
	size_t tx_unsent;		/* No unsent message below tx[this]. */
	uint64_t tx_idbase;		/* tx_next when the newest ID came. */

	/* Receiving. */
	struct ens_rxmsg * rx;		/* Sorted; n < rx_next: in order. */
	size_t rxlen, rxcap;
	size_t rx_bytes;		/* Held, read or not. */
	uint64_t rx_next;		/* First n not received in order. */
	uint64_t rx_base;		/* First n not completely read. */
	int rx_fin;			/* FIN read. */
	uint64_t rx_idbase;
	uint64_t ack_sent;		/* Last ACK value sent. */
	int ack_needed;			/* Send one even if unchanged. */
	int ack_force;			/* Client: tell the server its ID
					   arrived (an ACK of 0). */
	int heard;			/* Server: the client used the ID. */

	/* Control messages waiting for a link (client), by link serial. */
	uint64_t new_on;		/* NEW outstanding on this link. */
	int extend_want;
	uint64_t extend_on;
	int close_want;
	uint64_t close_on;
	int close_ok_want;		/* Server: reply owed to a CLOSE. */

	uint64_t sent_bytes, recv_bytes;
	uint64_t sent_hw;		/* Messages sent at least once. */
};

struct ens_link {
	struct ens_session * s;
	struct ens_table * t;		/* Server links. */
	int server;
	uint64_t serial;
	struct ens_parser p;
	uint8_t ctl[512];		/* Replies owed on this link. */
	size_t ctllen;
	int hello_sent;			/* Client: NEW or CONTINUE sent. */
	int bound;			/* Was attached to a session. */
	int failed;
	char error[96];
	struct ens_link * next;		/* In the session's list. */
};

/**
 * ens_session_new(server):
 * Create a session of either side.  Return NULL on ENOMEM.
 */
struct ens_session * ens_session_new(int);

/**
 * ens_session_attach(s, l):
 * Attach the link ${l} to ${s} and give it a serial.
 */
void ens_session_attach(struct ens_session *, struct ens_link *);

/**
 * ens_session_detach(s, l):
 * Detach ${l} from ${s}; what was sent on it and not acknowledged is to
 * be sent again.
 */
void ens_session_detach(struct ens_session *, struct ens_link *);

/**
 * ens_session_id_index(s, id):
 * Return the index of ${id} among the IDs of ${s}, or -1.
 */
int ens_session_id_index(const struct ens_session *, const uint8_t *);

/**
 * ens_session_add_id(s, id):
 * Make ${id} the newest ID of ${s} (forgetting the oldest if full).
 */
void ens_session_add_id(struct ens_session *, const uint8_t *);

/**
 * ens_session_on_data(s, msg):
 * Take a DATA message.  Return 0, or an error code to send back
 * (ENS_ERR_BAD_SEQ, ENS_ERR_CLOSED), or -1 on ENOMEM.
 */
int ens_session_on_data(struct ens_session *, const struct ens_msg *);

/**
 * ens_session_on_ack(s, next):
 * Take a cumulative ACK.  Return 0, or ENS_ERR_BAD_SEQ if it covers
 * messages never sent.
 */
int ens_session_on_ack(struct ens_session *, uint64_t);

/**
 * ens_session_finished(s):
 * Return 1 if both streams have ended and everything was acknowledged.
 */
int ens_session_finished(const struct ens_session *);

/**
 * ens_session_pull(s, l, buf, max):
 * Append the session's messages for the link ${l} (control, ACK, DATA)
 * to ${buf}, at most ${max} bytes.  Return the number of bytes written.
 */
size_t ens_session_pull(struct ens_session *, struct ens_link *, uint8_t *,
    size_t);

/**
 * ens_session_has_output(s):
 * Return 1 if ${s} has control, ACK or DATA to send now.
 */
int ens_session_has_output(const struct ens_session *);

/**
 * ens_table_find(t, id):
 * Return the session of ${t} that answers to ${id}, or NULL.
 */
struct ens_session * ens_table_find(struct ens_table *, const uint8_t *);

/**
 * ens_table_create(t):
 * Create a session with a fresh ID in ${t}.  Return NULL if ${t} is full
 * (errno EMFILE) or on ENOMEM.
 */
struct ens_session * ens_table_create(struct ens_table *);

/**
 * ens_table_new_id(t, id):
 * Draw a fresh session ID into ${id}.
 */
void ens_table_new_id(struct ens_table *, uint8_t *);

#endif /* !DUST_ENSEMBLE_SESSION_H */
