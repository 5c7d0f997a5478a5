#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dust/model.h"
#include "fileread.h"
#include "warnp.h"

#include "modelio.h"

/* Largest model file read. */
#define MODEL_FILE_MAX	(64 * 1024 * 1024)

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

	while (*text == ' ' || *text == '\t' || *text == '\r' ||
	    *text == '\n')
		text++;
	if (*text == '\0')
		return (dust_model_builtin("uniform", why, whylen));
	if (*text == '{')
		return (dust_model_parse(text, strlen(text), why, whylen));
	return (dust_model_builtin(text, why, whylen));
}
