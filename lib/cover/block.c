#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dust/cover.h"

/**
 * cover_strerror(err):
 * Return a sentence naming the unpacker error ${err}.
 */
const char *
cover_strerror(int err)
{

	switch (err) {
	case 0:
		return ("no error");
	case COVER_E_LENGTH:
		return ("block length word above block size - 2 "
		    "(not a data block nor end of stream)");
	case COVER_E_PADDING:
		return ("non-zero byte in block padding");
	case COVER_E_AFTER_EOS:
		return ("data after the end-of-stream block");
	case COVER_E_TRUNCATED:
		return ("stream ended inside a block (truncated block)");
	case COVER_E_NO_EOS:
		return ("stream ended without an end-of-stream block");
	default:
		return ("unknown cover error");
	}
}

/**
 * cover_pack_header(blk, block, n):
 * Complete the block ${blk} of ${block} bytes whose ${n} bytes of data
 * (n <= block - 2) are already at ${blk} + 2: write the length word and
 * zero the padding.  Return ${block}.
 */
size_t
cover_pack_header(uint8_t * blk, size_t block, size_t n)
{

	blk[0] = (uint8_t)(n >> 8);
	blk[1] = (uint8_t)n;
	memset(blk + 2 + n, 0, block - 2 - n);
	return (block);
}

/**
 * cover_pack(blk, block, data, n):
 * Write a data block carrying ${n} <= block - 2 bytes of ${data} into
 * ${blk}.  Return ${block}.
 */
size_t
cover_pack(uint8_t * blk, size_t block, const uint8_t * data, size_t n)
{

	if (n > 0)
		memmove(blk + 2, data, n);
	return (cover_pack_header(blk, block, n));
}

/**
 * cover_pack_eos(blk, block):
 * Write the end-of-stream block into ${blk}.  Return ${block}.
 */
size_t
cover_pack_eos(uint8_t * blk, size_t block)
{

	blk[0] = (uint8_t)(COVER_EOS >> 8);
	blk[1] = (uint8_t)COVER_EOS;
	memset(blk + 2, 0, block - 2);
	return (block);
}

/**
 * cover_unpack_init(u, block):
 * Start unpacking a stream of ${block}-byte blocks.
 */
void
cover_unpack_init(struct cover_unpacker * u, size_t block)
{

	memset(u, 0, sizeof(*u));
	u->block = block;
}

/* Return nonzero if one of the ${n} bytes at ${p} is not zero. */
static int
nonzero(const uint8_t * p, size_t n)
{
	uint64_t acc = 0, w;
	size_t i = 0;

	/* Eight bytes at a time: padding is most of every block. */
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= p[i];
	return (acc != 0);
}

/**
 * cover_unpack(u, in, inlen, used, data, datalen):
 * Consume input from ${in} (${inlen} bytes) until something happens; set
 * ${used} to the bytes consumed.  Return COVER_DATA with ${data} and
 * ${datalen} (> 0) pointing at real data inside ${in}; COVER_END when the
 * end-of-stream block is complete; COVER_NEED when all of ${in} is used
 * and nothing else happened; or a negative COVER_E_* error, after which
 * every call returns the same error.
 */
int
cover_unpack(struct cover_unpacker * u, const uint8_t * in, size_t inlen,
    size_t * used, const uint8_t ** data, size_t * datalen)
{
	size_t off = 0, take, w;

	*data = NULL;
	*datalen = 0;
	while (u->err == 0 && off < inlen) {
		if (u->ended) {
			u->err = COVER_E_AFTER_EOS;
			break;
		}
		if (u->pos == 0) {
			u->hi = in[off++];
			u->pos = 1;
			continue;
		}
		if (u->pos == 1) {
			w = ((size_t)u->hi << 8) | in[off++];
			u->pos = 2;
			if (w == COVER_EOS) {
				u->eos = 1;
				u->len = 0;
			} else if (w > u->block - 2) {
				u->err = COVER_E_LENGTH;
				break;
			} else
				u->len = w;
		} else if (u->pos < 2 + u->len) {
			/* Real data: hand it out where it lies. */
			take = 2 + u->len - u->pos;
			if (take > inlen - off)
				take = inlen - off;
			u->pos += take;
			*data = in + off;
			*datalen = take;
			off += take;
		} else {
			/* Padding. */
			take = u->block - u->pos;
			if (take > inlen - off)
				take = inlen - off;
			if (nonzero(in + off, take)) {
				u->err = COVER_E_PADDING;
				break;
			}
			u->pos += take;
			off += take;
		}
		if (u->pos == u->block) {
			u->pos = 0;
			if (u->eos) {
				u->ended = 1;
				*used = off;
				return (COVER_END);
			}
		}
		if (*datalen > 0) {
			*used = off;
			return (COVER_DATA);
		}
	}
	*used = off;
	if (u->err)
		return (u->err);
	return (COVER_NEED);
}

/**
 * cover_unpack_finish(u):
 * The stream has ended.  Return 0 if it ended cleanly after the
 * end-of-stream block, the sticky error if any, COVER_E_TRUNCATED if it
 * ended inside a block, else COVER_E_NO_EOS.
 */
int
cover_unpack_finish(const struct cover_unpacker * u)
{

	if (u->err)
		return (u->err);
	if (u->ended)
		return (0);
	if (u->pos != 0)
		return (COVER_E_TRUNCATED);
	return (COVER_E_NO_EOS);
}
