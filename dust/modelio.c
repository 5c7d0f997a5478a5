#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/skein.h"
#include "dust/invite.h"
#include "dust/model.h"
#include "fileread.h"
#include "warnp.h"

#include "format/format.h"
#include "modelio.h"

/* Largest model file read. */
#define MODEL_FILE_MAX	(64 * 1024 * 1024)

/* Where make install puts the shipped models. */
#ifndef DUST_MODELDIR
#define DUST_MODELDIR	"/usr/local/share/dust/models"
#endif

/**
 * modelio_text(model, len):
 * Return the JSON text of ${model}: the file of that path, else the
 * built-in model of that name (malloc'd, ${len} bytes, NUL-terminated), or
 * NULL after printing what was wrong.
 */
char *
modelio_text(const char * model, size_t * len)
{
	const char * builtin;
	struct stat sb;
	char * buf;

	if (stat(model, &sb) == -1 && errno == ENOENT) {
		if (strchr(model, '/') == NULL &&
		    (builtin = dust_model_builtin_json(model)) != NULL) {
			*len = strlen(builtin);
			if ((buf = strdup(builtin)) == NULL)
				warn0("out of memory");
			return (buf);
		}
		warn0("%s: neither a model file nor a built-in model", model);
		return (NULL);
	}
	return (fileread(model, MODEL_FILE_MAX, len));
}

/**
 * modelio_load(model):
 * Load ${model} (a path or a built-in name) with the shape loader.  Return
 * it, or NULL after printing the loader's message.
 */
struct dust_model *
modelio_load(const char * model)
{
	struct dust_model * m;
	char err[256];
	size_t len;
	char * text;

	if ((text = modelio_text(model, &len)) == NULL)
		return (NULL);
	if ((m = dust_model_parse(text, len, err, sizeof(err))) == NULL)
		warn0("%s: %s", model, err);
	free(text);
	return (m);
}

/**
 * modelio_check(model):
 * Return 0 if ${model} loads, else -1 after printing why not.
 */
int
modelio_check(const char * model)
{
	struct dust_model * m;

	if ((m = modelio_load(model)) == NULL)
		return (-1);
	dust_model_free(m);
	return (0);
}

static struct dust_model * ref_load(const struct modelio_ref *, char *,
    size_t);

/*
 * with_option(text, opt, why, whylen): the model field ${text} is a named
 * model, then at ${opt} ";sni=HOST": the server_name its TLS format's
 * ClientHello carries (dust invite --sni), the same for the client and
 * the server that load the invite.  Return the model, or NULL with what is
 * wrong in ${why}.
 */
static struct dust_model *
with_option(const char * text, const char * opt, char * why, size_t whylen)
{
	char name[MODELIO_NAME_MAX + 2 * MODELIO_DIGEST_BYTES + 2], err[256];
	struct dust_model * m;

	if ((size_t)(opt - text) >= sizeof(name)) {
		snprintf(why, whylen, "model field: too long before ';'");
		return (NULL);
	}
	if (strncmp(opt, ";" MODELIO_SNI_OPTION, strlen(MODELIO_SNI_OPTION) +
	    1) != 0) {
		snprintf(why, whylen, "model field: unknown option after ';' "
		    "(only " MODELIO_SNI_OPTION "HOST)");
		return (NULL);
	}
	memcpy(name, text, (size_t)(opt - text));
	name[opt - text] = '\0';
	if ((m = modelio_invite(name, why, whylen)) == NULL)
		return (NULL);
	if (m->format == NULL || format_set_sni(m->format,
	    opt + 1 + strlen(MODELIO_SNI_OPTION), err, sizeof(err))) {
		snprintf(why, whylen, "model field: " MODELIO_SNI_OPTION ": %s",
		    m->format == NULL ? "the model has no TLS format" : err);
		dust_model_free(m);
		return (NULL);
	}
	return (m);
}

/**
 * modelio_invite(text, why, whylen):
 * Load the model an invite carries in its model field ${text}: none (only
 * white space: "uniform"), a model's JSON text (starting with '{'), or a
 * built-in model's name.  Return it, or NULL with the loader's message in
 * ${why}.  This is the one loader of an invite's model: dust client,
 * server and engine use it, and dust invite checks its model with it.
 */
struct dust_model *
modelio_invite(const char * text, char * why, size_t whylen)
{
	struct modelio_ref ref;
	const char * opt;

	while (*text == ' ' || *text == '\t' || *text == '\r' ||
	    *text == '\n')
		text++;
	if (*text == '\0')
		return (dust_model_builtin("uniform", why, whylen));
	if (*text == '{')
		return (dust_model_parse(text, strlen(text), why, whylen));
	if ((opt = strchr(text, ';')) != NULL)
		return (with_option(text, opt, why, whylen));
	if (strchr(text, '@') == NULL)
		return (dust_model_builtin(text, why, whylen));
	if (modelio_ref_parse(&ref, text, why, whylen))
		return (NULL);
	return (ref_load(&ref, why, whylen));
}

/**
 * modelio_dir():
 * Return the directory of installed models: $DUST_MODEL_DIR if set and
 * not empty, else the one make install fills.
 */
const char *
modelio_dir(void)
{
	const char * d = getenv("DUST_MODEL_DIR");

	return (d != NULL && d[0] != '\0' ? d : DUST_MODELDIR);
}

/**
 * modelio_digest(text, len, hex):
 * Write the digest of the ${len} bytes of model text ${text} (the first
 * MODELIO_DIGEST_BYTES of Skein-256-256, in lower-case hex) to ${hex}.
 */
void
modelio_digest(const char * text, size_t len,
    char hex[2 * MODELIO_DIGEST_BYTES + 1])
{
	uint8_t h[32];

	skein256_hash(h, sizeof(h), (const uint8_t *)text, len);
	sodium_bin2hex(hex, 2 * MODELIO_DIGEST_BYTES + 1, h,
	    MODELIO_DIGEST_BYTES);
}

/**
 * modelio_name_ok(name, len):
 * Return 1 if the ${len} bytes at ${name} are a model name (1 to
 * MODELIO_NAME_MAX bytes of letters, digits, '-', '_' and '.', not
 * starting with '.'), else 0.
 */
int
modelio_name_ok(const char * name, size_t len)
{
	size_t i;

	if (len == 0 || len > MODELIO_NAME_MAX || name[0] == '.')
		return (0);
	for (i = 0; i < len; i++)
		if (!(name[i] >= 'a' && name[i] <= 'z') &&
		    !(name[i] >= 'A' && name[i] <= 'Z') &&
		    !(name[i] >= '0' && name[i] <= '9') &&
		    name[i] != '-' && name[i] != '_' && name[i] != '.')
			return (0);
	return (1);
}

/**
 * modelio_ref_parse(ref, text, why, whylen):
 * Parse the reference "NAME@DIGEST" ${text} into ${ref}.  Return 0, or -1
 * with a sentence naming what is wrong in ${why}.
 */
int
modelio_ref_parse(struct modelio_ref * ref, const char * text, char * why,
    size_t whylen)
{
	const char * at = strchr(text, '@');
	size_t nlen, dlen, i;

	if (at == NULL) {
		snprintf(why, whylen, "model reference '%.40s' is not "
		    "NAME@DIGEST", text);
		return (-1);
	}
	nlen = (size_t)(at - text);
	dlen = strlen(at + 1);
	if (!modelio_name_ok(text, nlen)) {
		snprintf(why, whylen, "model reference '%.40s': '%.*s' is "
		    "not a model name (letters, digits, '-', '_', '.')", text,
		    (int)(nlen > 40 ? 40 : nlen), text);
		return (-1);
	}
	for (i = 0; i < dlen; i++)
		if (!((at[1 + i] >= '0' && at[1 + i] <= '9') ||
		    (at[1 + i] >= 'a' && at[1 + i] <= 'f')))
			break;
	if (dlen != 2 * MODELIO_DIGEST_BYTES || i < dlen) {
		snprintf(why, whylen, "model reference '%.40s': the digest "
		    "after '@' is not %d lower-case hex digits", text,
		    2 * MODELIO_DIGEST_BYTES);
		return (-1);
	}
	memcpy(ref->name, text, nlen);
	ref->name[nlen] = '\0';
	memcpy(ref->digest, at + 1, dlen + 1);
	return (0);
}

/*
 * ref_text(ref, len, why, whylen): the text of the model ${ref} names, as
 * this host holds it (built in, or installed: modelio_dir()/NAME.json),
 * malloc'd, ${len} bytes.  Return it, or NULL with a sentence in ${why}.
 */
static char *
ref_text(const struct modelio_ref * ref, size_t * len, char * why,
    size_t whylen)
{
	char path[4096], hex[2 * MODELIO_DIGEST_BYTES + 1];
	const char * builtin;
	char * text;

	if ((builtin = dust_model_builtin_json(ref->name)) != NULL) {
		modelio_digest(builtin, strlen(builtin), hex);
		if (strcmp(hex, ref->digest) == 0) {
			*len = strlen(builtin);
			if ((text = strdup(builtin)) == NULL)
				snprintf(why, whylen, "out of memory");
			return (text);
		}
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.json", modelio_dir(),
	    ref->name) >= sizeof(path)) {
		snprintf(why, whylen, "model directory name too long");
		return (NULL);
	}
	if (access(path, F_OK) != 0) {
		snprintf(why, whylen, "model %s@%s is not installed here "
		    "(no %s): install the shipped models (make install), set "
		    "DUST_MODEL_DIR, or use an invite that embeds the model",
		    ref->name, ref->digest, path);
		return (NULL);
	}
	if ((text = fileread(path, MODEL_FILE_MAX, len)) == NULL) {
		snprintf(why, whylen, "cannot read %s", path);
		return (NULL);
	}
	modelio_digest(text, *len, hex);
	if (strcmp(hex, ref->digest) != 0) {
		snprintf(why, whylen, "the invite's model %s@%s differs from "
		    "the one installed here (%s has digest %s): the server "
		    "and this host hold different versions", ref->name,
		    ref->digest, path, hex);
		free(text);
		return (NULL);
	}
	return (text);
}

/* ref_load(ref, why, whylen): load the model ${ref} names. */
static struct dust_model *
ref_load(const struct modelio_ref * ref, char * why, size_t whylen)
{
	struct dust_model * m;
	size_t len;
	char * text;

	if ((text = ref_text(ref, &len, why, whylen)) == NULL)
		return (NULL);
	m = dust_model_parse(text, len, why, whylen);
	free(text);
	return (m);
}

/**
 * modelio_ref_find(name, text, len, ref):
 * Find whether a peer can hold the model text ${text} (${len} bytes)
 * whose file or built-in name is ${name}: a built-in model of that name
 * with that text, or an installed model (modelio_dir()/NAME.json) with
 * that text.  Return 1 with ${ref} filled (its digest the text's), or 0 if
 * the model must be embedded.
 */
int
modelio_ref_find(const char * name, const char * text, size_t len,
    struct modelio_ref * ref)
{
	struct modelio_ref want;
	char why[512];
	size_t hlen, nlen = strlen(name);
	char * held;
	int same;

	if (!modelio_name_ok(name, nlen))
		return (0);
	memcpy(want.name, name, nlen + 1);
	modelio_digest(text, len, want.digest);
	if ((held = ref_text(&want, &hlen, why, sizeof(why))) == NULL)
		return (0);
	same = (hlen == len && memcmp(held, text, len) == 0);
	free(held);
	if (same)
		*ref = want;
	return (same);
}

/*
 * file_text(path, len, why, whylen): the text of the model file ${path}
 * (${len} bytes), or NULL with a sentence in ${why}.
 */
static char *
file_text(const char * path, size_t * len, char * why, size_t whylen)
{
	char * text;

	if ((text = fileread(path, INVITE_MODEL_MAX, len)) == NULL) {
		snprintf(why, whylen, "cannot read the model file %s", path);
		return (NULL);
	}
	if (strlen(text) != *len) {
		snprintf(why, whylen, "model file %s holds a NUL byte: not "
		    "text", path);
		free(text);
		return (NULL);
	}
	if (text[strspn(text, " \t\r\n")] != '{') {
		snprintf(why, whylen, "model file %s is not a model: its text "
		    "is no JSON object", path);
		free(text);
		return (NULL);
	}
	return (text);
}

/*
 * file_name(path, name): the model name of the file ${path}: its base
 * name without ".json", into ${name} (MODELIO_NAME_MAX + 1 bytes; "" if
 * it is no model name).
 */
static void
file_name(const char * path, char * name)
{
	const char * base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t len = strlen(base);

	if (len > 5 && strcmp(base + len - 5, ".json") == 0)
		len -= 5;
	name[0] = '\0';
	if (modelio_name_ok(base, len)) {
		memcpy(name, base, len);
		name[len] = '\0';
	}
}

/**
 * modelio_field(arg, embedded, why, whylen):
 * Return the invite's model field for the model ${arg} (a built-in or an
 * installed model's name, or a model file), malloc'd: a model the peer
 * holds (built in, or installed with the same text) is named, NAME@DIGEST
 * (a built-in name alone stays a name, as older invites wrote it); any
 * other model file is embedded whole (*${embedded} = 1).  Return NULL with
 * a sentence in ${why} if ${arg} is none of these.
 */
char *
modelio_field(const char * arg, int * embedded, char * why, size_t whylen)
{
	struct modelio_ref ref;
	char name[MODELIO_NAME_MAX + 1], field[2 * MODELIO_NAME_MAX];
	struct stat sb;
	char * text, path[4096];
	size_t len;

	*embedded = 0;
	if (stat(arg, &sb) == 0 && S_ISREG(sb.st_mode)) {
		if ((text = file_text(arg, &len, why, whylen)) == NULL)
			return (NULL);
		file_name(arg, name);
		if (!modelio_ref_find(name, text, len, &ref)) {
			*embedded = 1;
			return (text);
		}
		free(text);
	} else if (dust_model_builtin_json(arg) != NULL) {
		if ((text = strdup(arg)) == NULL)
			snprintf(why, whylen, "out of memory");
		return (text);
	} else if (modelio_name_ok(arg, strlen(arg))) {
		snprintf(path, sizeof(path), "%s/%s.json", modelio_dir(), arg);
		if (access(path, F_OK) != 0) {
			snprintf(why, whylen, "model: no built-in model "
			    "\"%s\", no model file, no installed model (%s)",
			    arg, path);
			return (NULL);
		}
		if ((text = file_text(path, &len, why, whylen)) == NULL)
			return (NULL);
		(void)modelio_ref_find(arg, text, len, &ref);
		free(text);
	} else {
		snprintf(why, whylen, "neither a model file nor a model "
		    "name");
		return (NULL);
	}
	snprintf(field, sizeof(field), "%s@%s", ref.name, ref.digest);
	if ((text = strdup(field)) == NULL)
		snprintf(why, whylen, "out of memory");
	return (text);
}
