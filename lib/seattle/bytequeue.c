#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bytequeue.h"

/**
 * bytequeue_append(q, data, len):
 * Append ${len} bytes of ${data} to ${q}.  Return 0, or -1 on ENOMEM.
 */
int
bytequeue_append(struct bytequeue * q, const uint8_t * data, size_t len)
{
	uint8_t * nbuf;
	size_t ncap;

	if (len == 0)
		return (0);
	if (len > SIZE_MAX / 2 - q->len)
		return (-1);

	/* Slide the queued bytes to the front if that makes room. */
	if (q->start + q->len + len > q->cap && q->len + len <= q->cap) {
		memmove(q->buf, q->buf + q->start, q->len);
		q->start = 0;
	}

	/* Else grow into a fresh buffer, wiping the old one. */
	if (q->start + q->len + len > q->cap) {
		ncap = q->cap ? q->cap : 4096;
		while (ncap < q->len + len)
			ncap *= 2;
		if ((nbuf = malloc(ncap)) == NULL)
			return (-1);
		if (q->len > 0)
			memcpy(nbuf, q->buf + q->start, q->len);
		if (q->buf != NULL) {
			sodium_memzero(q->buf, q->cap);
			free(q->buf);
		}
		q->buf = nbuf;
		q->cap = ncap;
		q->start = 0;
	}
	memcpy(q->buf + q->start + q->len, data, len);
	q->len += len;
	return (0);
}

/**
 * bytequeue_take(q, out, len):
 * Move up to ${len} bytes from the front of ${q} to ${out}.  Return the
 * number moved.
 */
size_t
bytequeue_take(struct bytequeue * q, uint8_t * out, size_t len)
{

	if (len > q->len)
		len = q->len;
	if (len == 0)
		return (0);
	memcpy(out, q->buf + q->start, len);
	sodium_memzero(q->buf + q->start, len);
	q->start += len;
	q->len -= len;
	if (q->len == 0)
		q->start = 0;
	return (len);
}

/**
 * bytequeue_free(q):
 * Wipe and free the storage of ${q}, leaving it empty.
 */
void
bytequeue_free(struct bytequeue * q)
{

	if (q->buf != NULL) {
		sodium_memzero(q->buf, q->cap);
		free(q->buf);
	}
	q->buf = NULL;
	q->start = q->len = q->cap = 0;
}
