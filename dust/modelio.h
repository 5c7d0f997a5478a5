#ifndef DUST_MODELIO_H
#define DUST_MODELIO_H

#include <stddef.h>

#include "dust/model.h"

/* A model reference's digest: bytes (twice as many hex digits). */
#define MODELIO_DIGEST_BYTES	16
/* The model field's one option: the TLS server_name (dust invite --sni). */
#define MODELIO_SNI_OPTION	"sni="

/* Longest model name. */
#define MODELIO_NAME_MAX	64

/*
 * A model named by reference in an invite or a bridge line: "NAME@DIGEST",
 * the model this host holds built in or installed under NAME whose text
 * has that digest (docs/protocol.md, "Invites").
 */
struct modelio_ref {
	char name[MODELIO_NAME_MAX + 1];
	char digest[2 * MODELIO_DIGEST_BYTES + 1];
};

/* Longest required prefix a learned model gets. */
#define MODELIO_PREFIX_MAX	DUST_PREFIX_MAX

/**
 * modelio_text(model, len):
 * Return the JSON text of ${model}: the file of that path, else the
 * built-in model of that name (malloc'd, ${len} bytes, NUL-terminated), or
 * NULL after printing what was wrong.
 */
char * modelio_text(const char *, size_t *);

/**
 * modelio_load(model):
 * Load ${model} (a path or a built-in name) with the shape loader.  Return
 * it, or NULL after printing the loader's message.
 */
struct dust_model * modelio_load(const char *);

/**
 * modelio_check(model):
 * Return 0 if ${model} loads, else -1 after printing why not.
 */
int modelio_check(const char *);

/**
 * modelio_invite(text, why, whylen):
 * Load the model an invite carries in its model field ${text}: none (only
 * white space: "uniform"), a model's JSON text (starting with '{'), a
 * reference NAME@DIGEST to a model built in or installed here, or a
 * built-in model's name; either of the last two may end in ";sni=HOST",
 * the server_name of its TLS format's ClientHello.  Return it, or NULL with the loader's message in
 * ${why}.  This is the one loader of an invite's model: dust client,
 * server and engine use it, and dust invite checks its model with it.
 */
struct dust_model * modelio_invite(const char *, char *, size_t);

/**
 * modelio_dir():
 * Return the directory of installed models: $DUST_MODEL_DIR if set and
 * not empty, else the one make install fills.
 */
const char * modelio_dir(void);

/**
 * modelio_digest(text, len, hex):
 * Write the digest of the ${len} bytes of model text ${text} (the first
 * MODELIO_DIGEST_BYTES of Skein-256-256, in lower-case hex) to ${hex}.
 */
void modelio_digest(const char *, size_t, char[2 * MODELIO_DIGEST_BYTES + 1]);

/**
 * modelio_name_ok(name, len):
 * Return 1 if the ${len} bytes at ${name} are a model name (1 to
 * MODELIO_NAME_MAX bytes of letters, digits, '-', '_' and '.', not
 * starting with '.'), else 0.
 */
int modelio_name_ok(const char *, size_t);

/**
 * modelio_ref_parse(ref, text, why, whylen):
 * Parse the reference "NAME@DIGEST" ${text} into ${ref}.  Return 0, or -1
 * with a sentence naming what is wrong in ${why}.
 */
int modelio_ref_parse(struct modelio_ref *, const char *, char *, size_t);

/**
 * modelio_ref_find(name, text, len, ref):
 * Find whether a peer can hold the model text ${text} (${len} bytes)
 * whose file or built-in name is ${name}: a built-in model of that name
 * with that text, or an installed model (modelio_dir()/NAME.json) with
 * that text.  Return 1 with ${ref} filled (its digest the text's), or 0 if
 * the model must be embedded.
 */
int modelio_ref_find(const char *, const char *, size_t,
    struct modelio_ref *);

/**
 * modelio_field(arg, embedded, why, whylen):
 * Return the invite's model field for the model ${arg} (a built-in or an
 * installed model's name, or a model file), malloc'd: a model the peer
 * holds (built in, or installed with the same text) is named, NAME@DIGEST
 * (a built-in name alone stays a name, as older invites wrote it); any
 * other model file is embedded whole (*${embedded} = 1).  Return NULL with
 * a sentence in ${why} if ${arg} is none of these.
 */
char * modelio_field(const char *, int *, char *, size_t);

#endif /* !DUST_MODELIO_H */
