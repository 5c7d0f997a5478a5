#ifndef DUST_MUXFRAME_H
#define DUST_MUXFRAME_H

#include <stddef.h>
#include <stdint.h>

/*
 * pipemux frames (docs/spec.md §7), big-endian:
 *
 *   open:   [1][len:15] [id:16] [port:8] [len bytes of data, len >= 0]
 *   write:  [0][len:15] [id:16]          [len bytes of data, len >= 1]
 *   close:  [0][0:15]   [id:16]          (half-close, like a FIN)
 *
 * Connection id 0 is the link's control channel (docs/pipemux.md): it is
 * never opened or closed, and the data of its write frames is a sequence
 * of control messages:
 *
 *   WINDOW: [0x01] [id:16] [increment:32, >= 1]
 *   RESET:  [0x02] [id:16]
 */

#define MUXFRAME_HDR		4	/* Header of a write or close frame. */
#define MUXFRAME_OPEN_HDR	5	/* Header of an open frame. */
#define MUXFRAME_MAXDATA	32767	/* Largest data length (15 bits). */
#define MUXFRAME_CONTROL_ID	0	/* The control channel's id. */

#define MUXCTL_WINDOW		0x01	/* Control message type: credit. */
#define MUXCTL_WINDOW_LEN	7	/* Its length on the wire. */
#define MUXCTL_RESET		0x02	/* Control message type: reset. */
#define MUXCTL_RESET_LEN	3	/* Its length on the wire. */

enum muxframe_kind {
	MUXFRAME_OPEN,
	MUXFRAME_WRITE,
	MUXFRAME_CLOSE
};

/* A decoded frame.  ${data} stays valid until the next decoder call. */
struct muxframe {
	enum muxframe_kind kind;
	uint16_t id;
	uint8_t port;			/* Open frames only. */
	const uint8_t * data;
	size_t len;
};

/* A decoded control message. */
struct muxctl {
	uint8_t type;			/* MUXCTL_WINDOW or MUXCTL_RESET. */
	uint16_t id;
	uint32_t increment;		/* WINDOW only; 0 for RESET. */
};

/* Streaming decoder state; initialize with muxframe_dec_init. */
struct muxframe_dec {
	uint8_t hdr[MUXFRAME_OPEN_HDR];
	size_t hlen;			/* Header bytes held. */
	size_t have;			/* Data bytes held in ${buf}. */
	uint8_t buf[MUXFRAME_MAXDATA];
};

/**
 * muxframe_open_hdr(buf, id, port, len):
 * Write the 5-byte header of an open frame for connection ${id} to port id
 * ${port} carrying ${len} (<= MUXFRAME_MAXDATA) bytes into ${buf}.
 * Return MUXFRAME_OPEN_HDR.
 */
size_t muxframe_open_hdr(uint8_t *, uint16_t, uint8_t, size_t);

/**
 * muxframe_write_hdr(buf, id, len):
 * Write the 4-byte header of a write frame (${len} from 1 to
 * MUXFRAME_MAXDATA) for connection ${id} into ${buf}.  Return MUXFRAME_HDR.
 */
size_t muxframe_write_hdr(uint8_t *, uint16_t, size_t);

/**
 * muxframe_close(buf, id):
 * Write the 4-byte close frame of connection ${id} into ${buf}.  Return
 * MUXFRAME_HDR.
 */
size_t muxframe_close(uint8_t *, uint16_t);

/**
 * muxframe_encode(buf, f):
 * Write the whole frame ${f} (header and data) into ${buf}, which holds
 * at least MUXFRAME_OPEN_HDR + f->len bytes.  Return the number of bytes
 * written, or 0 if ${f} cannot be encoded (data too long, a write without
 * data, a close with data).
 */
size_t muxframe_encode(uint8_t *, const struct muxframe *);

/**
 * muxframe_dec_init(dec):
 * Make ${dec} ready for the first byte of a stream of frames.
 */
void muxframe_dec_init(struct muxframe_dec *);

/**
 * muxframe_dec_next(dec, in, inlen, f, err):
 * Consume bytes from *${in} (advancing *${in} and decreasing *${inlen})
 * until a whole frame is decoded into ${f}, or the input is used up.
 * Return 1 when ${f} holds a frame (more input may remain), 0 when all the
 * input is consumed without completing one, or -1 with a message naming
 * the problem in *${err} (an open or close frame on the control channel).
 * After an error the decoder must not be used again.
 */
int muxframe_dec_next(struct muxframe_dec *, const uint8_t **, size_t *,
    struct muxframe *, const char **);

/**
 * muxframe_dec_end(dec, err):
 * The stream has ended.  Return 0 if it ended between frames, or -1 with
 * *${err} naming where it was cut.
 */
int muxframe_dec_end(const struct muxframe_dec *, const char **);

/**
 * muxctl_window(buf, id, increment):
 * Write a WINDOW control message (MUXCTL_WINDOW_LEN bytes) into ${buf}.
 * Return MUXCTL_WINDOW_LEN.
 */
size_t muxctl_window(uint8_t *, uint16_t, uint32_t);

/**
 * muxctl_reset(buf, id):
 * Write a RESET control message (MUXCTL_RESET_LEN bytes) into ${buf}.
 * Return MUXCTL_RESET_LEN.
 */
size_t muxctl_reset(uint8_t *, uint16_t);

/**
 * muxctl_next(p, len, msg, err):
 * Parse the next control message from the data *${p} of *${len} bytes of
 * a write frame on the control channel, advancing both.  Return 1 with
 * the message in ${msg}, 0 at the end of the data, or -1 with *${err}
 * naming the problem (unknown type, truncated message, id 0, zero
 * increment).
 */
int muxctl_next(const uint8_t **, size_t *, struct muxctl *, const char **);

#endif /* !DUST_MUXFRAME_H */
