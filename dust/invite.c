#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dust/invite.h"
#include "dust/model.h"
#include "dust/seattle.h"

#include "dust.h"
#include "fileread.h"
#include "keyio.h"
#include "modelio.h"
#include "warnp.h"

/* usage(f): invite's options. */
static void
usage(FILE * f)
{

	fprintf(f, "usage: dust invite -k KEYFILE -a ADDRESS:PORT [-m MODEL]\n"
	    "       dust invite --show INVITE|-\n"
	    "Print a one-line invite for the server whose key is in KEYFILE\n"
	    "and that listens on ADDRESS:PORT (192.0.2.1:443, [::1]:8025).\n"
	    "MODEL is a built-in model name, or a model file whose text is\n"
	    "embedded.  --show prints an invite's fields as JSON (- reads\n"
	    "the invite from standard input).\n");
}

/* model_arg(arg): the model text for -m ${arg}, malloc'd, or NULL. */
static char *
model_arg(const char * arg)
{
	struct stat sb;
	char * text;
	size_t len, i;

	if (stat(arg, &sb) == 0 && S_ISREG(sb.st_mode)) {
		if ((text = fileread(arg, INVITE_MODEL_MAX, &len)) != NULL &&
		    strlen(text) != len) {
			warn0("model file %s holds a NUL byte: not text", arg);
			free(text);
			text = NULL;
		} else if (text[strspn(text, " \t\r\n")] != '{') {
			warn0("model file %s is not a model: its text is no "
			    "JSON object", arg);
			free(text);
			text = NULL;
		}
		return (text);
	}

	/* Else a built-in model's name: a short word. */
	len = strlen(arg);
	for (i = 0; i < len; i++)
		if (!(arg[i] >= 'a' && arg[i] <= 'z') &&
		    !(arg[i] >= 'A' && arg[i] <= 'Z') &&
		    !(arg[i] >= '0' && arg[i] <= '9') &&
		    arg[i] != '-' && arg[i] != '_' && arg[i] != '.')
			break;
	if (len == 0 || len > 64 || i < len) {
		warn0("-m %s: neither a model file nor a model name", arg);
		return (NULL);
	}
	return (strdup(arg));
}

/*
 * model_check(arg, text): check that the model text ${text}, which -m
 * ${arg} gave, loads as dust client and server will load it from the
 * invite (modelio_invite).  Return 0, or -1 after a message naming the
 * model and what is wrong with it.
 */
static int
model_check(const char * arg, const char * text)
{
	struct dust_model * m;
	char why[256];

	if ((m = modelio_invite(text, why, sizeof(why))) == NULL) {
		warn0("-m %s: %s", arg, why);
		return (-1);
	}
	dust_model_free(m);
	return (0);
}

/* make(keyfile, addr, model): print an invite.  Return the exit code. */
static int
make(const char * keyfile, const char * addr, const char * model)
{
	struct dust_invite inv, check;
	char why[INVITE_WHY_MAX], * text;
	uint8_t sk[32];
	int rc;

	memset(&inv, 0, sizeof(inv));
	if (invite_set_address(&inv, addr, why) != 0) {
		warn0("-a: %s", why);
		return (1);
	}
	rc = keyio_read(keyfile, sk, inv.pubkey);
	sodium_memzero(sk, sizeof(sk));
	if (rc != 0)
		return (1);
	if (model != NULL && (inv.model = model_arg(model)) == NULL)
		return (1);
	if (model != NULL && model_check(model, inv.model)) {
		free(inv.model);
		return (1);
	}
	if ((text = invite_format(&inv)) == NULL) {
		warnp("cannot make the invite");
		free(inv.model);
		return (1);
	}

	/* Read it back: this also checks that a model file is UTF-8. */
	if (invite_parse(&check, text, why) != 0) {
		warn0("cannot make the invite: %s", why);
		rc = 1;
	} else {
		printf("%s\n", text);
		rc = 0;
	}
	invite_free(&check);
	free(inv.model);
	free(text);
	return (rc);
}

/* show(arg): print the fields of the invite ${arg} as JSON. */
static int
show(const char * arg)
{
	struct dust_invite inv;
	char why[INVITE_WHY_MAX], a[INET6_ADDRSTRLEN], key[65], sidhex[39];
	char * text = NULL, * out;
	uint8_t sid[SEATTLE_SID_MAX];
	size_t len, sidlen;
	json_t * j;
	int rc;

	if (strcmp(arg, "-") == 0) {
		if ((text = fileread_fd(STDIN_FILENO, "standard input",
		    2 * INVITE_MODEL_MAX, &len)) == NULL)
			return (1);
		arg = text;
	}
	rc = invite_parse(&inv, arg, why);
	free(text);
	if (rc != 0) {
		warn0("%s", why);
		return (1);
	}
	inet_ntop(inv.ipv6 ? AF_INET6 : AF_INET, inv.addr, a, sizeof(a));
	sodium_bin2hex(key, sizeof(key), inv.pubkey, 32);
	sidlen = invite_sid(&inv, sid);
	sodium_bin2hex(sidhex, sizeof(sidhex), sid, sidlen);
	j = json_pack("{s:i, s:s, s:i, s:s, s:s, s:s, s:s?}",
	    "version", INVITE_VERSION, "address", a, "port", (int)inv.port,
	    "transport", inv.udp ? "udp" : "tcp", "public_key", key,
	    "sid", sidhex, "model", inv.model[0] ? inv.model : NULL);
	invite_free(&inv);
	if (j == NULL || (out = json_dumps(j, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER)) == NULL) {
		warn0("cannot format JSON");
		json_decref(j);
		return (1);
	}
	printf("%s\n", out);
	free(out);
	json_decref(j);
	return (0);
}

/**
 * cmd_invite(argc, argv):
 * dust invite -k KEYFILE -a ADDRESS:PORT [-m MODEL] | --show INVITE.
 * Return the exit code.
 */
int
cmd_invite(int argc, char ** argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"show", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0}
	};
	const char * keyfile = NULL, * addr = NULL, * model = NULL;
	const char * invite = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "a:hk:m:", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'h':
			usage(stdout);
			return (0);
		case 'k':
			keyfile = optarg;
			break;
		case 'm':
			model = optarg;
			break;
		case 's':
			invite = optarg;
			break;
		default:
			usage(stderr);
			return (1);
		}
	}
	if (optind != argc) {
		warn0("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return (1);
	}
	if (invite != NULL) {
		if (keyfile || addr || model) {
			warn0("--show takes no other option");
			return (1);
		}
		return (show(invite));
	}
	if (keyfile == NULL || addr == NULL) {
		warn0("%s is required", keyfile == NULL ? "-k KEYFILE" :
		    "-a ADDRESS:PORT");
		usage(stderr);
		return (1);
	}
	return (make(keyfile, addr, model));
}
