#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dust/ensemble.h"
#include "dust/rng.h"
#include "session.h"

/*
 * The server's sessions.  Lookups compare against every ID of every
 * session (at most ENS_IDS each) in constant time per comparison: fine
 * for the tens of thousands of sessions a server holds, since only
 * CONTINUE looks up (once per connection).
 */
struct ens_table {
	struct ens_session ** s;
	size_t n, max;
	const struct dust_rng * rng;
	void (*created)(void *, struct ens_session *);
	void * cookie;
};

/**
 * ens_table_new(max, rng, created, cookie):
 * Create the server's session table holding at most ${max} sessions;
 * IDs are drawn from ${rng} (NULL: libsodium).  ${created}(cookie, s) is
 * called for each new session.  Return NULL on ENOMEM.
 */
struct ens_table *
ens_table_new(size_t max, const struct dust_rng * rng,
    void (*created)(void *, struct ens_session *), void * cookie)
{
	struct ens_table * t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	if ((t->s = calloc(max ? max : 1, sizeof(t->s[0]))) == NULL) {
		free(t);
		return (NULL);
	}
	t->max = max;
	t->rng = rng;
	t->created = created;
	t->cookie = cookie;
	return (t);
}

/**
 * ens_table_count(t):
 * Return the number of sessions in ${t}.
 */
size_t
ens_table_count(const struct ens_table * t)
{

	return (t->n);
}

/**
 * ens_table_new_id(t, id):
 * Draw a fresh session ID into ${id}.
 */
void
ens_table_new_id(struct ens_table * t, uint8_t * id)
{

	dust_rng_fill(t->rng, id, ENS_ID_BYTES);
}

/**
 * ens_table_find(t, id):
 * Return the session of ${t} that answers to ${id}, or NULL.
 */
struct ens_session *
ens_table_find(struct ens_table * t, const uint8_t * id)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (ens_session_id_index(t->s[i], id) >= 0)
			return (t->s[i]);
	return (NULL);
}

/**
 * ens_table_create(t):
 * Create a session with a fresh ID in ${t}.  Return NULL if ${t} is full
 * (errno EMFILE) or on ENOMEM.
 */
struct ens_session *
ens_table_create(struct ens_table * t)
{
	struct ens_session * s;
	uint8_t id[ENS_ID_BYTES];

	if (t->n >= t->max) {
		errno = EMFILE;
		return (NULL);
	}
	if ((s = ens_session_new(1)) == NULL) {
		errno = ENOMEM;
		return (NULL);
	}
	ens_table_new_id(t, id);
	ens_session_add_id(s, id);
	s->table = t;
	t->s[t->n++] = s;
	if (t->created != NULL)
		t->created(t->cookie, s);
	return (s);
}

/**
 * ens_table_remove(t, s):
 * Remove ${s} from ${t} and free it.
 */
void
ens_table_remove(struct ens_table * t, struct ens_session * s)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->s[i] == s) {
			t->s[i] = t->s[--t->n];
			break;
		}
	}
	ens_session_free(s);
}

/**
 * ens_table_free(t):
 * Free ${t} and every session in it.  NULL is allowed.
 */
void
ens_table_free(struct ens_table * t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		ens_session_free(t->s[i]);
	free(t->s);
	free(t);
}
