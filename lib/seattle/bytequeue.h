#ifndef DUST_SEATTLE_BYTEQUEUE_H
#define DUST_SEATTLE_BYTEQUEUE_H

#include <stddef.h>
#include <stdint.h>

/* A growable FIFO of bytes; its storage is wiped before it is freed. */
struct bytequeue {
	uint8_t * buf;
	size_t start;		/* Offset of the first queued byte. */
	size_t len;		/* Bytes queued. */
	size_t cap;		/* Bytes allocated. */
};

/**
 * bytequeue_append(q, data, len):
 * Append ${len} bytes of ${data} to ${q}.  Return 0, or -1 on ENOMEM.
 */
int bytequeue_append(struct bytequeue *, const uint8_t *, size_t);

/**
 * bytequeue_take(q, out, len):
 * Move up to ${len} bytes from the front of ${q} to ${out}.  Return the
 * number moved.
 */
size_t bytequeue_take(struct bytequeue *, uint8_t *, size_t);

/**
 * bytequeue_free(q):
 * Wipe and free the storage of ${q}, leaving it empty.
 */
void bytequeue_free(struct bytequeue *);

#endif /* !DUST_SEATTLE_BYTEQUEUE_H */
