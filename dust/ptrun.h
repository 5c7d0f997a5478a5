#ifndef DUST_PTRUN_H
#define DUST_PTRUN_H

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "addr.h"

#include "pt/ptenv.h"
#include "pt/ptline.h"

/*
 * dust pt, a managed transport of the Pluggable Transports interface
 * version 1 (docs/pt.md): what its files share.  pt.c reads the
 * environment and writes the common lines, pt_client.c runs the client
 * role (a SOCKS5 proxy whose connections dust client's sessions carry),
 * pt_server.c the server role (dust server's sessions, each connected to
 * tor's Extended ORPort or ORPort).
 */

/* The one transport dust pt provides. */
#define PTRUN_TRANSPORT		"dust"

/**
 * ptrun_write(line, len):
 * Write the ${len}-byte line ${line} (made by a ptline_* function; -1: none
 * could be made) to stdout at once.
 */
void ptrun_write(const char *, int);

/**
 * ptrun_log(severity, fmt, ...):
 * Write a LOG line with the message made from ${fmt}, and the message to
 * stderr too.
 */
void ptrun_log(enum ptlog_severity, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/**
 * ptrun_error(line, transport, fmt, ...):
 * Write the -ERROR line ${line} (of ${transport}, for the METHOD errors)
 * with the message made from ${fmt}.
 */
void ptrun_error(enum pt_errline, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * ptrun_stdin_watch(env, base):
 * If ${env} asks for it (TOR_PT_EXIT_ON_STDIN_CLOSE=1), end the loop of
 * ${base} when stdin closes.  Return the event made (free it with
 * event_free; NULL if none was asked for), or NULL with errno set.
 */
struct event * ptrun_stdin_watch(const struct ptenv *, struct event_base *);

/**
 * pt_proxy_connect(cookie, conn, to):
 * A tunnel's connect hook: connect ${conn} to ${to} through the proxy
 * ${cookie} (a const struct ptproxy *, SOCKS 5).  Return 0, or -1 if it
 * failed at once.
 */
int pt_proxy_connect(void *, struct bufferevent *, const struct sock_addr *);

/**
 * pt_proxy_drop_all():
 * Drop the connections being made through the proxy (at exit).
 */
void pt_proxy_drop_all(void);

/**
 * pt_client(env):
 * Run the client role for ${env}.  Return the exit code.
 */
int pt_client(const struct ptenv *);

/**
 * pt_server(env):
 * Run the server role for ${env}.  Return the exit code.
 */
int pt_server(const struct ptenv *);

#endif /* !DUST_PTRUN_H */
