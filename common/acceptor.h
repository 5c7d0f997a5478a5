#ifndef DUST_ACCEPTOR_H
#define DUST_ACCEPTOR_H

struct event_base;

/*
 * The programs' one accept loop, on libevent: it accepts the connections
 * waiting on a listening socket and hands each to a callback.  When the
 * process (or the system) is out of descriptors or memory (EMFILE,
 * ENFILE, ENOBUFS, ENOMEM) it stops watching the socket for
 * ACCEPTOR_PAUSE_MS (or until acceptor_wake), rather than being woken
 * again at once for the connection it cannot take, and logs one line for
 * each such episode, not one for each failed accept.
 */

/* How long accepting pauses when out of descriptors or memory. */
#define ACCEPTOR_PAUSE_MS	250

/* Connections accepted at most before other events run. */
#define ACCEPTOR_BATCH		64

struct acceptor;

/**
 * acceptor_new(base, lfd, name, cb, cookie):
 * Accept connections on the non-blocking listening socket ${lfd} on
 * ${base}, calling cb(${cookie}, fd) with each (non-blocking, close on
 * exec, TCP_NODELAY on TCP; the callback owns it).  ${name}, if not NULL,
 * says in log lines what listens ("port id 3").  The socket stays the
 * caller's.  Return the acceptor, or NULL on error.
 */
struct acceptor * acceptor_new(struct event_base *, int, const char *,
    void (*)(void *, int), void *);

/**
 * acceptor_hold(a):
 * Stop accepting (a program's own limit is reached; the callback may call
 * this), until acceptor_release.
 */
void acceptor_hold(struct acceptor *);

/**
 * acceptor_release(a):
 * Accept again after acceptor_hold (unless out of descriptors: then once
 * the pause ends).
 */
void acceptor_release(struct acceptor *);

/**
 * acceptor_wake(a):
 * A descriptor was closed: if accepting pauses for want of descriptors,
 * try again now instead of at the end of the pause.
 */
void acceptor_wake(struct acceptor *);

/**
 * acceptor_free(a):
 * Stop accepting and free ${a}; the listening socket is not closed.
 */
void acceptor_free(struct acceptor *);

#endif /* !DUST_ACCEPTOR_H */
