#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dust/ensemble.h"

/* Big-endian helpers. */
static void
be16enc(uint8_t * p, uint16_t x)
{

	p[0] = (uint8_t)(x >> 8);
	p[1] = (uint8_t)x;
}

static uint16_t
be16dec(const uint8_t * p)
{

	return ((uint16_t)((p[0] << 8) | p[1]));
}

/**
 * ens_msg_size(cmd):
 * Return the fixed size of a message of command ${cmd} (for DATA, its
 * header), or 0 if ${cmd} is not a command.
 */
size_t
ens_msg_size(uint8_t cmd)
{

	switch (cmd) {
	case ENS_NEW:
	case ENS_ERR_TOO_MANY:
	case ENS_ERR_UNKNOWN:
	case ENS_ERR_CLOSED:
	case ENS_ERR_BAD_SEQ:
		return (1);
	case ENS_NEW_OK:
	case ENS_CONTINUE:
	case ENS_CONTINUE_OK:
	case ENS_EXTEND:
	case ENS_EXTEND_OK:
	case ENS_CLOSE:
	case ENS_CLOSE_OK:
		return (1 + ENS_ID_BYTES);
	case ENS_ACK:
		return (ENS_ACK_BYTES);
	case ENS_DATA:
		return (ENS_DATA_HEADER);
	default:
		return (0);
	}
}

/**
 * ens_msg_encode(msg, buf):
 * Write ${msg} to ${buf} (room for ENS_MSG_MAX bytes).  Return its size.
 */
size_t
ens_msg_encode(const struct ens_msg * msg, uint8_t * buf)
{
	size_t n = ens_msg_size(msg->cmd);
	int i;

	buf[0] = msg->cmd;
	if (n == 1)
		return (1);
	memcpy(&buf[1], msg->id, ENS_ID_BYTES);
	if (msg->cmd == ENS_ACK) {
		for (i = 0; i < 8; i++)
			buf[33 + i] = (uint8_t)(msg->next >> (56 - 8 * i));
	} else if (msg->cmd == ENS_DATA) {
		be16enc(&buf[33], msg->seq);
		be16enc(&buf[35], msg->len);
		if (msg->len > 0)
			memcpy(&buf[37], msg->data, msg->len);
		n += msg->len;
	}
	return (n);
}

/**
 * ens_parser_init(p):
 * Start the parser ${p} empty.
 */
void
ens_parser_init(struct ens_parser * p)
{

	memset(p, 0, sizeof(*p));
}

/**
 * ens_parser_free(p):
 * Free the buffer of ${p}.
 */
void
ens_parser_free(struct ens_parser * p)
{

	free(p->buf);
	p->buf = NULL;
	p->off = p->len = p->cap = p->consumed = 0;
}

/*
 * Step over the message returned last.  The bytes stay where they are
 * until the next feed: moving the rest of a large chunk forward after
 * every small message made parsing quadratic.
 */
static void
drop_consumed(struct ens_parser * p)
{

	p->off += p->consumed;
	p->consumed = 0;
	if (p->off == p->len)
		p->off = p->len = 0;
}

/**
 * ens_parser_feed(p, buf, len):
 * Append ${len} received bytes.  Return 0, or -1 on ENOMEM.
 */
int
ens_parser_feed(struct ens_parser * p, const uint8_t * buf, size_t len)
{
	uint8_t * nb;
	size_t ncap;

	if (p->error[0] != '\0' || len == 0)
		return (0);
	drop_consumed(p);
	if (p->off > 0) {
		memmove(p->buf, p->buf + p->off, p->len - p->off);
		p->len -= p->off;
		p->off = 0;
	}
	if (p->len + len > p->cap) {
		ncap = p->cap ? p->cap : 4096;
		while (ncap < p->len + len)
			ncap *= 2;
		if ((nb = realloc(p->buf, ncap)) == NULL) {
			errno = ENOMEM;
			return (-1);
		}
		p->buf = nb;
		p->cap = ncap;
	}
	memcpy(p->buf + p->len, buf, len);
	p->len += len;
	return (0);
}

/**
 * ens_parser_next(p, msg):
 * Parse the next whole message into ${msg} (valid until the next call).
 * Return 1 if one was parsed, 0 if more bytes are needed, or -1 if the
 * bytes are not a message (the error, in ${p}->error, names the command
 * byte and its offset; it is sticky).
 */
int
ens_parser_next(struct ens_parser * p, struct ens_msg * msg)
{
	const uint8_t * b;
	size_t n, have;
	int i;

	if (p->error[0] != '\0')
		return (-1);
	drop_consumed(p);
	if (p->len == p->off)
		return (0);
	b = p->buf + p->off;
	have = p->len - p->off;
	if ((n = ens_msg_size(b[0])) == 0) {
		snprintf(p->error, sizeof(p->error),
		    "unknown ensemble command 0x%02x", b[0]);
		return (-1);
	}
	if (have < n)
		return (0);
	memset(msg, 0, sizeof(*msg));
	msg->cmd = b[0];
	if (n > 1)
		memcpy(msg->id, &b[1], ENS_ID_BYTES);
	if (msg->cmd == ENS_ACK) {
		for (i = 0; i < 8; i++)
			msg->next = (msg->next << 8) | b[33 + i];
	} else if (msg->cmd == ENS_DATA) {
		msg->seq = be16dec(&b[33]);
		msg->len = be16dec(&b[35]);
		if (msg->len > ENS_CHUNK) {
			snprintf(p->error, sizeof(p->error),
			    "DATA length %u over the limit of %u",
			    (unsigned)msg->len, (unsigned)ENS_CHUNK);
			return (-1);
		}
		if (have < n + msg->len)
			return (0);
		msg->data = &b[37];
		n += msg->len;
	}
	p->consumed = n;
	return (1);
}
