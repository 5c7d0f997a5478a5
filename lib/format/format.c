#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * format_set_sni(f, host, err, errlen):
 * Make ${host} the server_name of the ClientHello of the TLS format ${f}
 * (the template's lengths fixed, its padding adjusted).  Return 0, or -1
 * with a message in ${err} (not a TLS format, not a host name).
 */
int
format_set_sni(struct dust_format * f, const char * host, char * err,
    size_t errlen)
{
	char msg[256];
	const char * m = msg;

	if (f->protocol != DUST_FORMAT_TLS) {
		snprintf(err, errlen, "a server_name needs a TLS format");
		return (-1);
	}
	if (tlshello_set_sni(f->client, host, msg, sizeof(msg))) {
		if (strncmp(m, "set_sni: ", 9) == 0)
			m += 9;
		snprintf(err, errlen, "%s", m);
		return (-1);
	}
	return (0);
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
