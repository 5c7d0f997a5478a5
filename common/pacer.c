#include <stdlib.h>

#include <event2/event.h>

#include "pacer.h"

struct pacer_member {
	struct pacer * p;
	void (*tick)(void *, size_t);
	void * arg;
	struct pacer_member * prev, * next;
};

struct pacer {
	struct event * ev;
	struct timeval period;
	size_t bytes;
	struct pacer_member * members;
	struct pacer_member * cursor;	/* The next member of this tick. */
};

/*
 * A tick: every member gets its budget.  libevent reschedules a
 * persistent timer from the time it was due, not from now, so the
 * schedule does not drift.
 */
static void
tickcb(evutil_socket_t fd, short what, void * arg)
{
	struct pacer * p = arg;
	struct pacer_member * m;

	for (m = p->members; m != NULL; m = p->cursor) {
		/* Saved here, so that ${m} may remove itself. */
		p->cursor = m->next;
		m->tick(m->arg, p->bytes);
	}
}

/**
 * pacer_new(base, per_second, bytes):
 * Create a schedule of ${per_second} (1 to 1000) ticks a second, each
 * allowing ${bytes} per member.  Return it, or NULL on failure.
 */
struct pacer *
pacer_new(struct event_base * base, unsigned int per_second, size_t bytes)
{
	struct pacer * p;
	long us;

	if (per_second < 1 || per_second > 1000)
		return (NULL);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	us = 1000000L / (long)per_second;
	p->period.tv_sec = us / 1000000;
	p->period.tv_usec = us % 1000000;
	p->bytes = bytes;
	if ((p->ev = event_new(base, -1, EV_PERSIST, tickcb, p)) == NULL) {
		free(p);
		return (NULL);
	}
	return (p);
}

/**
 * pacer_add(pacer, tick, arg):
 * Call tick(arg, bytes) on every tick from now on.  The callback may
 * remove its own member (and no other).  Return the member, or NULL on
 * failure.
 */
struct pacer_member *
pacer_add(struct pacer * p, void (*tick)(void *, size_t), void * arg)
{
	struct pacer_member * m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (NULL);
	if (p->members == NULL && event_add(p->ev, &p->period)) {
		free(m);
		return (NULL);
	}
	m->p = p;
	m->tick = tick;
	m->arg = arg;
	if ((m->next = p->members) != NULL)
		m->next->prev = m;
	p->members = m;
	return (m);
}

/**
 * pacer_remove(member):
 * Stop calling ${member} and free it.
 */
void
pacer_remove(struct pacer_member * m)
{
	struct pacer * p;

	if (m == NULL)
		return;
	p = m->p;
	if (p->cursor == m)
		p->cursor = m->next;
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		p->members = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	free(m);
	if (p->members == NULL)
		event_del(p->ev);
}

/**
 * pacer_free(pacer):
 * Free ${pacer}, which has no members left.
 */
void
pacer_free(struct pacer * p)
{

	if (p == NULL)
		return;
	event_free(p->ev);
	free(p);
}
