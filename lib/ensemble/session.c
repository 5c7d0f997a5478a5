#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dust/ensemble.h"
#include "session.h"

/* Send an ACK once the peer has this many messages unacknowledged. */
#define ACK_EVERY	16

/**
 * ens_session_new(server):
 * Create a session of either side.  Return NULL on ENOMEM.
 */
struct ens_session *
ens_session_new(int server)
{
	struct ens_session * s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->server = server;
	s->state = server ? ENS_OPEN : ENS_OPENING;
	s->chunk = ENS_CHUNK;
	return (s);
}

/**
 * ens_session_client_new():
 * Create a client session; its first link sends NEW.  Return NULL on
 * ENOMEM.
 */
struct ens_session *
ens_session_client_new(void)
{

	return (ens_session_new(0));
}

/**
 * ens_session_free(s):
 * Free ${s}, detaching its links (which then carry nothing more).
 * NULL is allowed.
 */
void
ens_session_free(struct ens_session * s)
{
	struct ens_link * l;
	size_t i;

	if (s == NULL)
		return;
	while ((l = s->links) != NULL) {
		s->links = l->next;
		l->s = NULL;
		l->next = NULL;
	}
	for (i = s->txhead; i < s->txlen; i++)
		free(s->tx[i].data);
	free(s->tx);
	for (i = 0; i < s->rxlen; i++)
		free(s->rx[i].data);
	free(s->rx);
	sodium_memzero(s->ids, sizeof(s->ids));
	free(s);
}

/**
 * ens_session_state(s):
 * Return where ${s} stands.
 */
enum ens_state
ens_session_state(const struct ens_session * s)
{

	return (s->state);
}

/**
 * ens_session_why(s):
 * Return why ${s} was aborted (for logs), or NULL.
 */
const char *
ens_session_why(const struct ens_session * s)
{

	return (s->state == ENS_ABORTED ? s->why : NULL);
}

/**
 * ens_session_id(s):
 * Return the newest session ID of ${s} (zeros while opening).
 */
const uint8_t *
ens_session_id(const struct ens_session * s)
{

	return (s->ids[s->nids ? s->nids - 1 : 0]);
}

/**
 * ens_session_id_index(s, id):
 * Return the index of ${id} among the IDs of ${s}, or -1.
 */
int
ens_session_id_index(const struct ens_session * s, const uint8_t * id)
{
	size_t i;

	for (i = 0; i < s->nids; i++)
		if (sodium_memcmp(s->ids[i], id, ENS_ID_BYTES) == 0)
			return ((int)i);
	return (-1);
}

/**
 * ens_session_add_id(s, id):
 * Make ${id} the newest ID of ${s} (forgetting the oldest if full).
 */
void
ens_session_add_id(struct ens_session * s, const uint8_t * id)
{

	if (s->nids == ENS_IDS) {
		memmove(s->ids[0], s->ids[1], (ENS_IDS - 1) * ENS_ID_BYTES);
		s->nids--;
		if (s->confirmed > 0)
			s->confirmed--;
	}
	memcpy(s->ids[s->nids++], id, ENS_ID_BYTES);
	s->ids_taken++;
	s->tx_idbase = s->tx_next;
	s->rx_idbase = s->rx_next;
}

/**
 * ens_session_attach(s, l):
 * Attach the link ${l} to ${s} and give it a serial.
 */
void
ens_session_attach(struct ens_session * s, struct ens_link * l)
{

	l->s = s;
	l->bound = 1;
	l->serial = ++s->serial;
	l->next = s->links;
	s->links = l;
	s->nlinks++;
	/* A new link may replace one whose ACK was lost. */
	s->ack_needed = 1;
}

/**
 * ens_session_detach(s, l):
 * Detach ${l} from ${s}; what was sent on it and not acknowledged is to
 * be sent again.
 */
void
ens_session_detach(struct ens_session * s, struct ens_link * l)
{
	struct ens_link ** pp;
	size_t i;

	for (pp = &s->links; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			s->nlinks--;
			break;
		}
	}
	for (i = s->txhead; i < s->txlen; i++) {
		if (s->tx[i].sent_on == l->serial) {
			s->tx[i].sent_on = 0;
			if (i < s->tx_unsent)
				s->tx_unsent = i;
		}
	}
	if (s->new_on == l->serial)
		s->new_on = 0;
	if (s->extend_on == l->serial)
		s->extend_on = 0;
	if (s->close_on == l->serial && s->state == ENS_CLOSING)
		s->close_on = 0;
	s->ack_needed = 1;
	l->s = NULL;
	l->next = NULL;
}

/**
 * ens_session_wants_link(s):
 * Return 1 if the client session ${s} has something to say that needs a
 * connection: its NEW, control messages, DATA or FIN not yet sent or not
 * yet acknowledged, or an ACK of data received since the last.  (A session with nothing to say may
 * still have something to hear: only the client knows when to ask.)
 */
int
ens_session_wants_link(const struct ens_session * s)
{

	if (s->state == ENS_OPENING || s->txhead < s->txlen)
		return (1);
	if ((s->close_want && s->close_on == 0) || s->close_ok_want ||
	    (s->extend_want && s->extend_on == 0))
		return (1);
	if (s->state == ENS_OPEN && ens_session_finished(s))
		return (1);
	/*
	 * An ACK of new data; not the ACK that every lost link owes again
	 * (ack_needed) in case its last one was lost: that one can wait for
	 * the next connection, or an idle session would never rest.
	 */
	return (s->rx_base != s->ack_sent);
}

/**
 * ens_session_heard(s):
 * Return 1 if the client of the server session ${s} has shown that it
 * knows the session's ID: a session never heard of whose connections are
 * all gone is an orphan of a lost NEW_OK.
 */
int
ens_session_heard(const struct ens_session * s)
{

	return (s->heard);
}

/**
 * ens_session_links(s):
 * Return the number of links attached to ${s}.
 */
size_t
ens_session_links(const struct ens_session * s)
{

	return (s->nlinks);
}

/**
 * ens_session_set_cookie(s, cookie):
 * Attach the caller's pointer to ${s}.
 */
void
ens_session_set_cookie(struct ens_session * s, void * cookie)
{

	s->cookie = cookie;
}

/**
 * ens_session_cookie(s):
 * Return the caller's pointer attached to ${s}.
 */
void *
ens_session_cookie(const struct ens_session * s)
{

	return (s->cookie);
}

/**
 * ens_session_stats(s, sent, recv):
 * Return the application bytes ${s} has sent (first transmissions) and
 * received (delivered in order).
 */
void
ens_session_stats(const struct ens_session * s, uint64_t * sent,
    uint64_t * recv)
{

	*sent = s->sent_bytes;
	*recv = s->recv_bytes;
}

/**
 * ens_session_extends(s):
 * Return how many times ${s} moved to a new session ID (Extend).
 */
uint64_t
ens_session_extends(const struct ens_session * s)
{

	return (s->ids_taken > 0 ? s->ids_taken - 1 : 0);
}

/**
 * ens_session_set_chunk(s, max):
 * Put at most ${max} (1 to ENS_CHUNK) application bytes in each DATA
 * message ${s} sends from now on.  Return 0, or -1 if ${max} is out of
 * range.
 */
int
ens_session_set_chunk(struct ens_session * s, size_t max)
{

	if (max < 1 || max > ENS_CHUNK)
		return (-1);
	s->chunk = max;
	return (0);
}

/* Unacknowledged messages. */
static size_t
txcount(const struct ens_session * s)
{

	return (s->txlen - s->txhead);
}

/**
 * ens_session_space(s):
 * Return how many application bytes ens_session_write takes now (0 while
 * the retransmit queue is full, or after EOF or an abort).
 */
size_t
ens_session_space(const struct ens_session * s)
{
	size_t room;

	if (s->tx_eof || s->state == ENS_ABORTED || s->state == ENS_CLOSED ||
	    s->state == ENS_CLOSING)
		return (0);
	if (txcount(s) + 1 >= ENS_WINDOW_MSGS ||
	    s->tx_bytes >= ENS_WINDOW_BYTES)
		return (0);
	/*
	 * Both windows bound what a write takes: with small messages the
	 * count of messages is reached before the bytes (one is kept for
	 * the FIN).
	 */
	room = (ENS_WINDOW_MSGS - 1 - txcount(s)) * s->chunk;
	if (room > ENS_WINDOW_BYTES - s->tx_bytes)
		room = ENS_WINDOW_BYTES - s->tx_bytes;
	return (room);
}

/*
 * Make room for one more element (of ${size} bytes) after the ${len} of
 * the array ${arr} of capacity *${cap}, doubling it if full.  Return the
 * array (moved, perhaps), or NULL on ENOMEM (${arr} is then unchanged).
 */
static void *
grow(void * arr, size_t * cap, size_t len, size_t size)
{
	void * p;
	size_t ncap;

	if (len < *cap)
		return (arr);
	ncap = *cap ? *cap * 2 : 64;
	if ((p = realloc(arr, ncap * size)) == NULL)
		return (NULL);
	*cap = ncap;
	return (p);
}

/* Append a message of ${len} bytes (a copy of ${buf}) to the queue. */
static int
txpush(struct ens_session * s, const uint8_t * buf, size_t len)
{
	struct ens_txmsg * m;

	if (s->txhead > 0 && s->txlen == s->txcap) {
		memmove(s->tx, &s->tx[s->txhead],
		    txcount(s) * sizeof(s->tx[0]));
		s->txlen -= s->txhead;
		s->tx_unsent = s->tx_unsent > s->txhead ?
		    s->tx_unsent - s->txhead : 0;
		s->txhead = 0;
	}
	if ((m = grow(s->tx, &s->txcap, s->txlen, sizeof(*m))) == NULL)
		return (-1);
	s->tx = m;
	m = &s->tx[s->txlen];
	m->data = NULL;
	if (len > 0) {
		if ((m->data = malloc(len)) == NULL)
			return (-1);
		memcpy(m->data, buf, len);
	}
	m->n = s->tx_next++;
	m->len = len;
	m->sent_on = 0;
	s->txlen++;
	s->tx_bytes += len;
	return (0);
}

/**
 * ens_session_write(s, buf, len):
 * Queue up to ens_session_space(s) of the ${len} bytes at ${buf} to send.
 * Return the number taken, or -1 on ENOMEM.
 */
ssize_t
ens_session_write(struct ens_session * s, const uint8_t * buf, size_t len)
{
	size_t done = 0, n;

	while (done < len && ens_session_space(s) > 0) {
		n = len - done;
		if (n > s->chunk)
			n = s->chunk;
		if (n > ens_session_space(s))
			n = ens_session_space(s);
		if (txpush(s, buf + done, n))
			return (-1);
		done += n;
	}
	return ((ssize_t)done);
}

/**
 * ens_session_eof(s):
 * The application's stream to the peer has ended: queue FIN.
 */
void
ens_session_eof(struct ens_session * s)
{

	if (s->tx_eof || s->state == ENS_ABORTED || s->state == ENS_CLOSED)
		return;
	/* The FIN takes a message number: the window keeps one spare. */
	if (txpush(s, NULL, 0) == 0)
		s->tx_eof = 1;
}

/**
 * ens_session_readable(s):
 * Return how many received bytes are ready for ens_session_read.
 */
size_t
ens_session_readable(const struct ens_session * s)
{
	size_t i, n = 0;

	for (i = 0; i < s->rxlen && s->rx[i].n < s->rx_next; i++)
		n += s->rx[i].len - s->rx[i].off;
	return (n);
}

/* Drop the first ${k} received messages. */
static void
rxdrop(struct ens_session * s, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++) {
		s->rx_bytes -= s->rx[i].len;
		free(s->rx[i].data);
	}
	memmove(s->rx, &s->rx[k], (s->rxlen - k) * sizeof(s->rx[0]));
	s->rxlen -= k;
}

/* Consume read messages and FINs at the front. */
static void
rxadvance(struct ens_session * s)
{
	size_t k = 0;

	while (k < s->rxlen && s->rx[k].n < s->rx_next &&
	    s->rx[k].off == s->rx[k].len) {
		if (s->rx[k].len == 0)
			s->rx_fin = 1;
		s->rx_base = s->rx[k].n + 1;
		k++;
	}
	if (k > 0)
		rxdrop(s, k);
}

/**
 * ens_session_read(s, buf, len):
 * Move up to ${len} received bytes, in order, to ${buf}; what is read is
 * acknowledged to the peer.  Return the number moved.
 */
size_t
ens_session_read(struct ens_session * s, uint8_t * buf, size_t len)
{
	struct ens_rxmsg * m;
	size_t done = 0, n, i;

	rxadvance(s);
	/* Copy out of the messages in order; drop the read ones at once. */
	for (i = 0; done < len && i < s->rxlen && s->rx[i].n < s->rx_next;
	    i++) {
		m = &s->rx[i];
		n = m->len - m->off;
		if (n > len - done)
			n = len - done;
		if (n == 0)
			continue;	/* The FIN. */
		memcpy(buf + done, m->data + m->off, n);
		m->off += n;
		done += n;
	}
	rxadvance(s);
	s->recv_bytes += done;
	return (done);
}

/**
 * ens_session_rx_done(s):
 * Return 1 if the peer's stream has ended (FIN) and all of it was read.
 */
int
ens_session_rx_done(const struct ens_session * s)
{

	return (s->rx_fin);
}

/**
 * ens_session_finished(s):
 * Return 1 if both streams have ended and everything was acknowledged.
 */
int
ens_session_finished(const struct ens_session * s)
{

	return (s->rx_fin && s->tx_eof && s->tx_acked == s->tx_next);
}

/**
 * ens_session_abort(s, why):
 * End ${s} at once (the application connection failed): a CLOSE goes
 * out on the next link that pulls.
 */
void
ens_session_abort(struct ens_session * s, const char * why)
{

	if (s->state == ENS_ABORTED || s->state == ENS_CLOSED)
		return;
	/* Nothing to tell a server that never gave us an ID. */
	s->close_want = (s->nids > 0);
	s->close_on = 0;
	s->state = ENS_ABORTED;
	snprintf(s->why, sizeof(s->why), "%s", why);
}

/**
 * ens_session_idle(s):
 * Return 1 if ${s} has nothing left to say (closed, aborted and CLOSE
 * sent, or nothing unacknowledged): links of a finished session need not
 * be replaced.
 */
int
ens_session_idle(const struct ens_session * s)
{

	switch (s->state) {
	case ENS_CLOSED:
		return (!s->close_ok_want);
	case ENS_ABORTED:
		return (!s->close_want || s->close_on != 0);
	default:
		return (0);
	}
}

/* Map the wire sequence number ${seq} to a message number. */
static uint64_t
seq_to_n(const struct ens_session * s, uint16_t seq)
{
	int16_t d = (int16_t)(uint16_t)(seq - (uint16_t)s->rx_base);

	if (d < 0 && (uint64_t)(-d) > s->rx_base)
		return (UINT64_MAX);
	return (s->rx_base + (uint64_t)(int64_t)d);
}

/* Index of the first received message with n >= ${n}. */
static size_t
rxfind(const struct ens_session * s, uint64_t n)
{
	size_t lo = 0, hi = s->rxlen, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (s->rx[mid].n < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/**
 * ens_session_on_data(s, msg):
 * Take a DATA message.  Return 0, or an error code to send back
 * (ENS_ERR_BAD_SEQ, ENS_ERR_CLOSED), or -1 on ENOMEM.
 */
int
ens_session_on_data(struct ens_session * s, const struct ens_msg * msg)
{
	struct ens_rxmsg * m;
	uint64_t n;
	size_t i;

	if (s->state == ENS_ABORTED || s->state == ENS_CLOSED)
		return (ENS_ERR_CLOSED);
	if ((n = seq_to_n(s, msg->seq)) == UINT64_MAX)
		return (ENS_ERR_BAD_SEQ);
	if (n < s->rx_next) {
		/* A copy sent again: the first one's ACK may be lost. */
		s->ack_needed = 1;
		return (0);
	}
	/* Nothing follows a FIN already read. */
	if (n >= s->rx_base + ENS_WINDOW_MSGS || s->rx_fin)
		return (ENS_ERR_BAD_SEQ);
	/* A copy of one held out of order: its bytes are counted already. */
	i = rxfind(s, n);
	if (i < s->rxlen && s->rx[i].n == n)
		return (0);
	if (s->rx_bytes + msg->len > ENS_WINDOW_BYTES)
		return (ENS_ERR_BAD_SEQ);
	/* Nothing may follow a FIN held. */
	if ((s->rxlen > 0 && s->rx[s->rxlen - 1].len == 0 &&
	    s->rx[s->rxlen - 1].n < n) || (msg->len == 0 && i < s->rxlen))
		return (ENS_ERR_BAD_SEQ);
	if ((m = grow(s->rx, &s->rxcap, s->rxlen, sizeof(*m))) == NULL)
		return (-1);
	s->rx = m;
	memmove(&s->rx[i + 1], &s->rx[i], (s->rxlen - i) * sizeof(s->rx[0]));
	m = &s->rx[i];
	m->n = n;
	m->len = msg->len;
	m->off = 0;
	m->data = NULL;
	s->rxlen++;
	if (msg->len > 0) {
		if ((m->data = malloc(msg->len)) == NULL) {
			memmove(&s->rx[i], &s->rx[i + 1],
			    (s->rxlen - i - 1) * sizeof(s->rx[0]));
			s->rxlen--;
			return (-1);
		}
		memcpy(m->data, msg->data, msg->len);
	}
	s->rx_bytes += msg->len;
	/* Move the in-order mark over what is now contiguous. */
	for (i = rxfind(s, s->rx_next); i < s->rxlen &&
	    s->rx[i].n == s->rx_next; i++)
		s->rx_next++;
	/* A FIN that arrives in order is read at once. */
	rxadvance(s);
	return (0);
}

/**
 * ens_session_on_ack(s, next):
 * Take a cumulative ACK.  Return 0, or ENS_ERR_BAD_SEQ if it covers
 * messages never sent.
 */
int
ens_session_on_ack(struct ens_session * s, uint64_t next)
{

	if (next > s->tx_next)
		return (ENS_ERR_BAD_SEQ);
	while (s->txhead < s->txlen && s->tx[s->txhead].n < next) {
		s->tx_bytes -= s->tx[s->txhead].len;
		free(s->tx[s->txhead].data);
		s->txhead++;
	}
	if (s->tx_unsent < s->txhead)
		s->tx_unsent = s->txhead;
	if (s->txhead == s->txlen)
		s->txhead = s->txlen = s->tx_unsent = 0;
	if (next > s->tx_acked)
		s->tx_acked = next;
	return (0);
}

/* The ID DATA and ACK messages carry. */
static const uint8_t *
tag_id(const struct ens_session * s)
{

	return (s->server ? s->ids[s->confirmed] : s->ids[s->nids - 1]);
}

/* Whether an ACK is due now; ${busy}: DATA waits to go out too. */
static int
ack_due(const struct ens_session * s, int busy)
{

	if (s->ack_force)
		return (1);
	if (s->rx_base == s->ack_sent)
		return (s->ack_needed && (s->rx_base > 0 || s->rx_fin));
	if (s->ack_needed || s->rx_fin || !busy)
		return (1);
	return (s->rx_base - s->ack_sent >= ACK_EVERY);
}

/*
 * Index of the first message to send, or txlen.  Messages below
 * tx_unsent have all been sent (a lost link lowers it again), so that
 * pulling a window of small messages costs linear, not quadratic, time.
 */
static size_t
first_unsent(const struct ens_session * s)
{
	size_t i;

	for (i = s->tx_unsent > s->txhead ? s->tx_unsent : s->txhead;
	    i < s->txlen; i++)
		if (s->tx[i].sent_on == 0)
			break;
	return (i);
}

/* First message to send, or NULL. */
static struct ens_txmsg *
next_unsent(struct ens_session * s)
{

	s->tx_unsent = first_unsent(s);
	return (s->tx_unsent < s->txlen ? &s->tx[s->tx_unsent] : NULL);
}

/* Client: want an Extend when this ID's sequence numbers run low. */
static void
check_extend(struct ens_session * s)
{

	if (s->server || s->state != ENS_OPEN || s->extend_want)
		return;
	if (s->tx_next - s->tx_idbase >= ENS_EXTEND_AT ||
	    s->rx_next - s->rx_idbase >= ENS_EXTEND_AT)
		s->extend_want = 1;
}

/* Client: want a CLOSE when everything is done. */
static void
check_close(struct ens_session * s)
{

	if (s->server || s->state != ENS_OPEN)
		return;
	if (ens_session_finished(s)) {
		s->state = ENS_CLOSING;
		s->close_want = 1;
		s->close_on = 0;
	}
}

/**
 * ens_session_has_output(s):
 * Return 1 if ${s} has control, ACK or DATA to send now.
 */
int
ens_session_has_output(const struct ens_session * s)
{

	if (s->nids == 0)
		return (0);
	if ((s->close_want && s->close_on == 0) || s->close_ok_want ||
	    (s->extend_want && s->extend_on == 0))
		return (1);
	if (s->state != ENS_OPEN && s->state != ENS_CLOSING)
		return (0);
	if (s->state == ENS_CLOSING && s->close_on != 0)
		return (0);
	if (!s->server && s->state == ENS_OPEN && (ens_session_finished(s) ||
	    (!s->extend_want && (s->tx_next - s->tx_idbase >= ENS_EXTEND_AT ||
	    s->rx_next - s->rx_idbase >= ENS_EXTEND_AT))))
		return (1);
	if (ack_due(s, 0))
		return (1);
	return (first_unsent(s) < s->txlen);
}

/* Encode a message with an ID into ${buf} if it fits in ${room}. */
static size_t
put_id_msg(uint8_t cmd, const uint8_t * id, uint8_t * buf, size_t room)
{
	struct ens_msg m;

	if (room < 1 + ENS_ID_BYTES)
		return (0);
	memset(&m, 0, sizeof(m));
	m.cmd = cmd;
	memcpy(m.id, id, ENS_ID_BYTES);
	return (ens_msg_encode(&m, buf));
}

/**
 * ens_session_pull(s, l, buf, max):
 * Append the session's messages for the link ${l} (control, ACK, DATA)
 * to ${buf}, at most ${max} bytes.  Return the number of bytes written.
 */
size_t
ens_session_pull(struct ens_session * s, struct ens_link * l, uint8_t * buf,
    size_t max)
{
	struct ens_msg m;
	struct ens_txmsg * t;
	size_t n = 0, k;

	if (s->nids == 0)
		return (0);
	check_extend(s);
	check_close(s);
	if (s->close_ok_want &&
	    (k = put_id_msg(ENS_CLOSE_OK, ens_session_id(s), buf, max)) > 0) {
		s->close_ok_want = 0;
		n += k;
	}
	if (s->extend_want && s->extend_on == 0 && s->state == ENS_OPEN &&
	    (k = put_id_msg(ENS_EXTEND, ens_session_id(s), buf + n,
	    max - n)) > 0) {
		s->extend_on = l->serial;
		n += k;
	}
	if (s->state != ENS_OPEN && s->state != ENS_CLOSING) {
		if (s->close_want && s->close_on == 0 &&
		    (k = put_id_msg(ENS_CLOSE, ens_session_id(s), buf + n,
		    max - n)) > 0) {
			s->close_on = l->serial;
			n += k;
		}
		return (n);
	}
	/* After CLOSE only CLOSE again, should its connection be lost. */
	if (s->state == ENS_CLOSING && s->close_on != 0)
		return (n);
	if (ack_due(s, next_unsent(s) != NULL) && max - n >= ENS_ACK_BYTES) {
		memset(&m, 0, sizeof(m));
		m.cmd = ENS_ACK;
		memcpy(m.id, tag_id(s), ENS_ID_BYTES);
		m.next = s->rx_base;
		n += ens_msg_encode(&m, buf + n);
		s->ack_sent = s->rx_base;
		s->ack_needed = 0;
		s->ack_force = 0;
	}
	while ((t = next_unsent(s)) != NULL &&
	    max - n >= ENS_DATA_HEADER + t->len) {
		memset(&m, 0, sizeof(m));
		m.cmd = ENS_DATA;
		memcpy(m.id, tag_id(s), ENS_ID_BYTES);
		m.seq = (uint16_t)t->n;
		m.len = (uint16_t)t->len;
		m.data = t->data;
		n += ens_msg_encode(&m, buf + n);
		/* Count first transmissions only. */
		if (t->n >= s->tx_acked && t->sent_on == 0 &&
		    t->n + 1 > s->sent_hw) {
			s->sent_bytes += t->len;
			s->sent_hw = t->n + 1;
		}
		t->sent_on = l->serial;
	}
	if (s->state == ENS_CLOSING && s->close_want && s->close_on == 0 &&
	    (k = put_id_msg(ENS_CLOSE, ens_session_id(s), buf + n,
	    max - n)) > 0) {
		s->close_on = l->serial;
		n += k;
	}
	return (n);
}
