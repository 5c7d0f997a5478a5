#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dust/ensemble.h"
#include "session.h"

/* A new link of either side, not attached; NULL on ENOMEM. */
static struct ens_link *
link_new(int server)
{
	struct ens_link * l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (NULL);
	ens_parser_init(&l->p);
	l->server = server;
	return (l);
}

/**
 * ens_link_client(s):
 * Attach a new link (a new Dust connection) to the client session ${s}.
 * Return it, or NULL on ENOMEM.
 */
struct ens_link *
ens_link_client(struct ens_session * s)
{
	struct ens_link * l;

	if ((l = link_new(0)) != NULL)
		ens_session_attach(s, l);
	return (l);
}

/**
 * ens_link_server(t):
 * Create a link for a connection accepted by the server whose sessions
 * are ${t}; its first message (NEW or CONTINUE) binds it to a session.
 * Return it, or NULL on ENOMEM.
 */
struct ens_link *
ens_link_server(struct ens_table * t)
{
	struct ens_link * l;

	if ((l = link_new(1)) != NULL)
		l->t = t;
	return (l);
}

/* Fail ${l}: "${what}". */
static int
fail(struct ens_link * l, const char * what)
{

	if (!l->failed) {
		l->failed = 1;
		snprintf(l->error, sizeof(l->error), "%s", what);
	}
	return (-1);
}

/* Queue a reply of command ${cmd} (with ${id} unless an error code). */
static int
reply(struct ens_link * l, uint8_t cmd, const uint8_t * id)
{
	struct ens_msg m;
	size_t n = ens_msg_size(cmd);

	if (l->ctllen + n > sizeof(l->ctl))
		return (fail(l, "too many requests unanswered"));
	memset(&m, 0, sizeof(m));
	m.cmd = cmd;
	if (id != NULL)
		memcpy(m.id, id, ENS_ID_BYTES);
	l->ctllen += ens_msg_encode(&m, l->ctl + l->ctllen);
	return (0);
}

/* Send the error ${code} and fail the link with ${what}. */
static int
error_reply(struct ens_link * l, uint8_t code, const char * what)
{

	reply(l, code, NULL);
	return (fail(l, what));
}

/* Name of an error code received. */
static const char *
error_name(uint8_t code)
{

	switch (code) {
	case ENS_ERR_TOO_MANY:
		return ("peer: too many sessions");
	case ENS_ERR_UNKNOWN:
		return ("peer: unknown session ID");
	case ENS_ERR_CLOSED:
		return ("peer: session is closed");
	default:
		return ("peer: bad sequence number");
	}
}

/* DATA and ACK, either side, on a bound link. */
static int
data_or_ack(struct ens_link * l, const struct ens_msg * m)
{
	struct ens_session * s = l->s;
	int rc;

	if (m->cmd == ENS_ACK)
		rc = ens_session_on_ack(s, m->next);
	else
		rc = ens_session_on_data(s, m);
	if (rc == -1)
		return (fail(l, "out of memory"));
	if (rc == ENS_ERR_BAD_SEQ)
		return (error_reply(l, ENS_ERR_BAD_SEQ, m->cmd == ENS_ACK ?
		    "ACK of messages never sent" :
		    "DATA sequence number outside the window"));
	if (rc == ENS_ERR_CLOSED)
		return (error_reply(l, ENS_ERR_CLOSED,
		    "DATA for a closed session"));
	return (0);
}

/* A message received by a client link. */
static int
client_msg(struct ens_link * l, const struct ens_msg * m)
{
	struct ens_session * s = l->s;

	if (m->cmd >= ENS_ERR_TOO_MANY) {
		/* A CLOSE answered by "unknown": the server is done. */
		if (s->state == ENS_CLOSING && m->cmd == ENS_ERR_UNKNOWN) {
			s->state = ENS_CLOSED;
			s->close_want = 0;
		} else {
			ens_session_abort(s, error_name(m->cmd));
			s->close_want = 0;
		}
		return (fail(l, error_name(m->cmd)));
	}
	if (m->cmd == ENS_NEW_OK) {
		if (s->nids != 0 || s->new_on != l->serial)
			return (fail(l, "unexpected NEW_OK"));
		ens_session_add_id(s, m->id);
		s->new_on = 0;
		s->ack_force = 1;
		if (s->state == ENS_OPENING)
			s->state = ENS_OPEN;
		return (0);
	}
	if (m->cmd == ENS_EXTEND_OK) {
		if (s->extend_on != l->serial)
			return (fail(l, "unexpected EXTEND_OK"));
		if (ens_session_id_index(s, m->id) < 0) {
			ens_session_add_id(s, m->id);
			/* Use the new ID soon so that the server may too. */
			s->ack_needed = 1;
		}
		s->extend_want = 0;
		s->extend_on = 0;
		return (0);
	}
	if (s->nids == 0 || ens_session_id_index(s, m->id) < 0)
		return (error_reply(l, ENS_ERR_UNKNOWN,
		    "message for an unknown session ID"));
	switch (m->cmd) {
	case ENS_CONTINUE_OK:
		return (0);
	case ENS_CLOSE:
		if (s->state != ENS_CLOSED && s->state != ENS_CLOSING &&
		    !ens_session_finished(s))
			ens_session_abort(s, "server closed the session");
		else
			s->state = ENS_CLOSED;
		s->close_want = 0;
		return (reply(l, ENS_CLOSE_OK, m->id));
	case ENS_CLOSE_OK:
		if (s->state == ENS_CLOSING)
			s->state = ENS_CLOSED;
		s->close_want = 0;
		return (0);
	case ENS_ACK:
	case ENS_DATA:
		return (data_or_ack(l, m));
	default:
		return (fail(l, "request sent by the server"));
	}
}

/* A message received by a server link. */
static int
server_msg(struct ens_link * l, const struct ens_msg * m)
{
	struct ens_session * s = l->s;
	char why[64];
	int idx;

	if (m->cmd >= ENS_ERR_TOO_MANY)
		return (fail(l, error_name(m->cmd)));
	if (m->cmd == ENS_NEW) {
		if (s != NULL)
			return (fail(l, "NEW on a bound connection"));
		if ((s = ens_table_create(l->t)) == NULL) {
			if (errno == ENOMEM)
				return (fail(l, "out of memory"));
			return (error_reply(l, ENS_ERR_TOO_MANY,
			    "too many sessions"));
		}
		ens_session_attach(s, l);
		return (reply(l, ENS_NEW_OK, ens_session_id(s)));
	}
	if (m->cmd == ENS_CONTINUE) {
		if (s != NULL)
			return (fail(l, "CONTINUE on a bound connection"));
		if (l->t == NULL || (s = ens_table_find(l->t, m->id)) == NULL)
			return (error_reply(l, ENS_ERR_UNKNOWN,
			    "CONTINUE of an unknown session"));
		ens_session_attach(s, l);
	}
	if (s == NULL) {
		if (m->cmd == ENS_CLOSE)
			return (error_reply(l, ENS_ERR_UNKNOWN,
			    "CLOSE of an unknown session"));
		/* Still in flight when the session was closed and freed. */
		snprintf(why, sizeof(why), l->bound ?
		    "message 0x%02x after its session ended" :
		    "message 0x%02x before NEW or CONTINUE", m->cmd);
		return (error_reply(l, ENS_ERR_UNKNOWN, why));
	}
	if ((idx = ens_session_id_index(s, m->id)) < 0)
		return (error_reply(l, ENS_ERR_UNKNOWN,
		    "message for another session ID"));
	/* The client knows every ID up to the one it uses. */
	s->heard = 1;
	if ((size_t)idx > s->confirmed)
		s->confirmed = (size_t)idx;
	switch (m->cmd) {
	case ENS_CONTINUE:
		return (reply(l, ENS_CONTINUE_OK, m->id));
	case ENS_EXTEND:
		if ((size_t)idx == s->nids - 1) {
			uint8_t id[ENS_ID_BYTES];

			ens_table_new_id(l->t, id);
			ens_session_add_id(s, id);
		}
		return (reply(l, ENS_EXTEND_OK, ens_session_id(s)));
	case ENS_CLOSE:
		/*
		 * A client closes only once it has read our FIN: its ACK of
		 * the FIN may have been lost with another connection.
		 */
		if (s->state == ENS_OPEN) {
			if (s->rx_fin && s->tx_eof)
				s->state = ENS_CLOSED;
			else
				ens_session_abort(s,
				    "client closed the session");
		}
		s->close_want = 0;
		return (reply(l, ENS_CLOSE_OK, m->id));
	case ENS_CLOSE_OK:
		s->close_want = 0;
		return (0);
	case ENS_ACK:
	case ENS_DATA:
		return (data_or_ack(l, m));
	default:
		return (fail(l, "reply sent by the client"));
	}
}

/**
 * ens_link_push(l, buf, len):
 * Take ${len} bytes the peer sent on ${l}'s connection.  Return 0, or -1
 * if the link failed (a malformed message, an error code sent or
 * received: ens_link_error says which); a failed link ignores further
 * input and pulls nothing but queued error replies.
 */
int
ens_link_push(struct ens_link * l, const uint8_t * buf, size_t len)
{
	struct ens_msg m;
	int rc;

	if (l->failed)
		return (-1);
	if (ens_parser_feed(&l->p, buf, len))
		return (fail(l, "out of memory"));
	while ((rc = ens_parser_next(&l->p, &m)) == 1) {
		if (l->server)
			rc = server_msg(l, &m);
		else if (l->s != NULL)
			rc = client_msg(l, &m);
		else
			rc = 0;
		if (rc)
			return (-1);
	}
	if (rc == -1) {
		fail(l, l->p.error);
		ens_parser_free(&l->p);
		return (-1);
	}
	return (0);
}

/**
 * ens_link_pull(l, buf, max):
 * Write the next whole messages for ${l}'s connection, at most ${max}
 * bytes (at least ENS_MSG_MAX guarantees progress), to ${buf}.  Return
 * the number of bytes written (0: nothing to send now).
 */
size_t
ens_link_pull(struct ens_link * l, uint8_t * buf, size_t max)
{
	struct ens_session * s = l->s;
	size_t n = 0;

	if (l->ctllen > 0 && l->ctllen <= max) {
		memcpy(buf, l->ctl, l->ctllen);
		n = l->ctllen;
		l->ctllen = 0;
	}
	if (l->failed || s == NULL)
		return (n);
	if (!l->server && !l->hello_sent) {
		if (s->nids > 0 && max - n >= 1 + ENS_ID_BYTES) {
			struct ens_msg m;

			memset(&m, 0, sizeof(m));
			m.cmd = ENS_CONTINUE;
			memcpy(m.id, ens_session_id(s), ENS_ID_BYTES);
			n += ens_msg_encode(&m, buf + n);
			l->hello_sent = 1;
		} else if (s->nids == 0 && s->new_on == 0 && max - n >= 1 &&
		    s->state == ENS_OPENING) {
			buf[n++] = ENS_NEW;
			s->new_on = l->serial;
			l->hello_sent = 1;
			return (n);
		} else {
			return (n);
		}
	}
	return (n + ens_session_pull(s, l, buf + n, max - n));
}

/**
 * ens_link_pending(l):
 * Return 1 if ${l} has messages to send now.
 */
int
ens_link_pending(const struct ens_link * l)
{
	const struct ens_session * s = l->s;

	if (l->ctllen > 0)
		return (1);
	if (l->failed || s == NULL)
		return (0);
	if (!l->server && !l->hello_sent)
		return (s->nids > 0 || (s->new_on == 0 &&
		    s->state == ENS_OPENING));
	return (ens_session_has_output(s));
}

/**
 * ens_link_session(l):
 * Return the session ${l} carries, or NULL (not bound yet, or freed).
 */
struct ens_session *
ens_link_session(const struct ens_link * l)
{

	return (l->s);
}

/**
 * ens_link_error(l):
 * Return why ${l} failed, or NULL.
 */
const char *
ens_link_error(const struct ens_link * l)
{

	return (l->failed ? l->error : NULL);
}

/**
 * ens_link_end(l):
 * The connection of ${l} has ended (closed or cut): what was sent on it
 * and is not acknowledged is sent again on other links.  Free ${l}.
 * NULL is allowed.
 */
void
ens_link_end(struct ens_link * l)
{

	if (l == NULL)
		return;
	if (l->s != NULL)
		ens_session_detach(l->s, l);
	ens_parser_free(&l->p);
	free(l);
}
