#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dust/invite.h"
#include "dust/model.h"
#include "dust/seattle.h"

#include "bridge.h"
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
	    "                   [--sni HOST] [--bridge-line [--fingerprint FP]]\n"
	    "       dust invite --show INVITE|BRIDGELINE|-\n"
	    "Print a one-line invite for the server whose key is in KEYFILE\n"
	    "and that listens on ADDRESS:PORT (192.0.2.1:443, [::1]:8025).\n"
	    "MODEL is a built-in model's name, an installed model's name, or\n"
	    "a model file: a model the client holds (built in, or installed\n"
	    "in %s, $DUST_MODEL_DIR) is named with its\n"
	    "digest; any other is embedded (and the invite is long).\n"
	    "--sni: the server_name of a TLS format's ClientHello (that of\n"
	    "the site --fallback relays to), instead of the model's.\n"
	    "--bridge-line prints the torrc line \"Bridge dust ADDRESS:PORT\n"
	    "[FP] key=... model=...\" instead (FP: the bridge's fingerprint).\n"
	    "--show prints the fields of an invite or a bridge line as JSON\n"
	    "(- reads it from standard input).\n", modelio_dir());
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

/*
 * with_sni(inv, embedded, sni): end the model field of ${inv} with the
 * option ";sni=${sni}" (model_check then loads it).  Return 0, or -1
 * after a warning (an embedded model, which says its "sni" itself).
 */
static int
with_sni(struct dust_invite * inv, int embedded, const char * sni)
{
	size_t len;
	char * field;

	if (inv->model == NULL || embedded) {
		warn0("--sni needs -m naming a model with a TLS format (an "
		    "embedded model file sets \"sni\" in its format)");
		free(inv->model);
		return (-1);
	}
	len = strlen(inv->model) + 1 + strlen(MODELIO_SNI_OPTION) +
	    strlen(sni) + 1;
	if ((field = malloc(len)) == NULL) {
		warnp("--sni");
		free(inv->model);
		return (-1);
	}
	snprintf(field, len, "%s;" MODELIO_SNI_OPTION "%s", inv->model, sni);
	free(inv->model);
	inv->model = field;
	return (0);
}

/*
 * make(keyfile, addr, model, sni, bridge, fp): print an invite, or with
 * ${bridge} a bridge line (with the fingerprint ${fp}, or none).  Return
 * the exit code.
 */
static int
make(const char * keyfile, const char * addr, const char * model,
    const char * sni, int bridge, const char * fp)
{
	struct dust_invite inv, check;
	char why[512], line[BRIDGE_LINE_MAX], * text;
	uint8_t sk[32];
	int rc, embedded = 0;

	memset(&inv, 0, sizeof(inv));
	if (invite_set_address(&inv, addr, why) != 0) {
		warn0("-a: %s", why);
		return (1);
	}
	rc = keyio_read(keyfile, sk, inv.pubkey);
	sodium_memzero(sk, sizeof(sk));
	if (rc != 0)
		return (1);
	if (model != NULL && (inv.model = modelio_field(model, &embedded,
	    why, sizeof(why))) == NULL) {
		warn0("-m %s: %s", model, why);
		return (1);
	}
	if (sni != NULL && with_sni(&inv, embedded, sni))
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
	rc = 1;
	if (invite_parse(&check, text, why) != 0) {
		warn0("cannot make the invite: %s", why);
	} else if (bridge) {
		if (bridge_line_format(&inv, fp, line, why) != 0)
			warn0("--bridge-line: %s", why);
		else if (printf("%s\n", line) > 0)
			rc = 0;
	} else if (printf("%s\n", text) > 0) {
		rc = 0;
		if (embedded)
			warn0("note: model %s is not installed here with the "
			    "same text (%s), so it is embedded: the invite is "
			    "%zu characters.  A model installed on both sides "
			    "is named instead (under 250 characters)", model,
			    modelio_dir(), strlen(text));
	}
	invite_free(&check);
	free(inv.model);
	free(text);
	return (rc);
}

/*
 * show(arg): print the fields of the invite or bridge line ${arg} as
 * JSON.
 */
static int
show(const char * arg)
{
	struct dust_invite inv;
	char why[INVITE_WHY_MAX], a[INET6_ADDRSTRLEN], key[65], sidhex[39];
	char * text = NULL, * out, fp[BRIDGE_FP_CHARS + 1] = "";
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
	arg += strspn(arg, " \t\r\n");
	if (strncasecmp(arg, "Bridge", 6) == 0 ||
	    strncmp(arg, BRIDGE_TRANSPORT " ", strlen(BRIDGE_TRANSPORT) + 1) ==
	    0)
		rc = bridge_line_parse(&inv, fp, arg, why);
	else
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
	/* A bridge line's fingerprint, if it has one. */
	if (j != NULL && fp[0] && json_object_set_new(j, "fingerprint",
	    json_string(fp))) {
		json_decref(j);
		j = NULL;
	}
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
 * dust invite -k KEYFILE -a ADDRESS:PORT [-m MODEL] [--sni HOST]
 * [--bridge-line [--fingerprint FP]] | --show INVITE.
 * Return the exit code.
 */
int
cmd_invite(int argc, char ** argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"show", required_argument, NULL, 's'},
		{"bridge-line", no_argument, NULL, 'b'},
		{"fingerprint", required_argument, NULL, 'f'},
		{"sni", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0}
	};
	const char * keyfile = NULL, * addr = NULL, * model = NULL;
	const char * invite = NULL, * fp = NULL, * sni = NULL;
	int ch, bridge = 0;

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
		case 'b':
			bridge = 1;
			break;
		case 'f':
			fp = optarg;
			break;
		case 'n':
			sni = optarg;
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
		if (keyfile || addr || model || bridge || fp || sni) {
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
	if (fp != NULL && (!bridge || strlen(fp) != BRIDGE_FP_CHARS ||
	    fp[strspn(fp, "0123456789abcdefABCDEF")] != '\0')) {
		warn0(bridge ? "--fingerprint %s is not 40 hex digits" :
		    "--fingerprint goes with --bridge-line", fp);
		return (1);
	}
	return (make(keyfile, addr, model, sni, bridge, fp));
}
