#ifndef DUST_ENSEMBLE_H
#define DUST_ENSEMBLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dust/rng.h"

/*
 * The Ensemble protocol (docs/spec.md §4;
 * docs/ensemble.md): one application byte stream in each direction
 * carried over a changing set of Dust connections, sans-I/O.
 *
 * Messages travel as application data of the Seattle layer.  The seed's
 * messages keep their codes and sizes; the project adds ACK (0x08) and
 * gives a DATA message of length 0 the meaning "end of stream" (FIN), so
 * that no byte is lost or duplicated when a connection ends early or is
 * cut: every DATA message stays in its sender's retransmit queue until
 * the peer acknowledges it cumulatively, and is sent again on another
 * connection when the connection it went out on ends first.
 *
 * Objects:
 *   struct ens_session  one session: the reliable stream both ways.
 *   struct ens_link     the ensemble side of one Dust connection.
 *   struct ens_table    the server's sessions, by session ID, with limits.
 */

/* Command codes: the seed's, and ACK (ours). */
#define ENS_NEW			0x00
#define ENS_NEW_OK		0x01
#define ENS_CONTINUE		0x02
#define ENS_CONTINUE_OK		0x03
#define ENS_EXTEND		0x04
#define ENS_EXTEND_OK		0x05
#define ENS_CLOSE		0x06
#define ENS_CLOSE_OK		0x07
#define ENS_ACK			0x08
#define ENS_DATA		0x0F
#define ENS_ERR_TOO_MANY	0xF0	/* Too Many Sessions */
#define ENS_ERR_UNKNOWN		0xF1	/* Unknown Session ID */
#define ENS_ERR_CLOSED		0xF2	/* Connection Is Closed */
#define ENS_ERR_BAD_SEQ		0xF3	/* Bad Sequence Number */

#define ENS_ID_BYTES		32
#define ENS_DATA_HEADER		37	/* cmd, ID, seq, length */
#define ENS_ACK_BYTES		41	/* cmd, ID, 8-byte next message */
#define ENS_CHUNK		8192	/* Application bytes per DATA. */
#define ENS_MSG_MAX		(ENS_DATA_HEADER + ENS_CHUNK)

/* Bounds of a session's reliability state (docs/ensemble.md). */
#define ENS_WINDOW_BYTES	(4 * 1024 * 1024)	/* Unacknowledged data. */
#define ENS_WINDOW_MSGS		4096		/* Unacknowledged messages. */
#define ENS_IDS			4		/* IDs a session answers to. */
#define ENS_EXTEND_AT		49152		/* Seq that asks for Extend. */

/* One parsed message; ${data} points into the parser's buffer. */
struct ens_msg {
	uint8_t cmd;
	uint8_t id[ENS_ID_BYTES];	/* All but NEW and the errors. */
	uint16_t seq;			/* DATA */
	uint16_t len;			/* DATA */
	const uint8_t * data;		/* DATA */
	uint64_t next;			/* ACK */
};

/* A streaming parser of messages. */
struct ens_parser {
	uint8_t * buf;
	size_t off;			/* buf[off .. len) not parsed yet. */
	size_t len;
	size_t cap;
	size_t consumed;		/* Of the message last returned. */
	char error[96];
};

/**
 * ens_msg_size(cmd):
 * Return the fixed size of a message of command ${cmd} (for DATA, its
 * header), or 0 if ${cmd} is not a command.
 */
size_t ens_msg_size(uint8_t);

/**
 * ens_msg_encode(msg, buf):
 * Write ${msg} to ${buf} (room for ENS_MSG_MAX bytes).  Return its size.
 */
size_t ens_msg_encode(const struct ens_msg *, uint8_t *);

/**
 * ens_parser_init(p):
 * Start the parser ${p} empty.
 */
void ens_parser_init(struct ens_parser *);

/**
 * ens_parser_free(p):
 * Free the buffer of ${p}.
 */
void ens_parser_free(struct ens_parser *);

/**
 * ens_parser_feed(p, buf, len):
 * Append ${len} received bytes.  Return 0, or -1 on ENOMEM.
 */
int ens_parser_feed(struct ens_parser *, const uint8_t *, size_t);

/**
 * ens_parser_next(p, msg):
 * Parse the next whole message into ${msg} (valid until the next call).
 * Return 1 if one was parsed, 0 if more bytes are needed, or -1 if the
 * bytes are not a message (the error, in ${p}->error, names the command
 * byte and its offset; it is sticky).
 */
int ens_parser_next(struct ens_parser *, struct ens_msg *);

/* Sessions. */
struct ens_session;
struct ens_link;
struct ens_table;

enum ens_state {
	ENS_OPENING,	/* Client: no session ID yet. */
	ENS_OPEN,	/* Data flows. */
	ENS_CLOSING,	/* Client: CLOSE sent, waiting for CLOSE_OK. */
	ENS_CLOSED,	/* Both streams ended and CLOSE exchanged. */
	ENS_ABORTED	/* Closed early (the peer's CLOSE or error, or ours). */
};

/**
 * ens_session_client_new():
 * Create a client session; its first link sends NEW.  Return NULL on
 * ENOMEM.
 */
struct ens_session * ens_session_client_new(void);

/**
 * ens_session_free(s):
 * Free ${s}, detaching its links (which then carry nothing more).
 * NULL is allowed.
 */
void ens_session_free(struct ens_session *);

/**
 * ens_session_state(s):
 * Return where ${s} stands.
 */
enum ens_state ens_session_state(const struct ens_session *);

/**
 * ens_session_why(s):
 * Return why ${s} was aborted (for logs), or NULL.
 */
const char * ens_session_why(const struct ens_session *);

/**
 * ens_session_id(s):
 * Return the newest session ID of ${s} (zeros while opening).
 */
const uint8_t * ens_session_id(const struct ens_session *);

/**
 * ens_session_space(s):
 * Return how many application bytes ens_session_write takes now (0 while
 * the retransmit queue is full, or after EOF or an abort).
 */
size_t ens_session_space(const struct ens_session *);

/**
 * ens_session_set_chunk(s, max):
 * Put at most ${max} (1 to ENS_CHUNK) application bytes in each DATA
 * message ${s} sends from now on.  Smaller messages let ACKs and control
 * messages through sooner on a model of small, slow packets, and waste
 * less when a connection ends in the middle of one; more of them are
 * needed, with 37 bytes of header each.  Return 0, or -1 if ${max} is out
 * of range.
 */
int ens_session_set_chunk(struct ens_session *, size_t);

/**
 * ens_session_write(s, buf, len):
 * Queue up to ens_session_space(s) of the ${len} bytes at ${buf} to send.
 * Return the number taken, or -1 on ENOMEM.
 */
ssize_t ens_session_write(struct ens_session *, const uint8_t *, size_t);

/**
 * ens_session_eof(s):
 * The application's stream to the peer has ended: queue FIN.
 */
void ens_session_eof(struct ens_session *);

/**
 * ens_session_readable(s):
 * Return how many received bytes are ready for ens_session_read.
 */
size_t ens_session_readable(const struct ens_session *);

/**
 * ens_session_read(s, buf, len):
 * Move up to ${len} received bytes, in order, to ${buf}; what is read is
 * acknowledged to the peer.  Return the number moved.
 */
size_t ens_session_read(struct ens_session *, uint8_t *, size_t);

/**
 * ens_session_rx_done(s):
 * Return 1 if the peer's stream has ended (FIN) and all of it was read.
 */
int ens_session_rx_done(const struct ens_session *);

/**
 * ens_session_abort(s, why):
 * End ${s} at once (the application connection failed): a CLOSE goes
 * out on the next link that pulls.
 */
void ens_session_abort(struct ens_session *, const char *);

/**
 * ens_session_idle(s):
 * Return 1 if ${s} has nothing left to say (closed, aborted and CLOSE
 * sent, or nothing unacknowledged): links of a finished session need not
 * be replaced.
 */
int ens_session_idle(const struct ens_session *);

/**
 * ens_session_wants_link(s):
 * Return 1 if the client session ${s} has something to say that needs a
 * connection: its NEW, control messages, DATA or FIN not yet sent or not
 * yet acknowledged, or an ACK of data received since the last.  (A session with nothing to say may
 * still have something to hear: only the client knows when to ask.)
 */
int ens_session_wants_link(const struct ens_session *);

/**
 * ens_session_heard(s):
 * Return 1 if the client of the server session ${s} has shown that it
 * knows the session's ID: a session never heard of whose connections are
 * all gone is an orphan of a lost NEW_OK.
 */
int ens_session_heard(const struct ens_session *);

/**
 * ens_session_links(s):
 * Return the number of links attached to ${s}.
 */
size_t ens_session_links(const struct ens_session *);

/**
 * ens_session_set_cookie(s, cookie), ens_session_cookie(s):
 * Attach the caller's pointer to ${s}, and read it back.
 */
void ens_session_set_cookie(struct ens_session *, void *);
void * ens_session_cookie(const struct ens_session *);

/**
 * ens_session_stats(s, sent, recv):
 * Return the application bytes ${s} has sent (first transmissions) and
 * received (delivered in order).
 */
void ens_session_stats(const struct ens_session *, uint64_t *, uint64_t *);

/**
 * ens_session_extends(s):
 * Return how many times ${s} moved to a new session ID (Extend).
 */
uint64_t ens_session_extends(const struct ens_session *);

/**
 * ens_link_client(s):
 * Attach a new link (a new Dust connection) to the client session ${s}.
 * Return it, or NULL on ENOMEM.
 */
struct ens_link * ens_link_client(struct ens_session *);

/**
 * ens_link_server(t):
 * Create a link for a connection accepted by the server whose sessions
 * are ${t}; its first message (NEW or CONTINUE) binds it to a session.
 * Return it, or NULL on ENOMEM.
 */
struct ens_link * ens_link_server(struct ens_table *);

/**
 * ens_link_push(l, buf, len):
 * Take ${len} bytes the peer sent on ${l}'s connection.  Return 0, or -1
 * if the link failed (a malformed message, an error code sent or
 * received: ens_link_error says which); a failed link ignores further
 * input and pulls nothing but queued error replies.
 */
int ens_link_push(struct ens_link *, const uint8_t *, size_t);

/**
 * ens_link_pull(l, buf, max):
 * Write the next whole messages for ${l}'s connection, at most ${max}
 * bytes (at least ENS_MSG_MAX guarantees progress), to ${buf}.  Return
 * the number of bytes written (0: nothing to send now).
 */
size_t ens_link_pull(struct ens_link *, uint8_t *, size_t);

/**
 * ens_link_pending(l):
 * Return 1 if ${l} has messages to send now.
 */
int ens_link_pending(const struct ens_link *);

/**
 * ens_link_session(l):
 * Return the session ${l} carries, or NULL (not bound yet, or freed).
 */
struct ens_session * ens_link_session(const struct ens_link *);

/**
 * ens_link_error(l):
 * Return why ${l} failed, or NULL.
 */
const char * ens_link_error(const struct ens_link *);

/**
 * ens_link_end(l):
 * The connection of ${l} has ended (closed or cut): what was sent on it
 * and is not acknowledged is sent again on other links.  Free ${l}.
 * NULL is allowed.
 */
void ens_link_end(struct ens_link *);

/**
 * ens_table_new(max, rng, created, cookie):
 * Create the server's session table holding at most ${max} sessions;
 * IDs are drawn from ${rng} (NULL: libsodium).  ${created}(cookie, s) is
 * called for each new session.  Return NULL on ENOMEM.
 */
struct ens_table * ens_table_new(size_t, const struct dust_rng *,
    void (*)(void *, struct ens_session *), void *);

/**
 * ens_table_count(t):
 * Return the number of sessions in ${t}.
 */
size_t ens_table_count(const struct ens_table *);

/**
 * ens_table_remove(t, s):
 * Remove ${s} from ${t} and free it.
 */
void ens_table_remove(struct ens_table *, struct ens_session *);

/**
 * ens_table_free(t):
 * Free ${t} and every session in it.  NULL is allowed.
 */
void ens_table_free(struct ens_table *);

#endif /* !DUST_ENSEMBLE_H */
