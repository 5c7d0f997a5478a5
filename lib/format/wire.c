#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "seattle/machine.h"

#include "sshwire.h"
#include "tlswire.h"
#include "wire.h"

/**
 * fmtwire_new(f, server, s, rng):
 * Create one side (a server if ${server}) of a connection in the format
 * ${f} over the Seattle session ${s} (made with the _points constructors;
 * both must outlive it), drawing the values of its random fields from
 * ${rng}.  Return NULL on error.
 */
struct fmtwire *
fmtwire_new(const struct dust_format * f, int server, struct seattle * s,
    const struct dust_rng * rng)
{

	switch (f->protocol) {
	case DUST_FORMAT_TLS:
		return (tlswire_new(f, server, s, rng));
	case DUST_FORMAT_SSH:
		return (sshwire_new(f, server, s, rng));
	default:
		errno = EINVAL;
		return (NULL);
	}
}

/**
 * fmtwire_greeting(f, len):
 * Return what a server of the format ${f} sends at accept, before any
 * byte of the client, with its length in *${len}; or NULL with *${len} 0.
 */
const uint8_t *
fmtwire_greeting(const struct dust_format * f, size_t * len)
{

	if (f->protocol == DUST_FORMAT_SSH) {
		*len = f->ssh->server_ident;
		return (f->ssh->server->bytes);
	}
	*len = 0;
	return (NULL);
}

/**
 * fmtwire_ready(w):
 * Return the length of what ${w} has to send now, or 0 if nothing.
 */
size_t
fmtwire_ready(struct fmtwire * w)
{

	return (w->ops->ready(w));
}

/**
 * fmtwire_get(w, buf):
 * Write what fmtwire_ready said to ${buf}.  Return the bytes written.
 */
size_t
fmtwire_get(struct fmtwire * w, uint8_t * buf)
{

	return (w->ops->get(w, buf));
}

/**
 * fmtwire_put(w, buf, len):
 * Take ${len} bytes from the peer.  Return 0, or -1 on ENOMEM.
 */
int
fmtwire_put(struct fmtwire * w, const uint8_t * buf, size_t len)
{
	size_t k;

	while (len > 0 && w->state == FMTWIRE_OK) {
		if ((k = w->ops->take(w, buf, len)) == SIZE_MAX)
			return (-1);
		buf += k;
		len -= k;
	}
	/* A stream Seattle cannot read is off the format too. */
	if (seattle_status(w->s) == SEATTLE_FAILED)
		w->ops->fail(w, FMTWIRE_FAILED, seattle_failure(w->s));
	return (0);
}

/**
 * fmtwire_state(w):
 * Return where ${w} stands.
 */
enum fmtwire_state
fmtwire_state(const struct fmtwire * w)
{

	return (w->state);
}

/**
 * fmtwire_failure(w):
 * Return why ${w} is unauthenticated or failed, or NULL.
 */
const char *
fmtwire_failure(const struct fmtwire * w)
{

	return (w->state == FMTWIRE_OK ? NULL : w->why);
}

/**
 * fmtwire_fail(w, state, proto, why):
 * A protocol's framing found ${w} off the format: set its state to
 * ${state}, and the reason "${proto} format: ${why}".  Return 1, or 0 if
 * it was not FMTWIRE_OK already (the first reason stays).
 */
int
fmtwire_fail(struct fmtwire * w, enum fmtwire_state state,
    const char * proto, const char * why)
{

	if (w->state != FMTWIRE_OK)
		return (0);
	w->state = state;
	snprintf(w->why, sizeof(w->why), "%s format: %s", proto, why);
	return (1);
}

/**
 * fmtwire_hello_out(w):
 * Return 1 once a client has made its first flight, or on a server.
 */
int
fmtwire_hello_out(const struct fmtwire * w)
{

	return (w->ops->hello_out(w));
}

/**
 * fmtwire_done(w):
 * Return 1 once a failed side has made its last words.
 */
int
fmtwire_done(const struct fmtwire * w)
{

	return (w->ops->done(w));
}

/**
 * fmtwire_free(w):
 * Wipe and free ${w} (NULL is fine).
 */
void
fmtwire_free(struct fmtwire * w)
{

	if (w != NULL)
		w->ops->destroy(w);
}
