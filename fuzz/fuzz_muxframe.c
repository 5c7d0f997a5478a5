/*
 * libFuzzer target: the pipemux frame decoder, the control-message parser
 * and the link state machine on arbitrary bytes.  The first byte picks the
 * mode (bit 0: server side; bit 1: consume data at once, returning credit;
 * bit 2: refuse opens; bit 3: close, abandon or refuse connections as
 * chunks arrive; bit 4: send and close from inside the credit callback;
 * bit 5: a 4 MiB window, muxlink_set_window, as dust's streams use),
 * the second the chunk size; the rest is the link's input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dust/muxframe.h"
#include "dust/muxlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fz {
	struct muxlink * l;
	int consume, refuse, resend;
	size_t out;
};

/* Count the output; it is dropped. */
static int
fz_output(void * cookie, const uint8_t * h, size_t hl, const uint8_t * d,
    size_t dl)
{
	struct fz * z = cookie;

	z->out += hl + dl;
	return (0);
}

/* Accept or refuse; the handle carries the id. */
static void *
fz_open(void * cookie, uint16_t id, uint8_t port)
{
	struct fz * z = cookie;

	return (z->refuse ? NULL : (void *)(uintptr_t)(0x10000 + id));
}

/* Data: consume it at once if asked (a reentrant call into the link). */
static int
fz_data(void * cookie, void * user, const uint8_t * buf, size_t len)
{
	struct fz * z = cookie;
	uint16_t id = (uint16_t)((uintptr_t)user - 0x10000);

	if (len > 0)
		(void)buf[len - 1];
	if (z->consume)
		return (muxlink_consumed(z->l, id, len));
	return (0);
}

/* Nothing to do for these. */
static void
fz_eof(void * cookie, void * user)
{

	(void)user;
}

/* Credit: with mode bit 4, send into it at once (a re-entrant call). */
static void
fz_credit(void * cookie, void * user)
{
	static const uint8_t junk[40000];
	struct fz * z = cookie;
	uint16_t id = (uint16_t)((uintptr_t)user - 0x10000);
	size_t n;

	if (!z->resend || (uintptr_t)user < 0x10000)
		return;
	n = muxlink_sendable(z->l, id);
	if (n > sizeof(junk))
		n = sizeof(junk);
	if (n > 0)
		(void)muxlink_send(z->l, id, junk, n);
	if (z->out & 1)
		(void)muxlink_close(z->l, id);
}

static void
fz_freed(void * cookie, void * user)
{

	(void)user;
}

static const struct muxlink_cbs fz_cbs = {
	fz_output, fz_open, fz_data, fz_eof, fz_credit, fz_freed, fz_freed
};

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
	static struct muxframe_dec d;
	struct muxframe f;
	struct muxctl m;
	struct fz z;
	const uint8_t * p, * cp;
	const char * err;
	size_t len, chunk, n, clen;
	uint16_t id;
	int mode, r, i;

	if (size < 2)
		return (0);
	mode = data[0];
	chunk = (size_t)data[1] + 1;
	data += 2;
	size -= 2;

	/* The decoder alone, and the control parser on write frames. */
	muxframe_dec_init(&d);
	p = data;
	len = size;
	while ((r = muxframe_dec_next(&d, &p, &len, &f, &err)) == 1) {
		if (f.kind == MUXFRAME_WRITE && f.id == 0) {
			cp = f.data;
			clen = f.len;
			while (muxctl_next(&cp, &clen, &m, &err) == 1)
				;
		}
	}
	if (r == 0)
		(void)muxframe_dec_end(&d, &err);

	/* The link state, fed in chunks. */
	memset(&z, 0, sizeof(z));
	z.consume = (mode >> 1) & 1;
	z.refuse = (mode >> 2) & 1;
	z.resend = (mode >> 4) & 1;
	if ((z.l = muxlink_new(mode & 1, &fz_cbs, &z)) == NULL)
		return (0);
	/* dust's streams: the session's window (docs/streams.md). */
	if ((mode & 32) && muxlink_set_window(z.l, 16 * MUXLINK_WINDOW))
		__builtin_trap();
	if (!(mode & 1))
		for (i = 0; i < 4; i++)
			(void)muxlink_open(z.l, (uint8_t)i,
			    (void *)(uintptr_t)(0x10001 + i), &id);
	for (p = data, len = size; len > 0; p += n, len -= n) {
		n = (len < chunk) ? len : chunk;
		if (muxlink_input(z.l, p, n))
			break;
		if ((mode & 8) && n >= 2) {
			id = (uint16_t)((p[0] << 8) | p[1]);
			if ((p[0] & 3) == 1)
				(void)muxlink_abandon(z.l, id);
			else if ((p[0] & 3) == 3)
				(void)muxlink_refuse(z.l, id);
			else if (muxlink_sendable(z.l, id) > 0)
				(void)muxlink_close(z.l, id);
		}
	}
	if (len == 0)
		(void)muxlink_end(z.l);
	(void)muxlink_error(z.l);
	muxlink_free(z.l);
	return (0);
}
