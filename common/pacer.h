#ifndef DUST_PACER_H
#define DUST_PACER_H

#include <stddef.h>

#include <event2/event.h>

/*
 * A tick schedule shared by the sockets that must be written at a constant
 * rate (proxymuxd's destination connections): PER_SECOND ticks a second on
 * the monotonic clock, each one calling every member with a budget of
 * BYTES.  The ticks run while there is at least one member; the schedule
 * starts again from the first member added after an idle spell.
 */

struct pacer;
struct pacer_member;

/**
 * pacer_new(base, per_second, bytes):
 * Create a schedule of ${per_second} (1 to 1000) ticks a second, each
 * allowing ${bytes} per member.  Return it, or NULL on failure.
 */
struct pacer * pacer_new(struct event_base *, unsigned int, size_t);

/**
 * pacer_add(pacer, tick, arg):
 * Call tick(arg, bytes) on every tick from now on.  The callback may
 * remove its own member (and no other).  Return the member, or NULL on
 * failure.
 */
struct pacer_member * pacer_add(struct pacer *, void (*)(void *, size_t),
    void *);

/**
 * pacer_remove(member):
 * Stop calling ${member} and free it.
 */
void pacer_remove(struct pacer_member *);

/**
 * pacer_free(pacer):
 * Free ${pacer}, which has no members left.
 */
void pacer_free(struct pacer *);

#endif /* !DUST_PACER_H */
