#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dust/api.h"
#include "dust/engine.h"
#include "dust/invite.h"
#include "dust/model.h"
#include "dust/seattle.h"

#include "dust.h"
#include "fileread.h"
#include "keyio.h"
#include "modelio.h"
#include "warnp.h"

/*
 * dust engine: one engine (include/dust/engine.h) spoken to through the
 * seed's command bytes (include/dust/api.h) on standard input and output,
 * so that a program in any language can drive Dust: it writes requests,
 * reads responses, and moves the wire bytes itself (docs/engine.md, "dust
 * engine").  A request outside the rules ends the process with a message
 * naming it.
 */

/* Input: room for the largest request (3 + 65535 bytes) twice over. */
#define INBUF	(2 * (3 + 65535))
/* Output: responses are gathered and written before reading again. */
#define OUTBUF	(4 * 65536)

/* usage(f): engine's options. */
static void
usage(FILE * f)
{

	fprintf(f, "usage: dust engine -r client -i INVITE [-v]\n"
	    "       dust engine -r server -k KEYFILE -i INVITE [-v]\n"
	    "Run one side of one Dust connection, driven through the seed's\n"
	    "API on standard input and output: each request is a command\n"
	    "byte and its arguments (integers 2 bytes big-endian), each\n"
	    "response the call's result.  INVITE is the invite text or a\n"
	    "file holding it; it gives the server's key, identifier and\n"
	    "the model.  The server's KEYFILE must hold the invite's key.\n"
	    "Long options: --role, --invite, --key, --verbose.\n");
}

/*
 * load_invite(arg, inv): parse the invite ${arg} (the text "dust:...", or
 * a file holding it) into ${inv}.  Return 0, or -1 after a warning.
 */
static int
load_invite(const char * arg, struct dust_invite * inv)
{
	char why[INVITE_WHY_MAX], * text = NULL;
	size_t len;
	int rc;

	if (strncmp(arg, INVITE_PREFIX, strlen(INVITE_PREFIX)) != 0) {
		/* Base64 of the largest model, with room for the rest. */
		if ((text = fileread(arg, 2 * INVITE_MODEL_MAX, &len)) == NULL)
			return (-1);
		arg = text;
	}
	rc = invite_parse(inv, arg, why);
	free(text);
	if (rc != 0) {
		warn0("invite: %s", why);
		return (-1);
	}
	return (0);
}

/*
 * load_model(inv): the model the invite ${inv} carries (modelio_invite).
 * Return it, or NULL after a warning.
 */
static struct dust_model *
load_model(const struct dust_invite * inv)
{
	struct dust_model * m;
	char why[256];

	if ((m = modelio_invite(inv->model, why, sizeof(why))) == NULL)
		warn0("invite's model: %s", why);
	return (m);
}

/*
 * writeall(buf, len): write ${len} bytes to standard output.  Return 0, or
 * -1 after a warning.
 */
static int
writeall(const uint8_t * buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(STDOUT_FILENO, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			warnp("cannot write responses to standard output");
			return (-1);
		}
		buf += n;
		len -= (size_t)n;
	}
	return (0);
}

/* cmdname(c): the name of command byte ${c}, or NULL if unknown. */
static const char *
cmdname(uint8_t c)
{

	switch (c) {
	case 0x00: return ("packet_count");
	case 0x01: return ("encoded_ready");
	case 0x02: return ("put_decoded");
	case 0x03: return ("get_encoded");
	case 0x11: return ("decoded_ready");
	case 0x12: return ("put_encoded");
	case 0x13: return ("get_decoded");
	default: return (NULL);
	}
}

/*
 * bad_request(e, in, why, nreq, off): say what was wrong with request
 * number ${nreq} (from 1), at input offset ${off}, whose bytes start at
 * ${in}, refused by dust_api_step with ${why}.
 */
static void
bad_request(struct dust_engine * e, const uint8_t * in, const char * why,
    uintmax_t nreq, uintmax_t off)
{

	if (cmdname(in[0]) == NULL)
		warn0("request %ju (input byte %ju): unknown command byte "
		    "0x%02x (known: 0x00 0x01 0x02 0x03 0x11 0x12 0x13)",
		    nreq, off, in[0]);
	else if (in[0] == 0x13)
		warn0("request %ju (input byte %ju): get_decoded(%u) but "
		    "decoded_ready is %u: asking for more than is ready is "
		    "an error", nreq, off, (unsigned)(in[1] << 8 | in[2]),
		    (unsigned)dust_decoded_ready(e));
	else
		warn0("request %ju (input byte %ju): %s", nreq, off, why);
}

/*
 * truncated(in, len, nreq, off): say that the input ended inside request
 * number ${nreq}, of which the ${len} bytes ${in} arrived.
 */
static void
truncated(const uint8_t * in, size_t len, uintmax_t nreq, uintmax_t off)
{
	const char * name = cmdname(in[0]);
	size_t need;

	/* Only commands with arguments can be cut short. */
	if (len < 3) {
		warn0("input ended inside request %ju (input byte %ju): "
		    "%s (0x%02x) needs a 2-byte argument, %zu byte%s "
		    "arrived", nreq, off, name, in[0], len - 1,
		    len == 2 ? "" : "s");
		return;
	}
	need = 3 + (size_t)(in[1] << 8 | in[2]);
	warn0("input ended inside request %ju (input byte %ju): "
	    "%s (0x%02x) of %zu bytes of data needs %zu bytes, %zu arrived",
	    nreq, off, name, in[0], need - 3, need, len);
}

/*
 * report(e, last): log a change of ${e}'s state since ${last}; return the
 * state now.
 */
static enum dust_engine_state
report(const struct dust_engine * e, enum dust_engine_state last)
{
	enum dust_engine_state st = dust_engine_state(e);

	if (st == last)
		return (st);
	if (st == DUST_ENGINE_ESTABLISHED)
		info0("handshake done: data flows");
	else if (st == DUST_ENGINE_FAILED)
		warn0("connection failed (silently: the engine goes on "
		    "sending model traffic): %s", dust_engine_failure(e));
	return (st);
}

/*
 * serve(e): execute the requests on standard input until it ends, writing
 * the responses to standard output.  Return the exit code.
 */
static int
serve(struct dust_engine * e)
{
	static uint8_t in[INBUF], out[OUTBUF];
	size_t have = 0, used = 0, outpos = 0, rlen;
	uintmax_t nreq = 1, off = 0;
	enum dust_engine_state st = DUST_ENGINE_HANDSHAKING;
	const char * why;
	ssize_t n;
	int k;

	for (;;) {
		/* Execute every whole request we hold. */
		for (;;) {
			if (outpos + DUST_API_RESPONSE_MAX > sizeof(out)) {
				if (writeall(out, outpos))
					return (1);
				outpos = 0;
			}
			k = dust_api_step(e, in + used, have - used,
			    out + outpos, &rlen, &why);
			if (k < 0) {
				/* Answer what came before, then stop. */
				(void)writeall(out, outpos);
				bad_request(e, in + used, why, nreq, off);
				return (1);
			}
			if (k == 0)
				break;
			used += (size_t)k;
			off += (uintmax_t)k;
			outpos += rlen;
			nreq++;
			st = report(e, st);
		}

		/* Answer before waiting for more. */
		if (writeall(out, outpos))
			return (1);
		outpos = 0;
		memmove(in, in + used, have - used);
		have -= used;
		used = 0;

		do {
			n = read(STDIN_FILENO, in + have, sizeof(in) - have);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			warnp("cannot read requests from standard input");
			return (1);
		}
		if (n == 0) {
			if (have == 0)
				return (0);
			truncated(in, have, nreq, off);
			return (1);
		}
		have += (size_t)n;
	}
}

/**
 * cmd_engine(argc, argv):
 * dust engine -r client|server [-k KEYFILE] -i INVITE [-v].  Return the
 * exit code.
 */
int
cmd_engine(int argc, char ** argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"role", required_argument, NULL, 'r'},
		{"invite", required_argument, NULL, 'i'},
		{"key", required_argument, NULL, 'k'},
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0}
	};
	const char * role = NULL, * invite = NULL, * keyfile = NULL;
	struct dust_invite inv;
	struct dust_model * m;
	struct dust_engine * e;
	uint8_t sid[SEATTLE_SID_MAX], sk[32], pk[32];
	size_t sidlen;
	int ch, server, rc;

	while ((ch = getopt_long(argc, argv, "hi:k:r:v", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return (0);
		case 'i':
			invite = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'r':
			role = optarg;
			break;
		case 'v':
			warnp_setverbose(1);
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
	if (role == NULL || invite == NULL) {
		warn0("%s is required", role == NULL ? "--role client|server" :
		    "--invite INVITE");
		usage(stderr);
		return (1);
	}
	if (strcmp(role, "client") == 0)
		server = 0;
	else if (strcmp(role, "server") == 0)
		server = 1;
	else {
		warn0("--role %s: must be client or server", role);
		return (1);
	}
	if (server && keyfile == NULL) {
		warn0("--role server needs --key KEYFILE");
		return (1);
	}
	if (!server && keyfile != NULL) {
		warn0("--key is for the server: a client has only the "
		    "invite");
		return (1);
	}

	if (load_invite(invite, &inv))
		return (1);
	sidlen = invite_sid(&inv, sid);
	if ((m = load_model(&inv)) == NULL) {
		invite_free(&inv);
		return (1);
	}
	if (server) {
		if (keyio_read(keyfile, sk, pk)) {
			rc = 1;
			goto out;
		}
		if (sodium_memcmp(pk, inv.pubkey, 32) != 0) {
			warn0("the invite is for another server: its public "
			    "key is not the one in %s", keyfile);
			sodium_memzero(sk, sizeof(sk));
			rc = 1;
			goto out;
		}
		/* One connection per process: nothing for a replay filter. */
		e = dust_engine_server_new(m, sk, sid, sidlen, NULL, NULL);
		sodium_memzero(sk, sizeof(sk));
	} else
		/* The mark, so that a dust server answers it too (a server
		   that does not check marks takes it for filler). */
		e = dust_engine_client_new_marked(m, inv.pubkey, sid, sidlen,
		    NULL, NULL, dust_engine_mark_hour((uint64_t)time(NULL)));
	if (e == NULL) {
		warnp("cannot create the engine");
		rc = 1;
		goto out;
	}

	/* A closed standard output is an error to report, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	rc = serve(e);
	dust_engine_free(e);
out:
	dust_model_free(m);
	invite_free(&inv);
	return (rc);
}
