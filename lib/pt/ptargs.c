#include <stdint.h>
#include <string.h>

#include "pt.h"
#include "ptargs.h"

/**
 * ptargs_init(a):
 * Make ${a} an empty list.
 */
void
ptargs_init(struct ptargs * a)
{

	a->n = 0;
	a->used = 0;
}

/**
 * ptargs_key(a, i), ptargs_value(a, i):
 * Return the key (value) of argument ${i} (< ${a}->n) of ${a}.
 */
const char *
ptargs_key(const struct ptargs * a, size_t i)
{

	return (a->buf + a->pair[i].key);
}

const char *
ptargs_value(const struct ptargs * a, size_t i)
{

	return (a->buf + a->pair[i].value);
}

/**
 * ptargs_get(a, key):
 * Return the value of ${key} in ${a}, or NULL if it has none.
 */
const char *
ptargs_get(const struct ptargs * a, const char * key)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(ptargs_key(a, i), key) == 0)
			return (ptargs_value(a, i));
	return (NULL);
}

/* Copy ${len} bytes and a NUL into ${a}->buf; return their offset. */
static uint16_t
put(struct ptargs * a, const char * s, size_t len)
{
	uint16_t at = (uint16_t)a->used;

	memcpy(a->buf + a->used, s, len);
	a->buf[a->used + len] = '\0';
	a->used += len + 1;
	return (at);
}

/**
 * ptargs_add(a, key, klen, value, vlen, err):
 * Append the argument ${key}=${value} (${klen} and ${vlen} bytes) to ${a}.
 * Return 0 on success, or -1 with ${err} (if not NULL) naming the fault:
 * an empty key, a key given twice, a NUL byte, too many arguments.
 */
int
ptargs_add(struct ptargs * a, const char * key, size_t klen,
    const char * value, size_t vlen, struct pt_error * err)
{
	size_t i;

	if (klen == 0)
		return (pt_error_set(err, PT_ERR_NONE, NULL,
		    "an argument has an empty key"));
	if (memchr(key, '\0', klen) || memchr(value, '\0', vlen))
		return (pt_error_set(err, PT_ERR_NONE, NULL,
		    "a NUL byte in argument \"%.*s\"",
		    (int)(klen < 32 ? klen : 32), key));
	for (i = 0; i < a->n; i++) {
		const char * k = ptargs_key(a, i);

		if (strlen(k) == klen && memcmp(k, key, klen) == 0)
			return (pt_error_set(err, PT_ERR_NONE, NULL,
			    "key \"%.*s\" given twice",
			    (int)(klen < 32 ? klen : 32), key));
	}
	if (a->n == PTARGS_MAXPAIRS)
		return (pt_error_set(err, PT_ERR_NONE, NULL,
		    "more than %d arguments", PTARGS_MAXPAIRS));
	if (klen + vlen + 2 > PTARGS_BUFLEN - a->used)
		return (pt_error_set(err, PT_ERR_NONE, NULL,
		    "arguments longer than %d bytes", PTARGS_BUFLEN));
	a->pair[a->n].key = put(a, key, klen);
	a->pair[a->n].value = put(a, value, vlen);
	a->n++;
	return (0);
}

/*
 * Decode the escaped token at ${s}[*${pos}] up to an unescaped byte of
 * ${stops} (left at *${pos}) or the end, into ${out} (PTARGS_BUFLEN
 * bytes), *${outlen} bytes.  Return 0, or -1 with ${err} set.
 */
static int
token(const char * s, size_t len, size_t * pos, const char * stops,
    char * out, size_t * outlen, struct pt_error * err)
{
	size_t i = *pos;

	*outlen = 0;
	for (; i < len && (s[i] == '\0' || strchr(stops, s[i]) == NULL);
	    i++) {
		if (s[i] == '\\' && ++i == len)
			return (pt_error_set(err, PT_ERR_NONE, NULL,
			    "a backslash at the end escapes nothing"));
		if (*outlen == PTARGS_BUFLEN)
			return (pt_error_set(err, PT_ERR_NONE, NULL,
			    "an argument longer than %d bytes",
			    PTARGS_BUFLEN));
		out[(*outlen)++] = s[i];
	}
	*pos = i;
	return (0);
}

/*
 * Read "key=value" at ${s}[*${pos}], value up to an unescaped ';' or the
 * end, then the ';' if any; an empty item or a ';' at the end is an
 * error.  Return 0, or -1 with ${err} set.
 */
static int
keyvalue(const char * s, size_t len, size_t * pos, char * key,
    size_t * klen, char * value, size_t * vlen, struct pt_error * err)
{
	size_t start = *pos;

	if (token(s, len, pos, "=;", key, klen, err))
		return (-1);
	if (*pos == len || s[*pos] != '=') {
		if (*pos == start)
			return (pt_error_set(err, PT_ERR_NONE, NULL,
			    "an empty argument (\";;\" or ';' first)"));
		return (pt_error_set(err, PT_ERR_NONE, NULL,
		    "argument \"%.*s\" has no '='",
		    (int)(*klen < 32 ? *klen : 32), key));
	}
	(*pos)++;
	if (token(s, len, pos, ";", value, vlen, err))
		return (-1);
	if (*pos < len && ++(*pos) == len)
		return (pt_error_set(err, PT_ERR_NONE, NULL,
		    "a ';' at the end"));
	return (0);
}

/**
 * ptargs_parse(a, s, len, err):
 * Parse the ${len} bytes at ${s}, "k=v;k=v" with backslash escapes, into
 * ${a} (empty input: no arguments).  Return 0 on success, or -1 with
 * ${err} (if not NULL) naming the fault.
 */
int
ptargs_parse(struct ptargs * a, const char * s, size_t len,
    struct pt_error * err)
{
	char key[PTARGS_BUFLEN], value[PTARGS_BUFLEN];
	size_t pos = 0, klen, vlen;

	ptargs_init(a);
	while (pos < len) {
		if (keyvalue(s, len, &pos, key, &klen, value, &vlen, err) ||
		    ptargs_add(a, key, klen, value, vlen, err))
			return (-1);
	}
	return (0);
}

/**
 * ptargs_from_socks5_auth(a, uname, ulen, passwd, plen, err):
 * Parse per-bridge arguments from the RFC 1929 username and password tor
 * sent: their concatenation, without a password that is one NUL byte
 * (what tor sends when the arguments fit in the username).  Return 0 on
 * success, or -1 with ${err} (if not NULL) naming the fault.
 */
int
ptargs_from_socks5_auth(struct ptargs * a, const uint8_t * uname,
    size_t ulen, const uint8_t * passwd, size_t plen, struct pt_error * err)
{
	char joined[PTARGS_SOCKS_MAX];

	ptargs_init(a);
	if (plen == 1 && passwd[0] == '\0')
		plen = 0;
	if (ulen > PTARGS_SOCKS_MAX - plen || plen > PTARGS_SOCKS_MAX)
		return (pt_error_set(err, PT_ERR_NONE, NULL,
		    "per-bridge arguments longer than %d bytes",
		    PTARGS_SOCKS_MAX));
	if (ulen > 0)
		memcpy(joined, uname, ulen);
	if (plen > 0)
		memcpy(joined + ulen, passwd, plen);
	return (ptargs_parse(a, joined, ulen + plen, err));
}

/* Append ${s} to ${out} with ${special} escaped; 0, or -1 if no room. */
static int
escape(const char * s, const char * special, char * out, size_t outlen,
    size_t * len)
{

	for (; *s != '\0'; s++) {
		if (strchr(special, *s) != NULL) {
			if (*len + 1 >= outlen)
				return (-1);
			out[(*len)++] = '\\';
		}
		if (*len + 1 >= outlen)
			return (-1);
		out[(*len)++] = *s;
	}
	return (0);
}

/**
 * ptargs_encode(a, out, outlen, len):
 * Write ${a} as "k=v;k=v", '\\', '=' and ';' escaped, NUL-terminated,
 * into ${out} (${outlen} bytes); *${len} is its length.  Return 0 on
 * success, or -1 if it does not fit.
 */
int
ptargs_encode(const struct ptargs * a, char * out, size_t outlen,
    size_t * len)
{
	size_t i;

	*len = 0;
	if (outlen == 0)
		return (-1);
	for (i = 0; i < a->n; i++) {
		if ((i > 0 && escape(";", "", out, outlen, len)) ||
		    escape(ptargs_key(a, i), "\\=;", out, outlen, len) ||
		    escape("=", "", out, outlen, len) ||
		    escape(ptargs_value(a, i), "\\=;", out, outlen, len))
			return (-1);
	}
	out[*len] = '\0';
	return (0);
}

/*
 * Read one "transport:k=v" item of TOR_PT_SERVER_TRANSPORT_OPTIONS at
 * ${s}[*${pos}]; add its option to ${a} if it is for ${transport}.
 * Return 0, or -1 with ${err} set.
 */
static int
option_item(struct ptargs * a, const char * s, size_t len, size_t * pos,
    const char * transport, struct pt_error * err)
{
	char name[PTARGS_BUFLEN], key[PTARGS_BUFLEN], value[PTARGS_BUFLEN];
	size_t nlen, klen, vlen;

	if (token(s, len, pos, ":;", name, &nlen, err))
		return (-1);
	if (*pos == len || s[*pos] != ':')
		return (pt_error_set(err, PT_ERR_NONE, NULL,
		    "item \"%.*s\" has no ':' after a transport name",
		    (int)(nlen < 32 ? nlen : 32), name));
	if (!pt_name_valid(name, nlen))
		return (pt_error_set(err, PT_ERR_NONE, NULL,
		    "\"%.*s\" is not a transport name",
		    (int)(nlen < 32 ? nlen : 32), name));
	(*pos)++;
	if (keyvalue(s, len, pos, key, &klen, value, &vlen, err))
		return (-1);
	if (klen == 0)
		return (pt_error_set(err, PT_ERR_NONE, NULL,
		    "an option of %.*s has an empty key", (int)nlen, name));
	if (strlen(transport) != nlen || memcmp(transport, name, nlen) != 0)
		return (0);
	return (ptargs_add(a, key, klen, value, vlen, err));
}

/**
 * ptargs_options_parse(a, s, len, transport, err):
 * Parse the ${len} bytes at ${s} as TOR_PT_SERVER_TRANSPORT_OPTIONS; put
 * the options given for ${transport} into ${a} (emptied first).  Every
 * item is checked, whichever its transport.  Return 0 on success, or -1
 * with ${err} (if not NULL) naming the fault.
 */
int
ptargs_options_parse(struct ptargs * a, const char * s, size_t len,
    const char * transport, struct pt_error * err)
{
	size_t pos = 0;

	ptargs_init(a);
	while (pos < len)
		if (option_item(a, s, len, &pos, transport, err))
			return (-1);
	return (0);
}
