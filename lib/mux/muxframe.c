#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dust/muxframe.h"

/* Store ${v} big-endian in two bytes at ${p}. */
static void
be16enc(uint8_t * p, unsigned int v)
{

	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Read two big-endian bytes at ${p}. */
static uint16_t
be16dec(const uint8_t * p)
{

	return ((uint16_t)((p[0] << 8) | p[1]));
}

/**
 * muxframe_open_hdr(buf, id, port, len):
 * Write the 5-byte header of an open frame for connection ${id} to port id
 * ${port} carrying ${len} (<= MUXFRAME_MAXDATA) bytes into ${buf}.
 * Return MUXFRAME_OPEN_HDR.
 */
size_t
muxframe_open_hdr(uint8_t * buf, uint16_t id, uint8_t port, size_t len)
{

	be16enc(buf, 0x8000U | (unsigned int)len);
	be16enc(buf + 2, id);
	buf[4] = port;
	return (MUXFRAME_OPEN_HDR);
}

/**
 * muxframe_write_hdr(buf, id, len):
 * Write the 4-byte header of a write frame (${len} from 1 to
 * MUXFRAME_MAXDATA) for connection ${id} into ${buf}.  Return MUXFRAME_HDR.
 */
size_t
muxframe_write_hdr(uint8_t * buf, uint16_t id, size_t len)
{

	be16enc(buf, (unsigned int)len);
	be16enc(buf + 2, id);
	return (MUXFRAME_HDR);
}

/**
 * muxframe_close(buf, id):
 * Write the 4-byte close frame of connection ${id} into ${buf}.  Return
 * MUXFRAME_HDR.
 */
size_t
muxframe_close(uint8_t * buf, uint16_t id)
{

	be16enc(buf, 0);
	be16enc(buf + 2, id);
	return (MUXFRAME_HDR);
}

/**
 * muxframe_encode(buf, f):
 * Write the whole frame ${f} (header and data) into ${buf}, which holds
 * at least MUXFRAME_OPEN_HDR + f->len bytes.  Return the number of bytes
 * written, or 0 if ${f} cannot be encoded (data too long, a write without
 * data, a close with data).
 */
size_t
muxframe_encode(uint8_t * buf, const struct muxframe * f)
{
	size_t h;

	if (f->len > MUXFRAME_MAXDATA)
		return (0);
	switch (f->kind) {
	case MUXFRAME_OPEN:
		h = muxframe_open_hdr(buf, f->id, f->port, f->len);
		break;
	case MUXFRAME_WRITE:
		if (f->len == 0)
			return (0);
		h = muxframe_write_hdr(buf, f->id, f->len);
		break;
	case MUXFRAME_CLOSE:
		if (f->len != 0)
			return (0);
		return (muxframe_close(buf, f->id));
	default:
		return (0);
	}
	if (f->len > 0)
		memcpy(buf + h, f->data, f->len);
	return (h + f->len);
}

/**
 * muxframe_dec_init(dec):
 * Make ${dec} ready for the first byte of a stream of frames.
 */
void
muxframe_dec_init(struct muxframe_dec * d)
{

	d->hlen = 0;
	d->have = 0;
}

/* The header length the first two bytes ${hdr} announce. */
static size_t
hdr_len(const uint8_t * hdr)
{

	return ((hdr[0] & 0x80) ? MUXFRAME_OPEN_HDR : MUXFRAME_HDR);
}

/* Fill ${f} from the complete header ${hdr} and data ${data}; check it. */
static int
make_frame(const uint8_t * hdr, const uint8_t * data, struct muxframe * f,
    const char ** err)
{

	f->len = be16dec(hdr) & 0x7fff;
	f->id = be16dec(hdr + 2);
	f->data = data;
	f->port = 0;
	if (hdr[0] & 0x80) {
		f->kind = MUXFRAME_OPEN;
		f->port = hdr[4];
	} else
		f->kind = (f->len > 0) ? MUXFRAME_WRITE : MUXFRAME_CLOSE;

	/* The control channel is never opened or closed. */
	if (f->id == MUXFRAME_CONTROL_ID && f->kind != MUXFRAME_WRITE) {
		*err = (f->kind == MUXFRAME_OPEN) ?
		    "open frame on connection id 0 (the control channel)" :
		    "close frame on connection id 0 (the control channel)";
		return (-1);
	}
	return (1);
}

/**
 * muxframe_dec_next(dec, in, inlen, f, err):
 * Consume bytes from *${in} (advancing *${in} and decreasing *${inlen})
 * until a whole frame is decoded into ${f}, or the input is used up.
 * Return 1 when ${f} holds a frame (more input may remain), 0 when all the
 * input is consumed without completing one, or -1 with a message naming
 * the problem in *${err} (an open or close frame on the control channel).
 * After an error the decoder must not be used again.
 */
int
muxframe_dec_next(struct muxframe_dec * d, const uint8_t ** in,
    size_t * inlen, struct muxframe * f, const char ** err)
{
	size_t hl, dl, n;

	/* Fast path: a whole frame in the input and nothing held. */
	if (d->hlen == 0 && *inlen >= 2) {
		hl = hdr_len(*in);
		dl = be16dec(*in) & 0x7fff;
		if (*inlen >= hl + dl) {
			if (make_frame(*in, *in + hl, f, err) < 0)
				return (-1);
			*in += hl + dl;
			*inlen -= hl + dl;
			return (1);
		}
	}

	/* Collect the header: its first byte says how long it is. */
	while (d->hlen < 1 || d->hlen < hdr_len(d->hdr)) {
		if (*inlen == 0)
			return (0);
		d->hdr[d->hlen++] = **in;
		(*in)++;
		(*inlen)--;
	}
	dl = be16dec(d->hdr) & 0x7fff;

	/* Then the data. */
	n = dl - d->have;
	if (n > *inlen)
		n = *inlen;
	memcpy(d->buf + d->have, *in, n);
	d->have += n;
	*in += n;
	*inlen -= n;
	if (d->have < dl)
		return (0);
	d->hlen = 0;
	d->have = 0;
	return (make_frame(d->hdr, d->buf, f, err));
}

/**
 * muxframe_dec_end(dec, err):
 * The stream has ended.  Return 0 if it ended between frames, or -1 with
 * *${err} naming where it was cut.
 */
int
muxframe_dec_end(const struct muxframe_dec * d, const char ** err)
{

	if (d->hlen == 0)
		return (0);
	if (d->hlen < hdr_len(d->hdr))
		*err = "link ended inside a frame header";
	else
		*err = "link ended inside a frame's data";
	return (-1);
}

/**
 * muxctl_window(buf, id, increment):
 * Write a WINDOW control message (MUXCTL_WINDOW_LEN bytes) into ${buf}.
 * Return MUXCTL_WINDOW_LEN.
 */
size_t
muxctl_window(uint8_t * buf, uint16_t id, uint32_t inc)
{

	buf[0] = MUXCTL_WINDOW;
	be16enc(buf + 1, id);
	be16enc(buf + 3, inc >> 16);
	be16enc(buf + 5, inc & 0xffff);
	return (MUXCTL_WINDOW_LEN);
}

/**
 * muxctl_reset(buf, id):
 * Write a RESET control message (MUXCTL_RESET_LEN bytes) into ${buf}.
 * Return MUXCTL_RESET_LEN.
 */
size_t
muxctl_reset(uint8_t * buf, uint16_t id)
{

	buf[0] = MUXCTL_RESET;
	be16enc(buf + 1, id);
	return (MUXCTL_RESET_LEN);
}

/**
 * muxctl_next(p, len, msg, err):
 * Parse the next control message from the data *${p} of *${len} bytes of
 * a write frame on the control channel, advancing both.  Return 1 with
 * the message in ${msg}, 0 at the end of the data, or -1 with *${err}
 * naming the problem (unknown type, truncated message, id 0, zero
 * increment).
 */
int
muxctl_next(const uint8_t ** p, size_t * len, struct muxctl * m,
    const char ** err)
{
	const uint8_t * b = *p;
	size_t need;

	if (*len == 0)
		return (0);
	switch (b[0]) {
	case MUXCTL_WINDOW:
		need = MUXCTL_WINDOW_LEN;
		break;
	case MUXCTL_RESET:
		need = MUXCTL_RESET_LEN;
		break;
	default:
		*err = "control message of unknown type";
		return (-1);
	}
	if (*len < need) {
		*err = (b[0] == MUXCTL_WINDOW) ?
		    "truncated WINDOW control message" :
		    "truncated RESET control message";
		return (-1);
	}
	m->type = b[0];
	m->id = be16dec(b + 1);
	m->increment = 0;
	if (m->id == MUXFRAME_CONTROL_ID) {
		*err = "control message for connection id 0";
		return (-1);
	}
	if (m->type == MUXCTL_WINDOW) {
		m->increment = ((uint32_t)be16dec(b + 3) << 16) |
		    be16dec(b + 5);
		if (m->increment == 0) {
			*err = "WINDOW control message with a zero increment";
			return (-1);
		}
	}
	*p += need;
	*len -= need;
	return (1);
}
