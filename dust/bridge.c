/*
 * Bridge lines and per-bridge arguments: an invite in the form tor's
 * Bridge lines and the Pluggable Transports interface carry it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dust/invite.h"
#include "pt/ptargs.h"

#include "bridge.h"
#include "modelio.h"

/*
 * model_ok(m, why): check a model= argument's form: a name or NAME@DIGEST,
 * then perhaps ";sni=HOST" (the server_name of a TLS format; the model's
 * loader checks the host).
 */
static int
model_ok(const char * m, char * why)
{
	struct modelio_ref ref;
	char buf[INVITE_WHY_MAX], name[INVITE_WHY_MAX];
	const char * opt;

	if ((opt = strchr(m, ';')) != NULL) {
		if (strncmp(opt + 1, MODELIO_SNI_OPTION,
		    strlen(MODELIO_SNI_OPTION)) != 0 ||
		    (size_t)(opt - m) >= sizeof(name)) {
			snprintf(why, INVITE_WHY_MAX, "model=%.40s: after ';' "
			    "only " MODELIO_SNI_OPTION "HOST", m);
			return (-1);
		}
		memcpy(name, m, (size_t)(opt - m));
		name[opt - m] = '\0';
		return (model_ok(name, why));
	}
	if (strchr(m, '@') != NULL) {
		if (modelio_ref_parse(&ref, m, buf, sizeof(buf)) == 0)
			return (0);
		snprintf(why, INVITE_WHY_MAX, "model=: %.110s", buf);
		return (-1);
	}
	if (!modelio_name_ok(m, strlen(m))) {
		snprintf(why, INVITE_WHY_MAX, "model=%.40s is neither "
		    "NAME@DIGEST nor a built-in model's name", m);
		return (-1);
	}
	return (0);
}

/**
 * bridge_invite(inv, addr, args, why):
 * Make ${inv} (free it with invite_free) for the bridge at ${addr}
 * ("192.0.2.1:443" or "[2001:db8::1]:443") with the per-bridge arguments
 * ${args}.  Return 0, or -1 with a sentence naming what is wrong in
 * ${why} (INVITE_WHY_MAX bytes).
 */
int
bridge_invite(struct dust_invite * inv, const char * addr,
    const struct ptargs * args, char * why)
{
	struct dust_invite made;
	const char * key = NULL, * model = "", * k;
	size_t i, binlen;
	char * text;
	int rc;

	memset(inv, 0, sizeof(*inv));
	memset(&made, 0, sizeof(made));
	for (i = 0; i < args->n; i++) {
		k = ptargs_key(args, i);
		if (strcmp(k, "key") == 0)
			key = ptargs_value(args, i);
		else if (strcmp(k, "model") == 0)
			model = ptargs_value(args, i);
		else {
			snprintf(why, INVITE_WHY_MAX, "unknown argument "
			    "'%.40s' (a dust bridge takes key= and model=)",
			    k);
			return (-1);
		}
	}
	if (key == NULL) {
		snprintf(why, INVITE_WHY_MAX, "no key= argument (the "
		    "server's public key)");
		return (-1);
	}
	if (strlen(key) != BRIDGE_KEY_CHARS ||
	    sodium_base642bin(made.pubkey, 32, key, strlen(key), NULL,
	    &binlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    binlen != 32) {
		snprintf(why, INVITE_WHY_MAX, "key=%.50s is not %d characters "
		    "of base64url (a 32-byte public key): mistyped?", key,
		    BRIDGE_KEY_CHARS);
		return (-1);
	}
	if (model[0] != '\0' && model_ok(model, why))
		return (-1);
	if (invite_set_address(&made, addr, why))
		return (-1);
	made.model = (char *)(uintptr_t)model;

	/* Through the invite's own checks (a low-order key, ...). */
	if ((text = invite_format(&made)) == NULL) {
		snprintf(why, INVITE_WHY_MAX, "out of memory");
		return (-1);
	}
	rc = invite_parse(inv, text, why);
	free(text);
	return (rc);
}

/**
 * bridge_args(inv, args, why):
 * Write the per-bridge arguments of ${inv} (key=, model=) into ${args}.
 * Return 0, or -1 with a sentence in ${why} (INVITE_WHY_MAX bytes) if its
 * model cannot be named in a bridge line (embedded JSON).
 */
int
bridge_args(const struct dust_invite * inv, struct ptargs * args, char * why)
{
	char key[BRIDGE_KEY_CHARS + 1];
	const char * m = inv->model != NULL ? inv->model : "";

	m += strspn(m, " \t\r\n");
	if (m[0] == '{') {
		snprintf(why, INVITE_WHY_MAX, "the model is embedded: a "
		    "bridge line names a model the client holds (installed)");
		return (-1);
	}
	sodium_bin2base64(key, sizeof(key), inv->pubkey, 32,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	ptargs_init(args);
	if (ptargs_add(args, "key", 3, key, strlen(key), NULL) ||
	    (m[0] != '\0' && ptargs_add(args, "model", 5, m, strlen(m),
	    NULL))) {
		snprintf(why, INVITE_WHY_MAX, "model name too long");
		return (-1);
	}
	return (0);
}

/* fp_ok(s, len): nonzero if ${s} is a relay fingerprint (40 hex). */
static int
fp_ok(const char * s, size_t len)
{
	size_t i;

	if (len != BRIDGE_FP_CHARS)
		return (0);
	for (i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return (0);
	return (1);
}

/* word(p, len): the next word of *${p} (moved past it), its length. */
static const char *
word(const char ** p, size_t * len)
{
	const char * s = *p;

	while (*s == ' ' || *s == '\t')
		s++;
	*len = strcspn(s, " \t\r\n");
	*p = s + *len;
	return (*len ? s : NULL);
}

/**
 * bridge_line_parse(inv, fp, text, why):
 * Parse the bridge line ${text} ("Bridge dust ADDRESS:PORT [FINGERPRINT]
 * key=... [model=...]", "Bridge" optional) into ${inv} (free it with
 * invite_free) and its fingerprint into ${fp} (BRIDGE_FP_CHARS + 1 bytes,
 * "" if none).  Return 0, or -1 with a sentence naming what is wrong in
 * ${why} (INVITE_WHY_MAX bytes).
 */
int
bridge_line_parse(struct dust_invite * inv, char * fp, const char * text,
    char * why)
{
	struct ptargs args;
	struct pt_error err;
	char addr[64];
	const char * p = text, * w, * eq;
	size_t len;

	memset(inv, 0, sizeof(*inv));
	fp[0] = '\0';
	if ((w = word(&p, &len)) != NULL && len == 6 &&
	    strncasecmp(w, "Bridge", 6) == 0)
		w = word(&p, &len);
	if (w == NULL || len != strlen(BRIDGE_TRANSPORT) ||
	    memcmp(w, BRIDGE_TRANSPORT, len) != 0) {
		snprintf(why, INVITE_WHY_MAX, "not a dust bridge line: it "
		    "must start with \"Bridge %s\"", BRIDGE_TRANSPORT);
		return (-1);
	}
	if ((w = word(&p, &len)) == NULL || len >= sizeof(addr)) {
		snprintf(why, INVITE_WHY_MAX, "bridge line: %s after \"%s\"",
		    w == NULL ? "no ADDRESS:PORT" : "address too long",
		    BRIDGE_TRANSPORT);
		return (-1);
	}
	memcpy(addr, w, len);
	addr[len] = '\0';
	ptargs_init(&args);
	while ((w = word(&p, &len)) != NULL) {
		if ((eq = memchr(w, '=', len)) == NULL) {
			if (fp[0] == '\0' && args.n == 0 && fp_ok(w, len)) {
				memcpy(fp, w, len);
				fp[len] = '\0';
				continue;
			}
			snprintf(why, INVITE_WHY_MAX, "bridge line: '%.*s' is "
			    "neither a fingerprint (40 hex digits, before the "
			    "arguments) nor key=value", (int)(len > 48 ? 48 :
			    len), w);
			return (-1);
		}
		if (ptargs_add(&args, w, (size_t)(eq - w), eq + 1,
		    len - (size_t)(eq - w) - 1, &err)) {
			snprintf(why, INVITE_WHY_MAX, "bridge line: %.100s",
			    err.msg);
			return (-1);
		}
	}
	return (bridge_invite(inv, addr, &args, why));
}

/**
 * bridge_line_format(inv, fp, buf, why):
 * Write the bridge line of ${inv} with the fingerprint ${fp} (NULL or ""
 * for none) into ${buf} (BRIDGE_LINE_MAX bytes).  Return 0, or -1 with a
 * sentence in ${why} (INVITE_WHY_MAX bytes).
 */
int
bridge_line_format(const struct dust_invite * inv, const char * fp,
    char * buf, char * why)
{
	struct ptargs args;
	char addr[64];
	size_t i, n;

	if (bridge_args(inv, &args, why))
		return (-1);
	n = (size_t)snprintf(buf, BRIDGE_LINE_MAX, "Bridge %s %s%s%s",
	    BRIDGE_TRANSPORT, invite_format_address(inv, addr, sizeof(addr)),
	    fp != NULL && fp[0] ? " " : "", fp != NULL ? fp : "");
	for (i = 0; i < args.n && n < BRIDGE_LINE_MAX; i++)
		n += (size_t)snprintf(buf + n, BRIDGE_LINE_MAX - n, " %s=%s",
		    ptargs_key(&args, i), ptargs_value(&args, i));
	if (n >= BRIDGE_LINE_MAX) {
		snprintf(why, INVITE_WHY_MAX, "bridge line too long");
		return (-1);
	}
	return (0);
}
