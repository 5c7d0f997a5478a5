#include <stdlib.h>

#include "format.h"

/**
 * format_finished_len(f):
 * Return the length of the client's encrypted Finished record (without
 * its header) for the cipher suite of ${f}: the hash's length + 4
 * (handshake header) + 1 (content type) + 16 (AEAD tag).
 */
size_t
format_finished_len(const struct dust_format * f)
{
	/* TLS_AES_256_GCM_SHA384 hashes with SHA-384; the others SHA-256. */
	size_t hashlen = (f->suite == 0x1302) ? 48 : 32;

	return (hashlen + 4 + 1 + 16);
}

/**
 * format_free(f):
 * Free the format ${f} (NULL is fine).
 */
void
format_free(struct dust_format * f)
{

	if (f == NULL)
		return;
	if (f->ssh != NULL) {
		sshhello_template_free(f->ssh->client);
		sshhello_template_free(f->ssh->server);
		free(f->ssh);
	}
	tlshello_template_free(f->client);
	tlshello_template_free(f->server);
	free(f);
}
