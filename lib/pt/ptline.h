#ifndef DUST_PTLINE_H
#define DUST_PTLINE_H

#include <stddef.h>

#include "pt.h"
#include "ptaddr.h"
#include "ptargs.h"

/*
 * The lines a managed transport writes to its parent on stdout
 * (pt-spec.txt, "Pluggable Transport To Parent Process Communication"),
 * each made whole, newline included, into a caller's buffer.  Every
 * function returns the line's length (without the NUL it also writes), or
 * -1 if the line does not fit in ${len} bytes or cannot be written as
 * asked (a transport that is not a name, a STATUS key with a space, ...).
 *
 * Free text (the message of an -ERROR line) is ASCII without NUL or
 * newline: bytes outside ' '..'~' become '?'.  LOG's MESSAGE and STATUS
 * values that need it are written as a control-spec.txt CString:
 * "...", with '"' and '\\' escaped, \n \r \t, and other bytes as \ooo.
 * SMETHOD's ARGS escape '\\', '=' and ',' with a backslash.
 */

enum ptlog_severity {
	PTLOG_ERROR, PTLOG_WARNING, PTLOG_NOTICE, PTLOG_INFO, PTLOG_DEBUG
};

/**
 * ptline_version(buf, len):
 * "VERSION 1".
 */
int ptline_version(char *, size_t);

/**
 * ptline_error(buf, len, err):
 * The line ${err} is reported on: "ENV-ERROR msg", "VERSION-ERROR msg",
 * "PROXY-ERROR msg", "CMETHOD-ERROR transport msg" or "SMETHOD-ERROR
 * transport msg" (-1 for PT_ERR_NONE).
 */
int ptline_error(char *, size_t, const struct pt_error *);

/**
 * ptline_proxy_done(buf, len), ptline_cmethods_done(buf, len),
 * ptline_smethods_done(buf, len):
 * "PROXY DONE", "CMETHODS DONE", "SMETHODS DONE".
 */
int ptline_proxy_done(char *, size_t);
int ptline_cmethods_done(char *, size_t);
int ptline_smethods_done(char *, size_t);

/**
 * ptline_cmethod(buf, len, transport, socks, addr):
 * "CMETHOD transport socks5 addr:port" (${socks}: "socks4" or "socks5").
 */
int ptline_cmethod(char *, size_t, const char *, const char *,
    const struct ptaddr *);

/**
 * ptline_smethod(buf, len, transport, addr, args):
 * "SMETHOD transport addr:port", then " ARGS:k=v,k=v" if ${args} is not
 * NULL and not empty (keys and values of bytes '!'..'~' only).
 */
int ptline_smethod(char *, size_t, const char *, const struct ptaddr *,
    const struct ptargs *);

/**
 * ptline_log(buf, len, severity, msg):
 * "LOG SEVERITY=notice MESSAGE="msg"".
 */
int ptline_log(char *, size_t, enum ptlog_severity, const char *);

/**
 * ptline_status(buf, len, transport, kv):
 * "STATUS TRANSPORT=transport k=v ..." (at least one pair; keys of bytes
 * '!'..'~' but '=', '"', '\'' and '\\'; values quoted where they must be).
 */
int ptline_status(char *, size_t, const char *, const struct ptargs *);

#endif /* !DUST_PTLINE_H */
