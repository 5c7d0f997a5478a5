/*
 * The coverpipe unpacker on arbitrary bytes.  The first input byte picks
 * the block size (16 + 8 * b) and the second a chunk size, so the stream
 * is fed in pieces as a socket would hand it over.  Checks: no crash, data
 * spans lie inside the input, data never exceeds block - 2 per block, and
 * once an error is returned it stays.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dust/cover.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t * buf, size_t len)
{
	struct cover_unpacker u;
	const uint8_t * d;
	size_t block, chunk, off, n, used, dl, blocks_seen;
	uint64_t data_total = 0;
	int r, err = 0;

	if (len < 2)
		return (0);
	block = COVER_BLOCK_MIN + 8 * (size_t)buf[0];
	chunk = 1 + (size_t)buf[1];
	buf += 2;
	len -= 2;
	cover_unpack_init(&u, block);
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		const uint8_t * in = buf + off;
		size_t left = n;

		while (left > 0) {
			r = cover_unpack(&u, in, left, &used, &d, &dl);
			if (used > left)
				abort();
			if (r < 0) {
				if (err != 0 && r != err)
					abort();
				err = r;
				break;
			}
			if (err != 0)
				abort();
			if (r == COVER_DATA) {
				if (dl == 0 || d < in || d + dl > in + used)
					abort();
				data_total += dl;
			}
			in += used;
			left -= used;
		}
	}
	/* At most block - 2 data bytes per (started) block. */
	blocks_seen = len / block + 1;
	if (data_total > (uint64_t)blocks_seen * (block - 2))
		abort();
	r = cover_unpack_finish(&u);
	if (err != 0 && r != err)
		abort();
	return (0);
}
