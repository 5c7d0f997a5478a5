/*
 * libFuzzer target: the Ensemble message parser and the session state
 * machines on arbitrary bytes.  The first byte picks the mode (bit 0:
 * the bytes go to a client link whose session is first opened by a real
 * server link, else to a server link; bit 1: the application writes and
 * reads between chunks; bit 2: cut the link and start another at each
 * chunk), the second the chunk size; the rest is the link's input.
 * Scripted sessions with hostile messages that carry real session IDs,
 * and the check that an honest exchange stays exact, are in
 * fuzz_ensemble_seq.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dust/ensemble.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t out[ENS_MSG_MAX * 2];

/* Pull everything ${l} has and drop it. */
static void
drain(struct ens_link * l)
{

	while (ens_link_pull(l, out, sizeof(out)) > 0)
		;
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
	struct ens_table * t;
	struct ens_session * c = NULL, * s;
	struct ens_link * l, * sl = NULL;
	uint8_t app[512];
	size_t chunk, off, n, k;
	int mode;

	if (size < 2)
		return (0);
	mode = data[0];
	chunk = (size_t)data[1] + 1;
	data += 2;
	size -= 2;
	if ((t = ens_table_new(4, NULL, NULL, NULL)) == NULL)
		return (0);
	if (mode & 1) {
		/* A client session opened by a real exchange. */
		c = ens_session_client_new();
		l = ens_link_client(c);
		sl = ens_link_server(t);
		k = ens_link_pull(l, out, sizeof(out));
		ens_link_push(sl, out, k);
		k = ens_link_pull(sl, out, sizeof(out));
		ens_link_push(l, out, k);
	} else {
		l = ens_link_server(t);
	}
	memset(app, 'a', sizeof(app));
	for (off = 0; off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		ens_link_push(l, data + off, n);
		drain(l);
		s = ens_link_session(l);
		if ((mode & 2) && s != NULL) {
			if (ens_session_write(s, app, sizeof(app)) < 0)
				break;
			while (ens_session_read(s, app, sizeof(app)) > 0)
				;
			memset(app, 'a', sizeof(app));
		}
		if (mode & 4) {
			s = ens_link_session(l);
			ens_link_end(l);
			if (mode & 1)
				l = ens_link_client(c);
			else
				l = ens_link_server(t);
		}
	}
	(void)ens_link_error(l);
	ens_link_end(l);
	ens_link_end(sl);
	ens_session_free(c);
	ens_table_free(t);
	return (0);
}
