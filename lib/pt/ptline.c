#include <string.h>

#include "pt.h"
#include "ptaddr.h"
#include "ptargs.h"
#include "ptline.h"

/* A line being written; ${bad} once anything did not fit or was wrong. */
struct line {
	char * buf;
	size_t len, cap;
	int bad;
};

/* Append ${n} bytes. */
static void
raw(struct line * l, const char * s, size_t n)
{

	if (l->bad || n >= l->cap - l->len) {
		l->bad = 1;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/* Append the string ${s}. */
static void
str(struct line * l, const char * s)
{

	raw(l, s, strlen(s));
}

/* Append a transport name, checked. */
static void
name(struct line * l, const char * s)
{

	if (!pt_name_valid(s, strlen(s)))
		l->bad = 1;
	str(l, s);
}

/* Append free text: bytes outside ' '..'~' become '?'. */
static void
text(struct line * l, const char * s)
{

	for (; *s != '\0'; s++)
		raw(l, (*s >= ' ' && *s <= '~') ? s : "?", 1);
}

/* Append ${s} as a CString: "...", escaped. */
static void
cstring(struct line * l, const char * s)
{
	const unsigned char * p;
	char oct[4];

	raw(l, "\"", 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			raw(l, "\\", 1);
			raw(l, (const char *)p, 1);
		} else if (*p == '\n' || *p == '\r' || *p == '\t') {
			raw(l, *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : "\\t",
			    2);
		} else if (*p < ' ' || *p > '~') {
			oct[0] = '\\';
			oct[1] = (char)('0' + (*p >> 6));
			oct[2] = (char)('0' + ((*p >> 3) & 7));
			oct[3] = (char)('0' + (*p & 7));
			raw(l, oct, 4);
		} else {
			raw(l, (const char *)p, 1);
		}
	}
	raw(l, "\"", 1);
}

/* Is every byte of ${s} in '!'..'~' and not in ${not}?  (Empty: ${empty}.) */
static int
plain(const char * s, const char * not, int empty)
{

	if (*s == '\0')
		return (empty);
	for (; *s != '\0'; s++)
		if (*s < '!' || *s > '~' || strchr(not, *s) != NULL)
			return (0);
	return (1);
}

/* End the line with its newline and NUL; return its length or -1. */
static int
end(struct line * l)
{

	raw(l, "\n", 1);
	if (l->bad || l->len > (size_t)0x7fffffff)
		return (-1);
	l->buf[l->len] = '\0';
	return ((int)l->len);
}

/* Start a line in ${buf} (${len} bytes) with ${keyword}. */
static struct line
start(char * buf, size_t len, const char * keyword)
{
	struct line l = { buf, 0, len, len == 0 };

	str(&l, keyword);
	return (l);
}

/**
 * ptline_version(buf, len):
 * "VERSION 1".
 */
int
ptline_version(char * buf, size_t len)
{
	struct line l = start(buf, len, "VERSION 1");

	return (end(&l));
}

/**
 * ptline_error(buf, len, err):
 * The line ${err} is reported on: "ENV-ERROR msg", "VERSION-ERROR msg",
 * "PROXY-ERROR msg", "CMETHOD-ERROR transport msg" or "SMETHOD-ERROR
 * transport msg" (-1 for PT_ERR_NONE).
 */
int
ptline_error(char * buf, size_t len, const struct pt_error * err)
{
	static const char * keyword[] = { NULL, "ENV-ERROR", "VERSION-ERROR",
	    "PROXY-ERROR", "CMETHOD-ERROR", "SMETHOD-ERROR" };
	struct line l;

	if (err->line <= PT_ERR_NONE || err->line > PT_ERR_SMETHOD)
		return (-1);
	l = start(buf, len, keyword[err->line]);
	if (err->line == PT_ERR_CMETHOD || err->line == PT_ERR_SMETHOD) {
		str(&l, " ");
		name(&l, err->transport);
	}
	str(&l, " ");
	text(&l, err->msg[0] != '\0' ? err->msg : "error");
	return (end(&l));
}

/**
 * ptline_proxy_done(buf, len), ptline_cmethods_done(buf, len),
 * ptline_smethods_done(buf, len):
 * "PROXY DONE", "CMETHODS DONE", "SMETHODS DONE".
 */
int
ptline_proxy_done(char * buf, size_t len)
{
	struct line l = start(buf, len, "PROXY DONE");

	return (end(&l));
}

int
ptline_cmethods_done(char * buf, size_t len)
{
	struct line l = start(buf, len, "CMETHODS DONE");

	return (end(&l));
}

int
ptline_smethods_done(char * buf, size_t len)
{
	struct line l = start(buf, len, "SMETHODS DONE");

	return (end(&l));
}

/**
 * ptline_cmethod(buf, len, transport, socks, addr):
 * "CMETHOD transport socks5 addr:port" (${socks}: "socks4" or "socks5").
 */
int
ptline_cmethod(char * buf, size_t len, const char * transport,
    const char * socks, const struct ptaddr * addr)
{
	struct line l = start(buf, len, "CMETHOD ");
	char a[PTADDR_TEXTMAX];

	name(&l, transport);
	if (strcmp(socks, "socks4") && strcmp(socks, "socks5"))
		l.bad = 1;
	str(&l, " ");
	str(&l, socks);
	str(&l, " ");
	str(&l, ptaddr_format(addr, a));
	return (end(&l));
}

/* Append ${s} with '\\', '=' and ',' escaped (SMETHOD's ARGS). */
static void
smethod_escaped(struct line * l, const char * s)
{

	if (!plain(s, "", 1))
		l->bad = 1;
	for (; *s != '\0'; s++) {
		if (strchr("\\=,", *s) != NULL)
			raw(l, "\\", 1);
		raw(l, s, 1);
	}
}

/**
 * ptline_smethod(buf, len, transport, addr, args):
 * "SMETHOD transport addr:port", then " ARGS:k=v,k=v" if ${args} is not
 * NULL and not empty (keys and values of bytes '!'..'~' only).
 */
int
ptline_smethod(char * buf, size_t len, const char * transport,
    const struct ptaddr * addr, const struct ptargs * args)
{
	struct line l = start(buf, len, "SMETHOD ");
	char a[PTADDR_TEXTMAX];
	size_t i;

	name(&l, transport);
	str(&l, " ");
	str(&l, ptaddr_format(addr, a));
	for (i = 0; args != NULL && i < args->n; i++) {
		str(&l, i == 0 ? " ARGS:" : ",");
		smethod_escaped(&l, ptargs_key(args, i));
		str(&l, "=");
		smethod_escaped(&l, ptargs_value(args, i));
	}
	return (end(&l));
}

/**
 * ptline_log(buf, len, severity, msg):
 * "LOG SEVERITY=notice MESSAGE="msg"".
 */
int
ptline_log(char * buf, size_t len, enum ptlog_severity severity,
    const char * msg)
{
	static const char * names[] = { "error", "warning", "notice", "info",
	    "debug" };
	struct line l = start(buf, len, "LOG SEVERITY=");

	if ((int)severity < 0 || severity > PTLOG_DEBUG)
		return (-1);
	str(&l, names[severity]);
	str(&l, " MESSAGE=");
	cstring(&l, msg);
	return (end(&l));
}

/**
 * ptline_status(buf, len, transport, kv):
 * "STATUS TRANSPORT=transport k=v ..." (at least one pair; keys of bytes
 * '!'..'~' but '=', '"', '\'' and '\\'; values quoted where they must be).
 */
int
ptline_status(char * buf, size_t len, const char * transport,
    const struct ptargs * kv)
{
	struct line l = start(buf, len, "STATUS TRANSPORT=");
	size_t i;

	name(&l, transport);
	if (kv->n == 0)
		l.bad = 1;
	for (i = 0; i < kv->n; i++) {
		const char * v = ptargs_value(kv, i);

		if (!plain(ptargs_key(kv, i), "=\"'\\", 0))
			l.bad = 1;
		str(&l, " ");
		str(&l, ptargs_key(kv, i));
		str(&l, "=");
		if (plain(v, "\"'\\", 0))
			str(&l, v);
		else
			cstring(&l, v);
	}
	return (end(&l));
}
